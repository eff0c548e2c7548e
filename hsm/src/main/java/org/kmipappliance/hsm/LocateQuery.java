package org.kmipappliance.hsm;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A search for the caller's live (not destroyed) objects: every criterion given must match.
 *
 * @param dataType       the Certificate Type (or Secret or Opaque Data Type) the object has
 * @param usageMaskAllOf bits that must all be set in the object's usage mask
 * @param dates          inclusive ranges per date; equality is a range of one instant
 * @param attributes     stored attributes that must be present with exactly this encoded value
 * @param storage        on-line objects, archived ones, or both (KMIP Storage Status Mask)
 * @param maxItems       null for no limit
 */
public record LocateQuery(UUID id, Integer objectType, Integer dataType, String algorithm, Integer lengthBits,
                          Integer usageMaskAllOf, ObjectState state, Boolean fresh, Map<DateField, Range> dates,
                          List<AttributeMatch> attributes, Storage storage, Integer maxItems, int offset) {
    public LocateQuery {
        dates = Map.copyOf(dates);
        attributes = List.copyOf(attributes);
    }

    /**
     * The one attribute this Locate matches when that is all it asks besides paging, with no other criterion
     * (vCenter's and most clients' Locate by Name), or null.
     */
    public AttributeMatch soleAttribute() {
        boolean nothingElse = id == null && objectType == null && dataType == null && algorithm == null
                && lengthBits == null && usageMaskAllOf == null && state == null && fresh == null && dates.isEmpty()
                && storage == Storage.ON_LINE;
        return nothingElse && attributes.size() == 1 ? attributes.getFirst() : null;
    }

    /** Where an object is kept: KMIP's Storage Status Mask. */
    public enum Storage {
        ON_LINE, ARCHIVED, BOTH
    }

    /** The dates an object can be located by. */
    public enum DateField {
        INITIAL, LAST_CHANGE, ACTIVATION, DEACTIVATION, COMPROMISE, COMPROMISE_OCCURRENCE, DESTROY
    }

    public record Range(Instant from, Instant to) {
    }

    public record AttributeMatch(String name, byte[] value) {
    }
}
