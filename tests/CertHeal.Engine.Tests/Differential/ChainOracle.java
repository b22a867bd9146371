import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileReader;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.security.KeyStore;
import java.security.Principal;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

// The Java oracle of the differential chain tests: for each case of a manifest (name TAB host TAB
// folder holding chain.pem and anchors.pem), the JDK's default X509TrustManager judges the chain as
// an X509ExtendedTrustManager during a TLS 1.3 client handshake with endpoint identification
// "HTTPS" and SNI, exactly as HttpsURLConnection and HttpClient call it. Every anchor file entry
// is a trustedCertEntry. Prints: name TAB OK, or name TAB FAIL TAB the exception.
public class ChainOracle {
    public static void main(String[] args) throws Exception {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        try (BufferedReader manifest = new BufferedReader(new FileReader(args[0]))) {
            String line;
            while ((line = manifest.readLine()) != null) {
                if (line.isBlank()) continue;
                String[] parts = line.split("\t");
                String name = parts[0], host = parts[1], folder = parts[2];
                boolean client = parts.length > 3 && parts[3].equals("client");
                try {
                    KeyStore store = KeyStore.getInstance("PKCS12");
                    store.load(null, null);
                    int i = 0;
                    try (FileInputStream in = new FileInputStream(folder + "/anchors.pem")) {
                        for (Certificate c : factory.generateCertificates(in)) store.setCertificateEntry("anchor" + (i++), c);
                    }
                    List<X509Certificate> chain = new ArrayList<>();
                    try (FileInputStream in = new FileInputStream(folder + "/chain.pem")) {
                        for (Certificate c : factory.generateCertificates(in)) chain.add((X509Certificate) c);
                    }
                    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                    tmf.init(store);
                    X509ExtendedTrustManager manager = null;
                    for (TrustManager m : tmf.getTrustManagers()) if (m instanceof X509ExtendedTrustManager x) manager = x;
                    if (client) {
                        // A TLS server judging a client certificate: authType is the client key's type.
                        manager.checkClientTrusted(chain.toArray(new X509Certificate[0]), chain.get(0).getPublicKey().getAlgorithm(), new Engine(host, false));
                        System.out.println(name + "\tOK");
                        continue;
                    }
                    String authType = chain.get(0).getPublicKey().getAlgorithm().equals("EC") ? "ECDHE_ECDSA" : "ECDHE_RSA";
                    manager.checkServerTrusted(chain.toArray(new X509Certificate[0]), authType, new Engine(host, true));
                    System.out.println(name + "\tOK");
                } catch (Exception e) {
                    System.out.println(name + "\tFAIL\t" + e.toString().replace('\n', ' ').replace('\t', ' '));
                }
            }
        }
    }

    private static boolean isIp(String host) {
        return host.matches("[0-9.]+") || host.contains(":");
    }

    /** A client engine in the middle of its handshake: what the trust manager asks of it is the session and the parameters. */
    static final class Engine extends SSLEngine {
        private final Session session;
        private final SSLParameters parameters = new SSLParameters();

        private final boolean clientMode;

        Engine(String host, boolean clientMode) {
            super(host, 443);
            this.clientMode = clientMode;
            session = new Session(host);
            if (clientMode) parameters.setEndpointIdentificationAlgorithm("HTTPS");
            if (!isIp(host)) parameters.setServerNames(List.of(new SNIHostName(host)));
        }

        @Override public SSLSession getHandshakeSession() { return session; }
        @Override public SSLParameters getSSLParameters() { return parameters; }
        @Override public boolean getUseClientMode() { return clientMode; }
        @Override public SSLEngineResult wrap(ByteBuffer[] s, int o, int l, ByteBuffer d) { throw new UnsupportedOperationException(); }
        @Override public SSLEngineResult unwrap(ByteBuffer s, ByteBuffer[] d, int o, int l) { throw new UnsupportedOperationException(); }
        @Override public Runnable getDelegatedTask() { return null; }
        @Override public void closeInbound() { }
        @Override public boolean isInboundDone() { return false; }
        @Override public void closeOutbound() { }
        @Override public boolean isOutboundDone() { return false; }
        @Override public String[] getSupportedCipherSuites() { return new String[0]; }
        @Override public String[] getEnabledCipherSuites() { return new String[0]; }
        @Override public void setEnabledCipherSuites(String[] s) { }
        @Override public String[] getSupportedProtocols() { return new String[] {"TLSv1.3"}; }
        @Override public String[] getEnabledProtocols() { return new String[] {"TLSv1.3"}; }
        @Override public void setEnabledProtocols(String[] p) { }
        @Override public SSLSession getSession() { return session; }
        @Override public void beginHandshake() { }
        @Override public SSLEngineResult.HandshakeStatus getHandshakeStatus() { return SSLEngineResult.HandshakeStatus.NEED_UNWRAP; }
        @Override public void setUseClientMode(boolean mode) { }
        @Override public void setNeedClientAuth(boolean need) { }
        @Override public boolean getNeedClientAuth() { return false; }
        @Override public void setWantClientAuth(boolean want) { }
        @Override public boolean getWantClientAuth() { return false; }
        @Override public void setEnableSessionCreation(boolean flag) { }
        @Override public boolean getEnableSessionCreation() { return true; }
    }

    /** The handshake session of a TLS 1.3 client: the signature schemes a JDK 17+ client offers for certificates. */
    static final class Session extends ExtendedSSLSession {
        private final String host;

        Session(String host) { this.host = host; }

        @Override public String[] getLocalSupportedSignatureAlgorithms() {
            return new String[] {
                "SHA256withECDSA", "SHA384withECDSA", "SHA512withECDSA", "RSASSA-PSS", "Ed25519", "Ed448",
                "SHA256withRSA", "SHA384withRSA", "SHA512withRSA", "SHA1withECDSA", "SHA1withRSA",
            };
        }
        @Override public String[] getPeerSupportedSignatureAlgorithms() { return getLocalSupportedSignatureAlgorithms(); }
        @Override public List<SNIServerName> getRequestedServerNames() {
            return isIp(host) ? List.of() : List.of(new SNIHostName(host));
        }
        @Override public List<byte[]> getStatusResponses() { return List.of(); }
        @Override public byte[] getId() { return new byte[0]; }
        @Override public SSLSessionContext getSessionContext() { return null; }
        @Override public long getCreationTime() { return 0; }
        @Override public long getLastAccessedTime() { return 0; }
        @Override public void invalidate() { }
        @Override public boolean isValid() { return true; }
        @Override public void putValue(String n, Object v) { }
        @Override public Object getValue(String n) { return null; }
        @Override public void removeValue(String n) { }
        @Override public String[] getValueNames() { return new String[0]; }
        @Override public Certificate[] getPeerCertificates() { return null; }
        @Override public Certificate[] getLocalCertificates() { return null; }
        @Override public javax.security.cert.X509Certificate[] getPeerCertificateChain() { return null; }
        @Override public Principal getPeerPrincipal() { return null; }
        @Override public Principal getLocalPrincipal() { return null; }
        @Override public String getCipherSuite() { return "TLS_AES_128_GCM_SHA256"; }
        @Override public String getProtocol() { return "TLSv1.3"; }
        @Override public String getPeerHost() { return host; }
        @Override public int getPeerPort() { return 443; }
        @Override public int getPacketBufferSize() { return 16709; }
        @Override public int getApplicationBufferSize() { return 16384; }
    }
}
