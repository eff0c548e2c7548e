package org.kmipappliance.appliance;

import io.helidon.logging.common.spi.LoggingProvider;

/**
 * Tells Helidon that logging is taken care of: the appliance configures java.util.logging itself (Main, with
 * logging.properties and log.format). Without a provider Helidon prints a line about its missing logging module at
 * every start.
 */
public final class HelidonLogging implements LoggingProvider {
    @Override
    public void initialization() {
        // configured by Main before Helidon starts
    }

    @Override
    public void runTime() {
        // nothing changes at run time
    }
}
