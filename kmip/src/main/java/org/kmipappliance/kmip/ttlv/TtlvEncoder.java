package org.kmipappliance.kmip.ttlv;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Writes a {@link Ttlv} tree as TTLV bytes (KMIP 1.4 section 9.1). */
public final class TtlvEncoder {
    private TtlvEncoder() {
    }

    public static byte[] encode(Ttlv item) {
        ByteBuffer out = ByteBuffer.allocate(encodedLength(item));
        write(item, out);
        return out.array();
    }

    /** The number of bytes {@code item} takes on the wire, header and padding included. */
    public static int encodedLength(Ttlv item) {
        return 8 + paddedValueLength(item);
    }

    private static int paddedValueLength(Ttlv item) {
        return switch (item) {
            case Ttlv.Structure structure -> structure.items().stream().mapToInt(TtlvEncoder::encodedLength).sum();
            case Ttlv.IntegerItem ignored -> 8;
            case Ttlv.EnumerationItem ignored -> 8;
            case Ttlv.IntervalItem ignored -> 8;
            case Ttlv.LongIntegerItem ignored -> 8;
            case Ttlv.DateTimeItem ignored -> 8;
            case Ttlv.BooleanItem ignored -> 8;
            case Ttlv.BigIntegerItem big -> bigIntegerLength(big);
            case Ttlv.TextStringItem text -> pad(text.value().getBytes(StandardCharsets.UTF_8).length);
            case Ttlv.ByteStringItem bytes -> pad(bytes.value().length);
        };
    }

    private static void write(Ttlv item, ByteBuffer out) {
        out.put((byte) (item.tag() >>> 16)).put((byte) (item.tag() >>> 8)).put((byte) item.tag());
        out.put((byte) item.type().code());
        switch (item) {
            case Ttlv.Structure structure -> {
                out.putInt(paddedValueLength(structure));
                structure.items().forEach(child -> write(child, out));
            }
            case Ttlv.IntegerItem integer -> out.putInt(4).putInt(integer.value()).putInt(0);
            case Ttlv.EnumerationItem enumeration -> out.putInt(4).putInt(enumeration.value()).putInt(0);
            case Ttlv.IntervalItem interval -> out.putInt(4).putInt((int) interval.seconds()).putInt(0);
            case Ttlv.LongIntegerItem longInteger -> out.putInt(8).putLong(longInteger.value());
            case Ttlv.DateTimeItem dateTime -> out.putInt(8).putLong(dateTime.epochSeconds());
            case Ttlv.BooleanItem bool -> out.putInt(8).putLong(bool.value() ? 1 : 0);
            case Ttlv.BigIntegerItem big -> {
                int length = bigIntegerLength(big);
                byte[] minimal = big.value().toByteArray();
                out.putInt(length);
                byte signExtension = (byte) (big.value().signum() < 0 ? 0xFF : 0x00);
                for (int i = minimal.length; i < length; i++) {
                    out.put(signExtension);
                }
                out.put(minimal);
            }
            case Ttlv.TextStringItem text -> writePadded(text.value().getBytes(StandardCharsets.UTF_8), out);
            case Ttlv.ByteStringItem bytes -> writePadded(bytes.value(), out);
        }
    }

    private static void writePadded(byte[] value, ByteBuffer out) {
        out.putInt(value.length).put(value);
        for (int i = value.length; i < pad(value.length); i++) {
            out.put((byte) 0);
        }
    }

    /** Big Integers are sign-extended to a multiple of 8 bytes, and that padding counts in the length. */
    private static int bigIntegerLength(Ttlv.BigIntegerItem big) {
        return Math.max(8, pad(big.value().toByteArray().length));
    }

    private static int pad(int length) {
        return (length + 7) & ~7;
    }
}
