package org.kmipappliance.rest;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import org.kmipappliance.hsm.pki.TlsPolicy;

/**
 * The REST listener's TLS: {@link TlsPolicy}'s protocols and suites, and a read timeout on every accepted socket.
 * Helidon's listener neither times out a TLS handshake nor applies its own read timeout to the sockets it accepts,
 * so a client that connects and stays silent would hold one of its connections for ever; ten thousand such clients
 * would lock every other client out. Helidon layers TLS over each accepted socket through this context's socket
 * factory, which is where the timeout is set: it bounds the handshake, and every wait for a request's next bytes.
 */
final class ServerTlsContext {
    private static final char[] IN_MEMORY = "in-memory".toCharArray();

    private ServerTlsContext() {
    }

    /** A server context presenting {@code chain} with {@code key}, reading with {@code readTimeout}. */
    static SSLContext create(PrivateKey key, List<X509Certificate> chain, Duration readTimeout) {
        SSLContext jdk;
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", key, IN_MEMORY, chain.toArray(X509Certificate[]::new));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, IN_MEMORY);
            jdk = SSLContext.getInstance("TLS");
            jdk.init(keys.getKeyManagers(), null, null);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS for the REST listener: " + e.getMessage(), e);
        }
        SSLParameters parameters = new SSLParameters(TlsPolicy.CIPHER_SUITES.toArray(String[]::new),
                TlsPolicy.PROTOCOLS.toArray(String[]::new));
        parameters.setUseCipherSuitesOrder(true);
        return new SSLContext(new TimedSpi(jdk, parameters, (int) readTimeout.toMillis()), jdk.getProvider(),
                jdk.getProtocol()) {
        };
    }

    private static final class TimedSpi extends SSLContextSpi {
        private final SSLContext jdk;
        private final SSLParameters parameters;
        private final TimedSocketFactory sockets;

        TimedSpi(SSLContext jdk, SSLParameters parameters, int readTimeoutMillis) {
            this.jdk = jdk;
            this.parameters = parameters;
            this.sockets = new TimedSocketFactory(jdk.getSocketFactory(), parameters, readTimeoutMillis);
        }

        @Override
        protected void engineInit(KeyManager[] keys, TrustManager[] trust, SecureRandom random)
                throws KeyManagementException {
            throw new KeyManagementException("initialised when made");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return sockets;
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return jdk.getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            SSLEngine engine = jdk.createSSLEngine();
            engine.setSSLParameters(parameters);
            return engine;
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            SSLEngine engine = jdk.createSSLEngine(host, port);
            engine.setSSLParameters(parameters);
            return engine;
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return jdk.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return jdk.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return parameters;
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return jdk.getSupportedSSLParameters();
        }
    }

    /** Layers server-mode TLS over an accepted socket, after setting its read timeout. */
    private static final class TimedSocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory jdk;
        private final SSLParameters parameters;
        private final int readTimeoutMillis;

        TimedSocketFactory(SSLSocketFactory jdk, SSLParameters parameters, int readTimeoutMillis) {
            this.jdk = jdk;
            this.parameters = parameters;
            this.readTimeoutMillis = readTimeoutMillis;
        }

        @Override
        public Socket createSocket(Socket accepted, InputStream consumed, boolean autoClose) throws IOException {
            accepted.setSoTimeout(readTimeoutMillis);
            SSLSocket tls = (SSLSocket) jdk.createSocket(accepted, consumed, autoClose);
            tls.setSSLParameters(parameters);
            return tls;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return parameters.getCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return jdk.getSupportedCipherSuites();
        }

        // The listener only layers TLS over accepted sockets; it never connects out.
        @Override
        public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
            throw new IOException("the REST listener's TLS context accepts connections only");
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            throw new IOException("the REST listener's TLS context accepts connections only");
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            throw new IOException("the REST listener's TLS context accepts connections only");
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            throw new IOException("the REST listener's TLS context accepts connections only");
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            throw new IOException("the REST listener's TLS context accepts connections only");
        }
    }
}
