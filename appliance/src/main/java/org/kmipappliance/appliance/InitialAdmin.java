package org.kmipappliance.appliance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import org.kmipappliance.hsm.Instance;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.Role;

/**
 * The first start of an empty appliance: a "default" instance and one Manager API token, written to a file only
 * the appliance's user can read, so the operator can make the first REST call. Nothing happens once any
 * instance exists.
 */
final class InitialAdmin {
    private static final System.Logger LOG = System.getLogger(InitialAdmin.class.getName());
    static final String INSTANCE = "default";
    static final String TOKEN_FILE = "initial-admin-api-token";

    private InitialAdmin() {
    }

    static void ensure(KeyCustody custody, Path stateDirectory) {
        if (custody.access().anyInstanceExists()) {
            return;
        }
        Instance instance = custody.access().createInstance(INSTANCE);
        String token = custody.access().issueToken(instance.id(), "initial administrator", EnumSet.of(Role.MANAGER),
                null).secret();
        Path file = stateDirectory.resolve(TOKEN_FILE);
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, "instance " + instance.id() + "\ntoken " + token + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the initial admin API token to " + file, e);
        }
        LOG.log(System.Logger.Level.WARNING, "first start: created instance {0} and a Manager API token in {1}; "
                + "read it, then delete the file", instance.id(), file);
    }
}
