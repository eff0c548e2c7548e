package org.kmipappliance.kmip.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.store.jooq.Tables.AUDIT_EVENTS;

import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.store.jooq.tables.records.AuditEventsRecord;
import org.kmipappliance.hsm.testing.LogCapture;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.RequestBatchItem;
import org.kmipappliance.kmip.message.RequestHeader;
import org.kmipappliance.kmip.message.RequestMessage;
import org.kmipappliance.kmip.message.ResponseMessage;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * The KMIP tier's audit trail: reads, failed items, refused messages and refused handshakes are recorded with the
 * client's address and a correlation id, a change is recorded once (by custody, with the change), and a read whose
 * event cannot be written is not answered.
 */
class KmipAuditTest {
    private static KmipTestServer fixture;
    private static SSLContext client;

    @BeforeAll
    static void start() {
        fixture = new KmipTestServer("audit");
        client = fixture.clientOfNewAdapter();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static List<AuditEventsRecord> eventsOf(String correlation) {
        return fixture.database.dsl().selectFrom(AUDIT_EVENTS).where(AUDIT_EVENTS.CORRELATION_ID.eq(correlation))
                .orderBy(AUDIT_EVENTS.ID).fetch();
    }

    private static ResponseMessage send(KmipClient kmip, String correlation, RequestBatchItem... items)
            throws Exception {
        return kmip.send(new RequestMessage(new RequestHeader(ProtocolVersion.V1_4, null, correlation, false,
                KmipEnums.BATCH_CONTINUE, false, null, items.length), List.of(items)));
    }

    @Test
    void everyItem_isRecordedOnce_withTheClientsAddressAndCorrelationValue() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            String id = kmip.createAesKey(256, 12);
            send(kmip, "corr-mixed",
                    RequestBatchItem.of(Operation.LOCATE, null, Ttlv.Structure.of(Tag.REQUEST_PAYLOAD)),
                    RequestBatchItem.of(Operation.GET, null, Ttlv.Structure.of(Tag.REQUEST_PAYLOAD,
                            new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id))),
                    new RequestBatchItem(0x05, null, Ttlv.Structure.of(Tag.REQUEST_PAYLOAD), null),
                    RequestBatchItem.of(Operation.DESTROY, null, Ttlv.Structure.of(Tag.REQUEST_PAYLOAD,
                            new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, "no-such-object"))));
        }
        List<AuditEventsRecord> events = eventsOf("corr-mixed");
        assertEquals(List.of("kmip.locate success", "kmip.get success",
                        "kmip.0x5 failed: OPERATION_NOT_SUPPORTED", "kmip.destroy failed: ITEM_NOT_FOUND"),
                events.stream().map(event -> event.getAction() + " " + event.getOutcome()).toList());
        for (AuditEventsRecord event : events) {
            assertEquals("kmip", event.getChannel());
            assertTrue(event.getPeer().startsWith("127.0.0.1:"), event.getPeer());
            assertEquals("test", event.getRegisteredBy());
        }
    }

    @Test
    void aMessageThatIsNotKmip_isRefusedAndRecorded() throws Exception {
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            int before = fixture.database.dsl().fetchCount(AUDIT_EVENTS, AUDIT_EVENTS.ACTION.eq("kmip.message"));
            kmip.exchangeRaw(new byte[] {0x42, 0x00, 0x78, 0x01, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});
            assertEquals(before + 1, fixture.database.dsl().fetchCount(AUDIT_EVENTS,
                    AUDIT_EVENTS.ACTION.eq("kmip.message").and(AUDIT_EVENTS.OUTCOME.eq("failed: INVALID_MESSAGE"))));
            assertEquals(5, kmip.discoverVersions(List.of()).size(), "the connection survives");
        }
    }

    @Test
    void aRefusedHandshake_isRecorded_andItsSubjectCannotForgeALogLine() throws Exception {
        CertificateAuthority.Issued stranger = TestCertificates.authority().issueClient(
                "x\nINFO: org.kmipappliance.audit kmip.get success", Duration.ofDays(1));
        String fingerprint = PemCertificates.sha256Fingerprint(stranger.certificate());
        try (LogCapture logs = LogCapture.install()) {
            assertThrows(Exception.class, () -> {
                try (KmipClient kmip = fixture.connect(TlsContexts.create(stranger,
                        TestCertificates.authority().certificate()), ProtocolVersion.V1_4)) {
                    kmip.discoverVersions(List.of());
                }
            });
            AuditEventsRecord refused = fixture.database.dsl().selectFrom(AUDIT_EVENTS)
                    .where(AUDIT_EVENTS.ACTOR_ID.eq("sha256:" + fingerprint)).fetchOne();
            assertEquals("kmip.handshake", refused.getAction());
            assertEquals("refused", refused.getOutcome());
            assertTrue(refused.getPeer().startsWith("127.0.0.1:"), refused.getPeer());
            assertTrue(refused.getDetail().contains("is not registered to any adapter; register it with kmipctl "
                    + "cert-create"), refused.getDetail());
            assertFalse(refused.getDetail().contains("\n"));
            assertFalse(logs.text().lines().anyMatch(line -> line.startsWith("INFO: org.kmipappliance.audit kmip.get success")),
                    "no forged line:\n" + logs.text());
            assertTrue(logs.text().contains("kmip.handshake"), logs.text());
        }
    }

    @Test
    void aReadWhoseEventCannotBeWritten_isNotAnswered() throws Exception {
        fixture.database.dsl().execute("CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql "
                + "AS $$ BEGIN IF NEW.action = 'kmip.locate' THEN RAISE EXCEPTION 'audit refused'; END IF; "
                + "RETURN NEW; END $$");
        fixture.database.dsl().execute("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW "
                + "EXECUTE FUNCTION refuse_audit()");
        try (KmipClient kmip = fixture.connect(client, ProtocolVersion.V1_4)) {
            KmipException refused = assertThrows(KmipException.class, () -> kmip.call(Operation.LOCATE,
                    Ttlv.Structure.of(Tag.REQUEST_PAYLOAD)));
            assertEquals(ResultReason.GENERAL_FAILURE, refused.reason());
            assertEquals(5, kmip.discoverVersions(List.of()).size(), "the connection survives");
        } finally {
            fixture.database.dsl().execute("DROP TRIGGER refuse_audit ON audit_events");
        }
    }
}
