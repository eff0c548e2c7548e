package org.kmipappliance.kmip.server;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.kmipappliance.hsm.pki.PemCertificates;

/**
 * Admits a client only if the SHA-256 fingerprint of its certificate is registered to an adapter. Issuers do not
 * matter: registration is the trust decision, exactly as in Key Protect. Runs during the handshake, on the TLS
 * delegated-task executor (never the event loop), since the lookup may touch the database.
 */
final class PinnedClientTrustManager extends X509ExtendedTrustManager {
    private static final System.Logger LOG = System.getLogger(PinnedClientTrustManager.class.getName());
    private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

    private final Predicate<String> isRegistered;

    PinnedClientTrustManager(Predicate<String> isRegistered) {
        this.isRegistered = isRegistered;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the client sent no certificate");
        }
        X509Certificate leaf = chain[0];
        leaf.checkValidity();
        String fingerprint = PemCertificates.sha256Fingerprint(leaf);
        if (!isRegistered.test(fingerprint)) {
            LOG.log(System.Logger.Level.WARNING, "refused a KMIP client: certificate {0} (subject {1}) is not "
                    + "registered to any adapter; register it with POST "
                    + "/api/v2/kmip_adapters/<adapter>/certificates", PemCertificates.colonSeparated(fingerprint),
                    leaf.getSubjectX500Principal().getName());
            throw new CertificateException("client certificate is not registered to any KMIP adapter");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("this trust manager only checks KMIP clients");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("this trust manager only checks KMIP clients");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("this trust manager only checks KMIP clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return NO_ISSUERS;
    }
}
