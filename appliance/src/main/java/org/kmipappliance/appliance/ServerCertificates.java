package org.kmipappliance.appliance;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.kmipappliance.hsm.metrics.Metrics;

/**
 * The certificates the KMIP and REST listeners present, kept current while the appliance runs. Each listener has
 * the operator's own (PEM or PKCS#12 files) or one issued by the appliance's CA. A periodic check renews the
 * appliance's before it expires and reloads the operator's when its files change (a new one that is not sound is
 * refused, and the old one kept), handing the result to the running listener: no restart. It also keeps what an
 * operator should hear about: a certificate close to expiry, one that does not name the address its listener is
 * reached at, a private key others can read.
 */
final class ServerCertificates implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ServerCertificates.class.getName());
    static final String KMIP = "kmip";
    static final String REST = "rest";

    /** One listener's certificate: where it comes from, what it is now, and who presents it. */
    private final class Slot {
        final String listener;
        final ApplianceConfig.Listener config;
        volatile ServerIdentity identity;
        volatile List<String> fileStates;
        volatile BiConsumer<PrivateKey, List<X509Certificate>> presenter = (key, chain) -> { };

        Slot(String listener, ApplianceConfig.Listener config) {
            this.listener = listener;
            this.config = config;
        }

        boolean ownCertificate() {
            return config.certificate() != null;
        }
    }

    /** KMIP first, then REST: the order warnings are given in. */
    private final List<Slot> slots = new CopyOnWriteArrayList<>();
    private final AppliancePki pki;
    private final Duration renewBefore;
    private final Clock clock;
    private final Metrics metrics;
    private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("certificate-check").factory());
    /** The day an operator's certificate was last warned about, so the log says it once a day, not every check. */
    private final Map<String, Instant> warnedOn = new ConcurrentHashMap<>();

    private ServerCertificates(AppliancePki pki, Duration renewBefore, Clock clock, Metrics metrics) {
        this.pki = pki;
        this.renewBefore = renewBefore;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * Reads each listener's certificate; fails, saying why and what to do, when an operator's cannot serve (it was
     * checked with the configuration, but files change).
     */
    static ServerCertificates load(ApplianceConfig config, AppliancePki pki, Clock clock, Metrics metrics) {
        ServerCertificates certificates = new ServerCertificates(pki, config.tls().renewBefore(), clock, metrics);
        certificates.add(KMIP, config.kmip());
        certificates.add(REST, config.rest());
        certificates.warnings().forEach(warning -> LOG.log(System.Logger.Level.WARNING, warning));
        return certificates;
    }

    private void add(String listener, ApplianceConfig.Listener config) {
        Slot slot = new Slot(listener, config);
        if (slot.ownCertificate()) {
            slot.fileStates = statesOf(config.certificate().files());
            slot.identity = config.certificate().load();
            List<String> problems = slot.identity.problems(clock.instant());
            if (!problems.isEmpty()) {
                throw new IllegalStateException("the " + listener.toUpperCase(Locale.ROOT) + " listener's "
                        + "certificate cannot serve: " + String.join("; ", problems));
            }
        } else {
            slot.identity = pki.serverIdentity();
        }
        slots.add(slot);
        metrics.gauge("kmip_appliance_tls_certificate_expiry_timestamp_seconds", "When the certificate a listener "
                + "presents expires, in seconds since the epoch", () -> slot.identity.notAfter().getEpochSecond(),
                "listener", listener);
    }

    ServerIdentity identity(String listener) {
        return slot(listener).identity;
    }

    /** Hands every later change of {@code listener}'s certificate to the running listener. */
    void presentWith(String listener, BiConsumer<PrivateKey, List<X509Certificate>> presenter) {
        slot(listener).presenter = presenter;
    }

    private Slot slot(String listener) {
        return slots.stream().filter(slot -> slot.listener.equals(listener)).findFirst().orElseThrow();
    }

    /** Checks every {@code interval}, until closed. */
    void checkEvery(Duration interval) {
        checks.scheduleWithFixedDelay(() -> {
            try {
                check();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the certificate check failed; it runs again in "
                        + interval.toMinutes() + " min", e);
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Renews the appliance's certificate when it is due, reloads an operator's whose files changed, and warns. */
    void check() {
        Instant now = clock.instant();
        if (slots.stream().anyMatch(slot -> !slot.ownCertificate())
                && pki.renewIfExpiring(renewBefore, now)) {
            slots.stream().filter(slot -> !slot.ownCertificate())
                    .forEach(slot -> replace(slot, pki.serverIdentity(), "renewed"));
        }
        for (Slot slot : slots) {
            if (slot.ownCertificate()) {
                reloadIfChanged(slot, now);
            }
        }
        for (String warning : warnings()) {
            Instant today = now.truncatedTo(ChronoUnit.DAYS);
            if (!today.equals(warnedOn.put(warning, today))) {
                LOG.log(System.Logger.Level.WARNING, warning);
            }
        }
    }

    private void reloadIfChanged(Slot slot, Instant now) {
        List<String> states = statesOf(slot.config.certificate().files());
        if (states.equals(slot.fileStates)) {
            return;
        }
        slot.fileStates = states;
        String listener = slot.listener.toUpperCase(Locale.ROOT);
        try {
            ServerIdentity replacement = slot.config.certificate().load();
            List<String> problems = replacement.problems(now);
            if (!problems.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "the " + listener + " listener's certificate files changed, but "
                        + "the new certificate cannot serve (" + String.join("; ", problems) + "); still presenting "
                        + slot.identity.describe());
                return;
            }
            replace(slot, replacement, "reloaded");
        } catch (ServerIdentity.Unusable e) {
            LOG.log(System.Logger.Level.WARNING, "the " + listener + " listener's certificate files changed but "
                    + "cannot be read (" + e.getMessage() + "); still presenting " + slot.identity.describe());
        }
    }

    private void replace(Slot slot, ServerIdentity replacement, String cause) {
        slot.presenter.accept(replacement.key(), replacement.chain());
        slot.identity = replacement;
        metrics.increment("kmip_appliance_tls_certificate_changes_total", "Certificates a running listener took "
                + "up, by listener and cause (renewed: by the appliance's CA; reloaded: the operator's files "
                + "changed)", "listener", slot.listener, "cause", cause);
        LOG.log(System.Logger.Level.INFO, "the {0} listener now presents {1}", slot.listener.toUpperCase(Locale.ROOT),
                replacement.describe());
    }

    /** Whether every listener's certificate is valid now: clients refuse an expired one. */
    boolean allValid() {
        Instant now = clock.instant();
        return slots.stream().allMatch(slot -> slot.identity.notAfter().isAfter(now));
    }

    /** What an operator should act on, one line each, for the log and /health. */
    List<String> warnings() {
        Instant now = clock.instant();
        Set<String> warnings = new LinkedHashSet<>();
        for (Slot slot : slots) {
            String listener = slot.listener.toUpperCase(Locale.ROOT);
            ServerIdentity identity = slot.identity;
            if (identity.notAfter().isBefore(now)) {
                warnings.add("the " + listener + " listener's certificate expired on " + identity.notAfter()
                        + "; clients refuse it: " + (slot.ownCertificate() ? "replace the files of "
                        + slot.listener + ".certificate-file or " + slot.listener + ".pkcs12-file" : "restart the "
                        + "appliance to renew it"));
            } else if (slot.ownCertificate() && identity.notAfter().isBefore(now.plus(renewBefore))) {
                warnings.add("the " + listener + " listener's certificate (" + identity.source() + ") expires on "
                        + identity.notAfter() + ", in " + Duration.between(now, identity.notAfter()).toDays()
                        + " days; replace its files (the appliance reloads them within the hour)");
            }
            if (slot.ownCertificate()) {
                warnings.addAll(identity.warnings(slot.config.certificate().keyFile()));
            }
            uncoveredAddress(slot).ifPresent(warnings::add);
        }
        return List.copyOf(warnings);
    }

    /**
     * A warning when the certificate names none of the ways clients reach the listener: for a listener on every
     * address, this machine's addresses (loopback aside) and host name; for one on a single address, that address.
     */
    private Optional<String> uncoveredAddress(Slot slot) {
        InetAddress bound;
        try {
            bound = InetAddress.getByName(slot.config.host());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
        X509Certificate certificate = slot.identity.certificate();
        List<String> dnsNames = new ArrayList<>();
        List<InetAddress> ipAddresses = new ArrayList<>();
        namesOf(certificate, dnsNames, ipAddresses);
        List<String> reachedAt = new ArrayList<>();
        boolean covered;
        if (bound.isAnyLocalAddress()) {
            List<InetAddress> addresses = machineAddresses();
            List<String> hostNames = machineNames();
            if (addresses.isEmpty() && hostNames.isEmpty()) {
                return Optional.empty();
            }
            addresses.forEach(address -> reachedAt.add(shown(address)));
            reachedAt.addAll(hostNames);
            covered = addresses.stream().anyMatch(ipAddresses::contains)
                    || hostNames.stream().anyMatch(name -> dnsNames.stream().anyMatch(dns -> matches(dns, name)));
        } else {
            reachedAt.add(shown(bound));
            covered = ipAddresses.contains(bound)
                    || bound.isLoopbackAddress() && dnsNames.stream().anyMatch(dns -> matches(dns, "localhost"));
        }
        if (covered) {
            return Optional.empty();
        }
        List<String> named = new ArrayList<>(dnsNames);
        ipAddresses.forEach(address -> named.add(shown(address)));
        String fix = slot.ownCertificate() ? "use a certificate that names one of them"
                : "add them to tls.hostnames and tls.ip-addresses, or give " + slot.listener + ".certificate-file";
        return Optional.of("the " + slot.listener.toUpperCase(Locale.ROOT) + " listener on "
                + slot.config.host() + " is reached at " + String.join(", ", reachedAt) + ", none of which its "
                + "certificate names (it names " + (named.isEmpty() ? "nothing" : String.join(", ", named))
                + "): clients that check the server's name, as vCenter does, will refuse it; " + fix);
    }

    /** An address as a client would type it: without an IPv6 scope ("%eth0"). */
    private static String shown(InetAddress address) {
        String text = address.getHostAddress();
        int scope = text.indexOf('%');
        return scope < 0 ? text : text.substring(0, scope);
    }

    private static void namesOf(X509Certificate certificate, List<String> dnsNames, List<InetAddress> ipAddresses) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names == null) {
                return;
            }
            for (List<?> name : names) {
                if (Integer.valueOf(2).equals(name.get(0))) {
                    dnsNames.add(((String) name.get(1)).toLowerCase(Locale.ROOT));
                } else if (Integer.valueOf(7).equals(name.get(0))) {
                    ipAddresses.add(InetAddress.getByName((String) name.get(1)));
                }
            }
        } catch (CertificateParsingException | UnknownHostException e) {
            // a name that cannot be read covers nothing
        }
    }

    /** A DNS name of a certificate against a host name; "*.example.com" matches one label. */
    private static boolean matches(String dnsName, String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (dnsName.startsWith("*.")) {
            int dot = name.indexOf('.');
            return dot > 0 && name.substring(dot).equals(dnsName.substring(1));
        }
        return dnsName.equals(name);
    }

    private static List<InetAddress> machineAddresses() {
        List<InetAddress> addresses = new ArrayList<>();
        try {
            for (NetworkInterface network : NetworkInterface.networkInterfaces().toList()) {
                if (network.isUp() && !network.isLoopback()) {
                    network.inetAddresses().filter(address -> !address.isLinkLocalAddress())
                            .forEach(addresses::add);
                }
            }
        } catch (SocketException e) {
            // no interfaces to report
        }
        return addresses;
    }

    private static List<String> machineNames() {
        Set<String> names = new LinkedHashSet<>();
        try {
            InetAddress local = InetAddress.getLocalHost();
            names.add(local.getHostName().toLowerCase(Locale.ROOT));
            names.add(local.getCanonicalHostName().toLowerCase(Locale.ROOT));
        } catch (UnknownHostException e) {
            // no name to report
        }
        // Without reverse DNS the "canonical name" is an address, already among the addresses.
        names.removeIf(name -> name.isEmpty() || name.equals("localhost") || name.matches("[0-9.]+")
                || name.contains(":"));
        return List.copyOf(names);
    }

    /** Size and modification time of each file: what changes when an operator replaces a certificate. */
    private static List<String> statesOf(List<Path> files) {
        List<String> states = new ArrayList<>();
        for (Path file : files) {
            try {
                states.add(file + "@" + Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis());
            } catch (IOException e) {
                states.add(file + "@missing");
            }
        }
        return states;
    }

    @Override
    public void close() {
        checks.shutdownNow();
    }
}
