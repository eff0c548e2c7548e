package org.kmipappliance.rest;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.kmipappliance.hsm.AccessControl;
import org.kmipappliance.hsm.ApiPrincipal;
import org.kmipappliance.hsm.AuditLog;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.Requester;
import org.kmipappliance.hsm.Role;
import org.kmipappliance.hsm.metrics.Metrics;

/**
 * Bearer API tokens on every /api/ route: the token must be live and hold roles on the instance that the
 * {@code bluemix-instance} header names. Anything else is 401 with UNAUTHORIZED_ERR, as Key Protect answers.
 */
final class ApiAuthentication implements Filter {
    static final HeaderName INSTANCE_HEADER = HeaderNames.create("bluemix-instance");
    static final HeaderName CORRELATION_HEADER = HeaderNames.create("correlation-id");

    /** The roles that hold kms.kmip-management.* in Key Protect. */
    static final Set<Role> KMIP_MANAGEMENT = Set.of(Role.MANAGER, Role.KMIP_ADAPTER_MANAGER);
    /** The roles that may create root keys. */
    static final Set<Role> KEY_WRITERS = Set.of(Role.MANAGER, Role.WRITER);
    /** The roles that may list and read root keys. */
    static final Set<Role> KEY_READERS = Set.of(Role.MANAGER, Role.WRITER, Role.READER_PLUS, Role.READER);

    private static final String BEARER = "Bearer ";
    private static final System.Logger LOG = System.getLogger(ApiAuthentication.class.getName());

    private final AccessControl access;
    private final AuditLog audit;
    private final Metrics metrics;
    private final Routes routes;

    ApiAuthentication(KeyCustody custody, Routes routes) {
        this.access = custody.access();
        this.audit = custody.audit();
        this.metrics = custody.metrics();
        this.routes = routes;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String correlationId = req.headers().first(CORRELATION_HEADER)
                .filter(ApiAuthentication::usableCorrelationId)
                .orElseGet(() -> UUID.randomUUID().toString());
        res.header(CORRELATION_HEADER, correlationId);
        // Read before routing: services see the path relative to their mount point.
        long started = System.nanoTime();
        String path = req.path().path();
        String method = req.prologue().method().text();
        String route = routes.templateOf(method, path);
        String action = "rest." + method.toLowerCase(Locale.ROOT);
        String peer = peerOf(req);
        try {
            if (hasControlCharacters(path)) {
                // No resource is named so, and such text must not reach the database (PostgreSQL refuses NUL).
                ErrorEnvelope.send(req, res, new ApiError(Status.NOT_FOUND_404, "NOT_FOUND_ERR", null, "no such "
                        + "resource: the path holds control characters", null, null));
                return;
            }
            if (req.query().names().stream().anyMatch(name -> hasControlCharacters(name)
                    || req.query().all(name).stream().anyMatch(ApiAuthentication::hasControlCharacters))) {
                ErrorEnvelope.send(req, res, new ApiError(Status.BAD_REQUEST_400, "INVALID_QUERY_PARAM_ERR", null,
                        "query parameters may not hold control characters", null, null));
                return;
            }
            if (!path.startsWith("/api/")) {
                chain.proceed();
                return;
            }
            Optional<ApiPrincipal> principal = authenticate(req);
            if (principal.isEmpty()) {
                // Recorded before the refusal leaves, as every other request is: the trail never lags the client.
                try {
                    audit.recordUnidentified(Requester.unidentified(Requester.Channel.REST, null, peer,
                            correlationId), action, path, "401", "no live API token for the instance named by "
                            + "bluemix-instance");
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "could not record a refused REST request from " + peer, e);
                }
                ErrorEnvelope.send(req, res, unauthorized());
                return;
            }
            Requester requester = Requester.rest(principal.get(), peer, correlationId);
            req.context().register(principal.get());
            req.context().register(requester);
            // Before the response leaves, so the trail never lags behind what the client saw. A change custody made
            // was recorded in the change's own transaction; reads, refusals and failures are recorded here.
            res.beforeSend(() -> {
                String outcome = Integer.toString(res.status().code());
                if (!requester.recorded()) {
                    try {
                        audit.record(requester, action, path, outcome, null);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "could not record the audit event of " + method + " "
                                + route + " (correlation " + correlationId + ")", e);
                    }
                }
                AuditLog.log(requester, action, path, outcome, null);
            });
            chain.proceed();
        } finally {
            metrics.increment("kmip_appliance_rest_requests_total", "REST requests, by route template, method and "
                    + "status", "route", route, "method", method, "status", Integer.toString(res.status().code()));
            metrics.observe("kmip_appliance_rest_request_seconds", "Time REST requests take, by route template and "
                    + "method", (System.nanoTime() - started) / 1e9, "route", route, "method", method);
        }
    }

    private static boolean hasControlCharacters(String text) {
        return text.chars().anyMatch(Character::isISOControl);
    }

    /** A client's correlation id is echoed and recorded only if it is short and printable. */
    private static boolean usableCorrelationId(String value) {
        return !value.isEmpty() && value.length() <= 128 && value.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }

    private static String peerOf(RoutingRequest req) {
        return req.remotePeer().address() instanceof InetSocketAddress address
                ? address.getAddress().getHostAddress() + ":" + address.getPort()
                : String.valueOf(req.remotePeer().address());
    }

    /** The requester of a request that passed authentication, for custody's audit events. */
    static Requester requester(ServerRequest req) {
        return req.context().get(Requester.class).orElseThrow(ApiAuthentication::unauthorized);
    }

    private Optional<ApiPrincipal> authenticate(RoutingRequest req) {
        Optional<String> authorization = req.headers().first(HeaderNames.AUTHORIZATION);
        Optional<String> instance = req.headers().first(INSTANCE_HEADER);
        if (authorization.isEmpty() || instance.isEmpty()
                || !authorization.get().regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Optional.empty();
        }
        UUID instanceId;
        try {
            instanceId = UUID.fromString(instance.get().strip());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return access.authenticate(authorization.get().substring(BEARER.length()).strip())
                .filter(found -> found.instanceId().equals(instanceId));
    }

    /** The caller, checked to hold one of {@code roles}. */
    static ApiPrincipal require(ServerRequest req, Set<Role> roles) {
        ApiPrincipal principal = req.context().get(ApiPrincipal.class)
                .orElseThrow(ApiAuthentication::unauthorized);
        if (!principal.hasAny(roles)) {
            throw unauthorized();
        }
        return principal;
    }

    static ApiError unauthorized() {
        return new ApiError(Status.UNAUTHORIZED_401, "UNAUTHORIZED_ERR", null,
                "The user does not have access to the specified resource", null, null);
    }
}
