package org.kmipappliance.rest;

import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;
import org.kmipappliance.hsm.HsmException;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.store.DatabaseUnavailable;

/** The Key Protect-compatible API: one routing, reused by the server and by tests. */
public final class KeyProtectApi {
    private static final System.Logger LOG = System.getLogger(KeyProtectApi.class.getName());

    private KeyProtectApi() {
    }

    public static void routing(HttpRouting.Builder routing, KeyCustody custody) {
        routing(routing, custody, Map::of);
    }

    /** The routing, with health checks beyond custody's own (the KMIP listener, when it runs). */
    public static void routing(HttpRouting.Builder routing, KeyCustody custody,
                               Supplier<Map<String, Boolean>> otherHealthChecks) {
        routing.addFilter(new ApiAuthentication(custody))
                .register("/api/v2/keys", new RootKeysService(custody))
                .register("/api/v2/kmip_adapters", new KmipAdaptersService(custody))
                .register("/api/v2/appliance/api_tokens", new ApiTokensService(custody))
                .register("/", new ObservabilityService(custody, otherHealthChecks))
                .error(ApiError.class, (req, res, error) -> ErrorEnvelope.send(res, error))
                .error(HsmException.class, (req, res, error) -> {
                    LOG.log(System.Logger.Level.ERROR, "HSM failure on " + req.prologue().method() + " "
                            + req.path().path(), error);
                    ErrorEnvelope.send(res, new ApiError(Status.SERVICE_UNAVAILABLE_503, "HSM_UNAVAILABLE_ERR", null,
                            "The HSM could not complete the request; try again later", null, null));
                })
                .error(RuntimeException.class, (req, res, error) -> {
                    if (DatabaseUnavailable.is(error)) {
                        DatabaseUnavailable.report(error, Clock.systemUTC());
                        ErrorEnvelope.send(res, new ApiError(Status.SERVICE_UNAVAILABLE_503,
                                "DATABASE_UNAVAILABLE_ERR", null, "The key store is unavailable for a moment; try "
                                + "again", null, null));
                        return;
                    }
                    LOG.log(System.Logger.Level.ERROR, "unexpected failure on " + req.prologue().method() + " "
                            + req.path().path(), error);
                    ErrorEnvelope.send(res, new ApiError(Status.INTERNAL_SERVER_ERROR_500, "INTERNAL_SERVER_ERR",
                            null, "The server could not complete the request", null, null));
                });
    }
}
