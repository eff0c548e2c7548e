package org.kmipappliance.hsm;

/**
 * The HSM could not do what was asked: it is unreachable, refused the operation, or a sealed blob failed its
 * integrity check. Messages are written for an operator and never contain key material.
 */
public class HsmException extends RuntimeException {
    public HsmException(String message, Throwable cause) {
        super(message, cause);
    }

    public HsmException(String message) {
        super(message);
    }
}
