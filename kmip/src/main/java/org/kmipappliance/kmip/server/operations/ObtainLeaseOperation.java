package org.kmipappliance.kmip.server.operations;

import java.time.Duration;
import java.util.UUID;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.hsm.ObjectState;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.BatchContext;
import org.kmipappliance.kmip.server.KmipOperation;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Obtain Lease (KMIP 1.4 section 4.17): the Lease Time a client may use its cached copy of an object for before it
 * asks again, and the object's Last Change Date so it can tell whether its cached attributes are stale. Every
 * object's Lease Time attribute is this server's one lease, an hour (as the OASIS reference server's vectors show);
 * each lease granted is in the audit trail as kmip.obtain_lease with the client's identity.
 *
 * <p>Errors: unknown id: Item Not Found; a destroyed or compromised object, whose copies no client should use any
 * longer: Permission Denied, as the spec asks a server that will not issue a lease to answer with an error.
 */
public final class ObtainLeaseOperation implements KmipOperation {
    /** The lease granted on every object, and its Lease Time attribute. */
    public static final Duration LEASE_TIME = Duration.ofHours(1);

    private final KeyCustody custody;

    public ObtainLeaseOperation(KeyCustody custody) {
        this.custody = custody;
    }

    @Override
    public Operation operation() {
        return Operation.OBTAIN_LEASE;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.ofPayload(payload, "Obtain Lease");
        UUID id = context.resolveObjectId(reader.optionalText(Tag.UNIQUE_IDENTIFIER, "Unique Identifier")
                .orElse(null));
        KmipObject object = custody.objects().get(context.caller(), id);
        if (object.state() != ObjectState.PRE_ACTIVE && object.state() != ObjectState.ACTIVE
                && object.state() != ObjectState.DEACTIVATED) {
            throw new KmipException(ResultReason.PERMISSION_DENIED, "no lease is issued on a "
                    + object.state().name().replace('_', ' ').toLowerCase() + " object: its copies must not be used");
        }
        context.setTarget(id.toString());
        return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD,
                new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id.toString()),
                new Ttlv.IntervalItem(Tag.LEASE_TIME, LEASE_TIME.toSeconds()),
                Ttlv.DateTimeItem.of(Tag.LAST_CHANGE_DATE, object.updatedAt()));
    }
}
