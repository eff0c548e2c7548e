package org.kmipappliance.kmip.ttlv;

/** Bytes that are not well-formed TTLV. The message names the offset and the rule broken, never the bytes. */
public final class TtlvException extends Exception {
    public TtlvException(String message) {
        super(message);
    }
}
