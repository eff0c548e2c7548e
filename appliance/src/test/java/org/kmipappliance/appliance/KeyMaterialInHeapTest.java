package org.kmipappliance.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.kmip.client.KmipClient;

/**
 * Plaintext key material in the appliance's memory: once a KMIP Create and two Gets have been answered, a heap dump
 * of the appliance (a separate process, dumped by jcmd after a full collection, as an attacker reading its memory
 * would) holds no copy of the keys, not even half of one.
 */
class KeyMaterialInHeapTest {
    @Test
    void afterCreateAndGet_aHeapDumpHoldsNoCopyOfTheKeys() throws Exception {
        Path state = Path.of(System.getProperty("java.io.tmpdir"), "heap-" + UUID.randomUUID());
        Path config = ApplianceProcess.writeConfig(state, "");
        try (ApplianceProcess appliance = ApplianceProcess.start(state, config)) {
            ApplianceClient client = new ApplianceClient(appliance, appliance.admin());
            client.createAdapter("heap", client.createRootKey("heap-root"));
            CertificateAuthority.Issued identity = client.registerClient("heap", "heap-client");
            List<byte[]> materials = new ArrayList<>();
            try (KmipClient kmip = client.kmip(identity)) {
                for (int i = 0; i < 3; i++) {
                    String id = kmip.createAesKey(256, 12);
                    materials.add(kmip.getKeyMaterial(id));
                    assertTrue(Arrays.equals(materials.getLast(), kmip.getKeyMaterial(id)));
                }
            }
            byte[] dump = heapDump(appliance);
            byte[] serverCertificate = PemFiles.readCertificate(state.resolve("pki/server.pem")).getEncoded();
            assertTrue(indexOf(dump, serverCertificate) >= 0,
                    "the scan finds what the appliance does keep (its server certificate)");
            for (byte[] material : materials) {
                for (byte[] half : List.of(Arrays.copyOfRange(material, 0, 16), Arrays.copyOfRange(material, 16, 32))) {
                    assertEquals(-1, indexOf(dump, half), "a heap dump holds (half of) a key that was served");
                }
            }
        }
    }

    /** A dump of the appliance's reachable objects, taken by jcmd after a full collection. */
    private static byte[] heapDump(ApplianceProcess appliance) throws Exception {
        Path file = appliance.state().resolve("appliance.hprof");
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(appliance.pid()), "GC.heap_dump", "-all", file.toString()).redirectErrorStream(true)
                .start();
        String said = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(jcmd.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, jcmd.exitValue(), said);
        try {
            return Files.readAllBytes(file);
        } finally {
            Files.delete(file);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
