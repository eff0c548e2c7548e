package org.kmipappliance.kmip.fuzz;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.MessageCodec;
import org.kmipappliance.kmip.message.RequestBatchItem;
import org.kmipappliance.kmip.message.RequestMessage;
import org.kmipappliance.kmip.server.KmipServer;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvDecoder;
import org.kmipappliance.kmip.ttlv.TtlvException;

/**
 * The request parser on any well-formed TTLV: a message it cannot use is refused with a {@link KmipException} that
 * carries a Result Reason, a batch item it cannot use carries its own, and nothing else is ever thrown (a
 * RuntimeException would close the client's connection without an answer). Seeded with the OASIS vectors' requests
 * and the requests of this project's client.
 */
class MessageParserFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void anyTree_isParsedOrRefusedWithAReason(byte[] frame) {
        if (frame.length > KmipServer.MAX_FRAME_BYTES) {
            return;
        }
        Ttlv tree;
        try {
            tree = TtlvDecoder.decode(frame);
        } catch (TtlvException notTtlv) {
            return; // the decoder's own fuzz test covers these
        }
        assertNotNull(MessageCodec.versionOf(tree), "a version to answer in, whatever the tree");
        RequestMessage request;
        try {
            request = MessageCodec.parseRequest(tree);
        } catch (KmipException refused) {
            assertNotNull(refused.reason(), "a refusal names its Result Reason");
            return;
        }
        assertTrue(request.items().size() <= MessageCodec.MAX_BATCH_ITEMS);
        for (RequestBatchItem item : request.items()) {
            assertTrue(item.problem() == null ? item.payload() != null : item.problem().reason() != null,
                    "an item is usable or says why not");
        }
    }
}
