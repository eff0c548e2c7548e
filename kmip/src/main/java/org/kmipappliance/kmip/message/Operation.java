package org.kmipappliance.kmip.message;

import java.util.Optional;

/** KMIP Operation enumeration values (KMIP 1.4 section 9.1.3.2.27) that this server knows by name. */
public enum Operation {
    CREATE(0x01),
    CREATE_KEY_PAIR(0x02),
    REGISTER(0x03),
    RE_KEY(0x04),
    RE_KEY_KEY_PAIR(0x1D, ProtocolVersion.V1_1),
    LOCATE(0x08),
    CHECK(0x09),
    GET(0x0A),
    GET_ATTRIBUTES(0x0B),
    GET_ATTRIBUTE_LIST(0x0C),
    ADD_ATTRIBUTE(0x0D),
    MODIFY_ATTRIBUTE(0x0E),
    DELETE_ATTRIBUTE(0x0F),
    OBTAIN_LEASE(0x10),
    GET_USAGE_ALLOCATION(0x11),
    ACTIVATE(0x12),
    REVOKE(0x13),
    DESTROY(0x14),
    ARCHIVE(0x15),
    RECOVER(0x16),
    QUERY(0x18),
    CANCEL(0x19),
    POLL(0x1A),
    DISCOVER_VERSIONS(0x1E, ProtocolVersion.V1_1);

    private final int code;
    /** The protocol version that defined the operation. */
    private final ProtocolVersion since;

    Operation(int code) {
        this(code, ProtocolVersion.V1_0);
    }

    Operation(int code, ProtocolVersion since) {
        this.code = code;
        this.since = since;
    }

    public int code() {
        return code;
    }

    /** Whether {@code version} defines this operation (Query lists only those). */
    public boolean definedIn(ProtocolVersion version) {
        return version.atLeast(since);
    }

    public static Optional<Operation> ofCode(int code) {
        for (Operation operation : values()) {
            if (operation.code == code) {
                return Optional.of(operation);
            }
        }
        return Optional.empty();
    }
}
