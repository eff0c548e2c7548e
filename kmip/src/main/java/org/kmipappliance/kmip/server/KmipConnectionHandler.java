package org.kmipappliance.kmip.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.kmipappliance.hsm.metrics.Metrics;
import org.kmipappliance.hsm.pki.PemCertificates;

/**
 * One KMIP connection. Requests are answered strictly in order, one at a time, on virtual threads; while
 * {@link #MAX_QUEUED_REQUESTS} are waiting the connection stops reading, so a client cannot queue unbounded work.
 */
final class KmipConnectionHandler extends SimpleChannelInboundHandler<Object> {
    private static final System.Logger LOG = System.getLogger(KmipConnectionHandler.class.getName());

    /** The alert as the JDK words it ("Received fatal alert: unknown_ca") and as BoringSSL (TLSV1_ALERT_UNKNOWN_CA). */
    private static final Pattern CLIENT_REJECTS_OUR_CERTIFICATE = Pattern.compile(
            "(Received fatal alert: |ALERT_)(certificate_unknown|bad_certificate|unknown_ca)",
            Pattern.CASE_INSENSITIVE);

    /** No certificate from the client: the JDK (TLS 1.3) and BoringSSL refuse before asking the trust manager. */
    private static final Pattern CLIENT_SENT_NO_CERTIFICATE = Pattern.compile(
            "Empty client certificate chain|PEER_DID_NOT_RETURN_A_CERTIFICATE");

    /** Requests a client may pipeline before we stop reading from it. */
    static final int MAX_QUEUED_REQUESTS = 8;

    private final RequestProcessor processor;
    private final Executor virtualThreads;
    private final ConnectionsByCertificate connections;
    private final Metrics metrics;
    private final ConnectionAdmission admission;
    private String clientFingerprint;
    private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);
    private int queued;

    KmipConnectionHandler(RequestProcessor processor, Executor virtualThreads, ConnectionsByCertificate connections,
                          Metrics metrics, ConnectionAdmission admission) {
        this.processor = processor;
        this.virtualThreads = virtualThreads;
        this.connections = connections;
        this.metrics = metrics;
        this.admission = admission;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                clientFingerprint = fingerprintOf(ctx);
                connections.add(clientFingerprint, ctx.channel());
                admission.authenticated(ctx.channel());
            } else {
                // Unregistered certificates are logged by the trust manager; a client that connects and leaves
                // without a byte (vCenter's health check) ends here too and is not worth more than debug.
                LOG.log(System.Logger.Level.DEBUG, "KMIP TLS handshake with {0} failed: {1}",
                        ctx.channel().remoteAddress(), handshake.cause().getMessage());
                String closedBecause = ctx.channel().attr(KmipServer.CLOSED_BECAUSE).get();
                metrics.increment("kmip_appliance_kmip_handshakes_failed_total", "KMIP TLS handshakes that failed, "
                        + "by reason", "reason", closedBecause != null ? closedBecause : whyFailed(handshake.cause()));
                ctx.close();
            }
        } else if (event instanceof IdleStateEvent) {
            LOG.log(System.Logger.Level.DEBUG, "closing idle KMIP connection from {0}", ctx.channel().remoteAddress());
            ctx.close();
        }
        super.userEventTriggered(ctx, event);
    }

    /**
     * Why a handshake failed, in one word: the certificate the trust manager refused, a client that does not trust
     * ours (it alerts certificate_unknown, bad_certificate or unknown_ca: give it the appliance's CA), a client too
     * slow, one that left before finishing (vCenter's health check), or another TLS error.
     */
    static String whyFailed(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof PinnedClientTrustManager.Refused refused) {
                return refused.reason();
            }
            if (cause instanceof SslHandshakeTimeoutException) {
                return "timeout";
            }
            if (cause instanceof ClosedChannelException) {
                return "closed_early";
            }
            if (cause instanceof SSLHandshakeException && cause.getMessage() != null) {
                if (CLIENT_REJECTS_OUR_CERTIFICATE.matcher(cause.getMessage()).find()) {
                    return "client_rejected_server_certificate";
                }
                if (CLIENT_SENT_NO_CERTIFICATE.matcher(cause.getMessage()).find()) {
                    return "no_certificate";
                }
            }
        }
        return "tls_error";
    }

    private static String fingerprintOf(ChannelHandlerContext ctx) throws SSLPeerUnverifiedException {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        X509Certificate peer = (X509Certificate) tls.engine().getSession().getPeerCertificates()[0];
        return PemCertificates.sha256Fingerprint(peer);
    }

    /** A request message ({@link ByteBuf}), or the notice of one too long to read ({@link KmipFrameDecoder.Oversized}). */
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object message) {
        if (clientFingerprint == null) {
            ctx.close();
            return;
        }
        String fingerprint = clientFingerprint;
        if (++queued >= MAX_QUEUED_REQUESTS) {
            ctx.channel().config().setAutoRead(false);
        }
        if (message instanceof KmipFrameDecoder.Oversized oversized) {
            previous = previous.thenRunAsync(() -> answer(ctx, () -> processor.refuseOversized(oversized.bytes(),
                    fingerprint, peerOf(ctx)), null), virtualThreads);
            return;
        }
        byte[] request = ByteBufUtil.getBytes((ByteBuf) message);
        previous = previous.thenRunAsync(() -> answer(ctx, () -> processor.process(request, fingerprint, peerOf(ctx)),
                request), virtualThreads);
    }

    /** Sends what {@code processing} answers, or closes the connection if it answers nothing; wipes the request. */
    private void answer(ChannelHandlerContext ctx, Supplier<Optional<byte[]>> processing, byte[] request) {
        try {
            processing.get().ifPresentOrElse(response ->
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(response)).addListener(written -> {
                        Arrays.fill(response, (byte) 0);
                        if (!written.isSuccess()) {
                            ctx.close();
                        }
                    }), ctx::close);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "KMIP request processing failed; closing the connection", e);
            ctx.close();
        } finally {
            if (request != null) {
                Arrays.fill(request, (byte) 0);
            }
            ctx.executor().execute(() -> {
                if (--queued < MAX_QUEUED_REQUESTS && !ctx.channel().config().isAutoRead()) {
                    ctx.channel().config().setAutoRead(true);
                }
            });
        }
    }

    private static String peerOf(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress address
                ? address.getAddress().getHostAddress() + ":" + address.getPort()
                : String.valueOf(ctx.channel().remoteAddress());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof KmipFrameDecoder.FarTooLong) {
            LOG.log(System.Logger.Level.INFO, "closing KMIP connection from {0}: {1}", ctx.channel().remoteAddress(),
                    cause.getMessage());
        } else {
            LOG.log(System.Logger.Level.DEBUG, "KMIP connection from {0} failed: {1}", ctx.channel().remoteAddress(),
                    cause.toString());
        }
        ctx.close();
    }
}
