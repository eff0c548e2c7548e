package org.kmipappliance.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.kmipappliance.hsm.ApiPrincipal;
import org.kmipappliance.hsm.ClientCertificate;
import org.kmipappliance.hsm.CustodyException;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipAdapter;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.hsm.ObjectState;
import org.kmipappliance.hsm.Page;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.CertificateSigningRequest;
import org.kmipappliance.hsm.pki.ClientKeyType;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pki.PemFiles;

/**
 * /api/v2/kmip_adapters and its certificates and kmip_objects. Shapes follow Key Protect field by field
 * (snake_case); KMIP objects are listed without key material, ever.
 */
final class KmipAdaptersService {
    static final String ADAPTER_TYPE = "application/vnd.ibm.kms.kmip_adapter+json";
    static final String CERTIFICATE_TYPE = "application/vnd.ibm.kms.kmip_client_certificate+json";
    static final String OBJECT_TYPE = "application/vnd.ibm.kms.kmip_object+json";

    private static final Set<ObjectState> DEFAULT_OBJECT_STATES = EnumSet.of(ObjectState.PRE_ACTIVE,
            ObjectState.ACTIVE, ObjectState.DEACTIVATED, ObjectState.COMPROMISED);

    /** Issued and signed client certificates: two years unless asked otherwise, ten at most. */
    static final int DEFAULT_VALIDITY_DAYS = 730;
    static final int MAX_VALIDITY_DAYS = 3650;

    private final KeyCustody custody;
    private final KmipOnboarding onboarding;

    KmipAdaptersService(KeyCustody custody, KmipOnboarding onboarding) {
        this.custody = custody;
        this.onboarding = onboarding;
    }

    void routes(Routes.Mount routes) {
        routes.post("/", this::createAdapter)
                .get("/", this::listAdapters)
                .get("/{adapter}", this::getAdapter)
                .delete("/{adapter}", this::deleteAdapter)
                .post("/{adapter}/certificates", this::addCertificate)
                .post("/{adapter}/certificates/issue", this::issueCertificate)
                .post("/{adapter}/certificates/sign", this::signCertificate)
                .get("/{adapter}/certificates", this::listCertificates)
                .get("/{adapter}/certificates/{certificate}", this::getCertificate)
                .delete("/{adapter}/certificates/{certificate}", this::deleteCertificate)
                .get("/{adapter}/kmip_objects", this::listObjects)
                .get("/{adapter}/kmip_objects/{object}", this::getObject)
                .delete("/{adapter}/kmip_objects/{object}", this::deleteObject);
    }

    private void createAdapter(ServerRequest req, ServerResponse res) {
        String context = "KMIP adapter could not be created";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KMIP_MANAGEMENT);
        JsonNode resource = Json.singleResource(req, context);
        JsonNode profileData = resource.path("profile_data");
        String crkId = profileData.isObject() ? Json.optionalText(profileData, "crk_id", context) : null;
        KmipAdapter adapter = CustodyCall.in(context, () -> custody.adapters().create(principal.instanceId(),
                Json.optionalText(resource, "name", context), Json.optionalText(resource, "description", context),
                Json.optionalText(resource, "profile", context), crkId, ApiAuthentication.requester(req)));
        Json.sendCollection(res, Status.CREATED_201, ADAPTER_TYPE, List.of(toJson(adapter)), null);
    }

    private void listAdapters(ServerRequest req, ServerResponse res) {
        String context = "KMIP adapters could not be listed";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KMIP_MANAGEMENT);
        Paging paging = Paging.of(req, 100, 200, context);
        Optional<String> crk = req.query().first("crk_id").map(String::strip).filter(value -> !value.isEmpty());
        // By id or alias, as adapter creation takes it; a key that does not exist has no adapters.
        Optional<UUID> crkFilter = crk.flatMap(value -> rootKeyNamed(principal, value));
        Page<KmipAdapter> page = crk.isPresent() && crkFilter.isEmpty() ? new Page<>(List.of(), 0)
                : custody.adapters().list(principal.instanceId(), paging.limit(), paging.offset(),
                crkFilter.orElse(null));
        Json.sendCollection(res, Status.OK_200, ADAPTER_TYPE,
                page.items().stream().map(KmipAdaptersService::toJson).toList(),
                paging.totalCount() ? page.total() : null);
    }

    private void getAdapter(ServerRequest req, ServerResponse res) {
        String context = "KMIP adapter could not be retrieved";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KMIP_MANAGEMENT);
        KmipAdapter adapter = adapterOf(req, principal, context);
        Json.sendCollection(res, Status.OK_200, ADAPTER_TYPE, List.of(toJson(adapter)), null);
    }

    private void deleteAdapter(ServerRequest req, ServerResponse res) {
        String context = "KMIP adapter could not be deleted";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KMIP_MANAGEMENT);
        String adapter = adapterOf(req, principal, context).id().toString();
        CustodyCall.in(context, () -> custody.adapters().delete(principal.instanceId(), adapter,
                ApiAuthentication.requester(req)));
        res.status(Status.NO_CONTENT_204).send();
    }

    private void deleteCertificate(ServerRequest req, ServerResponse res) {
        String context = "KMIP client certificate could not be deleted";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KMIP_MANAGEMENT);
        String adapter = adapterOf(req, principal, context).id().toString();
        CustodyCall.in(context, () -> custody.certificates().delete(principal.instanceId(), adapter,
                req.path().pathParameters().get("certificate"), ApiAuthentication.requester(req)));
        res.status(Status.NO_CONTENT_204).send();
    }

    private void getObject(ServerRequest req, ServerResponse res) {
        String context = "KMIP object could not be retrieved";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KMIP_MANAGEMENT);
        UUID id = objectId(req, context);
        String adapter = adapterOf(req, principal, context).id().toString();
        KmipObject object = CustodyCall.in(context, () -> custody.objects().get(principal.instanceId(), adapter,
                id));
        Json.sendCollection(res, Status.OK_200, OBJECT_TYPE, List.of(toJson(object)), null);
    }

    private void deleteObject(ServerRequest req, ServerResponse res) {
        String context = "KMIP object could not be deleted";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KMIP_MANAGEMENT);
        UUID id = objectId(req, context);
        boolean force = req.query().first("force").map(value -> {
            if (!value.equals("true") && !value.equals("false")) {
                throw ApiError.invalidQueryParameter(context, "force", "The query_param 'force' must be: true or false");
            }
            return Boolean.parseBoolean(value);
        }).orElse(false);
        String adapter = adapterOf(req, principal, context).id().toString();
        CustodyCall.in(context, () -> custody.objects().delete(principal.instanceId(), adapter, id, force,
                ApiAuthentication.requester(req)));
        res.status(Status.NO_CONTENT_204).send();
    }

    /**
     * The adapter the path names (by id or name), resolved first so that every audit record of the request, reads,
     * refusals and failures included, names the adapter it concerns.
     */
    private KmipAdapter adapterOf(ServerRequest req, ApiPrincipal principal, String context) {
        KmipAdapter adapter = CustodyCall.in(context, () -> custody.adapters().get(principal.instanceId(),
                req.path().pathParameters().get("adapter")));
        ApiAuthentication.requester(req).concerns(adapter.id());
        return adapter;
    }

    /** KMIP objects are addressed by UUID only; anything else cannot name one. */
    private static UUID objectId(ServerRequest req, String context) {
        String value = req.path().pathParameters().get("object");
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw new ApiError(Status.NOT_FOUND_404, "KMIP_OBJECT_NOT_FOUND_ERR", context,
                    "KMIP object " + value + " does not exist", null, null);
        }
    }

    private void addCertificate(ServerRequest req, ServerResponse res) {
        String context = "KMIP client certificate could not be created";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KMIP_MANAGEMENT);
        JsonNode resource = Json.singleResource(req, context);
        String pem = Json.optionalText(resource, "certificate", context);
        if (pem == null) {
            throw ApiError.invalidField(context, "certificate", "'certificate' must hold an X.509 certificate in PEM");
        }
        String adapter = adapterOf(req, principal, context).id().toString();
        ClientCertificate certificate = CustodyCall.in(context, () -> custody.certificates().add(
                principal.instanceId(), adapter, Json.optionalText(resource, "name", context), pem,
                ApiAuthentication.requester(req)));
        Json.sendCollection(res, Status.CREATED_201, CERTIFICATE_TYPE, List.of(toJson(certificate, true)), null);
    }

    /**
     * vCenter's "KMS issues the certificate and key": a new key and a client certificate for it, registered to the
     * adapter and answered once. The private key exists only in this response; the appliance keeps no copy.
     */
    private void issueCertificate(ServerRequest req, ServerResponse res) {
        String context = "KMIP client certificate could not be issued";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KMIP_MANAGEMENT);
        JsonNode resource = Json.singleResource(req, context);
        KmipAdapter adapter = adapterOf(req, principal, context);
        ClientKeyType keyType = keyTypeOf(resource, context);
        Duration validity = validityOf(resource, context);
        String commonName = Json.optionalText(resource, "common_name", context);
        if (commonName == null) {
            commonName = "kmip-client-" + adapter.name();
        } else if (commonName.isBlank() || commonName.length() > 64
                || commonName.chars().anyMatch(Character::isISOControl)) {
            throw ApiError.invalidField(context, "common_name", "'common_name' must be 1 to 64 characters without "
                    + "control characters");
        }
        CertificateAuthority.Issued issued = onboarding.clientAuthority().issueClient(commonName, keyType, validity);
        ClientCertificate registered = register(req, principal, adapter, resource, issued.certificate(), context);
        ObjectNode json = onboardingJson(registered);
        json.put("key_type", keyType.apiName());
        json.put("private_key", PemFiles.privateKeyPem(issued.privateKey()));
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        Json.sendCollection(res, Status.CREATED_201, CERTIFICATE_TYPE, List.of(json), null);
    }

    /** vCenter's "sign a CSR": the request's key and subject certified by the appliance's CA, and registered. */
    private void signCertificate(ServerRequest req, ServerResponse res) {
        String context = "KMIP client certificate could not be signed";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KMIP_MANAGEMENT);
        JsonNode resource = Json.singleResource(req, context);
        KmipAdapter adapter = adapterOf(req, principal, context);
        String csrPem = Json.optionalText(resource, "csr", context);
        if (csrPem == null) {
            throw ApiError.invalidField(context, "csr", "'csr' must hold a PKCS#10 certificate signing request in "
                    + "PEM");
        }
        CertificateSigningRequest csr;
        try {
            csr = CertificateSigningRequest.parse(csrPem);
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidField(context, "csr", e.getMessage());
        }
        Duration validity = validityOf(resource, context);
        X509Certificate signed = onboarding.clientAuthority().signClient(csr, validity);
        ClientCertificate registered = register(req, principal, adapter, resource, signed, context);
        Json.sendCollection(res, Status.CREATED_201, CERTIFICATE_TYPE, List.of(onboardingJson(registered)), null);
    }

    private ClientCertificate register(ServerRequest req, ApiPrincipal principal, KmipAdapter adapter,
                                       JsonNode resource, X509Certificate certificate, String context) {
        String name = Json.optionalText(resource, "name", context);
        return CustodyCall.in(context, () -> custody.certificates().add(principal.instanceId(),
                adapter.id().toString(), name, PemCertificates.toPem(certificate), ApiAuthentication.requester(req)));
    }

    /**
     * A registered certificate with what its client needs beside it: the CA that issued it, and the chain the KMIP
     * listener presents (its last certificate is what the client must trust: vCenter's "Make vCenter trust KMS").
     */
    private ObjectNode onboardingJson(ClientCertificate registered) {
        ObjectNode json = toJson(registered, true);
        json.put("ca_certificate", PemCertificates.toPem(onboarding.clientAuthority().certificate()));
        json.put("kmip_server_chain", KmipServerChainService.pem(onboarding.kmipServerChain().get()));
        return json;
    }

    private static ClientKeyType keyTypeOf(JsonNode resource, String context) {
        String name = Json.optionalText(resource, "key_type", context);
        if (name == null) {
            return ClientKeyType.RSA_2048;
        }
        try {
            return ClientKeyType.ofApiName(name);
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidField(context, "key_type", "'key_type' " + e.getMessage());
        }
    }

    private static Duration validityOf(JsonNode resource, String context) {
        JsonNode days = resource.get("validity_days");
        if (days == null || days.isNull()) {
            return Duration.ofDays(DEFAULT_VALIDITY_DAYS);
        }
        if (!days.canConvertToInt() || !days.isIntegralNumber() || days.asInt() < 1
                || days.asInt() > MAX_VALIDITY_DAYS) {
            throw ApiError.invalidField(context, "validity_days", "'validity_days' must be a whole number from 1 to "
                    + MAX_VALIDITY_DAYS);
        }
        return Duration.ofDays(days.asInt());
    }

    private void listCertificates(ServerRequest req, ServerResponse res) {
        String context = "KMIP client certificates could not be listed";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KMIP_MANAGEMENT);
        Paging paging = Paging.of(req, 100, 200, context);
        String adapter = adapterOf(req, principal, context).id().toString();
        Page<ClientCertificate> page = CustodyCall.in(context, () -> custody.certificates().list(
                principal.instanceId(), adapter, paging.limit(), paging.offset()));
        Json.sendCollection(res, Status.OK_200, CERTIFICATE_TYPE,
                page.items().stream().map(certificate -> toJson(certificate, false)).toList(),
                paging.totalCount() ? page.total() : null);
    }

    private void getCertificate(ServerRequest req, ServerResponse res) {
        String context = "KMIP client certificate could not be retrieved";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KMIP_MANAGEMENT);
        String adapter = adapterOf(req, principal, context).id().toString();
        ClientCertificate certificate = CustodyCall.in(context, () -> custody.certificates().get(
                principal.instanceId(), adapter, req.path().pathParameters().get("certificate")));
        Json.sendCollection(res, Status.OK_200, CERTIFICATE_TYPE, List.of(toJson(certificate, true)), null);
    }

    private void listObjects(ServerRequest req, ServerResponse res) {
        String context = "KMIP objects could not be listed";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KMIP_MANAGEMENT);
        Paging paging = Paging.of(req, 100, 5000, context);
        Set<ObjectState> states = Paging.states(req, context, ObjectState.class, ObjectState::ofCode,
                DEFAULT_OBJECT_STATES, "1 to 6");
        String adapter = adapterOf(req, principal, context).id().toString();
        Page<KmipObject> page = CustodyCall.in(context, () -> custody.objects().list(principal.instanceId(),
                adapter, states, paging.limit(), paging.offset()));
        Json.sendCollection(res, Status.OK_200, OBJECT_TYPE,
                page.items().stream().map(KmipAdaptersService::toJson).toList(),
                paging.totalCount() ? page.total() : null);
    }

    private Optional<UUID> rootKeyNamed(ApiPrincipal principal, String idOrAlias) {
        try {
            return Optional.of(custody.rootKeys().get(principal.instanceId(), idOrAlias).id());
        } catch (CustodyException e) {
            if (e.failure() == CustodyException.Failure.ROOT_KEY_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    static ObjectNode toJson(KmipAdapter adapter) {
        ObjectNode json = Json.object();
        json.put("id", adapter.id().toString());
        json.put("profile", adapter.profile());
        json.putObject("profile_data").put("crk_id", adapter.rootKeyId().toString());
        json.put("name", adapter.name());
        json.put("description", adapter.description());
        json.put("created_at", Json.time(adapter.createdAt()));
        json.put("created_by", adapter.createdBy());
        json.put("updated_at", Json.time(adapter.updatedAt()));
        json.put("updated_by", adapter.updatedBy());
        return json;
    }

    static ObjectNode toJson(ClientCertificate certificate, boolean withPem) {
        ObjectNode json = Json.object();
        json.put("id", certificate.id().toString());
        json.put("name", certificate.name());
        if (withPem) {
            json.put("certificate", certificate.pem());
        }
        json.put("created_at", Json.time(certificate.createdAt()));
        json.put("created_by", certificate.createdBy());
        // Appliance extensions, what an operator checks a certificate by (the console shows them).
        X509Certificate parsed = PemCertificates.parse(certificate.pem());
        json.put("fingerprint_sha256", PemCertificates.colonSeparated(PemCertificates.sha256Fingerprint(parsed)));
        json.put("subject", parsed.getSubjectX500Principal().getName());
        json.put("expires_at", Json.time(parsed.getNotAfter().toInstant()));
        return json;
    }

    static ObjectNode toJson(KmipObject object) {
        ObjectNode json = Json.object();
        json.put("id", object.id().toString());
        json.put("kmip_object_type", object.objectType());
        json.put("state", object.state().code());
        json.put("created_at", Json.time(object.createdAt()));
        putId(json, "created_by_kmip_client_cert_id", object.createdByCertificateId());
        json.put("created_by", object.createdBy());
        json.put("updated_at", Json.time(object.updatedAt()));
        putId(json, "updated_by_kmip_client_cert_id", object.updatedByCertificateId());
        json.put("updated_by", object.updatedBy());
        if (object.destroyedAt() != null) {
            json.put("destroyed_at", Json.time(object.destroyedAt()));
            putId(json, "destroyed_by_kmip_client_cert_id", object.destroyedByCertificateId());
            json.put("destroyed_by", object.destroyedBy());
        }
        return json;
    }

    private static void putId(ObjectNode json, String field, UUID id) {
        if (id != null) {
            json.put(field, id.toString());
        }
    }
}
