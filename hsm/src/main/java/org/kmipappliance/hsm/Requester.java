package org.kmipappliance.hsm;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Who asked for something, through which channel and from where, under which correlation id: what every audit
 * event says about its origin. One per request (per KMIP batch item); custody marks it once it has recorded the
 * request's change in the change's own transaction, so the tier records only what custody did not (reads,
 * refusals, failures).
 */
public final class Requester {
    /** How a request reached the appliance. */
    public enum Channel {
        KMIP, REST, SYSTEM;

        String label() {
            return name().toLowerCase();
        }
    }

    private final Channel channel;
    private final String actor;
    private final String actorId;
    private final String registeredBy;
    private final UUID instanceId;
    private final UUID adapterId;
    private final String peer;
    private final String correlationId;
    private final AtomicBoolean recorded = new AtomicBoolean();
    private final AtomicReference<UUID> concernedAdapter = new AtomicReference<>();

    private Requester(Channel channel, String actor, String actorId, String registeredBy, UUID instanceId,
                      UUID adapterId, String peer, String correlationId) {
        this.channel = channel;
        this.actor = actor;
        this.actorId = actorId;
        this.registeredBy = registeredBy;
        this.instanceId = instanceId;
        this.adapterId = adapterId;
        this.peer = peer;
        this.correlationId = correlationId;
    }

    /** A KMIP client: its certificate (and who registered it), its adapter, its address. */
    public static Requester kmip(UUID certificateId, String certificateName, String registeredBy, UUID instanceId,
                                 UUID adapterId, String peer, String correlationId) {
        return new Requester(Channel.KMIP, "kmip-client-cert-" + certificateId, certificateId.toString(),
                registeredBy, instanceId, adapterId, peer, correlationId);
    }

    /** A REST caller: its API token on an instance, its address. */
    public static Requester rest(ApiPrincipal principal, String peer, String correlationId) {
        return new Requester(Channel.REST, principal.subject(), principal.tokenId().toString(), null,
                principal.instanceId(), null, peer, correlationId);
    }

    /** A caller the appliance could not identify (no or a refused credential): what it claimed and where from. */
    public static Requester unidentified(Channel channel, String claimed, String peer, String correlationId) {
        return new Requester(channel, "unidentified", claimed, null, null, null, peer, correlationId);
    }

    /** The appliance itself, or an operator on its machine (first start, demo set-up, background jobs). */
    public static Requester system(String component) {
        return new Requester(Channel.SYSTEM, component, null, null, null, null, null, null);
    }

    public Channel channel() {
        return channel;
    }

    /** The name recorded in created_by / updated_by fields. */
    public String actor() {
        return actor;
    }

    public String actorId() {
        return actorId;
    }

    public String registeredBy() {
        return registeredBy;
    }

    public UUID instanceId() {
        return instanceId;
    }

    /** The caller's adapter (a KMIP client's), else the adapter the request turned out to concern, else null. */
    public UUID adapterId() {
        return adapterId != null ? adapterId : concernedAdapter.get();
    }

    /**
     * Notes the adapter a request concerns (a REST request on an adapter's path, an adapter just created), so its
     * audit records name it; the first one noted stays.
     */
    public void concerns(UUID adapter) {
        concernedAdapter.compareAndSet(null, adapter);
    }

    public String peer() {
        return peer;
    }

    public String correlationId() {
        return correlationId;
    }

    /** Whether custody recorded this request's change, in the change's transaction. */
    public boolean recorded() {
        return recorded.get();
    }

    void markRecorded() {
        recorded.set(true);
    }

    @Override
    public String toString() {
        return channel.label() + " " + actor + (peer == null ? "" : " from " + peer);
    }
}
