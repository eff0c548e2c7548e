package org.kmipappliance.kmip.ttlv;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads TTLV bytes into a {@link Ttlv} tree, strictly: lengths must match their types, padding must be zero, text
 * must be valid UTF-8, and a structure's children must fill it exactly. Nothing is allocated from a length field
 * before that length has been checked against the bytes actually present.
 */
public final class TtlvDecoder {
    /**
     * Deepest nesting accepted. KMIP messages nest about seven levels (message, batch item, payload, template,
     * attribute, value, field); the limit stops a crafted message from exhausting the stack.
     */
    public static final int MAX_DEPTH = 24;

    /**
     * Most items accepted in one message. A 1 MiB frame of empty structures would otherwise be 131,072 objects;
     * the limit bounds the memory one message can pin.
     */
    public static final int MAX_ITEMS = 20_000;

    private static final int HEADER_BYTES = 8;

    private final ByteBuffer buffer;
    private final int maxItems;
    private int itemCount;

    private TtlvDecoder(ByteBuffer buffer, int maxItems) {
        this.buffer = buffer;
        this.maxItems = maxItems;
    }

    /** Decodes exactly one item that fills {@code bytes}, of at most {@link #MAX_ITEMS} items. */
    public static Ttlv decode(byte[] bytes) throws TtlvException {
        return decode(bytes, MAX_ITEMS);
    }

    /**
     * The same with another item limit: a client reading a large response (a server's Locate answers) allows as
     * many items as the response's length can hold, which its own cap on response length bounds.
     */
    public static Ttlv decode(byte[] bytes, int maxItems) throws TtlvException {
        TtlvDecoder decoder = new TtlvDecoder(ByteBuffer.wrap(bytes), maxItems);
        Ttlv item = decoder.read(bytes.length, 1);
        if (decoder.buffer.hasRemaining()) {
            throw new TtlvException(decoder.buffer.remaining() + " bytes follow the top-level item");
        }
        return item;
    }

    private Ttlv read(int limit, int depth) throws TtlvException {
        int start = buffer.position();
        if (limit - start < HEADER_BYTES) {
            throw new TtlvException("item at offset " + start + " is truncated: fewer than 8 header bytes");
        }
        if (++itemCount > maxItems) {
            throw new TtlvException("the message has more than " + maxItems + " items");
        }
        int tag = ((buffer.get() & 0xFF) << 16) | ((buffer.get() & 0xFF) << 8) | (buffer.get() & 0xFF);
        int typeCode = buffer.get() & 0xFF;
        long length = Integer.toUnsignedLong(buffer.getInt());
        ItemType type = ItemType.ofCode(typeCode);
        if (type == null) {
            throw new TtlvException("item " + Ttlv.tagName(tag) + " at offset " + start + " has unknown type 0x"
                    + Integer.toHexString(typeCode));
        }
        long available = limit - buffer.position();
        long paddedLength = paddedLength(type, length);
        if (paddedLength > available) {
            throw new TtlvException("item " + Ttlv.tagName(tag) + " at offset " + start + " claims " + length
                    + " bytes but only " + available + " remain");
        }
        int valueLength = (int) length;
        return switch (type) {
            case STRUCTURE -> readStructure(tag, valueLength, depth);
            case INTEGER -> new Ttlv.IntegerItem(tag, readFourBytesPadded(tag, valueLength));
            case ENUMERATION -> new Ttlv.EnumerationItem(tag, readFourBytesPadded(tag, valueLength));
            case INTERVAL -> new Ttlv.IntervalItem(tag,
                    Integer.toUnsignedLong(readFourBytesPadded(tag, valueLength)));
            case LONG_INTEGER -> new Ttlv.LongIntegerItem(tag, readEightBytes(tag, valueLength));
            case DATE_TIME -> new Ttlv.DateTimeItem(tag, readEightBytes(tag, valueLength));
            case BOOLEAN -> new Ttlv.BooleanItem(tag, readBoolean(tag, valueLength));
            case BIG_INTEGER -> new Ttlv.BigIntegerItem(tag, readBigInteger(tag, valueLength));
            case TEXT_STRING -> new Ttlv.TextStringItem(tag, readText(tag, valueLength));
            case BYTE_STRING -> new Ttlv.ByteStringItem(tag, readBytesPadded(tag, valueLength));
        };
    }

    private static long paddedLength(ItemType type, long length) {
        return switch (type) {
            case INTEGER, ENUMERATION, INTERVAL -> 8;
            case TEXT_STRING, BYTE_STRING -> (length + 7) & ~7L;
            default -> length;
        };
    }

    private Ttlv readStructure(int tag, int length, int depth) throws TtlvException {
        if (depth >= MAX_DEPTH) {
            throw new TtlvException("structures nest deeper than " + MAX_DEPTH + " levels");
        }
        int end = buffer.position() + length;
        List<Ttlv> items = new ArrayList<>();
        while (buffer.position() < end) {
            items.add(read(end, depth + 1));
        }
        return new Ttlv.Structure(tag, items);
    }

    private int readFourBytesPadded(int tag, int length) throws TtlvException {
        requireLength(tag, length, 4);
        int value = buffer.getInt();
        if (buffer.getInt() != 0) {
            throw new TtlvException("item " + Ttlv.tagName(tag) + " has non-zero padding");
        }
        return value;
    }

    private long readEightBytes(int tag, int length) throws TtlvException {
        requireLength(tag, length, 8);
        return buffer.getLong();
    }

    private boolean readBoolean(int tag, int length) throws TtlvException {
        long value = readEightBytes(tag, length);
        if (value != 0 && value != 1) {
            throw new TtlvException("Boolean item " + Ttlv.tagName(tag) + " is neither 0 nor 1");
        }
        return value == 1;
    }

    private BigInteger readBigInteger(int tag, int length) throws TtlvException {
        if (length == 0 || length % 8 != 0) {
            throw new TtlvException("Big Integer item " + Ttlv.tagName(tag) + " has length " + length
                    + ", not a positive multiple of 8");
        }
        byte[] twosComplement = new byte[length];
        buffer.get(twosComplement);
        return new BigInteger(twosComplement);
    }

    private String readText(int tag, int length) throws TtlvException {
        byte[] bytes = readBytesPadded(tag, length);
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer text = utf8.decode(ByteBuffer.wrap(bytes));
            return text.toString();
        } catch (CharacterCodingException e) {
            throw new TtlvException("Text String item " + Ttlv.tagName(tag) + " is not valid UTF-8");
        }
    }

    private byte[] readBytesPadded(int tag, int length) throws TtlvException {
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        int padding = (8 - length % 8) % 8;
        for (int i = 0; i < padding; i++) {
            if (buffer.get() != 0) {
                throw new TtlvException("item " + Ttlv.tagName(tag) + " has non-zero padding");
            }
        }
        return bytes;
    }

    private static void requireLength(int tag, int length, int expected) throws TtlvException {
        if (length != expected) {
            throw new TtlvException("item " + Ttlv.tagName(tag) + " has length " + length + " where its type needs "
                    + expected);
        }
    }
}
