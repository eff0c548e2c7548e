package org.kmipappliance.hsm;

/**
 * A key pair the HSM generated and released once, to be sealed: the public key as X.509 SubjectPublicKeyInfo, the
 * private key as PKCS#8 PrivateKeyInfo inside {@link SecretBytes}, which the holder closes (zeroes).
 */
public record GeneratedKeyPair(byte[] publicKeyX509, SecretBytes privateKeyPkcs8) implements AutoCloseable {
    @Override
    public void close() {
        privateKeyPkcs8.close();
    }

    @Override
    public String toString() {
        return "GeneratedKeyPair[public key " + publicKeyX509.length + " bytes, private key withheld]";
    }
}
