package org.kmipappliance.kmip.server;

import io.netty.channel.Channel;
import io.netty.channel.DefaultChannelPipeline;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.internal.SocketUtils;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * The KMIP listener's server channel. It accepts connections as channels whose pipeline, once torn down, takes
 * what still arrives quietly: a TLS handshake's delegated task (the certificate check, on a virtual thread) can fail
 * after the client has gone and its pipeline has been emptied, and Netty would log each such failure as a WARNING
 * with a stack trace, so that any client without a certificate could fill the log. While a pipeline is whole,
 * {@link KmipConnectionHandler} handles every failure itself; the handshake failure is counted by reason there.
 */
final class KmipServerChannel extends NioServerSocketChannel {
    private static final System.Logger LOG = System.getLogger(KmipServer.class.getName());

    @Override
    protected int doReadMessages(List<Object> accepted) throws Exception {
        SocketChannel connection = SocketUtils.accept(javaChannel());
        if (connection == null) {
            return 0;
        }
        try {
            accepted.add(new AcceptedChannel(this, connection));
            return 1;
        } catch (RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    private static void closeQuietly(SocketChannel connection) {
        try {
            connection.close();
        } catch (IOException e) {
            // it is being dropped anyway
        }
    }

    /** One accepted connection, with a pipeline that logs late failures at debug level. */
    private static final class AcceptedChannel extends NioSocketChannel {
        AcceptedChannel(Channel parent, SocketChannel socket) {
            super(parent, socket);
        }

        @Override
        protected DefaultChannelPipeline newChannelPipeline() {
            return new DefaultChannelPipeline(this) {
                @Override
                protected void onUnhandledInboundException(Throwable cause) {
                    LOG.log(System.Logger.Level.DEBUG, "KMIP connection failed after it closed: {0}",
                            cause.toString());
                }
            };
        }
    }
}
