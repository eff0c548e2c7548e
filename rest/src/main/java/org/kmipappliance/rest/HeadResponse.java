package org.kmipappliance.rest;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.ServerResponseTrailers;
import io.helidon.http.Status;
import io.helidon.common.uri.UriQuery;
import io.helidon.webserver.http.ServerResponse;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * The response to a HEAD request, which a GET route's handler writes: the same status and headers, the length of
 * the body it would have had, and no body (RFC 9110, 9.3.2). Helidon itself sends whatever a handler sends.
 */
final class HeadResponse implements ServerResponse {
    private final ServerResponse response;

    HeadResponse(ServerResponse response) {
        this.response = response;
    }

    @Override
    public void send(byte[] bytes) {
        response.header(HeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length));
        response.send();
    }

    @Override
    public void send(Object entity) {
        if (entity instanceof byte[] bytes) {
            send(bytes);
        } else if (entity instanceof String text) {
            send(text.getBytes(StandardCharsets.UTF_8));
        } else {
            response.send();
        }
    }

    @Override
    public void send() {
        response.send();
    }

    @Override
    public OutputStream outputStream() {
        response.send();
        return OutputStream.nullOutputStream();
    }

    @Override
    public void streamResult(String result) {
        response.streamResult(result);
    }

    @Override
    public ServerResponse status(Status status) {
        response.status(status);
        return this;
    }

    @Override
    public Status status() {
        return response.status();
    }

    @Override
    public ServerResponse header(Header header) {
        response.header(header);
        return this;
    }

    @Override
    public boolean isSent() {
        return response.isSent();
    }

    @Override
    public long bytesWritten() {
        return response.bytesWritten();
    }

    @Override
    public ServerResponse whenSent(Runnable listener) {
        response.whenSent(listener);
        return this;
    }

    @Override
    public ServerResponse reroute(String newPath) {
        response.reroute(newPath);
        return this;
    }

    @Override
    public ServerResponse reroute(String path, UriQuery query) {
        response.reroute(path, query);
        return this;
    }

    @Override
    public ServerResponse next() {
        response.next();
        return this;
    }

    @Override
    public ServerResponseHeaders headers() {
        return response.headers();
    }

    @Override
    public ServerResponseTrailers trailers() {
        return response.trailers();
    }

    @Override
    public void streamFilter(UnaryOperator<OutputStream> filterFunction) {
        response.streamFilter(filterFunction);
    }
}
