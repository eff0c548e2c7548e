package org.kmipappliance.appliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.pki.PemFiles;
import org.kmipappliance.hsm.pki.TlsContexts;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * What an operator and a KMIP client do with an appliance running as its own process: REST calls with the Manager
 * token, and KMIP connections with client certificates the REST API registered.
 */
final class ApplianceClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CertificateAuthority CLIENTS = CertificateAuthority.create("test KMIP clients",
            Duration.ofDays(1));

    private final ApplianceProcess appliance;
    private final ApplianceProcess.Admin admin;
    private final HttpClient http;

    ApplianceClient(ApplianceProcess appliance, ApplianceProcess.Admin admin) {
        this.appliance = appliance;
        this.admin = admin;
        this.http = HttpClient.newBuilder().sslContext(TlsContexts.create(null, serverCa()))
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    private X509Certificate serverCa() {
        return PemFiles.readCertificate(appliance.state().resolve("pki/ca.pem"));
    }

    HttpResponse<String> send(String method, String path, String type, String body) throws IOException,
            InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + appliance.restPort()
                        + path))
                .timeout(Duration.ofSeconds(30))
                .header("authorization", "Bearer " + admin.token())
                .header("bluemix-instance", admin.instance())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (type != null) {
            request.header("content-type", type);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POSTs one resource in Key Protect's envelope and returns the created resource; anything but 201 fails. */
    JsonNode create(String path, String type, String resource) throws IOException, InterruptedException {
        HttpResponse<String> response = send("POST", path, type, "{\"metadata\":{\"collectionType\":\"" + type
                + "\",\"collectionTotal\":1},\"resources\":[" + resource + "]}");
        if (response.statusCode() != 201) {
            throw new AssertionError("POST " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body()).at("/resources/0");
    }

    String createRootKey(String name) throws IOException, InterruptedException {
        return create("/api/v2/keys", "application/vnd.ibm.kms.key+json", "{\"name\":\"" + name
                + "\",\"extractable\":false}").get("id").asText();
    }

    void createAdapter(String name, String rootKeyId) throws IOException, InterruptedException {
        create("/api/v2/kmip_adapters", "application/vnd.ibm.kms.kmip_adapter+json", "{\"name\":\"" + name
                + "\",\"profile\":\"native_1.0\",\"profile_data\":{\"crk_id\":\"" + rootKeyId + "\"}}");
    }

    /** A new client certificate, registered to {@code adapter}: what vCenter's certificate is to an adapter. */
    CertificateAuthority.Issued registerClient(String adapter, String name) throws IOException, InterruptedException {
        CertificateAuthority.Issued client = CLIENTS.issueClient(name, Duration.ofDays(1));
        create("/api/v2/kmip_adapters/" + adapter + "/certificates",
                "application/vnd.ibm.kms.kmip_client_certificate+json", "{\"name\":\"" + name + "\",\"certificate\":"
                        + JSON.writeValueAsString(PemCertificates.toPem(client.certificate())) + "}");
        return client;
    }

    KmipClient kmip(CertificateAuthority.Issued identity) throws IOException {
        return KmipClient.connect(TlsContexts.create(identity, serverCa()), "127.0.0.1", appliance.kmipPort(),
                ProtocolVersion.V1_4, Duration.ofSeconds(30));
    }

    /** The chain a listener presents, read during a handshake that need not succeed (KMIP wants a client). */
    static List<X509Certificate> presentedChain(int port) throws Exception {
        List<X509Certificate> seen = new ArrayList<>();
        TrustManager capture = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen.addAll(List.of(chain));
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {capture}, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
        } catch (IOException e) {
            // the KMIP listener refuses a client without a registered certificate, after showing its own
        }
        return seen;
    }

    /** The ids of every live object the client's adapter has, by a Locate with no criteria. */
    static List<String> locateAll(KmipClient kmip) throws Exception {
        return kmip.call(Operation.LOCATE, Ttlv.Structure.of(Tag.REQUEST_PAYLOAD)).all(Tag.UNIQUE_IDENTIFIER)
                .stream().map(item -> ((Ttlv.TextStringItem) item).value()).toList();
    }
}
