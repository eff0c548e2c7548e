package org.kmipappliance.hsm;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Plaintext key material, in the one kind of holder it may live in outside the HSM.
 *
 * <p>The bytes are handed out only through {@link #reveal()}, so every place that touches plaintext is easy to
 * find. {@link #close()} zeroes them; use the holder in try-with-resources. {@code toString} never shows the
 * bytes, and {@code equals} compares in constant time.
 */
public final class SecretBytes implements AutoCloseable {
    private final byte[] bytes;
    private volatile boolean wiped;

    private SecretBytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Takes ownership of {@code bytes}: the caller must not keep or reuse the array. */
    public static SecretBytes adopt(byte[] bytes) {
        if (bytes == null) {
            throw new IllegalArgumentException("secret bytes must not be null");
        }
        return new SecretBytes(bytes);
    }

    /** A copy, owned by the new holder; the source array is left as it is. */
    public static SecretBytes copyOf(byte[] bytes) {
        return adopt(bytes.clone());
    }

    public int length() {
        return bytes.length;
    }

    /**
     * The plaintext itself, not a copy. Do not keep the reference beyond the holder's life: it is zeroed on
     * {@link #close()}.
     */
    public byte[] reveal() {
        if (wiped) {
            throw new IllegalStateException("secret bytes were already wiped");
        }
        return bytes;
    }

    @Override
    public void close() {
        Arrays.fill(bytes, (byte) 0);
        wiped = true;
    }

    public boolean isWiped() {
        return wiped;
    }

    /** Constant-time comparison of the contents. */
    public boolean sameAs(SecretBytes other) {
        return MessageDigest.isEqual(reveal(), other.reveal());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretBytes other && sameAs(other);
    }

    @Override
    public int hashCode() {
        return bytes.length;
    }

    @Override
    public String toString() {
        return "SecretBytes[" + bytes.length + " bytes, redacted]";
    }
}
