package org.kmipappliance.rest;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * /ui/: the web console, static files that call the public REST API with the operator's API token (no endpoint of
 * their own, no external asset: it works offline). Every answer carries a Content-Security-Policy that allows
 * scripts, styles and requests from this origin only and no inline script, so an injected string can never run;
 * files are revalidated by ETag on every load, so an upgrade is seen at once.
 */
final class ConsoleService {
    /** Every file of the console, under src/main/resources/ui (ConsoleServiceTest checks the list is complete). */
    static final List<String> FILES = List.of("index.html", "console.css", "console.js", "api.js", "dom.js",
            "signin.js", "adapters.js", "adapter-details.js", "root-keys.js");
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8", "js", "text/javascript; charset=utf-8");
    private static final HeaderName CSP = HeaderNames.create("Content-Security-Policy");

    private record Asset(byte[] bytes, String type, String etag) {
    }

    private final Map<String, Asset> assets;

    ConsoleService() {
        assets = FILES.stream().collect(Collectors.toUnmodifiableMap(Function.identity(), ConsoleService::load));
    }

    private static Asset load(String name) {
        try (InputStream in = ConsoleService.class.getResourceAsStream("/ui/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the console file ui/" + name + " is missing from the rest module");
            }
            byte[] bytes = in.readAllBytes();
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 16);
            return new Asset(bytes, TYPES.get(name.substring(name.lastIndexOf('.') + 1)), "\"" + digest + "\"");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void routes(Routes.Mount routes) {
        routes.get("/", (req, res) -> send(req, res, "index.html"))
                .get("/{file}", (req, res) -> send(req, res, req.path().pathParameters().get("file")));
    }

    private void send(ServerRequest req, ServerResponse res, String name) {
        Asset asset = assets.get(name);
        if (asset == null) {
            throw new ApiError(Status.NOT_FOUND_404, "NOT_FOUND_ERR", null, "the console has no file " + name,
                    null, null);
        }
        res.header(CSP, CONTENT_SECURITY_POLICY);
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(HeaderNames.ETAG, asset.etag());
        if (req.headers().first(HeaderNames.IF_NONE_MATCH).filter(asset.etag()::equals).isPresent()) {
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, asset.type());
        res.send(asset.bytes());
    }
}
