package org.kmipappliance.hsm;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which root keys a list or count asks for, and in what order: Key Protect's state, search, filter and sort
 * parameters, parsed by the REST tier.
 *
 * @param states  the states to list (Key Protect's 1, 2, 3, 5)
 * @param search  a search of names and aliases, or null
 * @param ranges  filters on dates: each must hold (up to three per date, Key Protect's rule)
 * @param sort    the order, first key first; empty for the newest first
 */
public record RootKeyQuery(Set<RootKeyState> states, Search search, Map<DateField, List<DateFilter>> ranges,
                           List<SortKey> sort) {
    public RootKeyQuery {
        states = states.isEmpty() ? EnumSet.noneOf(RootKeyState.class) : EnumSet.copyOf(states);
        ranges = Map.copyOf(ranges);
        sort = List.copyOf(sort);
    }

    /** Every key in {@code states}, newest first. */
    public static RootKeyQuery inStates(Set<RootKeyState> states) {
        return new RootKeyQuery(states, null, Map.of(), List.of());
    }

    /**
     * Key Protect's search: a case-insensitive part of a name or alias (or, with {@code exact}, all of one); the
     * key's id matches exactly too unless a scope is given.
     *
     * @param inverted keys that do not match (not:)
     * @param scope    where to look: null for names and aliases
     */
    public record Search(String text, boolean exact, boolean inverted, Scope scope) {
        public enum Scope {
            NAME, ALIAS
        }
    }

    /** The dates a list can be filtered and sorted on. */
    public enum DateField {
        CREATION, DELETION, EXPIRATION, LAST_ROTATE, LAST_UPDATE
    }

    /** One condition on a date: a comparison with {@code value}, or (with a null operator) "has none". */
    public record DateFilter(Comparison comparison, Instant value) {
        public enum Comparison {
            EQUAL, LESS, LESS_OR_EQUAL, GREATER, GREATER_OR_EQUAL, NONE
        }
    }

    /** What a list can be sorted on. */
    public enum SortField {
        ID, STATE, EXTRACTABLE, IMPORTED, CREATION_DATE, LAST_UPDATE_DATE, LAST_ROTATE_DATE, DELETION_DATE,
        EXPIRATION_DATE
    }

    public record SortKey(SortField field, boolean descending) {
    }
}
