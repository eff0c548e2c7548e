package org.kmipappliance.hsm.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * An attacker without credentials holding connections open on a port: {@code count} sockets, each re-opened as soon
 * as the server closes it, by a thread of its own until {@link #close()}. Sockets may come from several loopback
 * addresses (any 127.x address is this machine) and may start a TLS handshake (one byte of a ClientHello) and stall.
 */
public final class SocketFlood implements AutoCloseable {
    private final int port;
    private final IntFunction<String> localAddress;
    private final IntPredicate startsHandshake;
    private final Socket[] held;
    private final AtomicBoolean flooding = new AtomicBoolean(true);
    private final AtomicInteger reopened = new AtomicInteger();
    private final Thread attacker;

    private SocketFlood(int port, int count, IntFunction<String> localAddress, IntPredicate startsHandshake) {
        this.port = port;
        this.localAddress = localAddress;
        this.startsHandshake = startsHandshake;
        this.held = new Socket[count];
        for (int i = 0; i < count; i++) {
            held[i] = open(i);
        }
        this.attacker = Thread.ofPlatform().name("socket-flood").start(this::keepOpen);
    }

    /**
     * Holds {@code count} connections to {@code port} on 127.0.0.1; socket {@code i} comes from
     * {@code localAddress.apply(i)} and sends one handshake byte if {@code startsHandshake.test(i)}.
     */
    public static SocketFlood hold(int port, int count, IntFunction<String> localAddress,
                                   IntPredicate startsHandshake) {
        return new SocketFlood(port, count, localAddress, startsHandshake);
    }

    /** Connections the server closed and the flood opened again. */
    public int reopened() {
        return reopened.get();
    }

    private void keepOpen() {
        while (flooding.get()) {
            for (int i = 0; i < held.length && flooding.get(); i++) {
                if (closedByServer(held[i])) {
                    close(held[i]);
                    held[i] = open(i);
                    reopened.incrementAndGet();
                }
            }
        }
    }

    private Socket open(int i) {
        Socket socket = new Socket();
        try {
            socket.bind(new InetSocketAddress(localAddress.apply(i), 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            socket.setSoTimeout(1);
            if (startsHandshake.test(i)) {
                socket.getOutputStream().write(0x16);
                socket.getOutputStream().flush();
            }
        } catch (IOException e) {
            // refused or reset under load: the next sweep opens it again
        }
        return socket;
    }

    private static boolean closedByServer(Socket socket) {
        if (!socket.isConnected() || socket.isClosed()) {
            return true;
        }
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // gone already
        }
    }

    @Override
    public void close() throws InterruptedException {
        flooding.set(false);
        attacker.join();
        for (Socket socket : held) {
            close(socket);
        }
    }
}
