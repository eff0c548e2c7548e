package org.kmipappliance.rest;

import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import java.time.Clock;
import org.kmipappliance.hsm.HsmException;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.store.DatabaseUnavailable;

/** The Key Protect-compatible API: one routing, reused by the server and by tests. */
public final class KeyProtectApi {
    private static final System.Logger LOG = System.getLogger(KeyProtectApi.class.getName());

    private KeyProtectApi() {
    }

    public static void routing(HttpRouting.Builder routing, KeyCustody custody) {
        routing(routing, custody, HealthChecks.none());
    }

    /** The routing, with health checks beyond custody's own (the KMIP listener, when it runs). */
    public static void routing(HttpRouting.Builder routing, KeyCustody custody, HealthChecks health) {
        routes(routing, custody, health);
    }

    /** The routing; returns the table of its routes, complete once the routing is built. */
    static Routes routes(HttpRouting.Builder routing, KeyCustody custody, HealthChecks health) {
        Routes routes = new Routes();
        routing.addFilter(new ApiAuthentication(custody, routes));
        routes.register(routing, "/api/v2/keys", new RootKeysService(custody)::routes);
        routes.register(routing, "/api/v2/kmip_adapters", new KmipAdaptersService(custody)::routes);
        routes.register(routing, "/api/v2/appliance/api_tokens", new ApiTokensService(custody)::routes);
        routes.register(routing, "/", new ObservabilityService(custody, health)::routes);
        routing.error(ApiError.class, (req, res, error) -> ErrorEnvelope.send(res, error))
                .error(HsmException.class, (req, res, error) -> {
                    LOG.log(System.Logger.Level.ERROR, "HSM failure on " + req.prologue().method() + " "
                            + req.path().absolute().path(), error);
                    ErrorEnvelope.send(res, new ApiError(Status.SERVICE_UNAVAILABLE_503, "HSM_UNAVAILABLE_ERR", null,
                            "The HSM could not complete the request; try again later", null, null));
                })
                .error(HttpException.class, (req, res, error) -> ErrorEnvelope.send(res,
                        error.status().code() == Status.NOT_FOUND_404.code()
                                ? new ApiError(Status.NOT_FOUND_404, "NOT_FOUND_ERR", null, "no such resource: no "
                                + "route of this API serves " + req.prologue().method().text() + " on this path",
                                null, null)
                                : new ApiError(error.status(), "BAD_REQUEST_ERR", null, "the request could not be "
                                + "served: " + error.status().reasonPhrase(), null, null)))
                .error(RuntimeException.class, (req, res, error) -> {
                    if (DatabaseUnavailable.is(error)) {
                        DatabaseUnavailable.report(error, Clock.systemUTC());
                        ErrorEnvelope.send(res, new ApiError(Status.SERVICE_UNAVAILABLE_503,
                                "DATABASE_UNAVAILABLE_ERR", null, "The key store is unavailable for a moment; try "
                                + "again", null, null));
                        return;
                    }
                    LOG.log(System.Logger.Level.ERROR, "unexpected failure on " + req.prologue().method() + " "
                            + req.path().absolute().path(), error);
                    ErrorEnvelope.send(res, new ApiError(Status.INTERNAL_SERVER_ERROR_500, "INTERNAL_SERVER_ERR",
                            null, "The server could not complete the request", null, null));
                });
        return routes;
    }
}
