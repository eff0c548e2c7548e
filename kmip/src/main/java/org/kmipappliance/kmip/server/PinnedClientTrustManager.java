package org.kmipappliance.kmip.server;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.internal.tcnative.CertificateVerifier;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.kmipappliance.hsm.AuditLog;
import org.kmipappliance.hsm.Requester;
import org.kmipappliance.hsm.pki.PemCertificates;

/**
 * Admits a client only if the SHA-256 fingerprint of its certificate is registered to an adapter. Issuers do not
 * matter: registration is the trust decision, exactly as in Key Protect. Runs during the handshake, on the TLS
 * delegated-task executor (never the event loop), since the lookup may touch the database.
 */
final class PinnedClientTrustManager extends X509ExtendedTrustManager {
    private static final System.Logger LOG = System.getLogger(PinnedClientTrustManager.class.getName());
    private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

    /** A client certificate refused, and why in one word for the metrics: the TLS handshake fails with it. */
    static final class Refused extends CertificateException {
        private final String reason;

        Refused(String reason, String message, Throwable cause) {
            super(message, cause);
            this.reason = reason;
        }

        String reason() {
            return reason;
        }
    }

    private final Predicate<String> isRegistered;
    private final AuditLog audit;

    PinnedClientTrustManager(Predicate<String> isRegistered, AuditLog audit) {
        this.isRegistered = isRegistered;
        this.audit = audit;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, null);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain, socket.getInetAddress().getHostAddress() + ":" + socket.getPort());
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain, engine.getPeerHost() == null ? null : engine.getPeerHost() + ":" + engine.getPeerPort());
    }

    private void check(X509Certificate[] chain, String peer) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw alerting(new Refused("no_certificate", "the client sent no certificate", null),
                    () -> CertificateVerifier.X509_V_ERR_CERT_REJECTED);
        }
        X509Certificate leaf = chain[0];
        String fingerprint = PemCertificates.sha256Fingerprint(leaf);
        try {
            leaf.checkValidity();
        } catch (CertificateException e) {
            refused(peer, fingerprint, leaf, "has expired or is not valid yet (" + e.getMessage() + ")");
            throw alerting(new Refused("expired_certificate", "client certificate has expired or is not valid yet", e),
                    () -> e instanceof CertificateNotYetValidException
                            ? CertificateVerifier.X509_V_ERR_CERT_NOT_YET_VALID
                            : CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED);
        }
        if (!isRegistered.test(fingerprint)) {
            refused(peer, fingerprint, leaf, "is not registered to any adapter; register it with kmipctl "
                    + "cert-create ADAPTER -c @FILE (POST /api/v2/kmip_adapters/ADAPTER/certificates)");
            throw alerting(new Refused("unregistered_certificate", "client certificate is not registered to any KMIP "
                    + "adapter", null), () -> CertificateVerifier.X509_V_ERR_CERT_REJECTED);
        }
    }

    /**
     * The refusal as the TLS implementation should see it. BoringSSL turns the X.509 verification error of an
     * {@link OpenSslCertificateException} into the alert the client reads (bad_certificate, certificate_expired;
     * for any other exception, internal_error), and its library defines the numbers, so they are read only where it
     * has loaded; the JDK's TLS takes the refusal as it is. Either way the refusal stays in the cause chain, where
     * the handshake's failure is counted by its reason.
     */
    private static CertificateException alerting(Refused refused, IntSupplier verificationError) {
        return OpenSsl.isAvailable() ? new OpenSslCertificateException(refused.getMessage(), refused,
                verificationError.getAsInt()) : refused;
    }

    /** Recorded as an unidentified caller's event: bounded in number, escaped, with what the operator can do. */
    private void refused(String peer, String fingerprint, X509Certificate leaf, String why) {
        try {
            audit.recordUnidentified(Requester.unidentified(Requester.Channel.KMIP, "sha256:" + fingerprint, peer,
                    null), "kmip.handshake", null, "refused", "certificate " + PemCertificates.colonSeparated(
                    fingerprint) + " (subject " + leaf.getSubjectX500Principal().getName() + ") " + why);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "could not record a refused KMIP handshake from " + peer, e);
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
