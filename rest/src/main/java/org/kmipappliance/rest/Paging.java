package org.kmipappliance.rest;

import io.helidon.webserver.http.ServerRequest;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;

/** The limit/offset/totalCount query parameters of Key Protect listings. */
record Paging(int limit, int offset, boolean totalCount) {
    /**
     * Reads the parameters; {@code limit=0} means the default, as the Go SDK sends it.
     */
    static Paging of(ServerRequest req, int defaultLimit, int maxLimit, String context) {
        int limit = integer(req, "limit", context).orElse(0);
        if (limit < 0 || limit > maxLimit) {
            throw ApiError.invalidQueryParameter(context, "limit", "The query_param 'limit' must be: between 0 and "
                    + maxLimit);
        }
        int offset = integer(req, "offset", context).orElse(0);
        if (offset < 0) {
            throw ApiError.invalidQueryParameter(context, "offset", "The query_param 'offset' must be: 0 or more");
        }
        boolean total = req.query().first("totalCount").map(Boolean::parseBoolean).orElse(false);
        return new Paging(limit == 0 ? defaultLimit : limit, offset, total);
    }

    /**
     * The {@code state} query parameter: a comma-separated list of state codes, each turned into a state by
     * {@code ofCode}, or {@code defaults} when absent.
     */
    static <S extends Enum<S>> Set<S> states(ServerRequest req, String context, Class<S> type,
                                                       IntFunction<S> ofCode,
                                                       Set<S> defaults, String allowed) {
        Optional<String> value = req.query().first("state").map(String::strip).filter(text -> !text.isEmpty());
        if (value.isEmpty()) {
            return defaults;
        }
        Set<S> states = EnumSet.noneOf(type);
        for (String code : value.get().split(",")) {
            try {
                S state = ofCode.apply(Integer.parseInt(code.strip()));
                if (state != null) { // a valid state that nothing here is ever in
                    states.add(state);
                }
            } catch (IllegalArgumentException e) {
                throw ApiError.invalidQueryParameter(context, "state",
                        "The query_param 'state' must be: a comma-separated list of " + allowed);
            }
        }
        return states;
    }

    private static Optional<Integer> integer(ServerRequest req, String name, String context) {
        Optional<String> value = req.query().first(name).map(String::strip);
        if (value.isEmpty() || value.get().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(value.get()));
        } catch (NumberFormatException e) {
            throw ApiError.invalidQueryParameter(context, name, "The query_param '" + name + "' must be: a number");
        }
    }
}
