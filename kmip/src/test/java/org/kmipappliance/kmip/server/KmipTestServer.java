package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.DoublePredicate;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.kmipappliance.hsm.Instance;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipAdapter;
import org.kmipappliance.hsm.RootKey;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.PrometheusText;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.ProtocolVersion;

/** A KMIP listener on a free loopback port over a real custody module, with clients registered to adapters. */
final class KmipTestServer implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    final CustodyDatabase database;
    final KeyCustody custody;
    final KmipServer server;
    final Instance instance;
    final RootKey rootKey;

    KmipTestServer(String name) {
        this(name, UnaryOperator.identity());
    }

    /** A server whose configuration {@code adjust} may change (timeouts, connection limit). */
    KmipTestServer(String name, UnaryOperator<KmipServerConfig> adjust) {
        database = TestDatabase.fresh();
        custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC());
        instance = custody.access().createInstance(name, TESTER);
        rootKey = custody.rootKeys().create(instance.id(), name + "-root", null, TESTER);
        CertificateAuthority.Issued identity = TestCertificates.localhostServer();
        server = KmipServer.start(adjust.apply(KmipServerConfig.defaults("127.0.0.1", 0, identity.privateKey(),
                List.of(identity.certificate()))), custody, new RequestProcessor(custody, Clock.systemUTC()));
    }

    /** A TLS context whose client certificate is registered to a new adapter of its own. */
    SSLContext clientOfNewAdapter() {
        KmipAdapter adapter = custody.adapters().create(instance.id(), null, null, KmipAdapter.NATIVE_PROFILE,
                rootKey.id().toString(), TESTER);
        CertificateAuthority.Issued client = TestCertificates.authority().issueClient("client of " + adapter.name(),
                Duration.ofDays(1));
        custody.certificates().add(instance.id(), adapter.name(), null, PemCertificates.toPem(client.certificate()),
                TESTER);
        return TlsContexts.create(client, TestCertificates.authority().certificate());
    }

    KmipClient connect(SSLContext tls, ProtocolVersion version) throws IOException {
        return KmipClient.connect(tls, "localhost", server.port(), version, TIMEOUT);
    }

    PrometheusText metrics() {
        return PrometheusText.parse(custody.metrics().render());
    }

    /** Some series are counted on the server's side after the client has given up (a failed handshake): wait. */
    void awaitMetric(String series, DoublePredicate expected) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!expected.test(metrics().valueOrZero(series)) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(expected.test(metrics().valueOrZero(series)), series + " is " + metrics().valueOrZero(series));
    }

    @Override
    public void close() {
        server.close();
        database.close();
    }
}
