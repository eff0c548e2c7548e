package org.kmipappliance.hsm;

import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_ADAPTERS;
import static org.kmipappliance.hsm.store.jooq.Tables.KMIP_CLIENT_CERTIFICATES;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.exception.IntegrityConstraintViolationException;
import org.jooq.impl.DSL;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.store.PreparedSql;
import org.kmipappliance.hsm.store.jooq.tables.records.KmipClientCertificatesRecord;

/** Client certificates pinned to adapters: the only way into the KMIP port. */
public final class ClientCertificates {
    /** Key Protect's limit per adapter. */
    public static final int MAX_CERTIFICATES_PER_ADAPTER = 200;
    /** How far in the future a new certificate's validity may begin: clocks of CA and appliance differ a little. */
    static final Duration ALLOWED_CLOCK_SKEW = Duration.ofMinutes(5);

    private final DSLContext dsl;
    private final KmipAdapters adapters;
    private final CertificateRemovals removals;
    private final AuditLog audit;
    private final Clock clock;

    /**
     * How long a request may rely on an identity read for an earlier one. A removal announced on this node (its own,
     * or another node's heard through the database) forgets the identity at once; this bounds how long a removal
     * this node has not heard of yet (its listener reconnecting) can go unnoticed.
     */
    static final Duration RECENT_IDENTITY = Duration.ofSeconds(1);

    /** Who holds a certificate: read for KMIP requests, so prepared once. */
    private final PreparedSql identify;
    private final Map<String, Identified> recentlyIdentified = new ConcurrentHashMap<>();
    /** Counts removals announced here, so an identity read across a removal is not kept. */
    private final AtomicLong removalsHeard = new AtomicLong();

    private record Identified(KmipCaller caller, long readAtNanos) {
    }

    ClientCertificates(CustodyDatabase database, KmipAdapters adapters, CertificateRemovals removals,
                       AuditLog audit, Clock clock) {
        this.dsl = database.dsl();
        this.identify = database.prepare(DSL.select(KMIP_CLIENT_CERTIFICATES.ID, KMIP_CLIENT_CERTIFICATES.NAME,
                        KMIP_ADAPTERS.ID, KMIP_ADAPTERS.INSTANCE_ID, KMIP_CLIENT_CERTIFICATES.CREATED_BY)
                .from(KMIP_CLIENT_CERTIFICATES)
                .join(KMIP_ADAPTERS).on(KMIP_ADAPTERS.ID.eq(KMIP_CLIENT_CERTIFICATES.ADAPTER_ID))
                .where(KMIP_CLIENT_CERTIFICATES.SHA256_FINGERPRINT.eq(DSL.param(String.class))));
        this.adapters = adapters;
        this.removals = removals;
        removals.subscribe(this::forget);
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * A certificate that has expired, or is not valid yet, would be registered and then refused at every
     * handshake; refused here instead, where the operator sees why. (A clock skew of a few minutes is allowed for
     * a certificate issued just now.)
     */
    private void requireValidNow(X509Certificate certificate, String fingerprint) {
        Instant now = clock.instant();
        String which = "certificate " + PemCertificates.colonSeparated(fingerprint);
        if (certificate.getNotAfter().toInstant().isBefore(now)) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "certificate", which + " expired on "
                    + certificate.getNotAfter().toInstant() + "; a KMIP client cannot connect with it; register its "
                    + "renewed certificate");
        }
        if (certificate.getNotBefore().toInstant().isAfter(now.plus(ALLOWED_CLOCK_SKEW))) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "certificate", which + " is not valid "
                    + "before " + certificate.getNotBefore().toInstant() + "; register it from then on, or check the "
                    + "clocks of this appliance and of the CA that issued it");
        }
    }

    /** Registers a PEM certificate to the adapter; it is usable on the KMIP port as soon as this returns. */
    public ClientCertificate add(UUID instanceId, String adapterIdOrName, String name, String pem,
                                 Requester requester) {
        KmipAdapter adapter = adapters.get(instanceId, adapterIdOrName);
        X509Certificate certificate;
        try {
            certificate = PemCertificates.parse(pem);
        } catch (IllegalArgumentException e) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, "certificate", e.getMessage());
        }
        String checkedName = Names.resourceName(name, "kmip_cert_", "name");
        String fingerprint = PemCertificates.sha256Fingerprint(certificate);
        requireValidNow(certificate, fingerprint);
        return dsl.transactionResult(tx -> {
            // Locking the adapter row serialises registrations per adapter for the limit check.
            tx.dsl().selectFrom(KMIP_ADAPTERS).where(KMIP_ADAPTERS.ID.eq(adapter.id())).forUpdate().fetchOne();
            if (tx.dsl().fetchExists(KMIP_CLIENT_CERTIFICATES,
                    KMIP_CLIENT_CERTIFICATES.SHA256_FINGERPRINT.eq(fingerprint))) {
                throw new CustodyException(CustodyException.Failure.CERTIFICATE_ALREADY_REGISTERED, "certificate",
                        "this certificate (SHA-256 " + PemCertificates.colonSeparated(fingerprint)
                                + ") is already registered to an adapter; a certificate can belong to one adapter only");
            }
            if (tx.dsl().fetchExists(KMIP_CLIENT_CERTIFICATES, KMIP_CLIENT_CERTIFICATES.ADAPTER_ID.eq(adapter.id())
                    .and(KMIP_CLIENT_CERTIFICATES.NAME.eq(checkedName)))) {
                throw nameTaken(checkedName);
            }
            if (tx.dsl().fetchCount(KMIP_CLIENT_CERTIFICATES, KMIP_CLIENT_CERTIFICATES.ADAPTER_ID.eq(adapter.id()))
                    >= MAX_CERTIFICATES_PER_ADAPTER) {
                throw new CustodyException(CustodyException.Failure.CERTIFICATE_LIMIT_REACHED,
                        "an adapter can have at most " + MAX_CERTIFICATES_PER_ADAPTER + " client certificates");
            }
            KmipClientCertificatesRecord row = tx.dsl().newRecord(KMIP_CLIENT_CERTIFICATES);
            row.setId(UUID.randomUUID());
            row.setAdapterId(adapter.id());
            row.setName(checkedName);
            row.setCertificatePem(PemCertificates.toPem(certificate));
            row.setSha256Fingerprint(fingerprint);
            row.setCreatedAt(Timestamps.now(clock));
            row.setCreatedBy(requester.actor());
            try {
                row.store();
            } catch (IntegrityConstraintViolationException e) {
                // Another adapter registered the same certificate between our check and the insert.
                throw new CustodyException(CustodyException.Failure.CERTIFICATE_ALREADY_REGISTERED, "certificate",
                        "this certificate is already registered to an adapter");
            }
            touchAdapter(tx.dsl(), adapter.id(), row.getCreatedAt(), requester);
            audit.recordChange(tx.dsl(), requester, "kmip_certificate.create", row.getId().toString(),
                    "SHA-256 " + fingerprint + " for adapter " + adapter.id());
            return toCertificate(row);
        });
    }

    public Page<ClientCertificate> list(UUID instanceId, String adapterIdOrName, int limit, int offset) {
        KmipAdapter adapter = adapters.get(instanceId, adapterIdOrName);
        Condition ofAdapter = KMIP_CLIENT_CERTIFICATES.ADAPTER_ID.eq(adapter.id());
        var rows = dsl.selectFrom(KMIP_CLIENT_CERTIFICATES)
                .where(ofAdapter)
                .orderBy(KMIP_CLIENT_CERTIFICATES.CREATED_AT.desc(), KMIP_CLIENT_CERTIFICATES.ID)
                .limit(limit).offset(offset)
                .fetch(ClientCertificates::toCertificate);
        return new Page<>(rows, dsl.fetchCount(KMIP_CLIENT_CERTIFICATES, ofAdapter));
    }

    public ClientCertificate get(UUID instanceId, String adapterIdOrName, String idOrName) {
        KmipAdapter adapter = adapters.get(instanceId, adapterIdOrName);
        UUID id = Names.parseUuid(idOrName);
        Condition identity = id != null ? KMIP_CLIENT_CERTIFICATES.ID.eq(id)
                : KMIP_CLIENT_CERTIFICATES.NAME.eq(idOrName);
        return dsl.selectFrom(KMIP_CLIENT_CERTIFICATES)
                .where(identity.and(KMIP_CLIENT_CERTIFICATES.ADAPTER_ID.eq(adapter.id())))
                .fetchOptional(ClientCertificates::toCertificate)
                .orElseThrow(() -> new CustodyException(CustodyException.Failure.CERTIFICATE_NOT_FOUND,
                        "certificate " + idOrName + " is not registered to adapter " + adapterIdOrName));
    }

    /** A certificate added or removed changes its adapter, as Key Protect's updated_at and updated_by show. */
    private static void touchAdapter(DSLContext context, UUID adapterId, OffsetDateTime at, Requester requester) {
        context.update(KMIP_ADAPTERS).set(KMIP_ADAPTERS.UPDATED_AT, at)
                .set(KMIP_ADAPTERS.UPDATED_BY, requester.actor()).where(KMIP_ADAPTERS.ID.eq(adapterId)).execute();
    }

    /** Deletes a certificate; returns its fingerprint so open KMIP connections that use it can be closed. */
    public String delete(UUID instanceId, String adapterIdOrName, String idOrName, Requester requester) {
        ClientCertificate certificate = get(instanceId, adapterIdOrName, idOrName);
        dsl.transaction(tx -> {
            tx.dsl().deleteFrom(KMIP_CLIENT_CERTIFICATES).where(KMIP_CLIENT_CERTIFICATES.ID.eq(certificate.id()))
                    .execute();
            touchAdapter(tx.dsl(), certificate.adapterId(), Timestamps.now(clock), requester);
            audit.recordChange(tx.dsl(), requester, "kmip_certificate.delete", certificate.id().toString(),
                    "SHA-256 " + certificate.sha256Fingerprint());
            removals.announce(tx.dsl(), List.of(certificate.sha256Fingerprint()));
        });
        removals.publish(List.of(certificate.sha256Fingerprint()));
        return certificate.sha256Fingerprint();
    }

    /**
     * Who a KMIP client is, as {@link #identify} says, read at most {@link #RECENT_IDENTITY} ago and not before a
     * removal of the certificate announced here. Every KMIP request asks this: a clients' requests then cost no
     * database read of their own for it.
     */
    public Optional<KmipCaller> identifyRecent(String sha256Fingerprint) {
        Identified known = recentlyIdentified.get(sha256Fingerprint);
        if (known != null && System.nanoTime() - known.readAtNanos() < RECENT_IDENTITY.toNanos()) {
            // A caller of its own, as a read would give: its Requester is marked once recorded, and never shared.
            return Optional.of(known.caller().inRequest(null, null));
        }
        long removalsBefore = removalsHeard.get();
        long readAt = System.nanoTime();
        Optional<KmipCaller> caller = identify(sha256Fingerprint);
        if (caller.isEmpty()) {
            recentlyIdentified.remove(sha256Fingerprint);
            return caller;
        }
        Identified read = new Identified(caller.get(), readAt);
        recentlyIdentified.put(sha256Fingerprint, read);
        // A removal announced while this read ran may have forgotten the certificate before the put: take it back.
        // (forget counts first and clears after, so a removal either sees this entry or is seen here.)
        if (removalsHeard.get() != removalsBefore) {
            recentlyIdentified.remove(sha256Fingerprint, read);
        }
        return caller;
    }

    private void forget(Collection<String> removedFingerprints) {
        removalsHeard.incrementAndGet();
        removedFingerprints.forEach(recentlyIdentified::remove);
    }

    /** Who a KMIP client is, from the SHA-256 fingerprint of its certificate; empty if it is not registered. */
    public Optional<KmipCaller> identify(String sha256Fingerprint) {
        return identify.fetchOptional(dsl, row -> {
            UUID certificateId = row.getObject(1, UUID.class);
            String name = row.getString(2);
            UUID adapterId = row.getObject(3, UUID.class);
            UUID instanceId = row.getObject(4, UUID.class);
            String registeredBy = row.getString(5);
            return new KmipCaller(certificateId, name, adapterId, instanceId, registeredBy,
                    Requester.kmip(certificateId, name, registeredBy, instanceId, adapterId, null, null));
        }, sha256Fingerprint);
    }

    private static CustodyException nameTaken(String name) {
        return new CustodyException(CustodyException.Failure.CERTIFICATE_NAME_TAKEN, "name",
                "a certificate named " + name + " is already registered to this adapter");
    }

    private static ClientCertificate toCertificate(KmipClientCertificatesRecord row) {
        return new ClientCertificate(row.getId(), row.getAdapterId(), row.getName(), row.getCertificatePem(),
                row.getSha256Fingerprint(), Timestamps.instant(row.getCreatedAt()), row.getCreatedBy());
    }
}
