package org.kmipappliance.kmip.ttlv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TtlvCodecTest {
    private static final int TAG = 0x420020;

    private static byte[] hex(String spaced) {
        return HexFormat.of().parseHex(spaced.replace(" ", ""));
    }

    /** The encoding examples of KMIP 1.4 section 9.1.2, one per item type, plus a structure. */
    static Stream<Arguments> specExamples() {
        return Stream.of(
                // An Integer containing the decimal value 8
                Arguments.of(new Ttlv.IntegerItem(TAG, 8), "420020 02 00000004 00000008 00000000"),
                // A Long Integer containing the decimal value 123456789000000000
                Arguments.of(new Ttlv.LongIntegerItem(TAG, 123456789000000000L),
                        "420020 03 00000008 01B69B4BA5749200"),
                // A Big Integer containing the decimal value 1234567890000000000000000000
                Arguments.of(new Ttlv.BigIntegerItem(TAG, new BigInteger("1234567890000000000000000000")),
                        "420020 04 00000010 0000000003FD35EB 6BC2DF4618080000"),
                // An Enumeration with value 255
                Arguments.of(new Ttlv.EnumerationItem(TAG, 255), "420020 05 00000004 000000FF 00000000"),
                // A Boolean with the value True
                Arguments.of(new Ttlv.BooleanItem(TAG, true), "420020 06 00000008 0000000000000001"),
                // A Text String with the value "Hello World"
                Arguments.of(new Ttlv.TextStringItem(TAG, "Hello World"),
                        "420020 07 0000000B 48656C6C6F20576F726C64 0000000000"),
                // A Byte String with the value { 0x01, 0x02, 0x03 }
                Arguments.of(new Ttlv.ByteStringItem(TAG, new byte[] {1, 2, 3}),
                        "420020 08 00000003 010203 0000000000"),
                // A Date-Time, containing the value for Friday, March 14, 2008, 11:56:40 GMT
                Arguments.of(Ttlv.DateTimeItem.of(TAG, Instant.parse("2008-03-14T11:56:40Z")),
                        "420020 09 00000008 0000000047DA67F8"),
                // An Interval, containing the value for 10 days
                Arguments.of(new Ttlv.IntervalItem(TAG, 864000), "420020 0A 00000004 000D2F00 00000000"),
                // A Structure containing an Enumeration, value 254, followed by an Integer, value 255, having
                // tags 420004 and 420005 respectively
                Arguments.of(Ttlv.Structure.of(TAG, new Ttlv.EnumerationItem(0x420004, 254),
                                new Ttlv.IntegerItem(0x420005, 255)),
                        "420020 01 00000020 420004 05 00000004 000000FE 00000000 420005 02 00000004 000000FF 00000000"));
    }

    @ParameterizedTest
    @MethodSource("specExamples")
    void specExample_encodesAndDecodesExactly(Ttlv item, String expectedHex) throws TtlvException {
        byte[] expected = hex(expectedHex);
        assertArrayEquals(expected, TtlvEncoder.encode(item));
        assertEquals(item, TtlvDecoder.decode(expected));
        assertEquals(expected.length, TtlvEncoder.encodedLength(item));
    }

    @Test
    void negativeBigInteger_isSignExtended() throws TtlvException {
        Ttlv item = new Ttlv.BigIntegerItem(TAG, BigInteger.valueOf(-1));
        byte[] encoded = TtlvEncoder.encode(item);
        assertArrayEquals(hex("420020 04 00000008 FFFFFFFFFFFFFFFF"), encoded);
        assertEquals(item, TtlvDecoder.decode(encoded));
    }

    @Test
    void nestedTree_roundTrips() throws TtlvException {
        Ttlv tree = Ttlv.Structure.of(0x420078,
                Ttlv.Structure.of(0x420077, new Ttlv.IntegerItem(0x42000D, 2),
                        new Ttlv.TextStringItem(0x420094, "ünïcødé ✓")),
                new Ttlv.ByteStringItem(0x420093, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}),
                new Ttlv.Structure(0x42000F, List.of()),
                new Ttlv.LongIntegerItem(0x420001, -5),
                new Ttlv.BooleanItem(0x420002, false));
        assertEquals(tree, TtlvDecoder.decode(TtlvEncoder.encode(tree)));
    }

    @Test
    void byteString_neverPrintsItsBytes() {
        Ttlv.ByteStringItem secret = new Ttlv.ByteStringItem(TAG, hex("DEADBEEFCAFE"));
        assertFalse(secret.toString().toUpperCase().contains("DEADBEEF"));
        assertFalse(Ttlv.Structure.of(TAG, secret).toString().toUpperCase().contains("DEADBEEF"));
        secret.wipe();
        assertArrayEquals(new byte[6], secret.value());
    }

    /** A numbered catalogue of malformed inputs: each must be refused with a TtlvException, never anything else. */
    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("M1 empty input", ""),
                Arguments.of("M2 truncated header", "420020 02 0000"),
                Arguments.of("M3 unknown type 0x0B", "420020 0B 00000004 00000008 00000000"),
                Arguments.of("M4 type 0x00", "420020 00 00000000"),
                Arguments.of("M5 integer with length 8", "420020 02 00000008 00000008 00000000"),
                Arguments.of("M6 integer with non-zero padding", "420020 02 00000004 00000008 00000001"),
                Arguments.of("M7 length beyond the input", "420020 07 7FFFFFFF 48656C6C6F000000"),
                Arguments.of("M8 4 GiB length", "420020 08 FFFFFFFF 0000000000000000"),
                Arguments.of("M9 boolean that is 2", "420020 06 00000008 0000000000000002"),
                Arguments.of("M10 text with bad UTF-8", "420020 07 00000002 C328000000000000"),
                Arguments.of("M11 text with non-zero padding", "420020 07 00000001 41FF000000000000"),
                Arguments.of("M12 big integer of 5 bytes", "420020 04 00000005 0102030405000000"),
                Arguments.of("M13 structure shorter than its child",
                        "420020 01 00000008 420004 05 00000004 000000FE 00000000"),
                Arguments.of("M14 structure longer than the input", "420020 01 00000100 420004 05 00000004"),
                Arguments.of("M15 trailing bytes after the item", "420020 02 00000004 00000008 00000000 00"),
                Arguments.of("M16 date-time with length 4", "420020 09 00000004 47DA67F8 00000000"),
                Arguments.of("M17 interval with non-zero padding", "420020 0A 00000004 000D2F00 00000100"),
                Arguments.of("M18 big integer of length 0", "420020 04 00000000"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedInput_isRefused(String name, String input) {
        assertThrows(TtlvException.class, () -> TtlvDecoder.decode(hex(input)), name);
    }

    @Test
    void nestingBeyondTheLimit_isRefused() {
        Ttlv deep = new Ttlv.IntegerItem(TAG, 1);
        for (int i = 0; i < TtlvDecoder.MAX_DEPTH + 1; i++) {
            deep = Ttlv.Structure.of(TAG, deep);
        }
        byte[] encoded = TtlvEncoder.encode(deep);
        TtlvException e = assertThrows(TtlvException.class, () -> TtlvDecoder.decode(encoded));
        assertTrue(e.getMessage().contains("nest"), e.getMessage());
    }

    @Test
    void tooManyItems_areRefused() {
        List<Ttlv> items = Collections.nCopies(TtlvDecoder.MAX_ITEMS + 1, new Ttlv.Structure(TAG, List.of()));
        byte[] encoded = TtlvEncoder.encode(new Ttlv.Structure(TAG, items));
        assertThrows(TtlvException.class, () -> TtlvDecoder.decode(encoded));
    }
}
