package org.kmipappliance.hsm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SecretBytesTest {
    @Test
    void toString_neverShowsTheBytes() {
        try (SecretBytes secret = SecretBytes.copyOf(new byte[] {0x41, 0x42, 0x43, 0x44})) {
            String shown = secret.toString();
            assertFalse(shown.contains("ABCD"));
            assertFalse(shown.contains("41"));
            assertTrue(shown.contains("4 bytes"));
        }
    }

    @Test
    void close_zeroesTheArrayAndRefusesLaterReads() {
        byte[] raw = {1, 2, 3};
        SecretBytes secret = SecretBytes.adopt(raw);
        secret.close();
        assertArrayEquals(new byte[3], raw);
        assertTrue(secret.isWiped());
        assertThrows(IllegalStateException.class, secret::reveal);
    }

    @Test
    void sameAs_comparesContents() {
        try (SecretBytes a = SecretBytes.copyOf(new byte[] {9, 9}); SecretBytes b = SecretBytes.copyOf(new byte[] {9, 9});
             SecretBytes c = SecretBytes.copyOf(new byte[] {9, 8})) {
            assertTrue(a.sameAs(b));
            assertFalse(a.sameAs(c));
            assertEquals(a, b);
        }
    }
}
