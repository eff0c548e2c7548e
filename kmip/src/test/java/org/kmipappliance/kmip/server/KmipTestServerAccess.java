package org.kmipappliance.kmip.server;

import java.io.IOException;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.ProtocolVersion;

/** The test server for tests in other packages: each connection gets an adapter of its own. */
public final class KmipTestServerAccess implements AutoCloseable {
    private final KmipTestServer server;

    public KmipTestServerAccess(String name) {
        server = new KmipTestServer(name);
    }

    public KmipClient connectNewAdapter(ProtocolVersion version) throws IOException {
        return server.connect(server.clientOfNewAdapter(), version);
    }

    @Override
    public void close() {
        server.close();
    }
}
