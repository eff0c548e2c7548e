package org.kmipappliance.appliance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.kmipappliance.hsm.RootKeyPolicy;
import org.kmipappliance.kmip.server.KmipServerConfig;

/**
 * The appliance's configuration: one YAML file, every key optional, checked as a whole against {@link Settings}
 * before anything starts. With no file at all a node runs on its embedded defaults: a SoftHSM2 token and a
 * PostgreSQL under the state directory, both listeners on all addresses on their standard ports.
 */
public record ApplianceConfig(KmipListener kmipListener, RestListener restListener, Hsm hsm, Database database, Tls tls,
                              RootKeys rootKeys, Log log) {

    /**
     * Key Protect's root-key timing rules, and how many root keys an instance may hold. Timing defaults are Key
     * Protect's: one rotation per 60 minutes, enable 30 s after disable; 0 turns a rule off.
     */
    public record RootKeys(int rotationIntervalMinutes, int enableDelaySeconds, int maxPerInstance,
                           int restoreWindowDays, int purgeDelayMinutes, int automaticPurgeDays,
                           boolean allowPlainImport) {
        public RootKeyPolicy policy() {
            return new RootKeyPolicy(Duration.ofMinutes(rotationIntervalMinutes),
                    Duration.ofSeconds(enableDelaySeconds), maxPerInstance, Duration.ofDays(restoreWindowDays),
                    Duration.ofMinutes(purgeDelayMinutes), Duration.ofDays(automaticPurgeDays), allowPlainImport);
        }
    }

    /**
     * A listener's bind address, port, how many connections it keeps open at once, and the certificate it presents:
     * the operator's files, or null for one issued by the appliance's own CA.
     */
    public record Listener(String host, int port, int maxConnections, CertificateFiles certificate) {
        Listener moved(String newHost, int newPort) {
            return new Listener(newHost, newPort, maxConnections, certificate);
        }
    }

    /** The KMIP listener, how many connections one client address may hold, and whose TLS serves it. */
    public record KmipListener(Listener listener, int maxConnectionsPerSource, KmipServerConfig.TlsEngine tlsEngine) {
    }

    /** The REST listener, and who may read /metrics: "token" (an API token's holders) or "open". */
    public record RestListener(Listener listener, String metricsAccess) {
    }

    /** An operator's certificate for one listener: a PEM chain and key, or a PKCS#12 file and its password's file. */
    public record CertificateFiles(String certificateFile, String privateKeyFile, String pkcs12File,
                                   String pkcs12PasswordFile) {
        /** Reads and returns the identity; {@link ServerIdentity.Unusable} says why it cannot be. */
        ServerIdentity load() {
            return pkcs12File != null
                    ? ServerIdentity.fromPkcs12(Path.of(pkcs12File),
                            pkcs12PasswordFile == null ? null : Path.of(pkcs12PasswordFile))
                    : ServerIdentity.fromPem(Path.of(certificateFile), Path.of(privateKeyFile));
        }

        /** The file holding the private key. */
        Path keyFile() {
            return Path.of(pkcs12File != null ? pkcs12File : privateKeyFile);
        }

        /** The files whose change means the certificate was replaced. */
        List<Path> files() {
            List<Path> files = new ArrayList<>();
            for (String file : new String[] {certificateFile, privateKeyFile, pkcs12File, pkcs12PasswordFile}) {
                if (file != null) {
                    files.add(Path.of(file));
                }
            }
            return files;
        }
    }

    /**
     * The HSM. When {@code library} is absent the appliance uses its own SoftHSM2 token in the state directory.
     * The PIN comes from {@code pinFile} or the environment variable {@code pinEnv}, never from this file.
     */
    public record Hsm(String library, String tokenLabel, Long slot, int slotListIndex, String pinFile,
                      String pinEnv, int maxSessions, int restartAfterSeconds) {
    }

    /** PostgreSQL. When {@code jdbcUrl} is absent the appliance runs an embedded PostgreSQL in its state directory. */
    public record Database(String jdbcUrl, String user, String passwordFile, int maxConnections) {
        /** Whether the appliance runs its own PostgreSQL in the state directory. */
        public boolean embedded() {
            return jdbcUrl == null;
        }

        /** The external database's password, from its file (none without one). */
        public String password() {
            if (passwordFile == null) {
                return "";
            }
            try {
                return Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the database password file " + passwordFile, e);
            }
        }
    }

    /**
     * Names and addresses the TLS server certificate issued by the appliance's own CA is valid for, and how long
     * before its expiry it is renewed (and an operator's certificate warned about).
     */
    public record Tls(List<String> hostnames, List<String> ipAddresses, int renewBeforeDays) {
        public Duration renewBefore() {
            return Duration.ofDays(renewBeforeDays);
        }
    }

    /** How log records are written: one line each, as text or as JSON. */
    public record Log(String format) {
        public boolean json() {
            return "json".equals(format);
        }
    }

    /** The embedded defaults: every key at its default. */
    public static ApplianceConfig defaults() {
        return from(ConfigFile.none());
    }

    /** Reads and checks {@code file}; fails with every problem in it, one line each, before anything starts. */
    public static ApplianceConfig load(Path file) {
        return from(ConfigFile.read(file));
    }

    @SuppressWarnings("unchecked")
    private static ApplianceConfig from(ConfigFile file) {
        List<String> problems = new ArrayList<>(file.problems());
        checkHsm(file, problems);
        checkDatabase(file, problems);
        CertificateFiles kmipCertificate = certificateFiles(file, "kmip", problems);
        CertificateFiles restCertificate = certificateFiles(file, "rest", problems);
        if (((int) file.get("kmip.port")) != 0 && file.get("kmip.port").equals(file.get("rest.port"))) {
            problems.add(file.where("rest.port") + "is kmip.port too; the two listeners need ports of their own");
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return new ApplianceConfig(
                new KmipListener(new Listener((String) file.get("kmip.host"), (int) file.get("kmip.port"),
                        (int) file.get("kmip.max-connections"), kmipCertificate),
                        (int) file.get("kmip.max-connections-per-source"),
                        KmipServerConfig.TlsEngine.valueOf(((String) file.get("kmip.tls-engine"))
                                .toUpperCase(Locale.ROOT))),
                new RestListener(new Listener((String) file.get("rest.host"), (int) file.get("rest.port"),
                        (int) file.get("rest.max-connections"), restCertificate),
                        (String) file.get("rest.metrics-access")),
                new Hsm((String) file.get("hsm.library"), (String) file.get("hsm.token-label"),
                        (Long) file.get("hsm.slot"), file.isSet("hsm.slot-list-index")
                        ? (int) file.get("hsm.slot-list-index") : 0, (String) file.get("hsm.pin-file"),
                        (String) file.get("hsm.pin-env"), (int) file.get("hsm.max-sessions"),
                        (int) file.get("hsm.restart-after-seconds")),
                new Database((String) file.get("database.jdbc-url"), (String) file.get("database.user"),
                        (String) file.get("database.password-file"), (int) file.get("database.max-connections")),
                new Tls((List<String>) file.get("tls.hostnames"), (List<String>) file.get("tls.ip-addresses"),
                        (int) file.get("tls.renew-before-days")),
                new RootKeys((int) file.get("root-keys.rotation-interval-minutes"),
                        (int) file.get("root-keys.enable-delay-seconds"),
                        (int) file.get("root-keys.max-per-instance"),
                        (int) file.get("root-keys.restore-window-days"),
                        (int) file.get("root-keys.purge-delay-minutes"),
                        (int) file.get("root-keys.automatic-purge-days"),
                        (boolean) file.get("root-keys.allow-plain-import")),
                new Log((String) file.get("log.format")));
    }

    /** Keys that only mean something together, checked so that none is silently ignored. */
    private static void checkHsm(ConfigFile file, List<String> problems) {
        List<String> withLibrary = List.of("hsm.token-label", "hsm.slot", "hsm.slot-list-index", "hsm.pin-file",
                "hsm.pin-env");
        if (!file.isSet("hsm.library")) {
            withLibrary.stream().filter(file::isSet).forEach(key -> problems.add(file.where(key) + "applies only "
                    + "with hsm.library; the appliance's own SoftHSM2 token needs none of it"));
            return;
        }
        List<String> selectors = List.of("hsm.token-label", "hsm.slot", "hsm.slot-list-index").stream()
                .filter(file::isSet).toList();
        if (selectors.size() > 1) {
            problems.add(file.where(selectors.get(1)) + "give one of hsm.token-label, hsm.slot and "
                    + "hsm.slot-list-index, not " + String.join(" and ", selectors));
        }
        if (file.isSet("hsm.pin-file") && file.isSet("hsm.pin-env")) {
            problems.add(file.where("hsm.pin-env") + "give one of hsm.pin-file and hsm.pin-env, not both");
        }
        if (!file.isSet("hsm.pin-file") && !file.isSet("hsm.pin-env")) {
            problems.add(file.where("hsm.library") + "the HSM's user PIN needs a source: set hsm.pin-file (a file "
                    + "only the appliance's user can read) or hsm.pin-env (an environment variable's name)");
        }
    }

    private static void checkDatabase(ConfigFile file, List<String> problems) {
        if (!file.isSet("database.jdbc-url")) {
            for (String key : List.of("database.user", "database.password-file")) {
                if (file.isSet(key)) {
                    problems.add(file.where(key) + "applies only with database.jdbc-url; the embedded PostgreSQL "
                            + "makes its own role and password");
                }
            }
        } else if (!file.isSet("database.user")) {
            problems.add(file.where("database.jdbc-url") + "an external database needs database.user too");
        }
    }

    /**
     * A listener's own certificate files, checked as a start would read them: the keys that go together, then the
     * files themselves (the key is the certificate's, the chain in order, not expired, meant for servers). Null when
     * the listener uses a certificate from the appliance's CA.
     */
    private static CertificateFiles certificateFiles(ConfigFile file, String listener, List<String> problems) {
        String certificate = listener + ".certificate-file";
        String key = listener + ".private-key-file";
        String pkcs12 = listener + ".pkcs12-file";
        String password = listener + ".pkcs12-password-file";
        int before = problems.size();
        if (file.isSet(certificate) != file.isSet(key)) {
            String given = file.isSet(certificate) ? certificate : key;
            problems.add(file.where(given) + "give both " + certificate + " and " + key + ", or neither");
        }
        if (file.isSet(pkcs12) && (file.isSet(certificate) || file.isSet(key))) {
            problems.add(file.where(pkcs12) + "give " + pkcs12 + " or " + certificate + " and " + key + ", not both");
        }
        if (file.isSet(password) && !file.isSet(pkcs12)) {
            problems.add(file.where(password) + "applies only with " + pkcs12);
        }
        boolean unsound = List.of(certificate, key, pkcs12, password).stream()
                .anyMatch(given -> file.isSet(given) && !file.isSound(given));
        if (!file.isSet(certificate) && !file.isSet(pkcs12) || problems.size() > before || unsound) {
            return null; // nothing to read, or what is wrong is said already
        }
        CertificateFiles files = new CertificateFiles((String) file.get(certificate), (String) file.get(key),
                (String) file.get(pkcs12), (String) file.get(password));
        String where = file.where(file.isSet(pkcs12) ? pkcs12 : certificate);
        try {
            files.load().problems(Instant.now()).forEach(problem -> problems.add(where + problem));
        } catch (ServerIdentity.Unusable e) {
            problems.add(where + e.getMessage());
        }
        return files;
    }

    /** The same configuration with both listeners moved. */
    public ApplianceConfig withListeners(String host, int kmipPort, int restPort) {
        return new ApplianceConfig(new KmipListener(kmip().moved(host, kmipPort),
                kmipListener.maxConnectionsPerSource(), kmipListener.tlsEngine()),
                new RestListener(rest().moved(host, restPort), restListener.metricsAccess()), hsm, database, tls,
                rootKeys, log);
    }

    /** The KMIP listener's address, limit and certificate. */
    public Listener kmip() {
        return kmipListener.listener();
    }

    /** The REST listener's address, limit and certificate. */
    public Listener rest() {
        return restListener.listener();
    }
}
