package org.kmipappliance.hsm;

/** Root-key states with Key Protect's numbers. */
public enum RootKeyState {
    ACTIVE(1),
    SUSPENDED(2),
    DEACTIVATED(3),
    DESTROYED(5);

    private final int code;

    RootKeyState(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static RootKeyState ofCode(int code) {
        for (RootKeyState state : values()) {
            if (state.code == code) {
                return state;
            }
        }
        throw new IllegalArgumentException("no root-key state has code " + code);
    }
}
