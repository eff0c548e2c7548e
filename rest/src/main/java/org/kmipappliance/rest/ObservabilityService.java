package org.kmipappliance.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.kmipappliance.hsm.KeyCustody;

/**
 * Operational endpoints: /health (database, HSM, KMIP listener, certificates; 503 when any is down; warnings an
 * operator should act on), open to load balancers; /metrics (Prometheus text), for holders of an API token unless
 * the operator opened it (metrics.access); and /openapi (this API's OpenAPI document). None of them carries key
 * material or tenant data; metrics still tell an outsider how busy the appliance is and what fails, hence the token.
 */
final class ObservabilityService {
    private static final String BEARER = "Bearer ";

    private final KeyCustody custody;
    private final HealthChecks more;
    private final RestServerConfig.MetricsAccess metricsAccess;
    private final byte[] openApi;

    ObservabilityService(KeyCustody custody, HealthChecks more, RestServerConfig.MetricsAccess metricsAccess) {
        this.custody = custody;
        this.more = more;
        this.metricsAccess = metricsAccess;
        try (InputStream in = ObservabilityService.class.getResourceAsStream("/openapi.yaml")) {
            this.openApi = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("the OpenAPI document is missing from the rest module", e);
        }
    }

    void routes(Routes.Mount routes) {
        routes.get("/health", this::health)
                .get("/metrics", this::metrics)
                .get("/openapi", this::openApi);
    }

    private void health(ServerRequest req, ServerResponse res) {
        Map<String, Boolean> checks = new LinkedHashMap<>(custody.health());
        checks.putAll(more.checks().get());
        boolean up = checks.values().stream().allMatch(Boolean::booleanValue);
        ObjectNode body = Json.object();
        body.put("status", up ? "UP" : "DOWN");
        ObjectNode details = body.putObject("checks");
        checks.forEach((name, ok) -> details.put(name, ok ? "UP" : "DOWN"));
        ArrayNode warnings = body.putArray("warnings");
        more.warnings().get().forEach(warnings::add);
        Json.send(res, up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503, body);
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        if (metricsAccess == RestServerConfig.MetricsAccess.TOKEN && !holdsApiToken(req)) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"kmip-appliance metrics\"");
            throw new ApiError(Status.UNAUTHORIZED_401, "UNAUTHORIZED_ERR", null, "/metrics needs an API token "
                    + "(Authorization: Bearer ...) of any instance and role; or set rest.metrics-access: open", null, null);
        }
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        res.send(custody.metrics().render());
    }

    private boolean holdsApiToken(ServerRequest req) {
        return req.headers().first(HeaderNames.AUTHORIZATION)
                .filter(value -> value.regionMatches(true, 0, BEARER, 0, BEARER.length()))
                .flatMap(value -> custody.access().authenticate(value.substring(BEARER.length()).strip()))
                .isPresent();
    }

    private void openApi(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "application/yaml");
        res.send(openApi);
    }
}
