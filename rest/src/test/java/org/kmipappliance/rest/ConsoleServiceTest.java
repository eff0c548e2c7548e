package org.kmipappliance.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.RootKeyPolicy;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.hsm.testing.TestCertificates;

/**
 * The web console's files as the REST tier serves them: each with its type, the Content-Security-Policy that keeps
 * injected text from ever running, revalidation by ETag, nothing outside the list; and the files themselves hold
 * no inline script, no markup built from strings and no external origin. The browser tests are ConsoleE2eTest's.
 */
class ConsoleServiceTest {
    private static final Path SOURCES = Path.of("src/main/resources/ui");
    private static LiveRestTier rest;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        rest = new LiveRestTier(RootKeyPolicy.NONE);
        http = HttpClient.newBuilder().sslContext(TlsContexts.create(null, TestCertificates.authority()
                .certificate())).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        rest.close();
    }

    private static HttpResponse<String> get(String path, String etag) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(rest.baseUri() + path))
                .timeout(Duration.ofSeconds(10));
        if (etag != null) {
            request.header("If-None-Match", etag);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyFile_isServedWithItsType_thePolicy_andAnEtagToRevalidate() throws Exception {
        for (String file : ConsoleService.FILES) {
            HttpResponse<String> response = get("/ui/" + file, null);
            assertEquals(200, response.statusCode(), file);
            String type = response.headers().firstValue("content-type").orElse("");
            assertTrue(type.startsWith(file.endsWith(".js") ? "text/javascript" : file.endsWith(".css") ? "text/css"
                    : "text/html"), file + ": " + type);
            assertEquals(ConsoleService.CONTENT_SECURITY_POLICY,
                    response.headers().firstValue("content-security-policy").orElse(""));
            assertEquals("nosniff", response.headers().firstValue("x-content-type-options").orElse(""));
            assertEquals("no-cache", response.headers().firstValue("cache-control").orElse(""));
            String etag = response.headers().firstValue("etag").orElseThrow();
            assertEquals(304, get("/ui/" + file, etag).statusCode(), file + " unchanged");
            assertEquals(200, get("/ui/" + file, "\"other\"").statusCode());
        }
        HttpResponse<String> page = get("/ui/", null);
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<script type=\"module\" src=\"/ui/console.js\"></script>"));
        assertEquals(200, get("/ui", null).statusCode());
    }

    @Test
    void nothingElse_isServed() throws Exception {
        for (String path : List.of("/ui/missing.js", "/ui/..%2Fopenapi", "/ui/%2e%2e", "/ui/a/b.js")) {
            assertEquals(404, get(path, null).statusCode(), path);
        }
    }

    @Test
    void theListOfFiles_isEveryFileOfTheConsole() throws IOException {
        Set<String> present = new TreeSet<>();
        try (Stream<Path> files = Files.list(SOURCES)) {
            files.forEach(file -> present.add(file.getFileName().toString()));
        }
        assertEquals(present, new TreeSet<>(ConsoleService.FILES));
    }

    @Test
    void theFiles_holdNoInlineScript_noMarkupFromStrings_andNoOtherOrigin() throws IOException {
        Pattern inlineScript = Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>", Pattern.CASE_INSENSITIVE);
        Pattern inlineHandler = Pattern.compile("\\son[a-z]+=\"", Pattern.CASE_INSENSITIVE);
        for (String file : ConsoleService.FILES) {
            String text = Files.readString(SOURCES.resolve(file));
            assertFalse(inlineScript.matcher(text).find(), file + " has an inline script");
            assertFalse(inlineHandler.matcher(text).find(), file + " has an inline event handler");
            for (String sink : List.of("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                    "new Function")) {
                assertFalse(text.contains(sink), file + " uses " + sink);
            }
            assertFalse(text.matches("(?s).*(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}/.*"), file + " names another origin");
        }
    }
}
