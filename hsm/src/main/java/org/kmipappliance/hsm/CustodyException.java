package org.kmipappliance.hsm;

/**
 * A request to the custody module that cannot be carried out, with the reason as data so that each tier maps
 * it once (KMIP Result Reason, Key Protect error code). The message is safe to show to the caller.
 */
public final class CustodyException extends RuntimeException {
    /** Why a custody request failed. */
    public enum Failure {
        INSTANCE_NOT_FOUND,
        ROOT_KEY_NOT_FOUND,
        ROOT_KEY_NOT_ACTIVE,
        /** The root key's state does not allow the action (rotate a suspended key, enable an active one...). */
        ROOT_KEY_ACTION_INVALID_STATE,
        /** The root key protects an adapter and cannot be deleted. */
        ROOT_KEY_IN_USE,
        /** The alias already names a root key of the instance. */
        ROOT_KEY_ALIAS_TAKEN,
        /** A root key has at most five aliases. */
        ROOT_KEY_ALIAS_LIMIT_REACHED,
        /** The policy allows one rotation per interval (Key Protect: one hour). */
        ROOT_KEY_ROTATION_TOO_SOON,
        /** Another rotation of the key (on this node or another) has not finished. */
        ROOT_KEY_ROTATION_IN_PROGRESS,
        /** The policy allows enabling only a while after disabling (Key Protect: 30 seconds). */
        ROOT_KEY_ENABLE_TOO_SOON,
        /** The policy allows purging a deleted key only a while after its deletion (Key Protect: 4 hours). */
        ROOT_KEY_PURGE_TOO_SOON,
        /** Dual authorization: nobody (or nobody within seven days) authorized the deletion. */
        ROOT_KEY_DELETION_NOT_AUTHORIZED,
        /** Dual authorization: the principal that authorized the deletion may not also delete. */
        ROOT_KEY_DELETION_SAME_PRINCIPAL,
        ADAPTER_NOT_FOUND,
        ADAPTER_NAME_TAKEN,
        ADAPTER_LIMIT_REACHED,
        /** The adapter still has KMIP objects that are not destroyed. */
        ADAPTER_HAS_OBJECTS,
        TOKEN_NOT_FOUND,
        CERTIFICATE_NOT_FOUND,
        CERTIFICATE_ALREADY_REGISTERED,
        CERTIFICATE_NAME_TAKEN,
        CERTIFICATE_LIMIT_REACHED,
        OBJECT_NOT_FOUND,
        OBJECT_DESTROYED,
        /** The object's usage mask or state does not allow what it is asked to do (wrap a key, say). */
        USAGE_FORBIDS,
        /** The object is archived (off-line): Recover it first. */
        OBJECT_ARCHIVED,
        /** The object's state does not allow the requested transition (KMIP 1.4 section 3.22). */
        STATE_FORBIDS,
        /** A single-instance attribute is already set. */
        ATTRIBUTE_ALREADY_SET,
        /** A value that must be unique in the adapter (a Name) is taken. */
        ATTRIBUTE_VALUE_TAKEN,
        /** More instances of an attribute than allowed. */
        TOO_MANY_INSTANCES,
        /** The object holds as many client attributes as it may. */
        ATTRIBUTE_LIMIT_REACHED,
        /** The object has no instance of the attribute at all. */
        ATTRIBUTE_NOT_SET,
        /** The object has the attribute, but no instance at the index given. */
        ATTRIBUTE_INDEX_NOT_FOUND,
        /** The instance holds as many root keys as it may. */
        ROOT_KEY_LIMIT_REACHED,
        /** The instance holds as many live API tokens as it may. */
        TOKEN_LIMIT_REACHED,
        /** The instance has no import token (or its key pair is still being made). */
        IMPORT_TOKEN_NOT_FOUND,
        IMPORT_TOKEN_EXPIRED,
        /** The import token was retrieved as many times as it allows. */
        IMPORT_TOKEN_EXHAUSTED,
        /** The encrypted nonce of an import does not decrypt, with the imported key, to the token's nonce. */
        IMPORT_NONCE_MISMATCH,
        /** The payload of an import does not unwrap, or is not an AES key of 128, 192 or 256 bits. */
        IMPORTED_KEY_REJECTED,
        /** The HSM cannot unwrap with the encryption algorithm the import names. */
        IMPORT_WRAPPING_UNSUPPORTED,
        /** Key material handed in without an import token, which the configuration does not allow. */
        PLAIN_IMPORT_DISABLED,
        /** An imported root key rotates only to new key material brought with the rotation. */
        ROOT_KEY_PAYLOAD_REQUIRED,
        /** A root key the HSM generated rotates only to a version the HSM generates. */
        ROOT_KEY_PAYLOAD_NOT_ALLOWED,
        INVALID_FIELD,
        UNSUPPORTED_ALGORITHM
    }

    private final Failure failure;
    private final String field;

    public CustodyException(Failure failure, String message) {
        this(failure, null, message);
    }

    /** A failure caused by one named input field, so the REST tier can name it as the error's target. */
    public CustodyException(Failure failure, String field, String message) {
        super(message);
        this.failure = failure;
        this.field = field;
    }

    public Failure failure() {
        return failure;
    }

    /** The input field at fault, or null. */
    public String field() {
        return field;
    }
}
