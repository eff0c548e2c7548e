package org.kmipappliance.rest;

import java.util.Map;
import java.util.Set;

/**
 * The route template of a request path, for metrics: names and ids become placeholders, and unknown paths one
 * label, so a client cannot create series at will.
 */
final class RouteLabel {
    private static final Map<String, String> PLACEHOLDERS = Map.of(
            "kmip_adapters", "{adapter}", "certificates", "{certificate}", "kmip_objects", "{object}",
            "keys", "{key}", "api_tokens", "{token}");
    private static final Set<String> KNOWN_TOP = Set.of("/health", "/metrics", "/openapi");

    private RouteLabel() {
    }

    static String of(String path) {
        if (KNOWN_TOP.contains(path)) {
            return path;
        }
        if (!path.startsWith("/api/v2/")) {
            return "other";
        }
        String[] segments = path.substring("/api/v2/".length()).split("/", -1);
        StringBuilder route = new StringBuilder("/api/v2");
        String previous = null;
        for (String segment : segments) {
            if (segment.isEmpty()) {
                continue;
            }
            String placeholder = previous == null ? null : PLACEHOLDERS.get(previous);
            if (placeholder != null) {
                route.append('/').append(placeholder);
                previous = null;
            } else if (PLACEHOLDERS.containsKey(segment) || segment.equals("appliance")) {
                route.append('/').append(segment);
                previous = segment;
            } else {
                return "other";
            }
        }
        return route.toString();
    }
}
