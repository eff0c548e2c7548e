package org.kmipappliance.rest;

import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Every route the REST tier serves, recorded with its full template as it is registered with Helidon: metrics and
 * the audit name a request by the template of the route that serves it ("/api/v2/keys/{id}"), never by its path,
 * and tests enumerate the routes to check the metrics and the OpenAPI document cover them all.
 */
final class Routes {
    /** The label of a request no route serves. */
    static final String UNMATCHED = "unmatched";

    /** One served route: its HTTP method and its full path template. */
    record Route(String method, String template) {
        private boolean serves(String requestMethod, List<String> segments) {
            if (!method.equals(requestMethod)) {
                return false;
            }
            List<String> parts = segmentsOf(template);
            if (parts.size() != segments.size()) {
                return false;
            }
            for (int i = 0; i < parts.size(); i++) {
                boolean parameter = parts.get(i).startsWith("{") && parts.get(i).endsWith("}");
                if (!(parameter ? !segments.get(i).isEmpty() : parts.get(i).equals(segments.get(i)))) {
                    return false;
                }
            }
            return true;
        }
    }

    private final List<Route> all = new CopyOnWriteArrayList<>();

    /**
     * Mounts a service at {@code prefix}: {@code declare} registers its routes through a {@link Mount}, which records
     * each one here. Helidon calls it once, when the routing is built.
     */
    void register(HttpRouting.Builder routing, String prefix, Consumer<Mount> declare) {
        HttpService service = rules -> declare.accept(new Mount(rules, prefix));
        routing.register(prefix, service);
    }

    /** The routes of one mount point, registered with Helidon and recorded. */
    final class Mount {
        private final HttpRules rules;
        private final String prefix;

        private Mount(HttpRules rules, String prefix) {
            this.rules = rules;
            this.prefix = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        }

        Mount get(String path, Handler handler) {
            return add(Method.GET, path, handler);
        }

        Mount post(String path, Handler handler) {
            return add(Method.POST, path, handler);
        }

        Mount delete(String path, Handler handler) {
            return add(Method.DELETE, path, handler);
        }

        private Mount add(Method method, String path, Handler handler) {
            String template = path.equals("/") ? prefix : prefix + path;
            all.add(new Route(method.text(), template.isEmpty() ? "/" : template));
            rules.route(method, path, handler);
            return this;
        }
    }

    /** Every route, in the order registered. */
    List<Route> all() {
        return List.copyOf(all);
    }

    /** The template of the route that serves {@code method} on {@code path}, or {@link #UNMATCHED}. */
    String templateOf(String method, String path) {
        List<String> segments = segmentsOf(path);
        for (Route route : all) {
            if (route.serves(method, segments)) {
                return route.template();
            }
        }
        return UNMATCHED;
    }

    /** "/api/v2/keys/" and "/api/v2/keys" have the same segments, as Helidon routes them alike. */
    private static List<String> segmentsOf(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed.isEmpty() ? List.of() : List.of(trimmed.split("/", -1));
    }
}
