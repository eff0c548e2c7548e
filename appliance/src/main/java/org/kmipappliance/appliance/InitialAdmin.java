package org.kmipappliance.appliance;

import java.nio.file.Path;
import java.util.Optional;
import org.kmipappliance.hsm.IssuedApiToken;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.Requester;
import org.kmipappliance.hsm.system.PrivateFiles;

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

    /** Creates the first instance and its token if there is none yet; the file it wrote the token to, if so. */
    static Optional<Path> ensure(KeyCustody custody, Path stateDirectory) {
        Optional<IssuedApiToken> issued = custody.access().bootstrap(INSTANCE, "initial administrator",
                Requester.system("first-start"));
        if (issued.isEmpty()) {
            return Optional.empty();
        }
        Path file = stateDirectory.resolve(TOKEN_FILE);
        PrivateFiles.write(file, "instance " + issued.get().instanceId() + "\ntoken " + issued.get().secret() + "\n");
        LOG.log(System.Logger.Level.WARNING, "first start: created instance {0} and a Manager API token in {1}; "
                + "read it, then delete the file", issued.get().instanceId(), file);
        return Optional.of(file);
    }
}
