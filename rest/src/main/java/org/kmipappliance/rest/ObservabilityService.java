package org.kmipappliance.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.kmipappliance.hsm.KeyCustody;

/**
 * Unauthenticated operational endpoints: /health (database, HSM, KMIP listener; 503 when any is down), /metrics
 * (Prometheus text) and /openapi (this API's OpenAPI document). None of them carries key material or tenant data.
 */
final class ObservabilityService implements HttpService {
    private final KeyCustody custody;
    private final Supplier<Map<String, Boolean>> otherChecks;
    private final byte[] openApi;

    ObservabilityService(KeyCustody custody, Supplier<Map<String, Boolean>> otherChecks) {
        this.custody = custody;
        this.otherChecks = otherChecks;
        try (InputStream in = ObservabilityService.class.getResourceAsStream("/openapi.yaml")) {
            this.openApi = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("the OpenAPI document is missing from the rest module", e);
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/health", this::health)
                .get("/metrics", this::metrics)
                .get("/openapi", this::openApi);
    }

    private void health(ServerRequest req, ServerResponse res) {
        Map<String, Boolean> checks = new LinkedHashMap<>(custody.health());
        checks.putAll(otherChecks.get());
        boolean up = checks.values().stream().allMatch(Boolean::booleanValue);
        ObjectNode body = Json.object();
        body.put("status", up ? "UP" : "DOWN");
        ObjectNode details = body.putObject("checks");
        checks.forEach((name, ok) -> details.put(name, ok ? "UP" : "DOWN"));
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
