package org.kmipappliance.rest;

import io.helidon.webserver.http.ServerRequest;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.kmipappliance.hsm.RootKeyQuery;
import org.kmipappliance.hsm.RootKeyState;

/**
 * Key Protect's list parameters of GET (and HEAD) /api/v2/keys, parsed: {@code state}, {@code extractable},
 * {@code search} (not:, escape:, exact:, alias:, name: before the text), {@code filter} (creationDate, deletionDate,
 * expirationDate, lastRotateDate, lastUpdateDate with lte:, lt:, gte:, gt: or none; extractable; state; up to three
 * of one property) and {@code sort} (fields, '-' for descending, comma-separated). Each refusal names the
 * parameter and what it must be, as Key Protect's INVALID_QUERY_PARAM_ERR does.
 *
 * @param query   what custody is asked for
 * @param nothing true when the parameters can match no root key (extractable=true: standard keys are not held)
 */
record RootKeyListing(RootKeyQuery query, boolean nothing) {
    /** Key Protect's Pre-activation state: a filter value only. */
    private static final int PRE_ACTIVATION = 0;
    private static final int MAX_SEARCH_LENGTH = 100;
    private static final int MAX_FILTERS_PER_PROPERTY = 3;
    private static final int MAX_SORT_KEYS = 5;
    private static final Map<String, RootKeyQuery.DateField> DATE_PROPERTIES = Map.of(
            "creationDate", RootKeyQuery.DateField.CREATION, "deletionDate", RootKeyQuery.DateField.DELETION,
            "expirationDate", RootKeyQuery.DateField.EXPIRATION, "lastRotateDate", RootKeyQuery.DateField.LAST_ROTATE,
            "lastUpdateDate", RootKeyQuery.DateField.LAST_UPDATE);
    private static final Map<String, RootKeyQuery.SortField> SORT_FIELDS = Map.of(
            "id", RootKeyQuery.SortField.ID, "state", RootKeyQuery.SortField.STATE,
            "extractable", RootKeyQuery.SortField.EXTRACTABLE, "imported", RootKeyQuery.SortField.IMPORTED,
            "creationDate", RootKeyQuery.SortField.CREATION_DATE,
            "lastUpdateDate", RootKeyQuery.SortField.LAST_UPDATE_DATE,
            "lastRotateDate", RootKeyQuery.SortField.LAST_ROTATE_DATE,
            "deletionDate", RootKeyQuery.SortField.DELETION_DATE,
            "expirationDate", RootKeyQuery.SortField.EXPIRATION_DATE);

    static RootKeyListing of(ServerRequest req, String context) {
        Set<RootKeyState> states = Paging.states(req, context, RootKeyState.class,
                code -> code == PRE_ACTIVATION ? null : RootKeyState.ofCode(code),
                EnumSet.of(RootKeyState.ACTIVE, RootKeyState.SUSPENDED, RootKeyState.DEACTIVATED),
                "0, 1, 2, 3 and 5");
        boolean nothing = parameter(req, "extractable").map(value -> bool(value, "extractable", context))
                .orElse(false);
        RootKeyQuery.Search search = parameter(req, "search").map(value -> search(value, context)).orElse(null);
        Map<RootKeyQuery.DateField, List<RootKeyQuery.DateFilter>> ranges = new EnumMap<>(
                RootKeyQuery.DateField.class);
        Optional<String> filter = parameter(req, "filter");
        if (filter.isPresent()) {
            Set<RootKeyState> filtered = EnumSet.copyOf(states.isEmpty() ? EnumSet.allOf(RootKeyState.class) : states);
            nothing |= filter(filter.get(), context, ranges, filtered);
            states.retainAll(filtered);
        }
        List<RootKeyQuery.SortKey> sort = parameter(req, "sort").map(value -> sort(value, context))
                .orElse(List.of());
        return new RootKeyListing(new RootKeyQuery(states, search, ranges, sort), nothing || states.isEmpty());
    }

    private static Optional<String> parameter(ServerRequest req, String name) {
        return req.query().first(name).map(String::strip).filter(value -> !value.isEmpty());
    }

    private static boolean bool(String value, String parameter, String context) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ApiError.invalidQueryParameter(context, parameter, "The query_param '" + parameter
                    + "' must be: true or false");
        };
    }

    private static RootKeyQuery.Search search(String value, String context) {
        if (value.length() > MAX_SEARCH_LENGTH) {
            throw ApiError.invalidQueryParameter(context, "search", "The query_param 'search' must be: at most "
                    + MAX_SEARCH_LENGTH + " characters");
        }
        boolean inverted = false;
        boolean exact = false;
        RootKeyQuery.Search.Scope scope = null;
        String text = value;
        while (true) {
            if (text.startsWith("escape:")) {
                text = text.substring("escape:".length());
                break;
            } else if (text.startsWith("not:")) {
                inverted = true;
                text = text.substring("not:".length());
            } else if (text.startsWith("exact:")) {
                exact = true;
                text = text.substring("exact:".length());
            } else if (text.startsWith("alias:")) {
                scope = RootKeyQuery.Search.Scope.ALIAS;
                text = text.substring("alias:".length());
            } else if (text.startsWith("name:")) {
                scope = RootKeyQuery.Search.Scope.NAME;
                text = text.substring("name:".length());
            } else {
                break;
            }
        }
        if (text.isEmpty()) {
            throw ApiError.invalidQueryParameter(context, "search", "The query_param 'search' must be: text to "
                    + "look for after its not:, exact:, alias:, name: or escape: prefixes");
        }
        return new RootKeyQuery.Search(text, exact, inverted, scope);
    }

    /** Applies a filter expression; returns true when it can match nothing (extractable=true). */
    private static boolean filter(String expression, String context,
                                  Map<RootKeyQuery.DateField, List<RootKeyQuery.DateFilter>> ranges,
                                  Set<RootKeyState> states) {
        boolean nothing = false;
        Map<String, Integer> seen = new HashMap<>();
        for (String term : terms(expression, context)) {
            int equals = term.indexOf('=');
            if (equals <= 0) {
                throw invalidFilter(context, "'" + term + "' is not property=value");
            }
            String property = term.substring(0, equals);
            String value = term.substring(equals + 1);
            if (seen.merge(property, 1, Integer::sum) > MAX_FILTERS_PER_PROPERTY) {
                throw invalidFilter(context, "at most " + MAX_FILTERS_PER_PROPERTY + " conditions on " + property);
            }
            RootKeyQuery.DateField date = DATE_PROPERTIES.get(property);
            if (date != null) {
                ranges.computeIfAbsent(date, field -> new ArrayList<>()).add(dateFilter(property, value, context));
            } else if (property.equals("extractable")) {
                nothing |= bool(value, "filter", context);
            } else if (property.equals("state")) {
                Set<RootKeyState> wanted = EnumSet.noneOf(RootKeyState.class);
                for (String code : value.split(",")) {
                    try {
                        int number = Integer.parseInt(code);
                        if (number != PRE_ACTIVATION) {
                            wanted.add(RootKeyState.ofCode(number));
                        }
                    } catch (IllegalArgumentException e) {
                        throw invalidFilter(context, "state is a list of 0, 1, 2, 3 and 5");
                    }
                }
                states.retainAll(wanted);
            } else {
                throw invalidFilter(context, "'" + property + "' cannot be filtered on; the properties are "
                        + "creationDate, deletionDate, expirationDate, extractable, lastRotateDate, lastUpdateDate "
                        + "and state");
            }
        }
        return nothing;
    }

    /** The space-separated terms of a filter; double quotes keep a value whole. */
    private static List<String> terms(String expression, String context) {
        List<String> terms = new ArrayList<>();
        StringBuilder term = new StringBuilder();
        boolean quoted = false;
        for (char c : expression.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ' ' && !quoted) {
                if (!term.isEmpty()) {
                    terms.add(term.toString());
                    term.setLength(0);
                }
            } else {
                term.append(c);
            }
        }
        if (quoted) {
            throw invalidFilter(context, "a quote is not closed");
        }
        if (!term.isEmpty()) {
            terms.add(term.toString());
        }
        return terms;
    }

    private static RootKeyQuery.DateFilter dateFilter(String property, String value, String context) {
        RootKeyQuery.DateFilter.Comparison comparison = RootKeyQuery.DateFilter.Comparison.EQUAL;
        String date = value;
        for (Map.Entry<String, RootKeyQuery.DateFilter.Comparison> operator : List.of(
                Map.entry("lte:", RootKeyQuery.DateFilter.Comparison.LESS_OR_EQUAL),
                Map.entry("lt:", RootKeyQuery.DateFilter.Comparison.LESS),
                Map.entry("gte:", RootKeyQuery.DateFilter.Comparison.GREATER_OR_EQUAL),
                Map.entry("gt:", RootKeyQuery.DateFilter.Comparison.GREATER))) {
            if (value.startsWith(operator.getKey())) {
                comparison = operator.getValue();
                date = value.substring(operator.getKey().length());
                break;
            }
        }
        if (date.equalsIgnoreCase("none") && comparison == RootKeyQuery.DateFilter.Comparison.EQUAL) {
            return new RootKeyQuery.DateFilter(RootKeyQuery.DateFilter.Comparison.NONE, null);
        }
        try {
            return new RootKeyQuery.DateFilter(comparison, OffsetDateTime.parse(date).toInstant());
        } catch (DateTimeParseException e) {
            throw invalidFilter(context, property + " takes an RFC 3339 date in double quotes, after lte:, lt:, "
                    + "gte: or gt: if any, or none");
        }
    }

    private static List<RootKeyQuery.SortKey> sort(String value, String context) {
        List<RootKeyQuery.SortKey> keys = new ArrayList<>();
        for (String part : value.split(",")) {
            String name = part.strip();
            boolean descending = name.startsWith("-");
            RootKeyQuery.SortField field = SORT_FIELDS.get(descending ? name.substring(1) : name);
            if (field == null || keys.size() == MAX_SORT_KEYS) {
                throw ApiError.invalidQueryParameter(context, "sort", "The query_param 'sort' must be: up to "
                        + MAX_SORT_KEYS + " of id, state, extractable, imported, creationDate, lastUpdateDate, "
                        + "lastRotateDate, deletionDate, expirationDate, comma-separated, each after '-' for "
                        + "descending order");
            }
            keys.add(new RootKeyQuery.SortKey(field, descending));
        }
        return keys;
    }

    private static ApiError invalidFilter(String context, String why) {
        return ApiError.invalidQueryParameter(context, "filter", "The query_param 'filter' must be: property=value "
                + "terms separated by spaces; " + why);
    }
}
