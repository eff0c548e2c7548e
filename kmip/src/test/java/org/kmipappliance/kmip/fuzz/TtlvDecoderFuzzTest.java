package org.kmipappliance.kmip.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.management.ManagementFactory;
import org.kmipappliance.kmip.server.KmipServer;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvDecoder;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;
import org.kmipappliance.kmip.ttlv.TtlvException;

/**
 * The TTLV decoder on any bytes a client can send in one frame: it refuses them with a {@link TtlvException} or
 * decodes a tree that encodes and decodes to itself again, never throws anything else, and allocates no more than
 * a small multiple of the input, whatever its length fields claim. In the default build it runs its committed
 * corpus (resources .../TtlvDecoderFuzzTestInputs); with JAZZER_FUZZ=1 it fuzzes (docs/security.md).
 */
class TtlvDecoderFuzzTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @FuzzTest(maxDuration = "30s")
    void anyFrame_isRefusedOrDecodedFaithfully_withinItsAllocationBound(byte[] frame) throws TtlvException {
        if (frame.length > KmipServer.MAX_FRAME_BYTES) {
            return; // the listener never passes a longer frame on
        }
        Ttlv tree;
        try {
            tree = TtlvDecoder.decode(frame);
        } catch (TtlvException refused) {
            assertSecondDecodeAllocationBounded(frame);
            return;
        }
        assertSecondDecodeAllocationBounded(frame);
        assertEquals(tree, TtlvDecoder.decode(TtlvEncoder.encode(tree)), "a decoded tree survives encoding");
    }

    /**
     * Decodes {@code frame} again and measures what that allocates: the first decode loaded (and Jazzer
     * instrumented) whatever classes it needed, which the measure must not count.
     */
    private static void assertSecondDecodeAllocationBounded(byte[] frame) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        try {
            TtlvDecoder.decode(frame);
        } catch (TtlvException refused) {
            // as the first time
        }
        assertAllocationBounded(frame, before);
    }

    /**
     * Every item takes at least 8 input bytes and becomes one small object (a Big Integer or a string at most a few
     * times its bytes), so decoding allocates at most a small multiple of the input.
     */
    private static void assertAllocationBounded(byte[] frame, long allocatedBefore) {
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
        assertTrue(allocated <= 64L * frame.length + 64 * 1024, allocated + " bytes allocated for a "
                + frame.length + "-byte frame");
    }
}
