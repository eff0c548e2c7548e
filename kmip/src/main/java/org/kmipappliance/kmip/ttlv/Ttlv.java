package org.kmipappliance.kmip.ttlv;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One TTLV item: a tag, a type and a value. The generic tree that the codec reads and writes; the typed KMIP
 * message model is mapped from it. {@code toString} never prints byte strings, since they may hold keys.
 */
public sealed interface Ttlv {
    int tag();

    ItemType type();

    static String tagName(int tag) {
        return String.format("0x%06X", tag);
    }

    record Structure(int tag, List<Ttlv> items) implements Ttlv {
        public Structure {
            items = List.copyOf(items);
        }

        public static Structure of(int tag, Ttlv... items) {
            return new Structure(tag, List.of(items));
        }

        @Override
        public ItemType type() {
            return ItemType.STRUCTURE;
        }

        public Optional<Ttlv> first(int childTag) {
            return items.stream().filter(item -> item.tag() == childTag).findFirst();
        }

        public List<Ttlv> all(int childTag) {
            return items.stream().filter(item -> item.tag() == childTag).toList();
        }
    }

    record IntegerItem(int tag, int value) implements Ttlv {
        @Override
        public ItemType type() {
            return ItemType.INTEGER;
        }
    }

    record LongIntegerItem(int tag, long value) implements Ttlv {
        @Override
        public ItemType type() {
            return ItemType.LONG_INTEGER;
        }
    }

    record BigIntegerItem(int tag, BigInteger value) implements Ttlv {
        public BigIntegerItem {
            Objects.requireNonNull(value);
        }

        @Override
        public ItemType type() {
            return ItemType.BIG_INTEGER;
        }
    }

    /** An Enumeration; the 32-bit value is unsigned on the wire (extensions are 0x8XXXXXXX). */
    record EnumerationItem(int tag, int value) implements Ttlv {
        @Override
        public ItemType type() {
            return ItemType.ENUMERATION;
        }
    }

    record BooleanItem(int tag, boolean value) implements Ttlv {
        @Override
        public ItemType type() {
            return ItemType.BOOLEAN;
        }
    }

    record TextStringItem(int tag, String value) implements Ttlv {
        public TextStringItem {
            Objects.requireNonNull(value);
        }

        @Override
        public ItemType type() {
            return ItemType.TEXT_STRING;
        }
    }

    /** A Byte String. It may be key material: it is never printed, and {@link #wipe()} zeroes it. */
    record ByteStringItem(int tag, byte[] value) implements Ttlv {
        public ByteStringItem {
            Objects.requireNonNull(value);
        }

        @Override
        public ItemType type() {
            return ItemType.BYTE_STRING;
        }

        /** Zeroes the bytes once they have been written out. */
        public void wipe() {
            Arrays.fill(value, (byte) 0);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByteStringItem other && other.tag == tag && Arrays.equals(other.value, value);
        }

        @Override
        public int hashCode() {
            return 31 * tag + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "ByteStringItem[tag=" + tagName(tag) + ", " + value.length + " bytes]";
        }
    }

    /** A Date-Time: POSIX seconds, signed 64-bit. */
    record DateTimeItem(int tag, long epochSeconds) implements Ttlv {
        public static DateTimeItem of(int tag, Instant instant) {
            return new DateTimeItem(tag, instant.getEpochSecond());
        }

        public Instant instant() {
            return Instant.ofEpochSecond(epochSeconds);
        }

        @Override
        public ItemType type() {
            return ItemType.DATE_TIME;
        }
    }

    /** An Interval in seconds: unsigned 32-bit on the wire. */
    record IntervalItem(int tag, long seconds) implements Ttlv {
        public IntervalItem {
            if (seconds < 0 || seconds > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("an Interval is an unsigned 32-bit number of seconds: " + seconds);
            }
        }

        @Override
        public ItemType type() {
            return ItemType.INTERVAL;
        }
    }

    /** Zeroes every byte string in the tree: responses are wiped after encoding because they may carry keys. */
    static void wipeByteStrings(Ttlv item) {
        if (item instanceof ByteStringItem bytes) {
            bytes.wipe();
        } else if (item instanceof Structure structure) {
            structure.items().forEach(Ttlv::wipeByteStrings);
        }
    }
}
