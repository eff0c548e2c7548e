package org.kmipappliance.hsm;

/**
 * The HSM refused key material brought to it for a root key. The caller's input is at fault (or asks for what this
 * HSM cannot do), not a failure of the HSM, and nothing was left on the token.
 */
public final class ImportedKeyRejectedException extends HsmException {
    /** What the caller has to change. */
    public enum Reason {
        /** The payload does not open with the import token's key, or holds no AES key of 128, 192 or 256 bits. */
        PAYLOAD,
        /** The HSM cannot unwrap with the encryption algorithm named. */
        WRAPPING_UNSUPPORTED,
        /** The import token's key is no longer on the HSM. */
        TOKEN
    }

    private final Reason reason;

    public ImportedKeyRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
