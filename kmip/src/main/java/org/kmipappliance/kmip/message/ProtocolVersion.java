package org.kmipappliance.kmip.message;

import java.util.List;

/** A KMIP protocol version. */
public record ProtocolVersion(int major, int minor) implements Comparable<ProtocolVersion> {
    public static final ProtocolVersion V1_0 = new ProtocolVersion(1, 0);
    public static final ProtocolVersion V1_1 = new ProtocolVersion(1, 1);
    public static final ProtocolVersion V1_2 = new ProtocolVersion(1, 2);
    public static final ProtocolVersion V1_3 = new ProtocolVersion(1, 3);
    public static final ProtocolVersion V1_4 = new ProtocolVersion(1, 4);

    /** What this server speaks, in its order of preference (newest first). */
    public static final List<ProtocolVersion> SUPPORTED = List.of(V1_4, V1_3, V1_2, V1_1, V1_0);

    public boolean atLeast(ProtocolVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(ProtocolVersion other) {
        return major != other.major ? Integer.compare(major, other.major) : Integer.compare(minor, other.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
