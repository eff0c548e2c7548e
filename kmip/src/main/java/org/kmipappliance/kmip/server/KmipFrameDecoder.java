package org.kmipappliance.kmip.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Cuts the decrypted stream into TTLV messages (tag, type, then the 4-byte length at offset 4), each at most
 * {@link KmipServer#MAX_FRAME_BYTES}, checked against the length field before the body is buffered. A longer message
 * of up to {@link #MAX_DISCARDED_BYTES} is read past without being kept (the handler answers it with Invalid
 * Message and the connection carries on); a longer claim closes the connection ({@link FarTooLong}), as reading
 * past it would let one client tie us up for as long as it likes. A message must also arrive whole within
 * {@code frameTimeout} of its first byte: the idle timeout alone would let a client keep a half-sent message, and
 * the buffer holding it, open for ever with one byte every few minutes.
 */
final class KmipFrameDecoder extends LengthFieldBasedFrameDecoder {
    /** The longest message read past and answered rather than ending the connection. */
    static final int MAX_DISCARDED_BYTES = 1024 * 1024;

    /** Passed on instead of a message that was too long and has been read past: {@code bytes} long. */
    record Oversized(long bytes) {
    }

    /** A message whose length field claims more than {@link #MAX_DISCARDED_BYTES}. */
    static final class FarTooLong extends DecoderException {
        FarTooLong(long claimed) {
            super("a request message claims " + claimed + " bytes; this server reads at most "
                    + KmipServer.MAX_FRAME_BYTES);
        }
    }

    private final Duration frameTimeout;
    private final Consumer<ChannelHandlerContext> onTimeout;
    private ScheduledFuture<?> deadline;
    private boolean completedFrame;
    /** What is left to read past of an oversized message. */
    private long toDiscard;
    /** The length of the oversized message being read past. */
    private long discarding;

    KmipFrameDecoder(Duration frameTimeout, Consumer<ChannelHandlerContext> onTimeout) {
        super(KmipServer.MAX_FRAME_BYTES, 4, 4, 0, 0, true);
        this.frameTimeout = frameTimeout;
        this.onTimeout = onTimeout;
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (toDiscard > 0) {
            return discard(in, 0);
        }
        if (in.readableBytes() >= 8) {
            long claimed = 8 + in.getUnsignedInt(in.readerIndex() + 4);
            if (claimed > MAX_DISCARDED_BYTES) {
                in.skipBytes(in.readableBytes());
                throw new FarTooLong(claimed);
            }
            if (claimed > KmipServer.MAX_FRAME_BYTES) {
                toDiscard = claimed;
                return discard(in, claimed);
            }
        }
        Object frame = super.decode(ctx, in);
        completedFrame |= frame != null;
        return frame;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        completedFrame = false;
        super.channelRead(ctx, msg);
        ByteBuf pending = internalBuffer();
        boolean partFrame = pending != null && pending.isReadable() || toDiscard > 0;
        if (deadline != null && (completedFrame || !partFrame)) {
            deadline.cancel(false);
            deadline = null;
        }
        if (partFrame && deadline == null) {
            startDeadline(ctx);
        }
    }

    /** Reads past what is buffered of an oversized message; once it is all read, passes on {@link Oversized}. */
    private Object discard(ByteBuf in, long claimed) {
        int skipped = (int) Math.min(toDiscard, in.readableBytes());
        in.skipBytes(skipped);
        toDiscard -= skipped;
        if (toDiscard > 0) {
            discarding = claimed > 0 ? claimed : discarding;
            return null;
        }
        completedFrame = true;
        Oversized whole = new Oversized(claimed > 0 ? claimed : discarding);
        discarding = 0;
        return whole;
    }

    private void startDeadline(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> {
            if (!ctx.channel().config().isAutoRead()) {
                startDeadline(ctx); // we are not reading (requests queued): the wait is ours, not the client's
                return;
            }
            onTimeout.accept(ctx);
            ctx.close();
        }, frameTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (deadline != null) {
            deadline.cancel(false);
        }
        super.channelInactive(ctx);
    }
}
