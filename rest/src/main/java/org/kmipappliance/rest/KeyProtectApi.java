package org.kmipappliance.rest;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import java.time.Clock;
import java.util.Set;
import org.kmipappliance.hsm.HsmException;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.store.DatabaseUnavailable;

/** The Key Protect-compatible API: its routes, filters and error mapping. */
public final class KeyProtectApi {
    private static final System.Logger LOG = System.getLogger(KeyProtectApi.class.getName());

    private KeyProtectApi() {
    }

    /**
     * The routing; returns the table of its routes, complete once the routing is built. {@code health}: checks
     * beyond custody's own (the KMIP listener, when it runs).
     */
    static Routes routes(HttpRouting.Builder routing, KeyCustody custody, HealthChecks health,
                         RestServerConfig.MetricsAccess metricsAccess, KmipOnboarding onboarding) {
        Routes routes = new Routes();
        routing.addFilter(new ApiAuthentication(custody, routes));
        RootKeysService rootKeys = new RootKeysService(custody);
        routes.register(routing, "/api/v2/keys", rootKeys::routes);
        routes.register(routing, "/api/v2/keys_with_policy_overrides", rootKeys::policyOverrideRoutes);
        routes.register(routing, "/api/v2/import_token", new ImportTokenService(custody)::routes);
        routes.register(routing, "/api/v2/kmip_adapters", new KmipAdaptersService(custody, onboarding)::routes);
        routes.register(routing, "/api/v2/appliance/api_tokens", new ApiTokensService(custody)::routes);
        routes.register(routing, "/api/v2/appliance/usage", new UsageService(custody)::routes);
        routes.register(routing, "/api/v2/appliance/kmip_server_chain",
                new KmipServerChainService(onboarding)::routes);
        routes.register(routing, "/ui", new ConsoleService()::routes);
        routes.register(routing, "/", new ObservabilityService(custody, health, metricsAccess)::routes);
        routing.error(ApiError.class, (req, res, error) -> ErrorEnvelope.send(req, res, error))
                .error(HsmException.class, (req, res, error) -> {
                    LOG.log(System.Logger.Level.ERROR, "HSM failure on " + req.prologue().method() + " "
                            + req.path().absolute().path(), error);
                    ErrorEnvelope.send(req, res, new ApiError(Status.SERVICE_UNAVAILABLE_503, "HSM_UNAVAILABLE_ERR", null,
                            "The HSM could not complete the request; try again later", null, null));
                })
                .error(HttpException.class, (req, res, error) -> {
                    if (error.status().code() != Status.NOT_FOUND_404.code()) {
                        ErrorEnvelope.send(req, res, new ApiError(error.status(), "BAD_REQUEST_ERR", null, "the request "
                                + "could not be served: " + error.status().reasonPhrase(), null, null));
                        return;
                    }
                    Set<String> allowed = routes.methodsServing(req.path().absolute().path());
                    if (allowed.isEmpty()) {
                        ErrorEnvelope.send(req, res, new ApiError(Status.NOT_FOUND_404, "NOT_FOUND_ERR", null, "no such "
                                + "resource: no route of this API serves this path", null, null));
                        return;
                    }
                    res.header(HeaderNames.ALLOW, String.join(", ", allowed));
                    ErrorEnvelope.send(req, res, new ApiError(Status.METHOD_NOT_ALLOWED_405, "METHOD_NOT_ALLOWED_ERR",
                            null, "this path is served for " + String.join(", ", allowed) + " only", null, null));
                })
                .error(RuntimeException.class, (req, res, error) -> {
                    if (DatabaseUnavailable.is(error)) {
                        DatabaseUnavailable.report(error, Clock.systemUTC());
                        ErrorEnvelope.send(req, res, new ApiError(Status.SERVICE_UNAVAILABLE_503,
                                "DATABASE_UNAVAILABLE_ERR", null, "The key store is unavailable for a moment; try "
                                + "again", null, null));
                        return;
                    }
                    LOG.log(System.Logger.Level.ERROR, "unexpected failure on " + req.prologue().method() + " "
                            + req.path().absolute().path(), error);
                    ErrorEnvelope.send(req, res, new ApiError(Status.INTERNAL_SERVER_ERROR_500, "INTERNAL_SERVER_ERR",
                            null, "The server could not complete the request", null, null));
                });
        return routes;
    }
}
