package org.kmipappliance.rest;

import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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

        /** A GET route, and HEAD on it: the same status and headers without the body (RFC 9110, 9.3.2). */
        Mount get(String path, Handler handler) {
            rules.route(Method.HEAD, path, (req, res) -> handler.handle(req, new HeadResponse(res)));
            return add(Method.GET, path, handler);
        }

        Mount post(String path, Handler handler) {
            return add(Method.POST, path, handler);
        }

        Mount put(String path, Handler handler) {
            return add(Method.PUT, path, handler);
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

    /**
     * The template of the route that serves {@code method} on {@code path}, or {@link #UNMATCHED}. HEAD is served
     * by the GET routes, and named as they are.
     */
    String templateOf(String method, String path) {
        String served = method.equals(Method.HEAD.text()) ? Method.GET.text() : method;
        List<String> segments = segmentsOf(path);
        for (Route route : all) {
            if (route.serves(served, segments)) {
                return route.template();
            }
        }
        return UNMATCHED;
    }

    /** The methods some route serves on {@code path}, for the Allow header of a 405; empty if none does. */
    Set<String> methodsServing(String path) {
        List<String> segments = segmentsOf(path);
        Set<String> methods = new TreeSet<>();
        for (Route route : all) {
            if (route.serves(route.method(), segments)) {
                methods.add(route.method());
                if (route.method().equals(Method.GET.text())) {
                    methods.add(Method.HEAD.text());
                }
            }
        }
        return methods;
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
