package org.kmipappliance.hsm.testing;

import java.nio.file.Path;
import org.kmipappliance.hsm.pkcs11.HsmConfig;
import org.kmipappliance.hsm.pkcs11.Pkcs11Hsm;
import org.kmipappliance.hsm.pkcs11.SoftHsmToken;

/**
 * The SoftHSM2 token of one test JVM. The build points SOFTHSM2_CONF at target/softhsm/softhsm2.conf; the token
 * is made there on first use (a fresh one for each build after a clean).
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
            config = SoftHsmToken.provision(directory(), "kmip-appliance-test");
        }
        return config;
    }

    /** One logged-in HSM shared by the tests of this JVM. */
    public static synchronized Pkcs11Hsm hsm() {
        if (hsm == null) {
            hsm = Pkcs11Hsm.open(config());
        }
        return hsm;
    }
}
