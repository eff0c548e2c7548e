package org.kmipappliance.hsm;

import java.util.Locale;
import java.util.Optional;

/** Key Protect's service roles on an instance. */
public enum Role {
    MANAGER("Manager"),
    KMIP_ADAPTER_MANAGER("KmipAdapterManager"),
    WRITER("Writer"),
    READER_PLUS("ReaderPlus"),
    READER("Reader");

    private final String displayName;

    Role(String displayName) {
        this.displayName = displayName;
    }

    public String displayName() {
        return displayName;
    }

    public static Optional<Role> parse(String name) {
        for (Role role : values()) {
            if (role.displayName.equalsIgnoreCase(name.strip()) || role.name().equals(name.strip().toUpperCase(Locale.ROOT))) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}
