package org.kmipappliance.rest;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.kmipappliance.hsm.AccessControl;
import org.kmipappliance.hsm.ApiPrincipal;
import org.kmipappliance.hsm.AuditLog;
import org.kmipappliance.hsm.KeyCustody;
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

    ApiAuthentication(KeyCustody custody) {
        this.access = custody.access();
        this.audit = custody.audit();
        this.metrics = custody.metrics();
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        req.headers().first(CORRELATION_HEADER)
                .filter(value -> value.length() <= 128)
                .ifPresent(value -> res.header(CORRELATION_HEADER, value));
        // Read before routing: services see the path relative to their mount point.
        String path = req.path().path();
        String route = RouteLabel.of(path);
        try {
            if (!path.startsWith("/api/")) {
                chain.proceed();
                return;
            }
            Optional<ApiPrincipal> principal = authenticate(req);
            if (principal.isEmpty()) {
                ErrorEnvelope.send(res, unauthorized());
                // Logged, not written to the audit table: unauthenticated callers must not be able to grow it.
                LOG.log(System.Logger.Level.INFO, "refused an unauthenticated {0} {1} from {2}",
                        req.prologue().method().text(), route, req.remotePeer().address());
                return;
            }
            req.context().register(principal.get());
            chain.proceed();
            audit.record(principal.get().subject(), principal.get().instanceId(), null,
                    "rest." + req.prologue().method().text().toLowerCase(), path,
                    Integer.toString(res.status().code()), null);
        } finally {
            metrics.increment("kmip_appliance_rest_requests_total", "REST requests, by route, method and status",
                    "route", route, "method", req.prologue().method().text(), "status",
                    Integer.toString(res.status().code()));
        }
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
