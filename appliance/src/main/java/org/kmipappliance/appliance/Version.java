package org.kmipappliance.appliance;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** The appliance's version and the commit it was built from, as the build recorded them in git.properties. */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"kmip-appliance " + describe()};
    }

    /** "0.1.0 (commit 1a2b3c4, built 2026-11-29T10:00:00Z)"; "unknown" parts where the build had no git. */
    static String describe() {
        Properties build = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("/git.properties")) {
            if (in != null) {
                build.load(in);
            }
        } catch (IOException e) {
            // reported as unknown below
        }
        String commit = build.getProperty("git.commit.id.abbrev", "unknown");
        String dirty = "true".equals(build.getProperty("git.dirty")) ? "+changes" : "";
        return build.getProperty("git.build.version", "unknown") + " (commit " + commit + dirty + ", built "
                + build.getProperty("git.build.time", "unknown") + ")";
    }
}
