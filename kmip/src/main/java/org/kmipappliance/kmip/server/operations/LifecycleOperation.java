package org.kmipappliance.kmip.server.operations;

import java.time.Instant;
import java.util.UUID;
import org.kmipappliance.hsm.CustodyException;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.LifecycleEvent;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.BatchContext;
import org.kmipappliance.kmip.server.KmipOperation;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Activate (4.19), Revoke (4.20) and Destroy (4.21): each moves the object along the state table of section 3.22
 * (ObjectLifecycle) and answers its Unique Identifier. Archive (4.22) and Recover (4.23) take the object off-line
 * and bring it back: its sealed material stays under the same custody, so Recover answers at once, never
 * asynchronously. Every other operation on an archived object answers Object Archived; Locate finds it when its
 * Storage Status Mask asks for archived objects.
 *
 * <p>Errors: unknown id: Item Not Found (all). Activate of an object that is not Pre-Active and Destroy of an
 * Active or destroyed object: Permission Denied (tables 346, 348). Revoke with an unknown reason code: Invalid
 * Field; a Revoke the state table does not permit (e.g. a non-compromise reason on a Pre-Active key): Illegal
 * Operation (table 347). Archive of an archived object: Object Archived (table 349); Recover of an on-line object
 * leaves it as it is.
 */
public final class LifecycleOperation implements KmipOperation {
    private final Operation operation;
    private final KeyCustody custody;

    private LifecycleOperation(Operation operation, KeyCustody custody) {
        this.operation = operation;
        this.custody = custody;
    }

    public static LifecycleOperation activate(KeyCustody custody) {
        return new LifecycleOperation(Operation.ACTIVATE, custody);
    }

    public static LifecycleOperation revoke(KeyCustody custody) {
        return new LifecycleOperation(Operation.REVOKE, custody);
    }

    public static LifecycleOperation destroy(KeyCustody custody) {
        return new LifecycleOperation(Operation.DESTROY, custody);
    }

    public static LifecycleOperation archive(KeyCustody custody) {
        return new LifecycleOperation(Operation.ARCHIVE, custody);
    }

    public static LifecycleOperation recover(KeyCustody custody) {
        return new LifecycleOperation(Operation.RECOVER, custody);
    }

    @Override
    public Operation operation() {
        return operation;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.ofPayload(payload, operation.name());
        UUID id = context.resolveObjectId(reader.optionalText(Tag.UNIQUE_IDENTIFIER, "Unique Identifier")
                .orElse(null));
        switch (operation) {
            case ACTIVATE -> custody.objects().transition(context.caller(), id, LifecycleEvent.ACTIVATE, null, null,
                    null);
            case DESTROY -> custody.objects().transition(context.caller(), id, LifecycleEvent.DESTROY, null, null,
                    null);
            case REVOKE -> revoke(reader, context, id);
            case ARCHIVE -> custody.objects().archive(context.caller(), id);
            case RECOVER -> custody.objects().recover(context.caller(), id);
            default -> throw new IllegalStateException("not a lifecycle operation: " + operation);
        }
        return Ttlv.Structure.of(Tag.RESPONSE_PAYLOAD, new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id.toString()));
    }

    private void revoke(StructureReader reader, BatchContext context, UUID id) throws KmipException {
        StructureReader reason = StructureReader.of(reader.requiredStructure(Tag.REVOCATION_REASON,
                "Revocation Reason"), "Revocation Reason");
        int code = reason.requiredEnumeration(Tag.REVOCATION_REASON_CODE, "Revocation Reason Code");
        boolean extension = (code & 0x8000_0000) != 0;
        if (!extension && (code < 1 || code > KmipEnums.REVOCATION_LAST_STANDARD)) {
            throw new KmipException(ResultReason.INVALID_FIELD, "Revocation Reason Code " + code + " is not defined");
        }
        String message = reason.optionalText(Tag.REVOCATION_MESSAGE, "Revocation Message").orElse(null);
        if (message != null && message.length() > 1024) {
            throw new KmipException(ResultReason.INVALID_FIELD, "a Revocation Message is at most 1024 characters");
        }
        Instant occurrence = reader.optionalDateTime(Tag.COMPROMISE_OCCURRENCE_DATE, "Compromise Occurrence Date")
                .orElse(null);
        boolean compromise = code == KmipEnums.REVOCATION_KEY_COMPROMISE || code == KmipEnums.REVOCATION_CA_COMPROMISE;
        try {
            custody.objects().transition(context.caller(), id,
                    compromise ? LifecycleEvent.REVOKE_COMPROMISED : LifecycleEvent.REVOKE_OTHER, code, message,
                    occurrence);
        } catch (CustodyException e) {
            if (e.failure() == CustodyException.Failure.STATE_FORBIDS) {
                throw new KmipException(ResultReason.ILLEGAL_OPERATION, e.getMessage());
            }
            throw e;
        }
    }
}
