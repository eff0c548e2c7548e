package org.kmipappliance.kmip.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Clock;
import java.util.Optional;
import org.kmipappliance.hsm.Instance;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipAdapter;
import org.kmipappliance.hsm.RootKey;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.MessageCodec;
import org.kmipappliance.kmip.message.ResponseBatchItem;
import org.kmipappliance.kmip.message.ResponseMessage;
import org.kmipappliance.kmip.message.ResultStatus;
import org.kmipappliance.kmip.server.KmipServer;
import org.kmipappliance.kmip.server.RequestProcessor;
import org.kmipappliance.kmip.ttlv.TtlvDecoder;

/**
 * The batch executor, on a real custody module (SoftHSM2 and PostgreSQL), answering any frame a registered client
 * can send: it answers every one with a well-formed Response Message whose items each have a status and, when they
 * failed, a Result Reason; it never throws (which would close the connection) and never exceeds its response
 * budget. Seeded with the OASIS vectors' requests and this project's client's requests.
 */
class BatchExecutorFuzzTest {
    private static final String FINGERPRINT;
    private static final RequestProcessor PROCESSOR;

    static {
        CustodyDatabase database = TestDatabase.fresh();
        KeyCustody custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC());
        Instance instance = custody.access().createInstance("fuzz", TESTER);
        RootKey root = custody.rootKeys().create(instance.id(), "fuzz-root", null, TESTER);
        KmipAdapter adapter = custody.adapters().create(instance.id(), null, null, KmipAdapter.NATIVE_PROFILE,
                root.id().toString(), TESTER);
        String pem = TestCertificates.clientPem("fuzzer");
        custody.certificates().add(instance.id(), adapter.name(), null, pem, TESTER);
        FINGERPRINT = PemCertificates.sha256Fingerprint(PemCertificates.parse(pem));
        PROCESSOR = new RequestProcessor(custody, Clock.systemUTC());
    }

    @FuzzTest(maxDuration = "30s")
    void anyFrame_getsAWellFormedAnswer(byte[] frame) throws Exception {
        if (frame.length > KmipServer.MAX_FRAME_BYTES) {
            return;
        }
        Optional<byte[]> answer = PROCESSOR.process(frame, FINGERPRINT, "127.0.0.1:1");
        assertTrue(answer.isPresent(), "a registered client is always answered");
        byte[] response = answer.get();
        assertTrue(response.length <= RequestProcessor.MAX_RESPONSE_BYTES + 256 * 1024, response.length + " bytes");
        ResponseMessage parsed = MessageCodec.parseResponse(TtlvDecoder.decode(response,
                KmipClient.MAX_RESPONSE_ITEMS));
        assertFalse(parsed.items().isEmpty(), "at least one batch item");
        assertEquals(1, parsed.version().major());
        for (ResponseBatchItem item : parsed.items()) {
            assertNotNull(item.status());
            assertTrue(item.status() == ResultStatus.SUCCESS || item.reason() != null, "a failure names its reason");
        }
    }
}
