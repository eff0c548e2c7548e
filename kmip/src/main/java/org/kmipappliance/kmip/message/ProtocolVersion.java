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

    /** A served version written as "1.4". */
    public static ProtocolVersion parse(String text) {
        return SUPPORTED.stream().filter(version -> version.toString().equals(text)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("a KMIP version is one of " + SUPPORTED + ", not "
                        + text));
    }

    /**
     * The version a response to a request of this version is written in: its own from 1.0 to 1.4, 1.4 for a later
     * 1.x, and 1.0, which every client reads, for anything else.
     */
    public ProtocolVersion answeredAs() {
        if (major != 1 || minor < 0) {
            return V1_0;
        }
        return atLeast(V1_4) ? V1_4 : this;
    }

    /** Whether this server speaks a version that answers this one: 1.0 and every later 1.x. */
    public boolean isServed() {
        return major == 1 && minor >= 0;
    }

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
