package org.kmipappliance.hsm;

/**
 * A sealed key failed its integrity check when the HSM opened it: the blob was altered, or it belongs to another
 * object or root-key version. No retry will change that.
 */
public final class SealedKeyIntegrityException extends HsmException {
    public SealedKeyIntegrityException(String message, Throwable cause) {
        super(message, cause);
    }
}
