package org.kmipappliance.hsm.pkcs11;

import org.kmipappliance.hsm.HsmException;

/** The HSM is configured in a way that cannot work; the message says what to change. */
public class HsmConfigurationException extends HsmException {
    public HsmConfigurationException(String message) {
        super(message);
    }

    public HsmConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
