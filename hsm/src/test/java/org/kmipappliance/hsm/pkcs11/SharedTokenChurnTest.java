package org.kmipappliance.hsm.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.testing.TestHsm;

/**
 * Nodes sharing one token: while another process makes and destroys keys on it, every root key this one makes is
 * made, and reported made. (SunPKCS11's key store lists the whole token right after storing a key; an object
 * another process destroys during that listing once failed the creation of a key that was in fact stored.)
 */
class SharedTokenChurnTest {
    private static final int KEYS = 40;

    @Test
    void rootKeysMadeWhileAnotherProcessDestroysKeys_areAllMade() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(TestHsm.childJvmOptions());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ChurnInAnotherJvm.class.getName()));
        Process churn = new ProcessBuilder(command).redirectErrorStream(true).start();
        Pkcs11Hsm hsm = TestHsm.hsm();
        List<String> made = new ArrayList<>();
        try {
            String ready = new String(churn.getInputStream().readNBytes("churning\n".length()));
            assertEquals("churning\n", ready, "the other process started");
            for (int i = 0; i < KEYS; i++) {
                String label = "made-while-churning-" + UUID.randomUUID();
                hsm.createRootKey(label);
                made.add(label);
            }
            for (String label : made) {
                assertTrue(hsm.containsRootKey(label), label);
            }
        } finally {
            churn.destroy();
            made.forEach(hsm::destroyRootKey);
            assertTrue(churn.waitFor(1, TimeUnit.MINUTES), "the other process ended");
        }
    }

    /** Makes and destroys keys on the shared token until it is stopped. */
    public static final class ChurnInAnotherJvm {
        public static void main(String[] args) {
            try (Pkcs11Hsm hsm = Pkcs11Hsm.open(TestHsm.config())) {
                System.out.println("churning");
                System.out.flush();
                while (true) {
                    String label = "churn-" + UUID.randomUUID();
                    hsm.createRootKey(label);
                    hsm.destroyRootKey(label);
                }
            }
        }
    }
}
