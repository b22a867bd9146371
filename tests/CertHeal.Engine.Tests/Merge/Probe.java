import java.io.FileInputStream;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

// A Java client that trusts only the given keystore: prints OK when the handshake succeeds.
public class Probe {
    public static void main(String[] args) throws Exception {
        KeyStore store = KeyStore.getInstance(args[3]);
        try (FileInputStream in = new FileInputStream(args[2])) {
            store.load(in, args[4].toCharArray());
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(args[0], Integer.parseInt(args[1]))) {
            socket.setSoTimeout(10000);
            socket.startHandshake();
            System.out.println("OK " + socket.getSession().getProtocol());
        } catch (Exception e) {
            System.out.println("FAILED " + e);
            System.exit(1);
        }
    }
}
