package org.kmipappliance.hsm;

/** An opened KMIP key: its metadata and its plaintext, which the holder must close (zero) after use. */
public record SymmetricKeyMaterial(KmipObject object, SecretBytes material) implements AutoCloseable {
    @Override
    public void close() {
        material.close();
    }
}
