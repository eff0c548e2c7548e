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

    private static final Properties BUILD = read();

    /** "0.1.0 (commit 1a2b3c4, built 2026-11-29T10:00:00Z)"; "unknown" parts where the build had no git. */
    static String describe() {
        return number() + " (commit " + commit() + ", built " + BUILD.getProperty("git.build.time", "unknown") + ")";
    }

    /** "0.1.0-SNAPSHOT". */
    static String number() {
        return BUILD.getProperty("git.build.version", "unknown");
    }

    /** "1a2b3c4", with "+changes" when the tree had uncommitted changes. */
    static String commit() {
        return BUILD.getProperty("git.commit.id.abbrev", "unknown")
                + ("true".equals(BUILD.getProperty("git.dirty")) ? "+changes" : "");
    }

    private static Properties read() {
        Properties build = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("/git.properties")) {
            if (in != null) {
                build.load(in);
            }
        } catch (IOException e) {
            // reported as unknown
        }
        return build;
    }
}
