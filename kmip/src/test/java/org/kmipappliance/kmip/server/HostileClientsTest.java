package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.testing.LogCapture;
import org.kmipappliance.hsm.testing.PrometheusText;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TlsProbes;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.MessageCodec;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.RequestBatchItem;
import org.kmipappliance.kmip.message.RequestHeader;
import org.kmipappliance.kmip.message.RequestMessage;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;

/**
 * The KMIP listener against clients that do not play along: silent, stalling, too many, too slow, without TLS or
 * renegotiating. It must drop them on time, keep serving registered clients, and leak nothing. Tests named "A.." are
 * entries of the attack catalogue in docs/security.md.
 */
class HostileClientsTest {
    private static final Duration FIRST_BYTE_TIMEOUT = Duration.ofMillis(400);
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration FRAME_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(4);
    private static final int MAX_CONNECTIONS = 4;
    private static final int MAX_PER_SOURCE = 3;
    private static KmipTestServer fixture;
    private static SSLContext client;
    private final List<Socket> opened = new ArrayList<>();

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("hostile-test", config -> config
                .withTimeouts(HANDSHAKE_TIMEOUT, FIRST_BYTE_TIMEOUT, FRAME_TIMEOUT, IDLE_TIMEOUT)
                .withLimits(MAX_CONNECTIONS, MAX_PER_SOURCE));
        client = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @AfterEach
    void closeSockets() throws Exception {
        for (Socket socket : opened) {
            socket.close();
        }
        awaitOpenConnections(0);
    }

    /** A plain TCP connection from {@code localAddress} (any 127.x address is this machine). */
    private Socket rawSocket(String localAddress) throws IOException {
        Socket socket = new Socket();
        opened.add(socket);
        socket.bind(new InetSocketAddress(localAddress, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", fixture.server.port()));
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** A connection that has begun a TLS handshake (one byte of a ClientHello) and stalls there. */
    private Socket stalledHandshake(String localAddress) throws IOException {
        Socket socket = rawSocket(localAddress);
        socket.getOutputStream().write(0x16);
        socket.getOutputStream().flush();
        return socket;
    }

    private static void awaitOpenConnections(int expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (fixture.server.openConnections() != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(expected, fixture.server.openConnections());
    }

    private static double metric(String series) {
        return PrometheusText.parse(fixture.custody.metrics().render()).valueOrZero(series);
    }

    /** Milliseconds until the server closes {@code socket}, which sends nothing more. */
    private static long millisUntilClosed(Socket socket) throws IOException {
        long started = System.nanoTime();
        InputStream in = socket.getInputStream();
        try {
            while (in.read() >= 0) {
                // a TLS alert, perhaps; the close is what counts
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection", e);
        } catch (IOException e) {
            // reset: closed all the same
        }
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }

    private static void assertServes(KmipClient kmip) throws Exception {
        assertEquals(5, kmip.discoverVersions(List.of()).size());
    }

    @Test
    @DisplayName("A1 a connection that sends nothing is dropped at the first-byte timeout, long before the handshake's")
    void silentClient_isDroppedAtTheFirstByteTimeout() throws Exception {
        double before = metric("kmip_appliance_kmip_handshakes_failed_total{reason=\"silent\"}");
        long waited = millisUntilClosed(rawSocket("127.0.0.1"));
        assertTrue(waited >= FIRST_BYTE_TIMEOUT.toMillis() - 100, "not before the timeout: " + waited + " ms");
        assertTrue(waited < HANDSHAKE_TIMEOUT.toMillis(), "before the handshake timeout: " + waited + " ms");
        awaitOpenConnections(0);
        assertEquals(before + 1, metric("kmip_appliance_kmip_handshakes_failed_total{reason=\"silent\"}"));
    }

    @Test
    @DisplayName("A2 a handshake that stalls after its first byte is dropped at the handshake timeout")
    void stalledHandshake_isDroppedAtTheHandshakeTimeout() throws Exception {
        long waited = millisUntilClosed(stalledHandshake("127.0.0.1"));
        assertTrue(waited >= HANDSHAKE_TIMEOUT.toMillis() - 200, "not before the timeout: " + waited + " ms");
        assertTrue(waited < HANDSHAKE_TIMEOUT.toMillis() + 3_000, "soon after the timeout: " + waited + " ms");
    }

    @Test
    @DisplayName("A3 unfinished handshakes filling one source's share make room for a registered client there")
    void handshakingConnections_ofTheSameSource_areEvictedForARegisteredClient() throws Exception {
        double evicted = metric("kmip_appliance_kmip_connections_evicted_total");
        for (int i = 0; i < MAX_PER_SOURCE; i++) {
            stalledHandshake("127.0.0.1");
        }
        awaitOpenConnections(MAX_PER_SOURCE);
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            assertServes(kmip);
        }
        assertEquals(evicted + 1, metric("kmip_appliance_kmip_connections_evicted_total"));
    }

    @Test
    @DisplayName("A4 unfinished handshakes from other addresses filling the listener make room, oldest first")
    void handshakingConnections_ofOtherSources_areEvictedOldestFirst() throws Exception {
        Socket oldest = stalledHandshake("127.0.0.2");
        awaitOpenConnections(1);
        for (int i = 1; i < MAX_CONNECTIONS; i++) {
            stalledHandshake("127.0.0." + (2 + i % 2));
        }
        awaitOpenConnections(MAX_CONNECTIONS);
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            assertServes(kmip);
        }
        assertTrue(millisUntilClosed(oldest) < HANDSHAKE_TIMEOUT.toMillis(), "the oldest went to make room");
    }

    @Test
    @DisplayName("A5 when every connection is a registered client's, newcomers are refused, counted, and logged once")
    void connectionsOverTheLimit_areRefused_countedAndLoggedOncePerInterval() throws Exception {
        List<String> warnings = new ArrayList<>();
        Handler collector = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger serverLog = Logger.getLogger(KmipServer.class.getName());
        serverLog.addHandler(collector);
        KmipClient[] admitted = new KmipClient[MAX_PER_SOURCE];
        double refusedBefore = metric("kmip_appliance_kmip_connections_refused_total{reason=\"source_full\"}");
        try {
            for (int i = 0; i < MAX_PER_SOURCE; i++) {
                admitted[i] = fixture.connect(client, ProtocolVersion.V1_4);
                assertServes(admitted[i]);
            }
            int attempts = 30;
            for (int i = 0; i < attempts; i++) {
                assertThrows(IOException.class, () -> {
                    try (KmipClient extra = fixture.connect(client, ProtocolVersion.V1_4)) {
                        extra.discoverVersions(List.of());
                    }
                });
            }
            assertEquals(refusedBefore + attempts,
                    metric("kmip_appliance_kmip_connections_refused_total{reason=\"source_full\"}"));
            assertTrue(warnings.size() <= 1, "at most one line per minute: " + warnings);
            for (KmipClient kmip : admitted) {
                assertServes(kmip);
            }
        } finally {
            serverLog.removeHandler(collector);
            for (KmipClient kmip : admitted) {
                if (kmip != null) {
                    kmip.close();
                }
            }
        }
        awaitOpenConnections(0);
        try (KmipClient again = fixture.connect(client, ProtocolVersion.V1_4)) {
            assertServes(again);
        }
    }

    @Test
    @DisplayName("A6 slowloris: a request sent a byte at a time is cut at the frame timeout, within the idle timeout")
    void requestTrickledByteByByte_isCutAtTheFrameTimeout() throws Exception {
        try (SSLSocket slow = (SSLSocket) client.getSocketFactory().createSocket("localhost",
                fixture.server.port())) {
            slow.setSoTimeout(10_000);
            slow.startHandshake();
            OutputStream out = slow.getOutputStream();
            byte[] request = TtlvEncoder.encode(MessageCodec.encodeRequest(new RequestMessage(RequestHeader.simple(
                    ProtocolVersion.V1_4, 1), List.of(RequestBatchItem.of(Operation.DISCOVER_VERSIONS, null,
                    new Ttlv.Structure(Tag.REQUEST_PAYLOAD, List.of()))))));
            long started = System.nanoTime();
            boolean closed = false;
            for (int i = 0; i < request.length - 1 && !closed; i++) {
                try {
                    out.write(request[i]);
                    out.flush();
                    Thread.sleep(FRAME_TIMEOUT.toMillis() / 4);
                } catch (IOException e) {
                    closed = true;
                }
                closed |= Duration.ofNanos(System.nanoTime() - started).compareTo(IDLE_TIMEOUT) > 0;
            }
            long waited = millisUntilClosed(slow);
            long total = Duration.ofNanos(System.nanoTime() - started).toMillis();
            assertTrue(total < IDLE_TIMEOUT.toMillis(), "cut by the frame timeout, not the idle one: " + total
                    + " ms (" + waited + " ms after the last byte)");
            assertTrue(total >= FRAME_TIMEOUT.toMillis() - 100, "not before the frame timeout: " + total + " ms");
        }
        assertTrue(metric("kmip_appliance_kmip_frames_timed_out_total") >= 1);
    }

    @Test
    @DisplayName("A7 a connection idle past the idle timeout is closed")
    void idleClient_isClosedAtTheIdleTimeout() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            assertServes(kmip);
            assertTrue(kmip.awaitClosedByServer(IDLE_TIMEOUT.plusSeconds(2)), "an idle connection has been closed");
        }
    }

    @Test
    @DisplayName("A8 KMIP in plain TCP, without TLS, gets no KMIP answer and costs nothing")
    void plainTcpWithoutTls_getsNoAnswer() throws Exception {
        Socket plain = rawSocket("127.0.0.1");
        plain.getOutputStream().write(TtlvEncoder.encode(MessageCodec.encodeRequest(new RequestMessage(
                RequestHeader.simple(ProtocolVersion.V1_4, 1), List.of(RequestBatchItem.of(Operation.DISCOVER_VERSIONS,
                        null, new Ttlv.Structure(Tag.REQUEST_PAYLOAD, List.of())))))));
        plain.getOutputStream().flush();
        byte[] answer = plain.getInputStream().readNBytes(64);
        assertTrue(answer.length == 0 || answer[0] == 0x15, "nothing, or a TLS alert record; never KMIP");
        awaitOpenConnections(0);
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            assertServes(kmip);
        }
    }

    @Test
    @DisplayName("A9 a client may not renegotiate a TLS 1.2 session")
    // Main sets jdk.tls.rejectClientInitiatedRenegotiation before any TLS; the build's test JVMs set it the same way.
    void clientInitiatedRenegotiation_isRefused() throws Exception {
        TlsProbes.assertRenegotiationRefused(client.getSocketFactory(), fixture.server.port(), new byte[8]);
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            assertServes(kmip);
        }
    }

    @Test
    @DisplayName("A10 TLS 1.2 suites outside the AEAD list (CBC, static RSA) and TLS 1.1 are refused")
    void weakCipherSuitesAndOldProtocols_areRefused() throws Exception {
        TlsProbes.assertWeakOffersRefused(client.getSocketFactory(), fixture.server.port());
    }

    @Test
    @DisplayName("A11 connecting and leaving without a byte (vCenter's health check) leaks no thread or slot")
    void connectAndLeaveWithoutAByte_costsNothing() throws Exception {
        leaveWithoutAByte(10);
        int threadsBefore = Thread.activeCount();
        leaveWithoutAByte(40);
        assertTrue(Thread.activeCount() <= threadsBefore + 2, "no platform threads leak per connection");
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_1)) {
            assertServes(kmip);
        }
    }

    private void leaveWithoutAByte(int times) throws Exception {
        for (int i = 0; i < times; i++) {
            Socket socket = rawSocket("127.0.0.1");
            awaitOpenConnections(1);
            socket.close();
            awaitOpenConnections(0);
        }
    }

    @Test
    @DisplayName("A12 a half-sent request does not hold up other clients")
    void slowHalfFrame_doesNotBlockOtherClients() throws Exception {
        try (SSLSocket slow = (SSLSocket) client.getSocketFactory()
                .createSocket("localhost", fixture.server.port());
             KmipClient other = fixture.connect(client, ProtocolVersion.V1_4)) {
            slow.startHandshake();
            slow.getOutputStream().write(new byte[] {0x42, 0x00, 0x78, 0x01});
            slow.getOutputStream().flush();
            assertServes(other);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("another client was blocked", e);
        }
    }

    @Test
    @DisplayName("A39 clients without a certificate that leave as soon as their side of the handshake is done leave no "
            + "warning or stack trace, only a count")
    void clientsWithoutACertificate_leavingMidHandshake_areCountedNotLogged() throws Exception {
        SSLContext anonymous = TlsContexts.create(null, TestCertificates.authority().certificate());
        try (LogCapture log = LogCapture.install()) {
            for (int i = 0; i < 20; i++) {
                try (SSLSocket socket = (SSLSocket) anonymous.getSocketFactory().createSocket("localhost",
                        fixture.server.port())) {
                    socket.setSoTimeout(5_000);
                    socket.startHandshake(); // TLS 1.3: done on the client's side before the server checks it
                } catch (IOException refused) {
                    // refused before the client finished: as good
                }
            }
            awaitOpenConnections(0);
            Thread.sleep(500);
            assertFalse(log.text().contains("WARNING") || log.text().contains("SEVERE"), log.text());
        }
        assertTrue(metric("kmip_appliance_kmip_handshakes_failed_total{reason=\"no_certificate\"}")
                + metric("kmip_appliance_kmip_handshakes_failed_total{reason=\"closed_early\"}") >= 20);
    }
}
