package org.kmipappliance.kmipctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Bringing a KMIP client such as vCenter on board, each of its ways: the appliance issues it a certificate and key
 * ({@code cert-issue}), signs its CSR ({@code cert-sign}), and hands out the KMIP server's chain for it to trust
 * ({@code server-chain}). Files are never overwritten; keys are written readable by their owner only.
 */
final class Onboarding {
    private Onboarding() {
    }

    @Command(name = "cert-issue", mixinStandardHelpOptions = true, description = {
        "Have the appliance issue a client certificate and key for an adapter (vCenter's \"KMS certificate and "
                + "private key\"), registered at once.",
        "Writes DIR/client.pem, DIR/client-key.pem (or DIR/client.p12 with --p12) and DIR/ca.pem, the CA the "
                + "client must trust for the KMIP server. The appliance keeps no copy of the key."})
    static final class CertIssue implements Callable<Integer> {
        @ParentCommand
        Kmipctl root;

        @Parameters(paramLabel = "ADAPTER")
        String adapter;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "where to write the files")
        Path out;

        @Mixin
        Registration registration;

        @Option(names = "--common-name", paramLabel = "CN", description = "the certificate's subject CN "
                + "(default kmip-client-ADAPTER)")
        String commonName;

        @Option(names = "--key-type", paramLabel = "TYPE", description = "RSA-2048 (default: every vCenter reads "
                + "it), RSA-3072, RSA-4096, EC-P256 or EC-P384")
        String keyType;

        @Option(names = "--p12", description = "write the key and certificate as DIR/client.p12 instead of PEM "
                + "(needs --password-file)")
        boolean pkcs12;

        @Option(names = "--password-file", paramLabel = "FILE", description = "with --p12: a file holding its "
                + "password")
        Path passwordFile;

        @Override
        public Integer call() throws Exception {
            if (pkcs12 && passwordFile == null) {
                throw new Kmipctl.UsageFailure("--p12 needs --password-file FILE");
            }
            char[] password = pkcs12 ? Files.readString(passwordFile).strip().toCharArray() : null;
            Path certificateFile = out.resolve("client.pem");
            Path keyFile = out.resolve(pkcs12 ? "client.p12" : "client-key.pem");
            Path caFile = out.resolve("ca.pem");
            refuseExisting(certificateFile, keyFile, caFile);
            ObjectNode resource = ApiClient.JSON.createObjectNode();
            registration.addTo(resource);
            putIfGiven(resource, "common_name", commonName);
            putIfGiven(resource, "key_type", keyType);
            JsonNode issued = root.api().create(Kmipctl.adapterPath(adapter) + "/certificates/issue",
                    Kmipctl.CERTIFICATE_TYPE, resource);
            Files.createDirectories(out);
            String certificatePem = issued.path("certificate").asText();
            String trustedPem = lastOf(issued.path("kmip_server_chain").asText());
            if (pkcs12) {
                writePrivate(keyFile, pkcs12(certificatePem, issued.path("ca_certificate").asText(),
                        issued.path("private_key").asText(), password));
            } else {
                writePrivate(keyFile, issued.path("private_key").asText().getBytes(StandardCharsets.US_ASCII));
            }
            write(certificateFile, certificatePem);
            write(caFile, trustedPem);
            Output output = root.output();
            ((ObjectNode) issued).remove("private_key"); // written to its file, never printed
            output.one(issued, Resources.CERTIFICATE_FIELDS);
            output.note("wrote " + certificateFile + ", " + keyFile + " (owner only) and " + caFile + "; in vCenter, "
                    + "choose \"KMS certificate and private key\" and upload the first two, then \"Make vCenter "
                    + "trust KMS\" with " + caFile);
            return Kmipctl.EXIT_OK;
        }
    }

    @Command(name = "cert-sign", mixinStandardHelpOptions = true, description = {
        "Have the appliance sign a client's certificate signing request (vCenter's \"New Certificate Signing "
                + "Request\") and register the certificate to an adapter.",
        "The client keeps its key; the request must be signed by it."})
    static final class CertSign implements Callable<Integer> {
        @ParentCommand
        Kmipctl root;

        @Parameters(paramLabel = "ADAPTER")
        String adapter;

        @Option(names = "--csr", required = true, paramLabel = "FILE", description = "the request, PEM")
        Path csr;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write the signed "
                + "certificate, PEM")
        Path out;

        @Mixin
        Registration registration;

        @Override
        public Integer call() throws Exception {
            refuseExisting(out);
            ObjectNode resource = ApiClient.JSON.createObjectNode().put("csr", Files.readString(csr));
            registration.addTo(resource);
            JsonNode signed = root.api().create(Kmipctl.adapterPath(adapter) + "/certificates/sign",
                    Kmipctl.CERTIFICATE_TYPE, resource);
            write(out, signed.path("certificate").asText());
            root.output().one(signed, Resources.CERTIFICATE_FIELDS);
            root.output().note("wrote " + out + "; upload it to vCenter, and make vCenter trust the KMIP server "
                    + "with kmipctl server-chain");
            return Kmipctl.EXIT_OK;
        }
    }

    @Command(name = "server-chain", mixinStandardHelpOptions = true, description = {
        "Download the certificate chain the KMIP listener presents, what a KMIP client must trust (vCenter's "
                + "\"Make vCenter trust KMS\")."})
    static final class ServerChain implements Callable<Integer> {
        @ParentCommand
        Kmipctl root;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write it, PEM")
        Path out;

        @Override
        public Integer call() throws Exception {
            refuseExisting(out);
            JsonNode chain = root.api().get("/api/v2/appliance/kmip_server_chain").path("resources").path(0);
            write(out, chain.path("certificate_chain").asText());
            List<JsonNode> certificates = new ArrayList<>();
            chain.path("certificates").forEach(certificates::add);
            root.output().list(certificates, List.of(Output.Column.field("subject", "subject"),
                    Output.Column.field("sha-256", "sha256_fingerprint"),
                    Output.Column.field("expires", "not_after")));
            root.output().note("wrote " + out + " (the server's certificate first, then its issuers)");
            return Kmipctl.EXIT_OK;
        }
    }

    /** What both issued and signed certificates take: the registered name and the validity. */
    static final class Registration {
        @Option(names = "--name", paramLabel = "NAME", description = "the registered certificate's name")
        String name;

        @Option(names = "--days", paramLabel = "DAYS", description = "validity, 1 to 3650 (default 730)")
        Integer days;

        void addTo(ObjectNode resource) {
            putIfGiven(resource, "name", name);
            if (days != null) {
                resource.put("validity_days", days);
            }
        }
    }

    private static void putIfGiven(ObjectNode resource, String field, String value) {
        if (value != null) {
            resource.put(field, value);
        }
    }

    private static void refuseExisting(Path... files) throws Kmipctl.CommandFailure {
        for (Path file : files) {
            if (Files.exists(file)) {
                throw new Kmipctl.CommandFailure(file + " exists; move it away or choose another path (kmipctl "
                        + "never overwrites a file)");
            }
        }
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** Creates {@code file} readable by its owner only before a byte of the key is in it. */
    private static void writePrivate(Path file, byte[] content) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new IOException(file + " exists", e);
        }
        try (OutputStream stream = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
            stream.write(content);
        }
    }

    /** The last certificate of a PEM chain: the one a client must trust. */
    private static String lastOf(String chainPem) {
        int start = chainPem.lastIndexOf("-----BEGIN CERTIFICATE-----");
        return start < 0 ? chainPem : chainPem.substring(start);
    }

    /** A PKCS#12 file with the key and its certificate chain (the client's certificate, then the CA's). */
    private static byte[] pkcs12(String certificatePem, String caPem, String keyPem, char[] password)
            throws GeneralSecurityException, IOException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        X509Certificate certificate = (X509Certificate) factory.generateCertificate(
                new ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII)));
        Certificate ca = factory.generateCertificate(new ByteArrayInputStream(caPem.getBytes(
                StandardCharsets.US_ASCII)));
        byte[] der = Base64.getMimeDecoder().decode(keyPem.replaceAll("-----[A-Z ]+-----", ""));
        PrivateKey key = KeyFactory.getInstance(certificate.getPublicKey().getAlgorithm())
                .generatePrivate(new PKCS8EncodedKeySpec(der));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("client", key, password, new Certificate[] {certificate, ca});
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        store.store(bytes, password);
        return bytes.toByteArray();
    }
}
