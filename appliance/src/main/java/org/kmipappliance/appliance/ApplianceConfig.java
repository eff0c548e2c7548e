package org.kmipappliance.appliance;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.RootKeyPolicy;

/**
 * The appliance's configuration: one YAML file, every key optional. With no file at all a node runs on its
 * embedded defaults: a SoftHSM2 token and a PostgreSQL under the state directory, both listeners on all
 * addresses on their standard ports. See appliance/src/main/resources/kmip-appliance.example.yaml.
 */
public record ApplianceConfig(Listener kmip, Listener rest, Hsm hsm, Database database, Tls tls,
                              RootKeys rootKeys) {

    /**
     * Key Protect's root-key timing rules. Defaults are Key Protect's: one rotation per 60 minutes, enable 30 s
     * after disable; 0 turns a rule off.
     */
    public record RootKeys(Integer rotationIntervalMinutes, Integer enableDelaySeconds) {
        public RootKeyPolicy policy() {
            return new RootKeyPolicy(Duration.ofMinutes(rotationIntervalMinutes),
                    Duration.ofSeconds(enableDelaySeconds));
        }
    }

    /** A listener's bind address and port. */
    public record Listener(String host, Integer port, Integer maxConnections) {
    }

    /**
     * The HSM. When {@code library} is absent the appliance uses its own SoftHSM2 token in the state directory.
     * The PIN comes from {@code pinFile} or the environment variable {@code pinEnv}, never from this file.
     */
    public record Hsm(String library, String tokenLabel, Long slot, Integer slotListIndex, String pinFile,
                      String pinEnv, Integer maxSessions, Integer restartAfterSeconds) {
    }

    /** PostgreSQL. When {@code jdbcUrl} is absent the appliance runs an embedded PostgreSQL in its state directory. */
    public record Database(String jdbcUrl, String user, String passwordFile, Integer maxConnections) {
    }

    /** Names and addresses the TLS server certificate (issued by the appliance's own CA) is valid for. */
    public record Tls(List<String> hostnames, List<String> ipAddresses) {
    }

    public static ApplianceConfig defaults() {
        return new ApplianceConfig(null, null, null, null, null, null).withDefaults();
    }

    public static ApplianceConfig load(Path file) {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        try {
            if (!Files.exists(file)) {
                throw new IllegalArgumentException("the configuration file " + file + " does not exist");
            }
            ApplianceConfig read = yaml.readValue(file.toFile(), ApplianceConfig.class);
            return (read == null ? new ApplianceConfig(null, null, null, null, null, null) : read).withDefaults();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the configuration file " + file + ": "
                    + e.getMessage(), e);
        }
    }

    /** Fills every absent value with its default. */
    ApplianceConfig withDefaults() {
        Listener k = kmip == null ? new Listener(null, null, null) : kmip;
        Listener r = rest == null ? new Listener(null, null, null) : rest;
        Hsm h = hsm == null ? new Hsm(null, null, null, null, null, null, null, null) : hsm;
        Database d = database == null ? new Database(null, null, null, null) : database;
        Tls t = tls == null ? new Tls(null, null) : tls;
        RootKeys k2 = rootKeys == null ? new RootKeys(null, null) : rootKeys;
        return new ApplianceConfig(
                new Listener(or(k.host(), "0.0.0.0"), or(k.port(), 5696), or(k.maxConnections(), 1000)),
                new Listener(or(r.host(), "0.0.0.0"), or(r.port(), 8443), or(r.maxConnections(), 1000)),
                new Hsm(h.library(), h.tokenLabel(), h.slot(), or(h.slotListIndex(), 0), h.pinFile(), h.pinEnv(),
                        or(h.maxSessions(), KeyCustody.DEFAULT_HSM_SESSIONS),
                        or(h.restartAfterSeconds(), 120)),
                new Database(d.jdbcUrl(), d.user(), d.passwordFile(), or(d.maxConnections(), 10)),
                new Tls(or(t.hostnames(), List.of("localhost")), or(t.ipAddresses(), List.of("127.0.0.1"))),
                new RootKeys(or(k2.rotationIntervalMinutes(), 60), or(k2.enableDelaySeconds(), 30)));
    }

    /** The same configuration with both listeners moved. */
    public ApplianceConfig withListeners(String host, int kmipPort, int restPort) {
        return new ApplianceConfig(new Listener(host, kmipPort, kmip.maxConnections()),
                new Listener(host, restPort, rest.maxConnections()), hsm, database, tls, rootKeys);
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
