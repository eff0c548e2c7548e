package org.kmipappliance.kmip.server;

import java.util.UUID;
import org.kmipappliance.hsm.KmipCaller;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.ResultReason;

/**
 * What an operation knows about the batch it runs in: who is calling, the protocol version of the answer, and
 * the ID Placeholder (KMIP 1.4 section 6.13) that Create sets and later items may use instead of a Unique
 * Identifier. One per request message, used by one thread at a time.
 */
public final class BatchContext {
    private final ProtocolVersion version;
    private final boolean undoable;
    private KmipCaller caller;
    private String idPlaceholder;
    private String target;

    /** {@code undoable}: the batch runs in one transaction, undone whole if an item fails (the Undo option). */
    BatchContext(ProtocolVersion version, boolean undoable) {
        this.version = version;
        this.undoable = undoable;
    }

    /** Whether the batch is undone whole if an item fails: then a failure is recorded once the undo is done. */
    boolean undoable() {
        return undoable;
    }

    /** Starts the next batch item, on behalf of {@code itemCaller} (a requester of its own for its audit event). */
    void beginItem(KmipCaller itemCaller) {
        this.caller = itemCaller;
        this.target = null;
    }

    /** Who calls in the current item. */
    public KmipCaller caller() {
        return caller;
    }

    public ProtocolVersion version() {
        return version;
    }

    /** Sets (or, with null, empties) the ID Placeholder for the rest of the batch. */
    public void setIdPlaceholder(String uniqueIdentifier) {
        this.idPlaceholder = uniqueIdentifier;
    }

    /** Names the object the current item acted on, for the audit trail. */
    public void setTarget(String uniqueIdentifier) {
        this.target = uniqueIdentifier;
    }

    /** The object the current item acted on, or null. */
    String target() {
        return target;
    }

    /** The object an item names: its own Unique Identifier, else the ID Placeholder. */
    public UUID resolveObjectId(String uniqueIdentifier) throws KmipException {
        String id = uniqueIdentifier != null ? uniqueIdentifier : idPlaceholder;
        target = id;
        if (id == null) {
            throw new KmipException(ResultReason.MISSING_DATA,
                    "no Unique Identifier was given and the batch has no ID Placeholder");
        }
        try {
            if (id.length() == 36) {
                return UUID.fromString(id);
            }
        } catch (IllegalArgumentException e) {
            // not one of ours; answered below
        }
        throw new KmipException(ResultReason.ITEM_NOT_FOUND, "no object has Unique Identifier " + id);
    }
}
