package org.kmipappliance.kmip.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A configuration file for PyKMIP's client (section {@code [client]}), the independent client of the tests and demo. */
public final class PyKmipConfig {
    private PyKmipConfig() {
    }

    /**
     * Writes the file. With {@code emptyCredentials}, it also has empty {@code username=} and {@code password=}
     * lines, which make PyKMIP 0.10 send an empty Username and Password credential in every request.
     */
    public static void write(Path file, String host, int port, Path certificate, Path key, Path caCertificate,
                             boolean emptyCredentials) {
        String text = """
                [client]
                host=%s
                port=%d
                certfile=%s
                keyfile=%s
                ca_certs=%s
                cert_reqs=CERT_REQUIRED
                ssl_version=PROTOCOL_SSLv23
                do_handshake_on_connect=True
                suppress_ragged_eofs=True
                """.formatted(host, port, certificate, key, caCertificate)
                + (emptyCredentials ? "username=\npassword=\n" : "");
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
