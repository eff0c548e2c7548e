package org.kmipappliance.kmip.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.metrics.Metrics;

/**
 * The KMIP listener: TLS with a required, pinned client certificate, then TTLV frames. Event-loop threads only
 * move bytes; the handshake's certificate lookup and every request run on virtual threads.
 */
public final class KmipServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KmipServer.class.getName());

    /**
     * Largest request frame accepted, header included. Our requests are a few hundred bytes; the cap is checked
     * against the length field before any body byte is buffered, so a client cannot make us allocate what a
     * 32-bit length claims.
     */
    public static final int MAX_FRAME_BYTES = 64 * 1024;

    /**
     * Why the server itself closed a connection during its handshake ("silent", "evicted"), for the metrics of
     * failed handshakes, which would otherwise only see a closed channel.
     */
    static final AttributeKey<String> CLOSED_BECAUSE = AttributeKey.valueOf("kmip-closed-because");

    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final ExecutorService virtualThreads;
    private final Channel listener;
    private final ConnectionAdmission admission;
    private final Consumer<Collection<String>> closeRemoved;
    private final KeyCustody custody;
    private final AtomicReference<SslContext> tls;
    private final ServerTls serverTls;

    private KmipServer(EventLoopGroup acceptor, EventLoopGroup workers, ExecutorService virtualThreads,
                       Channel listener, ConnectionAdmission admission, ConnectionsByCertificate connections,
                       KeyCustody custody, AtomicReference<SslContext> tls, ServerTls serverTls) {
        this.tls = tls;
        this.serverTls = serverTls;
        this.admission = admission;
        this.closeRemoved = connections::closeAll;
        this.custody = custody;
        custody.certificateRemovals().subscribe(closeRemoved);
        this.acceptor = acceptor;
        this.workers = workers;
        this.virtualThreads = virtualThreads;
        this.listener = listener;
    }

    public static KmipServer start(KmipServerConfig config, KeyCustody custody, RequestProcessor processor) {
        Predicate<String> isRegistered = fingerprint -> custody.certificates().identifyRecent(fingerprint)
                .isPresent();
        PinnedClientTrustManager pinning = new PinnedClientTrustManager(isRegistered, custody.audit());
        // New connections take the context current when they arrive, so a renewed certificate needs no restart.
        ServerTls serverTls = new ServerTls(config.tlsEngine(), pinning);
        AtomicReference<SslContext> tls = new AtomicReference<>(serverTls.context(config.serverKey(),
                config.serverChain()));
        EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(0, NioIoHandler.newFactory());
        ExecutorService virtualThreads = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("kmip-", 0).factory());
        ConnectionAdmission admission = new ConnectionAdmission(config.maxConnections(),
                config.maxConnectionsPerSource());
        RefusalLog refusals = new RefusalLog(Clock.systemUTC(), "kmip_appliance_kmip_connections_refused_total "
                + "counts every refusal; if registered clients are refused, raise kmip.max-connections or "
                + "kmip.max-connections-per-source");
        Metrics metrics = custody.metrics();
        ConnectionsByCertificate connections = new ConnectionsByCertificate();
        try {
            Channel listener = new ServerBootstrap()
                    .group(acceptor, workers)
                    .channelFactory((ChannelFactory<KmipServerChannel>) KmipServerChannel::new)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            InetAddress source = channel.remoteAddress().getAddress();
                            switch (admission.admit(channel, source)) {
                                case ConnectionAdmission.Decision.Refused refused -> {
                                    metrics.increment("kmip_appliance_kmip_connections_refused_total", "KMIP "
                                            + "connections refused, by reason: listener_full "
                                            + "(kmip.max-connections) or source_full "
                                            + "(kmip.max-connections-per-source)", "reason", refused.reason());
                                    refusals.refused(refused.reason(), source.getHostAddress());
                                    channel.close();
                                    return;
                                }
                                case ConnectionAdmission.Decision.Admitted admitted -> admitted.evicted()
                                        .ifPresent(oldest -> {
                                            metrics.increment("kmip_appliance_kmip_connections_evicted_total",
                                                    "KMIP connections still in their handshake closed to make "
                                                            + "room for a new one");
                                            oldest.attr(CLOSED_BECAUSE).set("evicted");
                                            oldest.close();
                                        });
                            }
                            channel.closeFuture().addListener(closed -> admission.closed(channel));
                            // The peer's address goes into the TLS engine, so a refused handshake says who tried.
                            SslHandler sslHandler = tls.get().newHandler(channel.alloc(), source.getHostAddress(),
                                    channel.remoteAddress().getPort(), virtualThreads);
                            sslHandler.setHandshakeTimeoutMillis(config.handshakeTimeout().toMillis());
                            channel.pipeline()
                                    .addLast("first-byte", new FirstByteDeadline(config.firstByteTimeout(),
                                            ctx -> ctx.channel().attr(CLOSED_BECAUSE).set("silent")))
                                    .addLast("tls", sslHandler)
                                    .addLast("idle", new IdleStateHandler(0, 0,
                                            config.idleTimeout().toSeconds(), TimeUnit.SECONDS))
                                    .addLast("frames", new KmipFrameDecoder(config.frameTimeout(), ctx -> {
                                        metrics.increment("kmip_appliance_kmip_frames_timed_out_total", "KMIP "
                                                + "connections closed because a request did not arrive whole "
                                                + "within the frame timeout");
                                        LOG.log(System.Logger.Level.INFO, "closing KMIP connection from {0}: a "
                                                + "request message did not arrive whole within {1} s",
                                                ctx.channel().remoteAddress(), config.frameTimeout().toSeconds());
                                    }))
                                    .addLast("kmip", new KmipConnectionHandler(processor, virtualThreads,
                                            connections, metrics, admission));
                        }
                    })
                    .bind(config.host(), config.port())
                    .syncUninterruptibly()
                    .channel();
            KmipServer server = new KmipServer(acceptor, workers, virtualThreads, listener, admission,
                    connections, custody, tls, serverTls);
            metrics.gauge("kmip_appliance_kmip_connections_open", "KMIP connections open now", admission::open);
            metrics.gauge("kmip_appliance_kmip_connections_handshaking", "KMIP connections open now that have not "
                    + "finished their TLS handshake", admission::handshaking);
            metrics.gauge("kmip_appliance_kmip_connections_max", "KMIP connections that may be open at "
                    + "once (kmip.max-connections)", config::maxConnections);
            LOG.log(System.Logger.Level.INFO, "KMIP listening on {0}:{1,number,#} (TLS by {2})", config.host(),
                    server.port(), serverTls.engine() == KmipServerConfig.TlsEngine.BORINGSSL ? "BoringSSL"
                            : "the JDK");
            return server;
        } catch (Exception e) { // Netty rethrows the bind's IOException unchecked
            acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            virtualThreads.shutdownNow();
            throw new IllegalStateException("cannot listen for KMIP on " + config.host() + ":" + config.port() + ": "
                    + String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT)
                    + "; stop whatever uses that port or set kmip.port", e);
        }
    }

    /**
     * Presents {@code chain} and its {@code key} to every connection from now on (a renewed or replaced
     * certificate); connections already open keep theirs.
     */
    public void replaceIdentity(PrivateKey key, List<X509Certificate> chain) {
        tls.set(serverTls.context(key, chain));
    }

    /** Whose TLS serves: BoringSSL unless configured otherwise or its library could not load. */
    public KmipServerConfig.TlsEngine tlsEngine() {
        return serverTls.engine();
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Whether the listener is bound and accepting. */
    public boolean isListening() {
        return listener.isActive();
    }

    public int openConnections() {
        return admission.open();
    }

    @Override
    public void close() {
        custody.certificateRemovals().unsubscribe(closeRemoved);
        listener.close().syncUninterruptibly();
        acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        virtualThreads.shutdown();
        try {
            virtualThreads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
