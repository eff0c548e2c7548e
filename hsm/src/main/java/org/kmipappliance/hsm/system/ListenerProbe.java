package org.kmipappliance.hsm.system;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** Whether a listener accepts connections, tried as a client on this machine would: one TCP connect, closed at once. */
public final class ListenerProbe {
    private ListenerProbe() {
    }

    /**
     * Whether {@code host}:{@code port} has a listener; a wildcard bind address is tried on loopback. Only a refused
     * connection counts as none: a connect that times out met a listener whose backlog is full (busy under a flood,
     * not dead, and no reason for a watchdog to restart it), and a probe that cannot even make a socket (this
     * process's descriptors exhausted) proves nothing about the listener.
     */
    public static boolean accepts(String host, int port) {
        String target = "0.0.0.0".equals(host) || "::".equals(host) ? "127.0.0.1" : host;
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(target, port), 1_000);
            return true;
        } catch (ConnectException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
