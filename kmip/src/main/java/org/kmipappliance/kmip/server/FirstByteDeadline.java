package org.kmipappliance.kmip.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Closes a connection that has sent nothing within its deadline: a TLS client speaks first, so silence means a
 * client that holds a connection open without using it. Far shorter than the handshake timeout, this is what keeps
 * idle sockets from occupying the listener. The handler leaves the pipeline with the first byte.
 */
final class FirstByteDeadline extends ChannelInboundHandlerAdapter {
    private final Duration deadline;
    private final Consumer<ChannelHandlerContext> onSilence;
    private ScheduledFuture<?> closing;

    FirstByteDeadline(Duration deadline, Consumer<ChannelHandlerContext> onSilence) {
        this.deadline = deadline;
        this.onSilence = onSilence;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        closing = ctx.executor().schedule(() -> {
            onSilence.accept(ctx);
            ctx.close();
        }, deadline.toMillis(), TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object bytes) throws Exception {
        if (closing != null) {
            closing.cancel(false);
        }
        ctx.pipeline().remove(this);
        super.channelRead(ctx, bytes);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (closing != null) {
            closing.cancel(false);
        }
        super.channelInactive(ctx);
    }
}
