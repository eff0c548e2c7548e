package org.kmipappliance.kmip.server;

import org.kmipappliance.hsm.CustodyException;
import org.kmipappliance.kmip.message.ResultReason;

/** The one mapping from custody failures to KMIP Result Reasons. */
final class CustodyResults {
    private CustodyResults() {
    }

    static ResultReason reasonFor(CustodyException e) {
        return switch (e.failure()) {
            case OBJECT_NOT_FOUND, ADAPTER_NOT_FOUND, ROOT_KEY_NOT_FOUND, CERTIFICATE_NOT_FOUND,
                 INSTANCE_NOT_FOUND, TOKEN_NOT_FOUND -> ResultReason.ITEM_NOT_FOUND;
            // The object is known but only its attributes remain (KMIP 1.4 table 338: "Illegal Operation").
            case OBJECT_DESTROYED -> ResultReason.ILLEGAL_OPERATION;
            case OBJECT_ARCHIVED -> ResultReason.OBJECT_ARCHIVED;
            case USAGE_FORBIDS -> ResultReason.PERMISSION_DENIED;
            case ROOT_KEY_NOT_ACTIVE -> ResultReason.PERMISSION_DENIED;
            case INVALID_FIELD, UNSUPPORTED_ALGORITHM -> ResultReason.INVALID_FIELD;
            case STATE_FORBIDS -> ResultReason.PERMISSION_DENIED;
            case ATTRIBUTE_ALREADY_SET -> ResultReason.ILLEGAL_OPERATION;
            case ATTRIBUTE_VALUE_TAKEN -> ResultReason.INVALID_FIELD;
            case TOO_MANY_INSTANCES -> ResultReason.INDEX_OUT_OF_BOUNDS;
            // KMIP 1.4 tables 342 and 343; Modify Attribute answers Invalid Field for ATTRIBUTE_NOT_SET itself.
            case ATTRIBUTE_NOT_SET, ATTRIBUTE_INDEX_NOT_FOUND -> ResultReason.ITEM_NOT_FOUND;
            case ATTRIBUTE_LIMIT_REACHED, ROOT_KEY_LIMIT_REACHED, TOKEN_LIMIT_REACHED -> ResultReason.ILLEGAL_OPERATION;
            case ROOT_KEY_ACTION_INVALID_STATE, ROOT_KEY_IN_USE, ROOT_KEY_ALIAS_TAKEN, ROOT_KEY_ALIAS_LIMIT_REACHED,
                 ROOT_KEY_ROTATION_TOO_SOON, ROOT_KEY_ROTATION_IN_PROGRESS, ROOT_KEY_ENABLE_TOO_SOON,
                 ROOT_KEY_PURGE_TOO_SOON, ROOT_KEY_DELETION_NOT_AUTHORIZED, ROOT_KEY_DELETION_SAME_PRINCIPAL,
                 ADAPTER_HAS_OBJECTS, ADAPTER_NAME_TAKEN, ADAPTER_LIMIT_REACHED,
                 CERTIFICATE_ALREADY_REGISTERED, CERTIFICATE_NAME_TAKEN,
                 CERTIFICATE_LIMIT_REACHED -> ResultReason.ILLEGAL_OPERATION;
            // Root-key imports are REST's; the KMIP tier never asks for them.
            case IMPORT_TOKEN_NOT_FOUND, IMPORT_TOKEN_EXPIRED, IMPORT_TOKEN_EXHAUSTED, IMPORT_NONCE_MISMATCH,
                 IMPORTED_KEY_REJECTED, IMPORT_WRAPPING_UNSUPPORTED, PLAIN_IMPORT_DISABLED, ROOT_KEY_PAYLOAD_REQUIRED,
                 ROOT_KEY_PAYLOAD_NOT_ALLOWED -> ResultReason.ILLEGAL_OPERATION;
        };
    }
}
