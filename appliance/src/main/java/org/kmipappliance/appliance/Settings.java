package org.kmipappliance.appliance;

import static org.kmipappliance.appliance.Setting.bindAddress;
import static org.kmipappliance.appliance.Setting.bool;
import static org.kmipappliance.appliance.Setting.choice;
import static org.kmipappliance.appliance.Setting.integer;
import static org.kmipappliance.appliance.Setting.ipAddress;
import static org.kmipappliance.appliance.Setting.list;
import static org.kmipappliance.appliance.Setting.pattern;
import static org.kmipappliance.appliance.Setting.port;
import static org.kmipappliance.appliance.Setting.readableFile;
import static org.kmipappliance.appliance.Setting.slot;
import static org.kmipappliance.appliance.Setting.text;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.RootKeyPolicy;
import org.kmipappliance.kmip.server.KmipServerConfig;
import org.kmipappliance.rest.RestServerConfig;

/**
 * Every key of the configuration file, with its type, range and default: the one place they are defined. The
 * reader ({@link ConfigFile}) checks a file against this list, {@link ApplianceConfig} reads values through it, and
 * the commented example file shipped as /etc/kmip-appliance/config.yaml is rendered from it ({@link #example()}).
 */
final class Settings {
    private static final String DNS_NAME = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
            + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*";

    static final List<Setting> ALL = Stream.of(List.of(
            new Setting("kmip.host", bindAddress(), "0.0.0.0", null,
                    "address the KMIP listener (TTLV over mutual TLS) binds; 0.0.0.0: every address"),
            new Setting("kmip.port", port(), 5696, null, "KMIP port; 5696 is KMIP's own"),
            new Setting("kmip.max-connections", integer(1, 100_000, ""), KmipServerConfig.DEFAULT_MAX_CONNECTIONS,
                    null, "KMIP connections open at once; beyond, the oldest still in its TLS handshake is dropped"),
            new Setting("kmip.max-connections-per-source", integer(1, 100_000, ""),
                    KmipServerConfig.DEFAULT_MAX_CONNECTIONS_PER_SOURCE, null,
                    "the same, for the connections of one client address"),
            new Setting("kmip.tls-engine", choice("boringssl", "jdk"), "boringssl", null,
                    "whose TLS serves KMIP: BoringSSL (bundled; the JDK's if it cannot load), or the JDK's only")),
            certificateFiles("kmip"), List.of(
            new Setting("rest.host", bindAddress(), "0.0.0.0", null,
                    "address the REST listener (Key Protect's API over HTTPS) binds"),
            new Setting("rest.port", port(), 8443, null, "REST port"),
            new Setting("rest.max-connections", integer(1, 100_000, ""), RestServerConfig.DEFAULT_MAX_CONNECTIONS,
                    null, "REST connections open at once; more wait until one closes"),
            new Setting("rest.metrics-access", choice("token", "open"), "token", null,
                    "who may read /metrics: holders of an API token, or everyone (/health is always open)")),
            certificateFiles("rest"), List.of(
            new Setting("hsm.library", readableFile(), null, "/usr/lib/softhsm/libsofthsm2.so",
                    "the HSM's PKCS#11 library; leave it out to use the appliance's own SoftHSM2 token"),
            new Setting("hsm.token-label", text(), null, "prod-kmip",
                    "with hsm.library: the token by its label (needs OpenSC's pkcs11-tool), or by one of:"),
            new Setting("hsm.slot", slot(), null, "1234567", "with hsm.library: the token's slot id, or:"),
            new Setting("hsm.slot-list-index", integer(0, 1000, ""), null, "0",
                    "with hsm.library: its place among the library's slots with a token (0 if none is given)"),
            new Setting("hsm.pin-file", readableFile(), null, "/etc/kmip-appliance/hsm-pin",
                    "with hsm.library: a file holding the user PIN, readable by the appliance's user only, or:"),
            new Setting("hsm.pin-env", pattern("[A-Za-z_][A-Za-z0-9_]*", "an environment variable's name"), null,
                    "KMIP_APPLIANCE_HSM_PIN", "with hsm.library: the environment variable that holds the user PIN"),
            new Setting("hsm.max-sessions", integer(1, 1024, ""), KeyCustody.DEFAULT_HSM_SESSIONS, null,
                    "HSM calls at once (one PKCS#11 session each); more callers wait their turn"),
            new Setting("hsm.restart-after-seconds", integer(0, 86_400, "0: never"), 120, null,
                    "after an HSM outage this long, exit with status 75 so the service manager restarts us"),
            new Setting("database.jdbc-url", pattern("jdbc:postgresql://.+", "a JDBC URL jdbc:postgresql://..."),
                    null, "jdbc:postgresql://db.example.com:5432/kmip",
                    "an external PostgreSQL 15+; leave it out to run an embedded one in <state>/postgres"),
            new Setting("database.user", text(), null, "kmip_appliance",
                    "with database.jdbc-url: the role, which owns the schema and is not a superuser"),
            new Setting("database.password-file", readableFile(), null, "/etc/kmip-appliance/db-password",
                    "with database.jdbc-url: a file holding the role's password"),
            new Setting("database.max-connections", integer(2, 1000, "migrating the schema takes two"), 10, null,
                    "database connections in the pool"),
            new Setting("tls.hostnames", list(pattern(DNS_NAME, "a DNS name"), 1), List.of("localhost"), null,
                    "names the appliance's own server certificate is issued for: how clients reach it"),
            new Setting("tls.ip-addresses", list(ipAddress(), 0), List.of("127.0.0.1"),
                    null, "addresses that certificate is issued for"),
            new Setting("tls.renew-before-days", integer(1, 365, ""), 30, null,
                    "renew that certificate this long before it expires; warn this long before an operator's does"),
            new Setting("root-keys.rotation-interval-minutes", integer(0, 525_600, "0: no limit"), 60, null,
                    "Key Protect's rule: a root key rotates at most once per this interval"),
            new Setting("root-keys.enable-delay-seconds", integer(0, 86_400, "0: no delay"), 30, null,
                    "Key Protect's rule: a disabled root key may be enabled only this long after"),
            new Setting("root-keys.max-per-instance", integer(1, 1_000_000, ""), RootKeyPolicy.DEFAULT_MAX_PER_INSTANCE,
                    null, "root keys an instance may hold; each version is an object in the HSM"),
            new Setting("root-keys.restore-window-days", integer(0, 3_650, "0: no restore"),
                    (int) RootKeyPolicy.KEY_PROTECT_RESTORE_WINDOW.toDays(), null,
                    "Key Protect's rule: a deleted root key may be restored this long after its deletion"),
            new Setting("root-keys.purge-delay-minutes", integer(0, 525_600, "0: at once"),
                    (int) RootKeyPolicy.KEY_PROTECT_PURGE_DELAY.toMinutes(), null,
                    "Key Protect's rule: a deleted root key may be purged (its HSM objects destroyed) this long after"),
            new Setting("root-keys.automatic-purge-days", integer(1, 3_650, ""),
                    (int) RootKeyPolicy.KEY_PROTECT_AUTOMATIC_PURGE.toDays(), null,
                    "Key Protect's rule: a deleted root key is purged this long after its deletion"),
            new Setting("root-keys.allow-plain-import", bool(), false, null,
                    "let root keys be imported from material sent in plain (no import token); it passes through "
                            + "the appliance's memory"),
            new Setting("log.format", choice("text", "json"), "text", null,
                    "one line per record: text, or json for log shippers")))
            .flatMap(List::stream).toList();

    /** The keys of a listener's own certificate, instead of one from the appliance's CA. */
    private static List<Setting> certificateFiles(String listener) {
        String etc = "/etc/kmip-appliance/" + listener;
        return List.of(
                new Setting(listener + ".certificate-file", readableFile(), null, etc + "-chain.pem",
                        "your certificate for this listener, PEM: the server's, then its issuers; leave it out to "
                                + "use one issued by the appliance's own CA"),
                new Setting(listener + ".private-key-file", readableFile(), null, etc + "-key.pem",
                        "with certificate-file: its private key, unencrypted PEM, readable by the appliance only"),
                new Setting(listener + ".pkcs12-file", readableFile(), null, etc + ".p12",
                        "or, instead of those two: a PKCS#12 file with the chain and the key"),
                new Setting(listener + ".pkcs12-password-file", readableFile(), null, etc + ".p12-password",
                        "with pkcs12-file: a file holding its password"));
    }

    private static final Map<String, Setting> BY_KEY = new LinkedHashMap<>();

    static {
        ALL.forEach(setting -> BY_KEY.put(setting.key(), setting));
    }

    private Settings() {
    }

    static Optional<Setting> named(String key) {
        return Optional.ofNullable(BY_KEY.get(key));
    }

    static boolean isSection(String name) {
        return ALL.stream().anyMatch(setting -> setting.section().equals(name));
    }

    static List<String> keysOf(String section) {
        return ALL.stream().filter(setting -> setting.section().equals(section)).map(Setting::name).toList();
    }

    static List<String> sections() {
        return ALL.stream().map(Setting::section).distinct().toList();
    }

    /**
     * The commented example configuration: every key, with its default (or, for one without, an example) and what
     * it is for. Uncomment a section's line and the keys to change.
     */
    static String example() {
        List<String> lines = new ArrayList<>(List.of(
                "# KMIP appliance configuration. Every key is optional: with none, a node runs on its embedded",
                "# defaults (its own SoftHSM2 token and PostgreSQL in the state directory). Shown below: each key",
                "# with its default, or an example where it has none. Uncomment a section and the keys to change.",
                "# Check a file with: kmip-appliance check-config --config FILE"));
        for (String section : sections()) {
            lines.add("");
            lines.add("# " + section + ":");
            for (Setting setting : ALL) {
                if (setting.section().equals(section)) {
                    String assignment = "#   " + setting.name() + ": " + setting.renderedFallback();
                    lines.add(assignment + " ".repeat(Math.max(1, 48 - assignment.length())) + "# "
                            + setting.description());
                }
            }
        }
        return String.join("\n", lines) + "\n";
    }
}
