package org.kmipappliance.hsm;

/**
 * The HSM has no key with the label asked for: the root-key version was destroyed (by a rotation's clean-up, a
 * deletion, another node) or the appliance is connected to another token.
 */
public final class HsmKeyMissingException extends HsmException {
    public HsmKeyMissingException(String message) {
        super(message);
    }
}
