package org.kmipappliance.hsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.store.jooq.Tables.AUDIT_EVENTS;
import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_OBJECTS;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.store.jooq.tables.records.AuditEventsRecord;
import org.kmipappliance.hsm.testing.MutableClock;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;
import org.kmipappliance.hsm.testing.TestTenant;

/**
 * The audit trail as custody keeps it: each change commits with its event or not at all, every change writes
 * exactly one event naming who, from where and under which correlation id, no client-supplied value can fail the
 * insert or break a line, and callers without credentials cannot grow the trail without bound.
 */
class AuditTrailTest {
    private static CustodyDatabase database;
    private static KeyCustody custody;
    private static Instance instance;

    @BeforeAll
    static void start() {
        database = TestDatabase.fresh();
        custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC(), RootKeyPolicy.NONE);
        instance = custody.access().createInstance("audited", TESTER);
    }

    @AfterAll
    static void stop() {
        custody.close();
        database.close();
    }

    private static KmipCaller newCaller(String name) {
        return TestTenant.create(custody, instance, name).caller().inRequest("192.0.2.7:40000", "correlation-"
                + name);
    }

    /** Makes PostgreSQL refuse every audit event of {@code action}, as a full disk or a broken table would. */
    private static void refuseAuditOf(String action) {
        database.dsl().execute("CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ "
                + "BEGIN IF NEW.action = TG_ARGV[0] THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END $$");
        database.dsl().execute("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW "
                + "EXECUTE FUNCTION refuse_audit('" + action + "')");
    }

    private static void acceptAudit() {
        database.dsl().execute("DROP TRIGGER refuse_audit ON audit_events");
    }

    @Test
    void aChangeWhoseAuditEventCannotBeWritten_doesNotHappen() {
        KmipCaller caller = newCaller("refused-audit");
        int objects = database.dsl().fetchCount(KMIP_OBJECTS);
        refuseAuditOf("kmip.create");
        try {
            assertThrows(DataAccessException.class, () -> custody.objects().createSymmetricKey(caller,
                    KmipObjects.AES, 256, 12));
        } finally {
            acceptAudit();
        }
        assertEquals(objects, database.dsl().fetchCount(KMIP_OBJECTS), "no key was stored");

        UUID id = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id();
        refuseAuditOf("kmip.get");
        try {
            assertThrows(DataAccessException.class, () -> custody.objects().openMaterial(caller, id),
                    "no key material leaves without its event");
        } finally {
            acceptAudit();
        }
        assertTrue(custody.objects().get(caller, id).fresh(), "and the key is still Fresh");

        custody.objects().openMaterial(caller, id).close();
        refuseAuditOf("kmip.get");
        try {
            assertThrows(DataAccessException.class, () -> custody.objects().openMaterial(caller, id),
                    "nor from a key no longer Fresh, whose event shares its commit with others'");
        } finally {
            acceptAudit();
        }
    }

    @Test
    void everyChange_writesExactlyOneEvent_namingWhoFromWhereAndTheCorrelation() throws Exception {
        KmipCaller caller = newCaller("one-event-each");
        UUID key = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id();
        custody.objects().openMaterial(caller, key).close();
        custody.objects().addAttribute(caller, key, new ObjectAttribute("x-note", 0, new byte[] {1}, null), false);
        custody.objects().transition(caller, key, LifecycleEvent.ACTIVATE, null, null, null);
        custody.objects().transition(caller, key, LifecycleEvent.REVOKE_OTHER, 5, null, null);
        custody.objects().transition(caller, key, LifecycleEvent.DESTROY, null, null, null);

        Map<String, List<AuditEventsRecord>> byAction = database.dsl().selectFrom(AUDIT_EVENTS)
                .where(AUDIT_EVENTS.TARGET.eq(key.toString())).fetch().stream()
                .collect(Collectors.groupingBy(AuditEventsRecord::getAction));
        for (String action : List.of("kmip.create", "kmip.get", "kmip.add_attribute", "kmip.activate",
                "kmip.revoke", "kmip.destroy")) {
            assertEquals(1, byAction.getOrDefault(action, List.of()).size(), action + " in " + byAction.keySet());
            AuditEventsRecord event = byAction.get(action).getFirst();
            assertEquals("kmip", event.getChannel());
            assertEquals(caller.certificateId().toString(), event.getActorId());
            assertEquals("test", event.getRegisteredBy(), "who registered the client's certificate");
            assertEquals("192.0.2.7:40000", event.getPeer());
            assertEquals("correlation-one-event-each", event.getCorrelationId());
            assertEquals(caller.adapterId(), event.getAdapterId());
            assertEquals("success", event.getOutcome());
        }
        assertTrue(caller.requester().recorded(), "the tier learns that custody recorded the change");

        RootKey root = custody.rootKeys().create(instance.id(), "audited-root", null, TESTER);
        String id = root.id().toString();
        custody.rootKeys().addAlias(instance.id(), id, "audited-alias", TESTER);
        custody.rootKeys().deleteAlias(instance.id(), id, "audited-alias", TESTER);
        custody.rootKeys().disable(instance.id(), id, TESTER);
        custody.rootKeys().enable(instance.id(), id, TESTER);
        custody.rootKeys().rotate(instance.id(), id, TESTER);
        assertEquals(RootKeyRewrap.FINISHED, RootKeyLifecycleTest.awaitFinished(custody, root.id()).state());
        custody.rootKeys().delete(instance.id(), id, false, TESTER);
        custody.rootKeys().restore(instance.id(), id, TESTER);
        custody.rootKeys().delete(instance.id(), id, false, TESTER);
        custody.rootKeys().purge(instance.id(), id, TESTER);
        assertEquals(List.of("root_key.alias_add", "root_key.alias_delete", "root_key.create", "root_key.delete",
                        "root_key.delete", "root_key.disable", "root_key.enable", "root_key.purge",
                        "root_key.restore", "root_key.rotate", "root_key.version_destroy"),
                database.dsl().select(AUDIT_EVENTS.ACTION).from(AUDIT_EVENTS).where(AUDIT_EVENTS.TARGET.eq(id))
                        .orderBy(AUDIT_EVENTS.ACTION).fetch(AUDIT_EVENTS.ACTION));

        IssuedApiToken token = custody.access().issueToken(instance.id(), "audited token", EnumSet.of(Role.READER),
                null, TESTER);
        custody.access().revokeToken(instance.id(), token.id(), TESTER);
        assertEquals(2, custody.audit().countFor(token.id().toString()), "api_token.create and api_token.revoke");
    }

    @Test
    void clientSuppliedValues_areCutToTheirColumns_andCannotBreakALine() {
        Requester hostile = Requester.unidentified(Requester.Channel.KMIP, "x".repeat(500) + "\nforged",
                "198.51.100.1:1", "c".repeat(5000) + "\r\nINFO: forged line");
        custody.audit().record(hostile, "kmip.handshake", "t".repeat(1000), "refused", "d\n".repeat(5000));
        AuditEventsRecord event = database.dsl().selectFrom(AUDIT_EVENTS)
                .where(AUDIT_EVENTS.PEER.eq("198.51.100.1:1")).fetchOne();
        assertTrue(event.getActorId().length() <= 128 && event.getCorrelationId().length() <= 128
                && event.getTarget().length() <= 128 && event.getDetail().length() <= 1024);
        for (String value : List.of(event.getActorId(), event.getCorrelationId(), event.getDetail())) {
            assertFalse(value.contains("\n") || value.contains("\r"), value);
        }
    }

    @Test
    void callersWithoutCredentials_writeAtMostTheirShareAMinute_andTheRestIsSummedUp() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:05Z"));
        try (CustodyDatabase own = TestDatabase.fresh();
             KeyCustody node = new KeyCustody(TestHsm.hsm(), own, clock, RootKeyPolicy.NONE)) {
            Requester nobody = Requester.unidentified(Requester.Channel.REST, null, "203.0.113.9:5555", null);
            for (int i = 0; i < AuditLog.UNIDENTIFIED_PER_MINUTE + 80; i++) {
                node.audit().recordUnidentified(nobody, "rest.get", "/api/v2/keys", "401", null);
            }
            assertEquals(AuditLog.UNIDENTIFIED_PER_MINUTE, own.dsl().fetchCount(AUDIT_EVENTS,
                    AUDIT_EVENTS.PEER.eq("203.0.113.9:5555")));
            clock.advance(Duration.ofMinutes(1));
            node.audit().recordUnidentified(nobody, "rest.get", "/api/v2/keys", "401", null);
            AuditEventsRecord summary = own.dsl().selectFrom(AUDIT_EVENTS)
                    .where(AUDIT_EVENTS.ACTION.eq("audit.suppressed")).fetchOne();
            assertTrue(summary.getDetail().startsWith("80 more events"), summary.getDetail());
        }
    }
}
