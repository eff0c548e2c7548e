package org.kmipappliance.hsm;

import java.util.OptionalInt;
import java.util.Set;

/** An {@link Hsm} that hands every call to another; subclasses add to the calls they override. */
public abstract class ForwardingHsm implements Hsm {
    private final Hsm hsm;

    protected ForwardingHsm(Hsm hsm) {
        this.hsm = hsm;
    }

    @Override
    public SecretBytes generateDataKey(int bits) {
        return hsm.generateDataKey(bits);
    }

    @Override
    public GeneratedKeyPair generateKeyPair(String algorithm, int size) {
        return hsm.generateKeyPair(algorithm, size);
    }

    @Override
    public byte[] seal(String label, byte[] associatedData, SecretBytes plaintext) {
        return hsm.seal(label, associatedData, plaintext);
    }

    @Override
    public SecretBytes open(String label, byte[] associatedData, byte[] blob) {
        return hsm.open(label, associatedData, blob);
    }

    @Override
    public void createRootKey(String label) {
        hsm.createRootKey(label);
    }

    @Override
    public byte[] createTransportKey(String label) {
        return hsm.createTransportKey(label);
    }

    @Override
    public void destroyTransportKey(String label) {
        hsm.destroyTransportKey(label);
    }

    @Override
    public OptionalInt importRootKey(String label, String transportLabel, ImportWrapping wrapping,
                                     byte[] wrapped) {
        return hsm.importRootKey(label, transportLabel, wrapping, wrapped);
    }

    @Override
    public OptionalInt importRootKey(String label, SecretBytes material) {
        return hsm.importRootKey(label, material);
    }

    @Override
    public void destroyRootKey(String label) {
        hsm.destroyRootKey(label);
    }

    @Override
    public Set<String> rootKeyLabels() {
        return hsm.rootKeyLabels();
    }

    @Override
    public void probe() {
        hsm.probe();
    }

    @Override
    public void createProbeKeyIfMissing() {
        hsm.createProbeKeyIfMissing();
    }
}
