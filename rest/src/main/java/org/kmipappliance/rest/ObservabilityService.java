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
 * Unauthenticated operational endpoints: /health (database, HSM, KMIP listener, certificates; 503 when any is
 * down; warnings an operator should act on), /metrics (Prometheus text) and /openapi (this API's OpenAPI
 * document). None of them carries key material or tenant data.
 */
final class ObservabilityService {
    private final KeyCustody custody;
    private final HealthChecks more;
    private final byte[] openApi;

    ObservabilityService(KeyCustody custody, HealthChecks more) {
        this.custody = custody;
        this.more = more;
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
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        res.send(custody.metrics().render());
    }

    private void openApi(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "application/yaml");
        res.send(openApi);
    }
}
