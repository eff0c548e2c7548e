package org.kmipappliance.hsm.pkcs11;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Where the HSM is and how to log in to it.
 *
 * @param library             the PKCS#11 library (for SoftHSM2: /usr/lib/softhsm/libsofthsm2.so)
 * @param slot                the slot id of the token; when null, {@code slotListIndex} picks the token
 * @param slotListIndex       index into the library's list of slots with a token, used when {@code slot} is null
 * @param pinFile             a file that holds the user PIN, readable by the appliance's user only
 * @param pinEnvironmentVariable the name of an environment variable holding the user PIN, used when no file is named
 */
public record HsmConfig(Path library, Long slot, int slotListIndex, Path pinFile, String pinEnvironmentVariable) {

    public HsmConfig {
        Objects.requireNonNull(library, "hsm.library must name the PKCS#11 library");
        if (pinFile == null && (pinEnvironmentVariable == null || pinEnvironmentVariable.isBlank())) {
            throw new IllegalArgumentException(
                    "the HSM user PIN has no source: set hsm.pin-file (a file readable only by the appliance user) "
                            + "or hsm.pin-env (the name of an environment variable)");
        }
    }

    /**
     * Reads the PIN from its source. A PIN file that others can read is refused, since the PIN unlocks every
     * root key on the token.
     */
    public char[] readPin() {
        if (pinFile != null) {
            try {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(pinFile);
                Set<PosixFilePermission> tooOpen = EnumSet.of(PosixFilePermission.GROUP_READ,
                        PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_WRITE,
                        PosixFilePermission.OTHERS_WRITE);
                tooOpen.retainAll(permissions);
                if (!tooOpen.isEmpty()) {
                    throw new HsmConfigurationException("the HSM PIN file " + pinFile
                            + " can be read or written by other users; run: chmod 600 " + pinFile);
                }
                String pin = Files.readString(pinFile, StandardCharsets.UTF_8).strip();
                if (pin.isEmpty()) {
                    throw new HsmConfigurationException("the HSM PIN file " + pinFile + " is empty");
                }
                return pin.toCharArray();
            } catch (IOException e) {
                throw new HsmConfigurationException("cannot read the HSM PIN file " + pinFile + ": " + e.getMessage());
            }
        }
        String pin = System.getenv(pinEnvironmentVariable);
        if (pin == null || pin.isBlank()) {
            throw new HsmConfigurationException("the environment variable " + pinEnvironmentVariable
                    + " that should hold the HSM PIN is not set");
        }
        return pin.strip().toCharArray();
    }

    /** The SunPKCS11 lines that select the token. */
    String slotSelection() {
        return slot != null ? "slot = " + slot : "slotListIndex = " + slotListIndex;
    }
}
