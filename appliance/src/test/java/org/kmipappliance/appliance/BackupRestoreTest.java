package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipException;

/**
 * kmip-appliance backup and restore, on appliances running as their own processes: a backup taken while the
 * appliance serves, restored whole into a new state directory, brings every key back with its material, the API
 * tokens, the client certificates and the CA clients trust; restored with --database-only beside the HSM token after
 * a root key was deleted, it cannot bring that key's KMIP keys back (crypto-shredding wins) and says so.
 */
class BackupRestoreTest {
    private static final int KEYS_PER_ADAPTER = 3;

    @TempDir
    Path directory;

    @Test
    void backupWhileServing_restoresWhole_andCannotUndoCryptoShreddingBesideTheHsm() throws Exception {
        Path state = directory.resolve("original");
        Path config = ApplianceProcess.withPurgeAtOnce(ApplianceProcess.writeConfig(state, ""));
        Path archive = directory.resolve("backups").resolve("appliance.tar.gz");
        Map<String, byte[]> kept = new LinkedHashMap<>();
        Map<String, byte[]> shredded = new LinkedHashMap<>();
        ApplianceProcess.Admin admin;
        CertificateAuthority.Issued keptClient;
        CertificateAuthority.Issued shreddedClient;
        String shreddedRootKey;
        String createdAfterBackup;
        try (ApplianceProcess appliance = ApplianceProcess.start(state, config)) {
            admin = appliance.admin();
            ApplianceClient client = new ApplianceClient(appliance, admin);
            client.createAdapter("kept", client.createRootKey("kept-root"));
            shreddedRootKey = client.createRootKey("shredded-root");
            client.createAdapter("shredded", shreddedRootKey);
            keptClient = client.registerClient("kept", "kept-client");
            shreddedClient = client.registerClient("shredded", "shredded-client");
            createKeys(client, keptClient, kept);
            createKeys(client, shreddedClient, shredded);

            ApplianceProcess.Finished backup = ApplianceProcess.run(state, List.of("backup", "--state-dir",
                    state.toString(), "--config", config.toString(), "--out", archive.toString()));
            assertEquals(0, backup.status(), backup.output());
            assertTrue(backup.output().contains("kmip-appliance: wrote " + archive), backup.output());

            try (KmipClient kmip = client.kmip(keptClient)) {
                createdAfterBackup = kmip.createAesKey(256, 12);
            }
            // The shredded root key goes: its KMIP keys, its adapter, then the key, purged with its HSM objects.
            for (String id : shredded.keySet()) {
                assertEquals(204, client.send("DELETE", "/api/v2/kmip_adapters/shredded/kmip_objects/" + id
                        + "?force=true", null, null).statusCode());
            }
            assertEquals(204, client.send("DELETE", "/api/v2/kmip_adapters/shredded", null, null).statusCode());
            assertEquals(204, client.send("DELETE", "/api/v2/keys/" + shreddedRootKey, null, null).statusCode());
            assertEquals(200, client.send("DELETE", "/api/v2/keys/" + shreddedRootKey + "/purge", null, null)
                    .statusCode(), "purged at once: this configuration has no purge delay");
        }
        Map<String, byte[]> everything = new LinkedHashMap<>(kept);
        everything.putAll(shredded);
        assertArchiveHoldsNoSecret(archive, everything);

        // Whole, into a new state directory: the appliance as it was when the backup was taken.
        Path restored = directory.resolve("restored");
        Path restoredConfig = ApplianceProcess.writeConfig(restored, "");
        ApplianceProcess.Finished withoutPin = ApplianceProcess.run(restored, List.of("restore", "--state-dir",
                restored.toString(), "--config", restoredConfig.toString(), "--archive", archive.toString()));
        assertEquals(1, withoutPin.status(), withoutPin.output());
        assertTrue(withoutPin.output().contains("name the file that holds it with --token-pin-file"),
                withoutPin.output());
        ApplianceProcess.Finished whole = ApplianceProcess.run(restored, List.of("restore", "--state-dir",
                restored.toString(), "--config", restoredConfig.toString(), "--archive", archive.toString(),
                "--token-pin-file", state.resolve("softhsm/user-pin").toString()));
        assertEquals(0, whole.status(), whole.output());
        assertFalse(whole.output().contains("not on the HSM any more"), whole.output());
        assertArrayEquals(Files.readAllBytes(state.resolve("pki/ca.pem")),
                Files.readAllBytes(restored.resolve("pki/ca.pem")), "clients keep trusting the same CA");
        try (ApplianceProcess appliance = ApplianceProcess.start(restored, restoredConfig)) {
            ApplianceClient client = new ApplianceClient(appliance, admin);
            assertEquals(200, client.send("GET", "/api/v2/keys", null, null).statusCode(), "the API token works");
            assertKeys(client, keptClient, kept);
            // The token in the archive predates the deletion: a whole backup is a copy of the HSM.
            assertKeys(client, shreddedClient, shredded);
            try (KmipClient kmip = client.kmip(keptClient)) {
                assertThrows(KmipException.class, () -> kmip.getKeyMaterial(createdAfterBackup),
                        "a key created after the backup is not in it");
            }
        }

        // The database alone, beside the HSM token that lived on: the deleted root key stays deleted.
        Files.move(state.resolve("postgres"), directory.resolve("lost-postgres"));
        ApplianceProcess.Finished databaseOnly = ApplianceProcess.run(state, List.of("restore", "--state-dir",
                state.toString(), "--config", config.toString(), "--archive", archive.toString(),
                "--database-only"));
        assertEquals(0, databaseOnly.status(), databaseOnly.output());
        assertTrue(databaseOnly.output().contains("root key " + shreddedRootKey + " (shredded-root) version 1 is not "
                + "on the HSM any more (destroyed after the backup): " + KEYS_PER_ADAPTER + " KMIP key(s) sealed "
                + "under it stay unopenable; the root key is recorded as deleted"), databaseOnly.output());
        try (ApplianceProcess appliance = ApplianceProcess.start(state, config)) {
            ApplianceClient client = new ApplianceClient(appliance, admin);
            assertKeys(client, keptClient, kept);
            try (KmipClient kmip = client.kmip(shreddedClient)) {
                for (String id : shredded.keySet()) {
                    assertThrows(KmipException.class, () -> kmip.getKeyMaterial(id),
                            "key " + id + " was sealed under a root key destroyed after the backup");
                }
            }
            assertEquals(404, client.send("GET", "/api/v2/keys/" + shreddedRootKey, null, null).statusCode(),
                    "the root key is recorded as deleted and purged: gone, as it was before the restore");
        }
    }

    /**
     * A root key deleted, or made, between the backup's database snapshot and its copy of the token: the backup
     * notices (the versions changed) and takes both again, so the archive's token holds every version its database
     * names and a restore finds none missing. Without the second look, the deletion would leave the archive naming
     * a version its token lacks.
     */
    @ParameterizedTest
    @ValueSource(strings = {"deleted", "created"})
    void aRootKeyChangedBetweenSnapshotAndTokenCopy_isTakenAgain(String change) throws Exception {
        Path state = directory.resolve("changing");
        Path config = ApplianceProcess.withPurgeAtOnce(ApplianceProcess.writeConfig(state, ""));
        Path archive = directory.resolve("changing.tar.gz");
        Backup.Summary summary;
        try (ApplianceProcess appliance = ApplianceProcess.start(state, config)) {
            ApplianceClient client = new ApplianceClient(appliance, appliance.admin());
            String existing = client.createRootKey("existing");
            summary = Backup.write(ApplianceConfig.load(config), state, archive, attempt -> {
                if (attempt == 1) {
                    HttpResponse<String> response = change.equals("deleted")
                            ? deleteAndPurge(client, existing)
                            : client.send("POST", "/api/v2/keys", "application/vnd.ibm.kms.key+json",
                                    "{\"metadata\":{\"collectionType\":\"application/vnd.ibm.kms.key+json\","
                                            + "\"collectionTotal\":1},\"resources\":[{\"name\":\"new\"}]}");
                    assertTrue(response.statusCode() / 100 == 2, response.body());
                }
            });
        }
        assertEquals(2, summary.attempts(), "the first attempt saw the versions change");
        Path restored = directory.resolve("restored");
        ApplianceProcess.Finished restore = ApplianceProcess.run(restored, List.of("restore", "--state-dir",
                restored.toString(), "--config", ApplianceProcess.writeConfig(restored, "").toString(),
                "--archive", archive.toString(), "--token-pin-file", state.resolve("softhsm/user-pin").toString()));
        assertEquals(0, restore.status(), restore.output());
        assertFalse(restore.output().contains("not on the HSM any more"), restore.output());
        assertTrue(restore.output().contains(change.equals("deleted") ? ": 1 root key(s)" : ": 2 root key(s)"),
                restore.output());
    }

    /** Deletes a root key and purges it at once (its appliance's configuration has no purge delay). */
    private static HttpResponse<String> deleteAndPurge(ApplianceClient client, String rootKey)
            throws IOException, InterruptedException {
        HttpResponse<String> deleted = client.send("DELETE", "/api/v2/keys/" + rootKey, null, null);
        assertEquals(204, deleted.statusCode(), deleted.body());
        return client.send("DELETE", "/api/v2/keys/" + rootKey + "/purge", null, null);
    }

    @Test
    void restoreRefusesADamagedArchiveAndAStateDirectoryInUse() throws Exception {
        Path state = directory.resolve("appliance");
        Path config = ApplianceProcess.writeConfig(state, "");
        try (ApplianceProcess appliance = ApplianceProcess.start(state, config)) {
            appliance.admin();
        }
        Path archive = directory.resolve("backup.tar.gz");
        ApplianceProcess.Finished backup = ApplianceProcess.run(state, List.of("backup", "--state-dir",
                state.toString(), "--config", config.toString(), "--out", archive.toString()));
        assertEquals(0, backup.status(), backup.output());
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(archive));

        ApplianceProcess.Finished inUse = ApplianceProcess.run(state, List.of("restore", "--state-dir",
                state.toString(), "--config", config.toString(), "--archive", archive.toString(),
                "--token-pin-file", state.resolve("softhsm/user-pin").toString()));
        assertEquals(1, inUse.status(), inUse.output());
        assertTrue(inUse.output().contains("is not a new state directory"), inUse.output());

        byte[] damaged = Files.readAllBytes(archive);
        damaged[damaged.length / 2] ^= 0x5a;
        Path damagedArchive = directory.resolve("damaged.tar.gz");
        Files.write(damagedArchive, damaged);
        Path fresh = directory.resolve("fresh");
        ApplianceProcess.Finished refused = ApplianceProcess.run(fresh, List.of("restore", "--state-dir",
                fresh.toString(), "--config", ApplianceProcess.writeConfig(fresh, "").toString(), "--archive",
                damagedArchive.toString(), "--token-pin-file", state.resolve("softhsm/user-pin").toString()));
        assertEquals(1, refused.status(), refused.output());
        assertTrue(refused.output().contains("cannot read the backup") || refused.output().contains("damaged"),
                refused.output());
        assertFalse(Files.exists(fresh.resolve("softhsm")), "nothing was laid out from a damaged archive");
    }

    private static void createKeys(ApplianceClient client, CertificateAuthority.Issued identity,
                                   Map<String, byte[]> keys) throws Exception {
        try (KmipClient kmip = client.kmip(identity)) {
            for (int i = 0; i < KEYS_PER_ADAPTER; i++) {
                String id = kmip.createAesKey(256, 12);
                keys.put(id, kmip.getKeyMaterial(id));
            }
        }
    }

    private static void assertKeys(ApplianceClient client, CertificateAuthority.Issued identity,
                                   Map<String, byte[]> keys) throws Exception {
        try (KmipClient kmip = client.kmip(identity)) {
            for (Map.Entry<String, byte[]> key : keys.entrySet()) {
                assertArrayEquals(key.getValue(), kmip.getKeyMaterial(key.getKey()), "key " + key.getKey());
            }
        }
    }

    /** No key's material, raw or in hex, is anywhere in the archive; the token's PIN is not in it either. */
    private static void assertArchiveHoldsNoSecret(Path archive, Map<String, byte[]> keys) throws Exception {
        Map<String, byte[]> members = new LinkedHashMap<>();
        try (InputStream file = Files.newInputStream(archive);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(file))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                members.put(entry.getName(), tar.readAllBytes());
            }
        }
        assertTrue(members.keySet().containsAll(List.of("manifest.json", "token/slot", "pki/ca.pem",
                "database/kmip_objects.copy", "database/root_key_versions.copy")), members.keySet().toString());
        assertTrue(members.keySet().stream().anyMatch(name -> name.startsWith("token/tokens/")),
                members.keySet().toString());
        assertTrue(members.keySet().stream().noneMatch(name -> name.contains("user-pin")), members.keySet().toString());
        var manifest = new ObjectMapper().readTree(members.get("manifest.json"));
        assertEquals(members.size() - 1, manifest.get("files").size(), "the manifest names every other member");
        for (Map.Entry<String, byte[]> member : members.entrySet()) {
            String text = new String(member.getValue(), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
            for (Map.Entry<String, byte[]> key : keys.entrySet()) {
                assertFalse(contains(member.getValue(), key.getValue()), "key " + key.getKey() + "'s material is in "
                        + member.getKey());
                assertFalse(text.contains(HexFormat.of().formatHex(key.getValue())), "key " + key.getKey()
                        + "'s material is in " + member.getKey() + " as hex");
            }
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
