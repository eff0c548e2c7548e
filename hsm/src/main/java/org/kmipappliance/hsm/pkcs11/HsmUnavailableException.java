package org.kmipappliance.hsm.pkcs11;

/**
 * The configured token cannot be reached right now (not present, not recognised). Unlike a wrong PIN or a missing
 * library this may pass by itself, so a supervisor may retry the start.
 */
public final class HsmUnavailableException extends HsmConfigurationException {
    public HsmUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
