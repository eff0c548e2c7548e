package org.kmipappliance.hsm.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kmipappliance.hsm.pkcs11.HsmConfig;
import org.kmipappliance.hsm.pkcs11.Pkcs11Hsm;
import org.kmipappliance.hsm.pkcs11.SoftHsmToken;

/**
 * The HSM of one test JVM: by default a SoftHSM2 token the build makes under target/softhsm (SOFTHSM2_CONF points
 * there). To certify another PKCS#11 HSM, run the custody contract suite against it instead:
 *
 * <pre>
 * appliance/bin/run-tests -pl hsm -am -Dhsm.library=/opt/vendor/libpkcs11.so -Dhsm.slot=0 \
 *     -Dhsm.pin-file=/path/to/pin -Dtest='Pkcs11HsmTest,KeyCustodyTest,RootKeyLifecycleTest,RotationAtScaleTest'
 * </pre>
 */
public final class TestHsm {
    private static HsmConfig config;
    private static Pkcs11Hsm hsm;

    private TestHsm() {
    }

    /** The directory of the test token, from SOFTHSM2_CONF. */
    public static Path directory() {
        String conf = System.getenv("SOFTHSM2_CONF");
        if (conf == null) {
            throw new IllegalStateException("SOFTHSM2_CONF is not set; run the tests through Maven "
                    + "(appliance/bin/run-tests), which sets it");
        }
        return Path.of(conf).toAbsolutePath().getParent();
    }

    public static synchronized HsmConfig config() {
        if (config == null) {
            String library = property("hsm.library");
            config = library == null ? SoftHsmToken.provision(directory(), "kmip-appliance-test")
                    : new HsmConfig(Path.of(library),
                            property("hsm.slot") == null ? null : Long.valueOf(property("hsm.slot")),
                            property("hsm.slot-list-index") == null ? 0
                                    : Integer.parseInt(property("hsm.slot-list-index")),
                            Path.of(property("hsm.pin-file")), null);
        }
        return config;
    }

    /** A system property, or null when it is unset or empty (the build passes empty ones by default). */
    private static String property(String name) {
        String value = System.getProperty(name);
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** The -D options that give a child JVM the same HSM as this one. */
    public static List<String> childJvmOptions() {
        List<String> options = new ArrayList<>();
        for (String name : List.of("hsm.library", "hsm.slot", "hsm.slot-list-index", "hsm.pin-file")) {
            String value = property(name);
            if (value != null) {
                options.add("-D" + name + "=" + value);
            }
        }
        return options;
    }

    /** One logged-in HSM shared by the tests of this JVM. */
    public static synchronized Pkcs11Hsm hsm() {
        if (hsm == null) {
            hsm = Pkcs11Hsm.open(config());
        }
        return hsm;
    }
}
