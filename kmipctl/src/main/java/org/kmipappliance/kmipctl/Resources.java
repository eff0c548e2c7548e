package org.kmipappliance.kmipctl;

import static org.kmipappliance.kmipctl.Output.Column.field;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.kmipappliance.kmipctl.Output.Column;

/** How each kind of resource is shown: the columns of its list and the fields of one. */
final class Resources {
    private static final Map<Integer, String> OBJECT_STATES = Map.of(1, "Pre-Active", 2, "Active", 3, "Deactivated",
            4, "Compromised", 5, "Destroyed", 6, "Destroyed Compromised");
    private static final Map<Integer, String> KEY_STATES = Map.of(0, "Pre-activation", 1, "Active", 2, "Suspended",
            3, "Deactivated (expired)", 5, "Destroyed");

    static final List<Column> ADAPTER_COLUMNS = List.of(field("name", "name"), field("id", "id"),
            new Column("root key", adapter -> adapter.path("profile_data").path("crk_id").asText()),
            field("created", "created_at"), field("description", "description"));
    static final List<Column> ADAPTER_FIELDS = List.of(field("Name", "name"), field("ID", "id"),
            field("Description", "description"), field("Profile", "profile"),
            new Column("Root key", adapter -> adapter.path("profile_data").path("crk_id").asText()),
            field("Created", "created_at"), field("Created by", "created_by"), field("Updated", "updated_at"),
            field("Updated by", "updated_by"));

    static final List<Column> CERTIFICATE_COLUMNS = List.of(field("name", "name"), field("id", "id"),
            field("created", "created_at"), field("created by", "created_by"));
    static final List<Column> CERTIFICATE_FIELDS = List.of(field("Name", "name"), field("ID", "id"),
            new Column("Subject", certificate -> described(certificate, x509 -> x509.getSubjectX500Principal()
                    .getName())),
            new Column("SHA-256", certificate -> described(certificate, Resources::fingerprint)),
            new Column("Expires", certificate -> described(certificate, x509 -> x509.getNotAfter().toInstant()
                    .toString())),
            field("Created", "created_at"), field("Created by", "created_by"));

    static final List<Column> OBJECT_COLUMNS = List.of(field("id", "id"),
            new Column("state", object -> OBJECT_STATES.getOrDefault(object.path("state").asInt(), "?")),
            new Column("type", Resources::objectType), field("created", "created_at"),
            field("created by", "created_by"));
    static final List<Column> OBJECT_FIELDS = List.of(field("ID", "id"), new Column("Type", Resources::objectType),
            new Column("State", object -> OBJECT_STATES.getOrDefault(object.path("state").asInt(), "?")),
            field("Created", "created_at"), field("Created by", "created_by"),
            field("Created by certificate", "created_by_kmip_client_cert_id"), field("Updated", "updated_at"),
            field("Updated by", "updated_by"), field("Destroyed", "destroyed_at"),
            field("Destroyed by", "destroyed_by"));

    static final List<Column> KEY_COLUMNS = List.of(field("id", "id"), field("name", "name"),
            new Column("state", key -> KEY_STATES.getOrDefault(key.path("state").asInt(), "?")),
            field("created", "creationDate"), field("last rotated", "lastRotateDate"), field("aliases", "aliases"));
    static final List<Column> KEY_FIELDS = List.of(field("ID", "id"), field("Name", "name"),
            field("Description", "description"), field("Aliases", "aliases"),
            new Column("State", key -> KEY_STATES.getOrDefault(key.path("state").asInt(), "?")),
            field("Algorithm", "algorithmType"), field("Created", "creationDate"), field("Created by", "createdBy"),
            field("Last rotated", "lastRotateDate"), field("Expires", "expirationDate"),
            field("Updated", "lastUpdateDate"), field("CRN", "crn"));

    static final List<Column> TOKEN_COLUMNS = List.of(field("id", "id"), field("roles", "roles"),
            field("description", "description"), field("created", "created_at"), field("expires", "expires_at"));
    static final List<Column> TOKEN_FIELDS = List.of(field("ID", "id"), field("Roles", "roles"),
            field("Description", "description"), field("Expires", "expires_at"), field("Secret", "secret"));

    private Resources() {
    }

    /** KMIP Object Type names (KMIP 1.4 section 9.1.3.2.12) of the types the appliance keeps. */
    private static final Map<Integer, String> OBJECT_TYPES = Map.of(1, "Certificate", 2, "Symmetric Key",
            3, "Public Key", 4, "Private Key", 5, "Split Key", 6, "Template", 7, "Secret Data", 8, "Opaque Object");

    private static String objectType(JsonNode object) {
        int type = object.path("kmip_object_type").asInt();
        return OBJECT_TYPES.getOrDefault(type, "type " + type);
    }

    private interface Describe {
        String of(X509Certificate certificate) throws CertificateException;
    }

    /** Something read from the resource's PEM, when it has one. */
    private static String described(JsonNode resource, Describe describe) {
        String pem = resource.path("certificate").asText("");
        if (pem.isEmpty()) {
            return "";
        }
        try {
            return describe.of(parse(pem));
        } catch (CertificateException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    static X509Certificate parse(String pem) throws CertificateException {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    /** The SHA-256 fingerprint as operators and the appliance's logs write it: 3f:a2:... */
    static String fingerprint(X509Certificate certificate) throws CertificateException {
        try {
            return HexFormat.ofDelimiter(":").formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
