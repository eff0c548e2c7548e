package org.kmipappliance.appliance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import org.kmipappliance.hsm.CustodyException;
import org.kmipappliance.hsm.Instance;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipAdapter;
import org.kmipappliance.hsm.Requester;
import org.kmipappliance.hsm.Role;
import org.kmipappliance.hsm.RootKey;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.hsm.system.PrivateFiles;
import org.kmipappliance.kmip.client.PyKmipConfig;

/**
 * Demo data on a running appliance: an instance, an admin API token, a root key, an adapter, and a client
 * certificate registered to it, with a PyKMIP configuration and a script next to them. Everything is found again
 * on a second run, so keys created earlier are still there.
 */
final class Demo {
    static final String INSTANCE = "demo";
    static final String ROOT_KEY = "demo-root-key";
    static final String ADAPTER = "demo-adapter";
    static final String CLIENT_CERTIFICATE = "demo-client";
    /** The demo's admin API token, alone in its file: what kmipctl login --token-file reads. */
    static final String API_TOKEN_FILE = "admin-api-token";

    /** Where the demo's files are and how to reach the appliance. */
    record Setup(Instance instance, String apiToken, KmipAdapter adapter, Path directory, Path pykmipConfig,
                 Path script) {
        @Override
        public String toString() {
            return "Setup[instance=" + instance.id() + ", adapter=" + adapter.name() + ", token redacted]";
        }
    }

    /** Who the demo's set-up is in the audit trail. */
    private static final Requester DEMO = Requester.system("demo");

    private Demo() {
    }

    static Setup prepare(Appliance appliance, String kmipHost) {
        KeyCustody custody = appliance.custody();
        Path directory = PrivateFiles.directory(appliance.stateDirectory().resolve("demo"));
        Instance instance = custody.access().findInstanceByName(INSTANCE)
                .orElseGet(() -> custody.access().createInstance(INSTANCE, DEMO));
        String token = apiToken(custody, instance, directory.resolve(API_TOKEN_FILE));
        RootKey rootKey = custody.rootKeys().list(instance.id(), 200, 0).items().stream()
                .filter(key -> key.name().equals(ROOT_KEY)).findFirst()
                .orElseGet(() -> custody.rootKeys().create(instance.id(), ROOT_KEY, "root key of the demo adapter",
                        DEMO));
        KmipAdapter adapter;
        try {
            adapter = custody.adapters().get(instance.id(), ADAPTER);
        } catch (CustodyException notYet) {
            adapter = custody.adapters().create(instance.id(), ADAPTER, "adapter of the demo",
                    KmipAdapter.NATIVE_PROFILE, rootKey.id().toString(), DEMO);
        }
        Path certificate = directory.resolve("client.pem");
        Path key = directory.resolve("client-key.pem");
        if (!Files.exists(certificate) || !Files.exists(key)) {
            CertificateAuthority.Issued client = appliance.pki().authority().issueClient("demo KMIP client",
                    Duration.ofDays(825));
            PemFiles.writePrivateKey(key, client.privateKey());
            PemFiles.writeCertificate(certificate, client.certificate());
        }
        String fingerprint = PemCertificates.sha256Fingerprint(PemFiles.readCertificate(certificate));
        if (custody.certificates().identify(fingerprint).isEmpty()) {
            custody.certificates().add(instance.id(), adapter.name(), CLIENT_CERTIFICATE,
                    PemCertificates.toPem(PemFiles.readCertificate(certificate)), DEMO);
            adapter = custody.adapters().get(instance.id(), ADAPTER); // a certificate added changed it
        }
        Path config = directory.resolve("pykmip.conf");
        PyKmipConfig.write(config, kmipHost, appliance.kmipPort(), certificate, key, appliance.caCertificateFile(),
                false);
        Path script = directory.resolve("create-and-get.py");
        write(script, """
                # Creates an AES-256 key through KMIP 1.4 with PyKMIP and fetches it back twice.
                import sys
                from kmip import enums
                from kmip.pie.client import ProxyKmipClient

                with ProxyKmipClient(config="client", config_file=%s,
                                     kmip_version=enums.KMIPVersion.KMIP_1_4) as client:
                    uid = client.create(enums.CryptographicAlgorithm.AES, 256,
                                        cryptographic_usage_mask=[enums.CryptographicUsageMask.ENCRYPT,
                                                                  enums.CryptographicUsageMask.DECRYPT])
                    first = client.get(uid).value
                    second = client.get(uid).value
                    print("created key", uid)
                    print("fetched it twice:", len(first), "bytes of key material,",
                          "identical" if first == second else "DIFFERENT")
                    sys.exit(0 if first == second and len(first) == 32 else 1)
                """.formatted(pythonString(config.toString())));
        return new Setup(instance, token, adapter, directory, config, script);
    }

    /** The demo's admin token: kept in a private file so a second run can print it again. */
    private static String apiToken(KeyCustody custody, Instance instance, Path file) {
        try {
            if (Files.exists(file)) {
                String saved = Files.readString(file, StandardCharsets.US_ASCII).strip();
                if (custody.access().authenticate(saved).filter(p -> p.instanceId().equals(instance.id()))
                        .isPresent()) {
                    return saved;
                }
            }
            String issued = custody.access().issueToken(instance.id(), "demo administrator",
                    EnumSet.of(Role.MANAGER), null, DEMO).secret();
            PrivateFiles.write(file, issued + "\n");
            return issued;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the demo API token in " + file, e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String pythonString(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
