package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.testing.SocketFlood;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.ProtocolVersion;

/**
 * A13 of the attack catalogue: an attacker without a certificate holds 1000 connections open on the KMIP port
 * (the default kmip.max-connections), from ten addresses, half of them silent and half stalled in their handshake,
 * re-opening each one the server closes. A registered client connecting afresh for every request must still
 * succeed at least 90% of the time, on the listener's default settings.
 */
class KmipFloodTest {
    private static final int FLOOD = KmipServerConfig.DEFAULT_MAX_CONNECTIONS;
    private static final int SOURCES = 10;
    private static final Duration CANARY_RUN = Duration.ofSeconds(8);
    private static KmipTestServer fixture;
    private static SSLContext registered;

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("kmip-flood");
        registered = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @Test
    @DisplayName("A13 1000 idle or stalled sockets from ten addresses: a registered client still gets >= 90% through")
    void canary_keepsWorking_whileTheListenerIsFlooded() throws Exception {
        int attempts = 0;
        int succeeded = 0;
        List<String> failures = new ArrayList<>();
        int reopened;
        // Slot i comes from 127.0.0.(2 + i % 10); odd slots start a handshake and stall, even ones stay silent.
        try (SocketFlood flood = SocketFlood.hold(fixture.server.port(), FLOOD, i -> "127.0.0." + (2 + i % SOURCES),
                i -> i % 2 == 1)) {
            Thread.sleep(500);
            long end = System.nanoTime() + CANARY_RUN.toNanos();
            while (System.nanoTime() < end) {
                attempts++;
                try (KmipClient canary = KmipClient.connect(registered, "localhost", fixture.server.port(),
                        ProtocolVersion.V1_4, Duration.ofSeconds(5))) {
                    assertEquals(5, canary.discoverVersions(List.of()).size());
                    succeeded++;
                } catch (IOException e) {
                    failures.add(e.toString());
                }
            }
            reopened = flood.reopened();
        }
        double rate = (double) succeeded / attempts;
        System.out.printf("KmipFloodTest: canary %d/%d (%.1f%%) with %d flood sockets held, %d re-opened%n",
                succeeded, attempts, 100 * rate, FLOOD, reopened);
        assertTrue(attempts >= 20, "the canary ran: " + attempts);
        assertTrue(rate >= 0.9, "canary success " + succeeded + "/" + attempts + "; failures " + failures.stream()
                .distinct().limit(5).toList());
    }
}
