package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.ProtocolVersion;

/**
 * Clients that do not play along: silent, idle, too many, or gone without a byte. The server must drop them on
 * time, keep serving everyone else, and leak nothing.
 */
class HostileClientsTest {
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(700);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(2);
    private static final int MAX_CONNECTIONS = 3;
    private static KmipTestServer fixture;
    private static SSLContext client;

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("hostile-test", config -> new KmipServerConfig(config.host(), config.port(),
                config.serverKey(), config.serverChain(), HANDSHAKE_TIMEOUT, IDLE_TIMEOUT, MAX_CONNECTIONS));
        client = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static Socket rawSocket() throws IOException {
        Socket socket = new Socket("127.0.0.1", fixture.server.port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static void awaitOpenConnections(int expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (fixture.server.openConnections() != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(expected, fixture.server.openConnections());
    }

    @Test
    void silentClient_isDroppedAtTheHandshakeTimeout() throws Exception {
        try (Socket socket = rawSocket()) {
            long started = System.nanoTime();
            InputStream in = socket.getInputStream();
            int read = in.read();
            long waited = Duration.ofNanos(System.nanoTime() - started).toMillis();
            assertEquals(-1, read, "the server closes a connection that never starts TLS");
            assertTrue(waited >= HANDSHAKE_TIMEOUT.toMillis() - 100, "not before the timeout: " + waited + " ms");
            assertTrue(waited < 5_000, "soon after the timeout: " + waited + " ms");
        }
        awaitOpenConnections(0);
    }

    @Test
    void idleClient_isClosedAtTheIdleTimeout() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            kmip.discoverVersions(List.of());
            Thread.sleep(IDLE_TIMEOUT.toMillis() + 1_000);
            assertThrows(IOException.class, () -> kmip.discoverVersions(List.of()),
                    "an idle connection has been closed");
        }
        awaitOpenConnections(0);
    }

    @Test
    void connectionsOverTheLimit_areRefused_andTheOthersKeepWorking() throws Exception {
        awaitOpenConnections(0);
        KmipClient[] open = new KmipClient[MAX_CONNECTIONS];
        try {
            for (int i = 0; i < MAX_CONNECTIONS; i++) {
                open[i] = fixture.connect(client, ProtocolVersion.V1_4);
                open[i].discoverVersions(List.of());
            }
            assertThrows(IOException.class, () -> {
                try (KmipClient extra = fixture.connect(client, ProtocolVersion.V1_4)) {
                    extra.discoverVersions(List.of());
                }
            });
            for (KmipClient kmip : open) {
                assertEquals(5, kmip.discoverVersions(List.of()).size(), "the admitted ones are unaffected");
            }
        } finally {
            for (KmipClient kmip : open) {
                if (kmip != null) {
                    kmip.close();
                }
            }
        }
        awaitOpenConnections(0);
        try (KmipClient again = fixture.connect(client, ProtocolVersion.V1_4)) {
            assertEquals(5, again.discoverVersions(List.of()).size(), "room again once connections closed");
        }
    }

    @Test
    void connectAndLeaveWithoutAByte_costsNothing() throws Exception {
        awaitOpenConnections(0);
        leaveWithoutAByte(10);
        int threadsBefore = Thread.activeCount();
        leaveWithoutAByte(40);
        assertTrue(Thread.activeCount() <= threadsBefore + 2, "no platform threads leak per connection");
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_1)) {
            assertEquals(5, kmip.discoverVersions(List.of()).size());
        }
    }

    /** vCenter's health check: connect, then close without sending anything, one connection at a time. */
    private static void leaveWithoutAByte(int times) throws Exception {
        for (int i = 0; i < times; i++) {
            Socket socket = rawSocket();
            awaitOpenConnections(1);
            socket.close();
            awaitOpenConnections(0);
        }
    }

    @Test
    void slowHalfFrame_doesNotBlockOtherClients() throws Exception {
        try (SSLSocket slow = (SSLSocket) client.getSocketFactory()
                .createSocket("localhost", fixture.server.port());
             KmipClient other = fixture.connect(client, ProtocolVersion.V1_4)) {
            slow.startHandshake();
            // Only the first 4 header bytes: the server waits for the rest without holding anyone else up.
            slow.getOutputStream().write(new byte[] {0x42, 0x00, 0x78, 0x01});
            slow.getOutputStream().flush();
            assertEquals(5, other.discoverVersions(List.of()).size());
        } catch (SocketTimeoutException e) {
            throw new AssertionError("another client was blocked", e);
        }
    }
}
