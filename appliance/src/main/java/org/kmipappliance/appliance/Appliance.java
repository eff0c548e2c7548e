package org.kmipappliance.appliance;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.kmipappliance.hsm.Hsm;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.metrics.Metrics;
import org.kmipappliance.hsm.pkcs11.HsmConfig;
import org.kmipappliance.hsm.pkcs11.Pkcs11Hsm;
import org.kmipappliance.hsm.pkcs11.SoftHsmToken;
import org.kmipappliance.hsm.pkcs11.TokenLabels;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.store.EmbeddedPostgresServer;
import org.kmipappliance.hsm.system.PrivateFiles;
import org.kmipappliance.kmip.server.KmipServer;
import org.kmipappliance.kmip.server.KmipServerConfig;
import org.kmipappliance.kmip.server.RequestProcessor;
import org.kmipappliance.rest.HealthChecks;
import org.kmipappliance.rest.KmipOnboarding;
import org.kmipappliance.rest.RestServer;
import org.kmipappliance.rest.RestServerConfig;

/**
 * One running node: HSM, database, custody, and the KMIP and REST listeners, started in that order and closed in
 * the reverse order.
 */
public final class Appliance implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Appliance.class.getName());
    static final String SOFTHSM_TOKEN_LABEL = "kmip-appliance";
    /**
     * How often a node sweeps what crashes left and looks for re-wrap jobs no node works on: how soon a job of a
     * node that died is taken over.
     */
    static final Duration MAINTENANCE_INTERVAL = Duration.ofSeconds(5);
    /** How often the listeners' certificates are checked: renewal, replaced files, expiry warnings. */
    static final Duration CERTIFICATE_CHECK_INTERVAL = Duration.ofHours(1);
    /** A listener that has accepted no connection for this long is dead; the watchdog restarts the appliance. */
    static final Duration LISTENER_DEAD_AFTER = Duration.ofSeconds(20);
    /**
     * Descriptors besides client connections: the database pool, the embedded PostgreSQL's pipes, jars, the HSM
     * library, logs, and KMIP connections over their limit, which are accepted before they are closed.
     */
    static final int FILE_DESCRIPTORS_BESIDES_CONNECTIONS = 1024;

    private final Deque<AutoCloseable> openedInOrder;
    private final KeyCustody custody;
    private final AppliancePki pki;
    private final ServerCertificates certificates;
    private final KmipServer kmip;
    private final RestServer rest;
    private final Path stateDirectory;

    private Appliance(Deque<AutoCloseable> openedInOrder, KeyCustody custody, AppliancePki pki,
                      ServerCertificates certificates, KmipServer kmip, RestServer rest, Path stateDirectory) {
        this.openedInOrder = openedInOrder;
        this.custody = custody;
        this.pki = pki;
        this.certificates = certificates;
        this.kmip = kmip;
        this.rest = rest;
        this.stateDirectory = stateDirectory;
    }

    public static Appliance start(ApplianceConfig config, Path stateDirectory) {
        return start(config, stateDirectory, custody -> { });
    }

    /**
     * The same, running {@code beforeWork} on the custody module once it is open and before it does anything on
     * its own (sweeps, re-wrap jobs): where a restore brings the records in line with the HSM.
     */
    static Appliance start(ApplianceConfig config, Path stateDirectory, Consumer<KeyCustody> beforeWork) {
        requireFileDescriptorsForConnections(config, openFileLimit());
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        try {
            PrivateFiles.directory(stateDirectory);
            Pkcs11Hsm token = Pkcs11Hsm.open(hsmConfig(config.hsm(), stateDirectory));
            opened.push(token);
            // The embedded SoftHSM2 token never syncs its files; the appliance does, before it records a change.
            Hsm hsm = config.hsm().library() == null
                    ? SoftHsmToken.durable(token, stateDirectory.resolve("softhsm")) : token;
            Metrics metrics = new Metrics();
            CustodyDatabase database = openDatabase(config.database(), stateDirectory, opened, metrics);
            opened.push(database);
            KeyCustody custody = new KeyCustody(hsm, database, Clock.systemUTC(), config.rootKeys().policy(),
                    config.hsm().maxSessions());
            opened.push(custody);
            beforeWork.accept(custody);
            // What a crash left: HSM objects of unfinished attempts, re-wrap jobs that carry on where they were.
            custody.sweep();
            custody.rewrap().resumeAll();
            custody.startBackgroundWork(MAINTENANCE_INTERVAL);
            AppliancePki pki = AppliancePki.loadOrCreate(stateDirectory.resolve("pki"), config.tls().hostnames(),
                    config.tls().ipAddresses(), config.tls().renewBefore(), Instant.now());
            ServerCertificates certificates = ServerCertificates.load(config, pki, Clock.systemUTC(), metrics);
            opened.push(certificates);
            ServerIdentity kmipIdentity = certificates.identity(ServerCertificates.KMIP);
            KmipServer kmip = KmipServer.start(KmipServerConfig.defaults(config.kmip().host(), config.kmip().port(),
                    kmipIdentity.key(), kmipIdentity.chain()).withLimits(config.kmip().maxConnections(),
                    config.kmipListener().maxConnectionsPerSource())
                    .withTlsEngine(config.kmipListener().tlsEngine()), custody,
                    new RequestProcessor(custody, Clock.systemUTC()));
            opened.push(kmip);
            certificates.presentWith(ServerCertificates.KMIP, kmip::replaceIdentity);
            ServerIdentity restIdentity = certificates.identity(ServerCertificates.REST);
            RestServer rest = RestServer.start(new RestServerConfig(config.rest().host(), config.rest().port(),
                    config.rest().maxConnections(), RestServerConfig.DEFAULT_READ_TIMEOUT,
                    RestServerConfig.MetricsAccess.valueOf(
                    config.restListener().metricsAccess().toUpperCase(Locale.ROOT))), restIdentity.key(),
                    restIdentity.chain(), custody,
                    new HealthChecks(() -> Map.of("kmip", kmip.isListening(), "certificates",
                            certificates.allValid()), certificates::warnings),
                    new KmipOnboarding(pki.authority(),
                            () -> certificates.identity(ServerCertificates.KMIP).chain()));
            opened.push(rest);
            certificates.presentWith(ServerCertificates.REST, rest::replaceIdentity);
            certificates.checkEvery(CERTIFICATE_CHECK_INTERVAL);
            metrics.gauge("kmip_appliance_build_info", "The running build: always 1, its version and commit in the "
                    + "labels", () -> 1, "version", Version.number(), "commit", Version.commit());
            LOG.log(System.Logger.Level.INFO, "appliance started: KMIP on {0}:{1,number,#}, REST on https://{2}:{3,number,#}",
                    config.kmip().host(), kmip.port(), config.rest().host(), rest.port());
            return new Appliance(opened, custody, pki, certificates, kmip, rest, stateDirectory);
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
    }

    private static HsmConfig hsmConfig(ApplianceConfig.Hsm hsm, Path stateDirectory) {
        if (hsm.library() == null) {
            return SoftHsmToken.provision(stateDirectory.resolve("softhsm"), SOFTHSM_TOKEN_LABEL);
        }
        Path library = Path.of(hsm.library());
        Long slot = hsm.tokenLabel() != null ? Long.valueOf(TokenLabels.slotOf(library, hsm.tokenLabel())) : hsm.slot();
        return new HsmConfig(library, slot, hsm.slotListIndex(),
                hsm.pinFile() == null ? null : Path.of(hsm.pinFile()), hsm.pinEnv());
    }

    private static CustodyDatabase openDatabase(ApplianceConfig.Database database, Path stateDirectory,
                                                Deque<AutoCloseable> opened, Metrics metrics) {
        if (database.embedded()) {
            Path postgres = stateDirectory.resolve("postgres");
            EmbeddedPostgresServer server = EmbeddedPostgresServer.start(postgres, postgres.resolve("binaries"));
            opened.push(server);
            return CustodyDatabase.connect(server.jdbcUrl(), EmbeddedPostgresServer.ROLE, server.password(),
                    database.maxConnections(), metrics);
        }
        CustodyDatabase external = CustodyDatabase.connect(database.jdbcUrl(), database.user(), database.password(),
                database.maxConnections(), metrics);
        external.durabilityWarnings().forEach(warning -> LOG.log(System.Logger.Level.WARNING,
                "the database at " + database.jdbcUrl() + " is not durable: " + warning));
        return external;
    }

    public KeyCustody custody() {
        return custody;
    }

    AppliancePki pki() {
        return pki;
    }

    ServerCertificates certificates() {
        return certificates;
    }

    public int kmipPort() {
        return kmip.port();
    }

    public int restPort() {
        return rest.port();
    }

    public Path stateDirectory() {
        return stateDirectory;
    }

    /**
     * Refuses to start when the process may open fewer files than the listeners' connection limits need: the
     * limits are what keeps a flood of connections from exhausting file descriptors (which ends Helidon's accept
     * loop for good), and they only can if the descriptors are there.
     */
    static void requireFileDescriptorsForConnections(ApplianceConfig config, long openFileLimit) {
        long needed = (long) config.kmip().maxConnections() + config.rest().maxConnections()
                + FILE_DESCRIPTORS_BESIDES_CONNECTIONS;
        if (openFileLimit < needed) {
            throw new IllegalStateException("kmip.max-connections (" + config.kmip().maxConnections() + ") and "
                    + "rest.max-connections (" + config.rest().maxConnections() + ") with "
                    + FILE_DESCRIPTORS_BESIDES_CONNECTIONS + " descriptors for everything else need " + needed
                    + " open files, and this process may open " + openFileLimit + "; raise the limit (ulimit -n, "
                    + "or LimitNOFILE= in the systemd unit) or lower the connection limits");
        }
    }

    /** What the process may open (the JVM raises its soft limit to the hard one), or unlimited if unknown. */
    private static long openFileLimit() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : Long.MAX_VALUE;
    }

    /**
     * Watches the HSM and runs {@code giveUp} once it has failed for the configured time without a break
     * (hsm.restart-after-seconds; 0 turns the watchdog off). Closed with the appliance.
     */
    void watchHsm(Duration threshold, Runnable giveUp) {
        if (!threshold.isZero()) {
            openedInOrder.push(Watchdog.start("the HSM", () -> custody.health().get("hsm"), threshold,
                    "KMIP and REST answer Cryptographic Failure and 503 until it does", giveUp));
        }
    }

    /**
     * Watches that both listeners still accept connections, and runs {@code giveUp} when one has not for
     * {@link #LISTENER_DEAD_AFTER}. Closed with the appliance.
     */
    void watchListeners(Runnable giveUp) {
        openedInOrder.push(Watchdog.start("the KMIP listener", kmip::isListening, LISTENER_DEAD_AFTER,
                "no KMIP client can connect", giveUp));
        openedInOrder.push(Watchdog.start("the REST listener", rest::isAccepting, LISTENER_DEAD_AFTER,
                "no REST client can connect", giveUp));
    }

    public Path caCertificateFile() {
        return pki.caFile();
    }

    /** The embedded PostgreSQL, when the appliance runs one. */
    public Optional<EmbeddedPostgresServer> embeddedDatabase() {
        return openedInOrder.stream().filter(EmbeddedPostgresServer.class::isInstance)
                .map(EmbeddedPostgresServer.class::cast).findFirst();
    }

    @Override
    public void close() {
        closeAll(openedInOrder);
    }

    private static void closeAll(Deque<AutoCloseable> opened) {
        while (!opened.isEmpty()) {
            AutoCloseable next = opened.pop();
            try {
                next.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "could not close " + next.getClass().getSimpleName(), e);
            }
        }
    }
}
