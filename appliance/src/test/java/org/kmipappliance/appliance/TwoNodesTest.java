package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pkcs11.SoftHsmToken;
import org.kmipappliance.hsm.store.EmbeddedPostgresServer;
import org.kmipappliance.hsm.system.PrivateFiles;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.ResultReason;

/**
 * The scale-out design on one machine: two appliance processes (A and B) on one PostgreSQL and one HSM token (a
 * SoftHSM2 token directory both use), as two nodes behind a load balancer would be. A key made through one is
 * served by the other; a certificate removed through A ends B's connections within a second; a root key disabled
 * on A stops B at once; a rotation started on A while B serves load loses nothing, and its re-wrap runs on exactly
 * one node and is taken over by the other when that node dies.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoNodesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path BASE = Path.of(System.getProperty("java.io.tmpdir"), "two-nodes-" + UUID.randomUUID());
    private static EmbeddedPostgresServer database;
    private static ApplianceProcess nodeA;
    private static ApplianceProcess nodeB;
    private static ApplianceClient clientA;
    private static ApplianceClient clientB;
    private static CertificateAuthority.Issued identity;

    @BeforeAll
    static void startTwoNodes() throws Exception {
        database = EmbeddedPostgresServer.start(BASE.resolve("shared-postgres"), Path.of(
                System.getProperty("java.io.tmpdir"), "postgres-binaries"));
        Path passwordFile = BASE.resolve("database-password");
        PrivateFiles.write(passwordFile, database.password() + "\n");
        String sharedDatabase = "database: {jdbc-url: '" + database.jdbcUrl() + "', user: "
                + EmbeddedPostgresServer.ROLE + ", password-file: '" + passwordFile + "'}\n";
        // Node A makes the token on first start, as a single node would; node B uses the same token directory.
        Path stateA = BASE.resolve("node-a");
        nodeA = ApplianceProcess.start(stateA, ApplianceProcess.writeConfig(stateA, sharedDatabase));
        Path softhsm = stateA.resolve("softhsm");
        Path stateB = BASE.resolve("node-b");
        nodeB = ApplianceProcess.start(stateB, ApplianceProcess.writeConfig(stateB, sharedDatabase
                + "hsm: {library: '" + SoftHsmToken.library() + "', slot: " + Files.readString(softhsm.resolve("slot"))
                .strip() + ", pin-file: '" + softhsm.resolve("user-pin") + "'}\n"),
                Map.of("SOFTHSM2_CONF", SoftHsmToken.configFile(softhsm).toString()));
        ApplianceProcess.Admin admin = nodeA.admin();
        clientA = new ApplianceClient(nodeA, admin);
        clientB = new ApplianceClient(nodeB, admin);
        clientA.createAdapter("shared", clientA.createRootKey("shared-root"));
        identity = clientA.registerClient("shared", "shared-client");
    }

    @AfterAll
    static void stop() throws Exception {
        for (ApplianceProcess node : new ApplianceProcess[] {nodeA, nodeB}) {
            if (node != null) {
                node.close();
            }
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    @Order(1)
    void aKeyCreatedThroughA_isServedByB() throws Exception {
        String id;
        byte[] material;
        try (KmipClient a = clientA.kmip(identity)) {
            id = a.createAesKey(256, 12);
            material = a.getKeyMaterial(id);
        }
        try (KmipClient b = clientB.kmip(identity)) {
            assertArrayEquals(material, b.getKeyMaterial(id));
        }
    }

    @Test
    @Order(2)
    void aCertificateDeletedThroughA_endsBsOpenConnectionsWithinASecond() throws Exception {
        CertificateAuthority.Issued shortLived = clientA.registerClient("shared", "short-lived");
        try (KmipClient b = clientB.kmip(shortLived)) {
            assertEquals(5, b.discoverVersions(List.of()).size(), "B serves the certificate");
            HttpResponse<String> deleted = clientA.send("DELETE",
                    "/api/v2/kmip_adapters/shared/certificates/short-lived", null, null);
            assertEquals(204, deleted.statusCode(), deleted.body());
            assertTrue(b.awaitClosedByServer(Duration.ofSeconds(1)),
                    "B closed the idle connection within a second, without a request from it");
        }
    }

    @Test
    @Order(3)
    void aRootKeyDisabledOnA_stopsBAtOnce() throws Exception {
        String root = clientA.createRootKey("disabled-root");
        clientA.createAdapter("disabled", root);
        CertificateAuthority.Issued client = clientA.registerClient("disabled", "disabled-client");
        try (KmipClient b = clientB.kmip(client)) {
            String id = b.createAesKey(256, 12);
            b.getKeyMaterial(id);
            assertEquals(204, clientA.send("POST", "/api/v2/keys/" + root + "/actions/disable", null, null)
                    .statusCode());
            assertEquals(ResultReason.PERMISSION_DENIED, assertThrows(KmipException.class,
                    () -> b.getKeyMaterial(id)).reason(), "the very next request on B is refused");
            assertEquals(ResultReason.PERMISSION_DENIED, assertThrows(KmipException.class,
                    () -> b.createAesKey(256, 12)).reason());
        }
    }

    @Test
    @Order(4)
    void aRotationOnA_underLoadOnB_losesNothing_runsItsReWrapOnOneNode_andSurvivesThatNodesDeath()
            throws Exception {
        Map<String, byte[]> keys = new ConcurrentHashMap<>();
        createKeys(clientB, 2500, keys);
        AtomicBoolean loading = new AtomicBoolean(true);
        try (ExecutorService load = Executors.newFixedThreadPool(2)) {
            List<Future<?>> workers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                workers.add(load.submit(() -> {
                    try (KmipClient b = clientB.kmip(identity)) {
                        while (loading.get()) {
                            String id = b.createAesKey(256, 12);
                            keys.put(id, b.getKeyMaterial(id));
                        }
                    }
                    return null;
                }));
            }
            try {
                HttpResponse<String> rotated = clientA.send("POST", "/api/v2/keys/" + rootKeyOf("shared")
                        + "/actions/rotate", null, null);
                assertEquals(204, rotated.statusCode(), rotated.body());
                long job = latestJob();
                List<String> holders = holdersOfJob(job);
                long taken = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (holders.isEmpty() && System.nanoTime() < taken) {
                    Thread.sleep(20);
                    holders = holdersOfJob(job);
                }
                assertEquals(1, holders.size(), "exactly one node runs the re-wrap: " + holders);
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                if (holders.getFirst().endsWith("pid " + nodeB.pid())) {
                    // B's maintenance looked for unheld jobs in the moment between the job's commit and A taking
                    // it: any one node may run a job, so B runs it, and A's death is not this run's to test.
                    System.out.println("TwoNodesTest: B took the new job before A started it");
                    while (!jobFinished(job) && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    assertTrue(jobFinished(job), "B finished the job it took");
                } else {
                    assertTrue(holders.getFirst().endsWith("pid " + nodeA.pid()), "the node that rotated: "
                            + holders);
                    assertTrue(!jobFinished(job), "the re-wrap is still running when its node dies");
                    nodeA.kill();
                    boolean takenOverByB = false;
                    while (!jobFinished(job) && System.nanoTime() < deadline) {
                        takenOverByB |= holdersOfJob(job).toString().contains("pid " + nodeB.pid());
                        Thread.sleep(50);
                    }
                    assertTrue(takenOverByB, "B took the job over");
                    assertTrue(jobFinished(job), "and finished it");
                }
            } finally {
                // Whatever failed above, the load stops: the executor's close waits for its workers.
                loading.set(false);
            }
            for (Future<?> worker : workers) {
                worker.get(1, TimeUnit.MINUTES);
            }
        }
        try (KmipClient b = clientB.kmip(identity)) {
            for (Map.Entry<String, byte[]> key : keys.entrySet()) {
                assertArrayEquals(key.getValue(), b.getKeyMaterial(key.getKey()), "key " + key.getKey());
            }
        }
        System.out.printf("TwoNodesTest: %d keys intact after a rotation whose re-wrap moved from A (killed) to B%n",
                keys.size());
    }

    private static void createKeys(ApplianceClient client, int count, Map<String, byte[]> into) throws Exception {
        try (ExecutorService creators = Executors.newFixedThreadPool(4)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(creators.submit(() -> {
                    try (KmipClient kmip = client.kmip(identity)) {
                        for (int i = 0; i < count / 4; i++) {
                            String id = kmip.createAesKey(256, 12);
                            into.put(id, kmip.getKeyMaterial(id));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> creator : done) {
                creator.get(5, TimeUnit.MINUTES);
            }
        }
    }

    private static String rootKeyOf(String adapter) throws Exception {
        return JSON.readTree(clientA.send("GET", "/api/v2/kmip_adapters/" + adapter, null, null).body())
                .at("/resources/0/profile_data/crk_id").asText();
    }

    private static Connection sql() throws Exception {
        return DriverManager.getConnection(database.jdbcUrl(), EmbeddedPostgresServer.ROLE, database.password());
    }

    private static long latestJob() throws Exception {
        try (Connection connection = sql(); ResultSet job = connection.createStatement()
                .executeQuery("SELECT max(id) FROM rewrap_jobs")) {
            job.next();
            return job.getLong(1);
        }
    }

    private static boolean jobFinished(long job) throws Exception {
        try (Connection connection = sql();
             PreparedStatement query = connection.prepareStatement("SELECT state FROM rewrap_jobs WHERE id = ?")) {
            query.setLong(1, job);
            try (ResultSet state = query.executeQuery()) {
                return state.next() && state.getString(1).equals("finished");
            }
        }
    }

    /** The nodes (their session's application name) holding the job's advisory lock. */
    private static List<String> holdersOfJob(long job) throws Exception {
        try (Connection connection = sql();
             PreparedStatement query = connection.prepareStatement("SELECT a.application_name FROM pg_locks l "
                     + "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                     + "AND l.classid = 1802332528 AND l.objid = ? AND l.objsubid = 2")) {
            query.setLong(1, job);
            List<String> holders = new ArrayList<>();
            try (ResultSet found = query.executeQuery()) {
                while (found.next()) {
                    holders.add(found.getString(1));
                }
            }
            return holders;
        }
    }
}
