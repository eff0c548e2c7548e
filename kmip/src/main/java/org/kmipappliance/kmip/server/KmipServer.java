package org.kmipappliance.kmip.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import javax.net.ssl.SSLException;
import org.kmipappliance.hsm.KeyCustody;

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

    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final ExecutorService virtualThreads;
    private final Channel listener;
    private final AtomicInteger openConnections;
    private final Consumer<Collection<String>> closeRemoved;
    private final KeyCustody custody;
    private final AtomicReference<SslContext> tls;
    private final PinnedClientTrustManager pinning;

    private KmipServer(EventLoopGroup acceptor, EventLoopGroup workers, ExecutorService virtualThreads,
                       Channel listener, AtomicInteger openConnections, ConnectionsByCertificate connections,
                       KeyCustody custody, AtomicReference<SslContext> tls, PinnedClientTrustManager pinning) {
        this.tls = tls;
        this.pinning = pinning;
        this.openConnections = openConnections;
        this.closeRemoved = connections::closeAll;
        this.custody = custody;
        custody.certificateRemovals().subscribe(closeRemoved);
        this.acceptor = acceptor;
        this.workers = workers;
        this.virtualThreads = virtualThreads;
        this.listener = listener;
    }

    public static KmipServer start(KmipServerConfig config, KeyCustody custody, RequestProcessor processor) {
        Predicate<String> isRegistered = fingerprint -> custody.certificates().identify(fingerprint).isPresent();
        PinnedClientTrustManager pinning = new PinnedClientTrustManager(isRegistered, custody.audit());
        // New connections take the context current when they arrive, so a renewed certificate needs no restart.
        AtomicReference<SslContext> tls = new AtomicReference<>(serverTls(config.serverKey(), config.serverChain(),
                pinning));
        EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(0, NioIoHandler.newFactory());
        ExecutorService virtualThreads = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("kmip-", 0).factory());
        AtomicInteger openConnections = new AtomicInteger();
        ConnectionsByCertificate connections = new ConnectionsByCertificate();
        try {
            Channel listener = new ServerBootstrap()
                    .group(acceptor, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 256)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            if (openConnections.incrementAndGet() > config.maxConnections()) {
                                openConnections.decrementAndGet();
                                custody.metrics().increment("kmip_appliance_kmip_connections_refused_total",
                                        "KMIP connections refused because kmip.max-connections were open");
                                LOG.log(System.Logger.Level.WARNING, "refused a KMIP connection from {0}: {1} "
                                        + "connections are open, the configured maximum (kmip.max-connections)",
                                        channel.remoteAddress(), config.maxConnections());
                                channel.close();
                                return;
                            }
                            channel.closeFuture().addListener(closed -> openConnections.decrementAndGet());
                            // The peer's address goes into the TLS engine, so a refused handshake says who tried.
                            SslHandler sslHandler = tls.get().newHandler(channel.alloc(),
                                    channel.remoteAddress().getAddress().getHostAddress(),
                                    channel.remoteAddress().getPort(), virtualThreads);
                            sslHandler.setHandshakeTimeoutMillis(config.handshakeTimeout().toMillis());
                            channel.pipeline()
                                    .addLast("tls", sslHandler)
                                    .addLast("idle", new IdleStateHandler(0, 0,
                                            config.idleTimeout().toSeconds(), TimeUnit.SECONDS))
                                    .addLast("frames", new LengthFieldBasedFrameDecoder(MAX_FRAME_BYTES, 4, 4, 0, 0,
                                            true))
                                    .addLast("kmip", new KmipConnectionHandler(processor, virtualThreads,
                                            connections, custody.metrics()));
                        }
                    })
                    .bind(config.host(), config.port())
                    .syncUninterruptibly()
                    .channel();
            KmipServer server = new KmipServer(acceptor, workers, virtualThreads, listener, openConnections,
                    connections, custody, tls, pinning);
            custody.metrics().gauge("kmip_appliance_kmip_connections_open", "KMIP connections open now",
                    openConnections::get);
            custody.metrics().gauge("kmip_appliance_kmip_connections_max", "KMIP connections that may be open at "
                    + "once (kmip.max-connections)", config::maxConnections);
            LOG.log(System.Logger.Level.INFO, "KMIP listening on {0}:{1,number,#}", config.host(), server.port());
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

    private static SslContext serverTls(PrivateKey key, List<X509Certificate> chain,
                                        PinnedClientTrustManager pinning) {
        try {
            return SslContextBuilder.forServer(key, chain)
                    .sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .clientAuth(ClientAuth.REQUIRE)
                    .trustManager(pinning)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS for the KMIP listener: " + e.getMessage(), e);
        }
    }

    /**
     * Presents {@code chain} and its {@code key} to every connection from now on (a renewed or replaced
     * certificate); connections already open keep theirs.
     */
    public void replaceIdentity(PrivateKey key, List<X509Certificate> chain) {
        tls.set(serverTls(key, chain, pinning));
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Whether the listener is bound and accepting. */
    public boolean isListening() {
        return listener.isActive();
    }

    public int openConnections() {
        return openConnections.get();
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
