import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

// A JSSE (SunJSSE) TLS server on loopback for suites this machine's OpenSSL cannot serve (3DES, RC4).
// Run with -Djava.security.properties=<file> that empties jdk.tls.disabledAlgorithms.
// Args: PKCS#12 path, password, protocols (comma list), suites (comma list). Prints "ACCEPT <port>",
// then answers every connection with a small HTTP response.
public class JsseServer {
    public static void main(String[] args) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(args[0])) {
            store.load(in, args[1].toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, args[1].toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        server.setEnabledProtocols(args[2].split(","));
        server.setEnabledCipherSuites(args[3].split(","));
        System.out.println("ACCEPT " + server.getLocalPort());
        System.out.flush();
        while (true) {
            SSLSocket socket = (SSLSocket) server.accept();
            new Thread(() -> serve(socket)).start();
        }
    }

    private static void serve(SSLSocket socket) {
        try (socket) {
            socket.setSoTimeout(10000);
            socket.startHandshake();
            InputStream in = socket.getInputStream();
            // Read the request head: up to an empty line (or 8 KiB).
            int c, blank = 0, total = 0;
            while (blank < 2 && total++ < 8192 && (c = in.read()) != -1) {
                blank = c == '\n' ? blank + 1 : c == '\r' ? blank : 0;
            }
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (Exception e) {
            System.err.println("connection failed: " + e);
        }
    }
}
