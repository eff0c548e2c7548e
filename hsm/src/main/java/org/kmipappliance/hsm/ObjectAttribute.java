package org.kmipappliance.hsm;

import java.util.Arrays;
import java.util.Objects;

/**
 * An attribute a client gave a KMIP object. The custody module stores {@code value} without interpreting it (the
 * KMIP tier encodes it); {@code uniqueKey}, when not null, must be unique for this attribute name among the live
 * objects of the adapter.
 *
 * @param index the Attribute Index; ignored when adding, where the next free index is assigned
 */
public record ObjectAttribute(String name, int index, byte[] value, String uniqueKey) {
    public ObjectAttribute {
        Objects.requireNonNull(name);
        Objects.requireNonNull(value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ObjectAttribute other && other.name.equals(name) && other.index == index
                && Arrays.equals(other.value, value) && Objects.equals(other.uniqueKey, uniqueKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, index, Arrays.hashCode(value));
    }

    @Override
    public String toString() {
        return "ObjectAttribute[" + name + "#" + index + ", " + value.length + " bytes]";
    }
}
