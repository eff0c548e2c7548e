package org.kmipappliance.hsm;

/** The lifecycle states of a managed object, numbered as KMIP numbers them (and as Key Protect shows them). */
public enum ObjectState {
    PRE_ACTIVE(1),
    ACTIVE(2),
    DEACTIVATED(3),
    COMPROMISED(4),
    DESTROYED(5),
    DESTROYED_COMPROMISED(6);

    private final int code;

    ObjectState(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static ObjectState ofCode(int code) {
        for (ObjectState state : values()) {
            if (state.code == code) {
                return state;
            }
        }
        throw new IllegalArgumentException("no object state has code " + code);
    }
}
