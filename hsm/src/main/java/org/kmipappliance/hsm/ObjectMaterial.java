package org.kmipappliance.hsm;

/**
 * An opened KMIP object: its metadata and its plaintext (key bytes, secret, certificate ...), which the holder must
 * close (zero) after use.
 */
public record ObjectMaterial(KmipObject object, SecretBytes material) implements AutoCloseable {
    @Override
    public void close() {
        material.close();
    }
}
