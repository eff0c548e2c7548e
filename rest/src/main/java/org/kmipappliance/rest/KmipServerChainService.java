package org.kmipappliance.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Collectors;
import org.kmipappliance.hsm.pki.PemCertificates;

/**
 * /api/v2/appliance/kmip_server_chain: the certificate chain the KMIP listener presents right now, what a KMIP
 * client must be given to trust the appliance (vCenter's "Make vCenter trust KMS"). Read from the listener's current
 * identity, so it always matches the handshake, after a renewal or an operator's replacement too.
 */
final class KmipServerChainService {
    static final String CHAIN_TYPE = "application/vnd.kmip-appliance.kmip_server_chain+json";

    private final KmipOnboarding onboarding;

    KmipServerChainService(KmipOnboarding onboarding) {
        this.onboarding = onboarding;
    }

    void routes(Routes.Mount routes) {
        routes.get("/", this::chain);
    }

    private void chain(ServerRequest req, ServerResponse res) {
        ApiAuthentication.require(req, ApiAuthentication.KMIP_MANAGEMENT);
        List<X509Certificate> chain = onboarding.kmipServerChain().get();
        ObjectNode json = Json.object();
        json.put("certificate_chain", pem(chain));
        ArrayNode certificates = json.putArray("certificates");
        for (X509Certificate certificate : chain) {
            certificates.addObject()
                    .put("subject", certificate.getSubjectX500Principal().getName())
                    .put("issuer", certificate.getIssuerX500Principal().getName())
                    .put("sha256_fingerprint", PemCertificates.colonSeparated(
                            PemCertificates.sha256Fingerprint(certificate)))
                    .put("not_after", Json.time(certificate.getNotAfter().toInstant()));
        }
        Json.sendCollection(res, Status.OK_200, CHAIN_TYPE, List.of(json), null);
    }

    /** The chain as one PEM text, the server's certificate first. */
    static String pem(List<X509Certificate> chain) {
        return chain.stream().map(PemCertificates::toPem).collect(Collectors.joining());
    }
}
