package org.kmipappliance.hsm.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The test run's log is quiet unless asked (mvn verify -Dtest.logs=verbose): the console shows warnings and
 * failures, not the INFO lines of HikariCP, Flyway and the appliance, while records are still made for the tests
 * that read the log.
 */
class QuietTestLogsTest {
    @Test
    void theConsoleShowsWarningsAndFailuresOnly() {
        String config = System.getProperty("java.util.logging.config.file");
        assertNotNull(config, "the build names the test logging configuration");
        assertTrue(Files.isRegularFile(Path.of(config)), config);
        assumeTrue(config.endsWith("quiet.properties"), "the verbose log was asked for");
        Handler console = Arrays.stream(Logger.getLogger("").getHandlers())
                .filter(ConsoleHandler.class::isInstance).findFirst().orElseThrow();
        assertFalse(console.isLoggable(new LogRecord(Level.INFO, "HikariPool-1 - Start completed.")));
        assertTrue(console.isLoggable(new LogRecord(Level.WARNING, "a warning")));
        assertTrue(Logger.getLogger("com.zaxxer.hikari.pool.HikariPool").isLoggable(Level.INFO),
                "records are still made for tests that read the log");
    }
}
