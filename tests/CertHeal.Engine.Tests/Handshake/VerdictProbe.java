import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

// An HTTPS-style Java client with the JDK's default java.security: trusts only the PEM roots given,
// checks the host name like HttpsURLConnection does, prints OK <protocol> <suite> or FAILED <why>.
// With a client PKCS#12 and its password (args 3 and 4), or "-request" as arg 3, it also sends a request and reads the answer:
// TLS 1.3 servers judge the client certificate after the client's handshake has finished.
public class VerdictProbe {
    public static void main(String[] args) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (FileInputStream in = new FileInputStream(args[2])) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("root" + (i++), c);
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        KeyManagerFactory keys = null;
        if (args.length > 4) {
            KeyStore client = KeyStore.getInstance("PKCS12");
            try (FileInputStream in = new FileInputStream(args[3])) {
                client.load(in, args[4].toCharArray());
            }
            keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(client, args[4].toCharArray());
        }
        context.init(keys == null ? null : keys.getKeyManagers(), factory.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(args[0], Integer.parseInt(args[1]))) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(10000);
            socket.startHandshake();
            if (args.length > 3) {
                OutputStream out = socket.getOutputStream();
                out.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] head = new byte[5];
                InputStream in = socket.getInputStream();
                int n = in.readNBytes(head, 0, 5);
                if (n < 5 || !new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/")) {
                    throw new java.io.IOException("no HTTP answer after the handshake (" + n + " bytes)");
                }
            }
            System.out.println("OK " + socket.getSession().getProtocol() + " " + socket.getSession().getCipherSuite());
        } catch (Exception e) {
            System.out.println("FAILED " + e);
            System.exit(1);
        }
    }
}
