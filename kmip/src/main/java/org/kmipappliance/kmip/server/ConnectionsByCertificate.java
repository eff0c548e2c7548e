package org.kmipappliance.kmip.server;

import io.netty.channel.Channel;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** The open KMIP connections of each client certificate, so removing a certificate ends them at once. */
final class ConnectionsByCertificate {
    private static final System.Logger LOG = System.getLogger(ConnectionsByCertificate.class.getName());

    private final ConcurrentMap<String, Set<Channel>> byFingerprint = new ConcurrentHashMap<>();

    void add(String fingerprint, Channel channel) {
        byFingerprint.computeIfAbsent(fingerprint, key -> ConcurrentHashMap.newKeySet()).add(channel);
        channel.closeFuture().addListener(closed -> byFingerprint.computeIfPresent(fingerprint, (key, channels) -> {
            channels.remove(channel);
            return channels.isEmpty() ? null : channels;
        }));
    }

    void closeAll(Collection<String> fingerprints) {
        for (String fingerprint : fingerprints) {
            Set<Channel> channels = byFingerprint.remove(fingerprint);
            if (channels != null && !channels.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "closing {0} KMIP connection(s) of a certificate that was removed",
                        channels.size());
                channels.forEach(Channel::close);
            }
        }
    }
}
