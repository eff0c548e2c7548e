package org.kmipappliance.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import com.ibm.cloud.ibm_key_protect_api.v2.IbmKeyProtectApi;
import com.ibm.cloud.ibm_key_protect_api.v2.model.AddKmipClientCertificateOptions;
import com.ibm.cloud.ibm_key_protect_api.v2.model.CollectionMetadata;
import com.ibm.cloud.ibm_key_protect_api.v2.model.CreateKMIPAdapterRequestBodyResources;
import com.ibm.cloud.ibm_key_protect_api.v2.model.CreateKMIPClientCertificateObject;
import com.ibm.cloud.ibm_key_protect_api.v2.model.CreateKeyOptions;
import com.ibm.cloud.ibm_key_protect_api.v2.model.CreateKmipAdapterOptions;
import com.ibm.cloud.ibm_key_protect_api.v2.model.DeleteKmipAdapterOptions;
import com.ibm.cloud.ibm_key_protect_api.v2.model.DeleteKmipClientCertificateOptions;
import com.ibm.cloud.ibm_key_protect_api.v2.model.DeleteKmipObjectOptions;
import com.ibm.cloud.ibm_key_protect_api.v2.model.GetKeysOptions;
import com.ibm.cloud.ibm_key_protect_api.v2.model.GetKmipAdapterOptions;
import com.ibm.cloud.ibm_key_protect_api.v2.model.GetKmipAdaptersOptions;
import com.ibm.cloud.ibm_key_protect_api.v2.model.GetKmipClientCertificatesOptions;
import com.ibm.cloud.ibm_key_protect_api.v2.model.GetKmipObjectOptions;
import com.ibm.cloud.ibm_key_protect_api.v2.model.GetKmipObjectsOptions;
import com.ibm.cloud.ibm_key_protect_api.v2.model.KMIPAdapter;
import com.ibm.cloud.ibm_key_protect_api.v2.model.KMIPObject;
import com.ibm.cloud.ibm_key_protect_api.v2.model.KMIPProfileDataBodyKMIPProfileDataNative;
import com.ibm.cloud.sdk.core.security.BearerTokenAuthenticator;
import com.ibm.cloud.sdk.core.service.exception.ServiceResponseException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmipappliance.hsm.Instance;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipCaller;
import org.kmipappliance.hsm.KmipObjects;
import org.kmipappliance.hsm.Role;
import org.kmipappliance.hsm.pki.CertificateAuthority;
import org.kmipappliance.hsm.pki.PemCertificates;
import org.kmipappliance.hsm.store.CustodyDatabase;
import org.kmipappliance.hsm.testing.TestCertificates;
import org.kmipappliance.hsm.testing.TestDatabase;
import org.kmipappliance.hsm.testing.TestHsm;

/**
 * IBM's published Java SDK (com.ibm.cloud:ibm-key-protect-sdk 1.0.3), with a bearer-token authenticator and the
 * appliance's URL, through the root-key, adapter, certificate and KMIP object calls, exactly as an existing Key
 * Protect client would make them. Its HTTP client trusts the test CA, nothing more.
 */
class IbmSdkCompatibilityTest {
    private static CustodyDatabase database;
    private static KeyCustody custody;
    private static RestServer server;
    private static IbmKeyProtectApi api;
    private static Instance instance;

    @BeforeAll
    static void start() throws Exception {
        database = TestDatabase.fresh();
        custody = new KeyCustody(TestHsm.hsm(), database, Clock.systemUTC());
        instance = custody.access().createInstance("sdk", TESTER);
        String token = custody.access().issueToken(instance.id(), "sdk", EnumSet.of(Role.MANAGER), null, TESTER).secret();
        CertificateAuthority.Issued identity = TestCertificates.localhostServer();
        server = RestServer.start("127.0.0.1", 0, identity.privateKey(), List.of(identity.certificate()), custody,
                TestOnboarding.presenting(identity));
        api = IbmKeyProtectApi.newInstance(new BearerTokenAuthenticator(token));
        api.setServiceUrl("https://localhost:" + server.port());
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("ca", TestCertificates.authority().certificate());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        api.setClient(api.getClient().newBuilder()
                .sslSocketFactory(tls.getSocketFactory(), (X509TrustManager) trust.getTrustManagers()[0]).build());
    }

    @AfterAll
    static void stop() {
        server.close();
        database.close();
    }

    private static String instanceId() {
        return instance.id().toString();
    }

    @Test
    void rootKeysAdaptersCertificatesAndObjects_throughIbmsSdk() {
        String keyBody = "{\"metadata\":{\"collectionType\":\"application/vnd.ibm.kms.key+json\",\"collectionTotal\":1},"
                + "\"resources\":[{\"type\":\"application/vnd.ibm.kms.key+json\",\"name\":\"sdk-root\","
                + "\"extractable\":false}]}";
        var created = api.createKey(new CreateKeyOptions.Builder().bluemixInstance(instanceId())
                .keyCreateBody(new ByteArrayInputStream(keyBody.getBytes(StandardCharsets.UTF_8))).build())
                .execute().getResult();
        String rootKey = created.getResources().getFirst().getId();
        assertEquals("sdk-root", created.getResources().getFirst().getName());
        var keys = api.getKeys(new GetKeysOptions.Builder().bluemixInstance(instanceId()).build()).execute()
                .getResult();
        assertTrue(keys.getResources().stream().anyMatch(key -> key.getId().equals(rootKey)));

        KMIPAdapter adapter = api.createKmipAdapter(new CreateKmipAdapterOptions.Builder()
                .bluemixInstance(instanceId())
                .metadata(new CollectionMetadata.Builder()
                        .collectionType("application/vnd.ibm.kms.kmip_adapter+json").collectionTotal(1).build())
                .addResources(new CreateKMIPAdapterRequestBodyResources.Builder().profile("native_1.0")
                        .name("sdk-adapter").description("made by IBM's SDK")
                        .profileData(new KMIPProfileDataBodyKMIPProfileDataNative.Builder().crkId(rootKey).build())
                        .build())
                .build()).execute().getResult().getResources().getFirst();
        assertEquals("sdk-adapter", adapter.getName());
        assertNotNull(adapter.getCreatedAt(), "the SDK parses our timestamps");
        assertEquals(adapter.getId(), api.getKmipAdapter(new GetKmipAdapterOptions.Builder()
                .bluemixInstance(instanceId()).id("sdk-adapter").build()).execute().getResult().getResources()
                .getFirst().getId());
        var adapters = api.getKmipAdapters(new GetKmipAdaptersOptions.Builder().bluemixInstance(instanceId())
                .totalCount(true).crkId(rootKey).build()).execute().getResult();
        assertEquals(1L, adapters.getMetadata().getTotalCount());

        String pem = TestCertificates.clientPem("sdk-client");
        var certificate = api.addKmipClientCertificate(new AddKmipClientCertificateOptions.Builder()
                .bluemixInstance(instanceId()).adapterId(adapter.getId())
                .metadata(new CollectionMetadata.Builder()
                        .collectionType("application/vnd.ibm.kms.kmip_client_certificate+json").collectionTotal(1)
                        .build())
                .addResources(new CreateKMIPClientCertificateObject.Builder().certificate(pem).name("sdk-cert")
                        .build())
                .build()).execute().getResult().getResources().getFirst();
        assertEquals("sdk-cert", certificate.getName());
        assertEquals(1, api.getKmipClientCertificates(new GetKmipClientCertificatesOptions.Builder()
                .bluemixInstance(instanceId()).adapterId("sdk-adapter").build()).execute().getResult()
                .getResources().size());

        KmipCaller caller = custody.certificates().identify(PemCertificates.sha256Fingerprint(
                PemCertificates.parse(pem))).orElseThrow();
        String objectId = custody.objects().createSymmetricKey(caller, KmipObjects.AES, 256, 12).id().toString();
        var objects = api.getKmipObjects(new GetKmipObjectsOptions.Builder().bluemixInstance(instanceId())
                .adapterId(adapter.getId()).totalCount(true).build()).execute().getResult();
        assertEquals(1L, objects.getMetadata().getTotalCount());
        KMIPObject object = api.getKmipObject(new GetKmipObjectOptions.Builder().bluemixInstance(instanceId())
                .adapterId(adapter.getId()).id(objectId).build()).execute().getResult().getResources().getFirst();
        assertEquals(2L, object.getKmipObjectType());
        assertEquals(1L, object.getState());
        assertEquals(caller.certificateId().toString(), object.getCreatedByKmipClientCertId());

        ServiceResponseException conflict = assertThrows(ServiceResponseException.class, () -> api.deleteKmipAdapter(
                new DeleteKmipAdapterOptions.Builder().bluemixInstance(instanceId()).id(adapter.getId()).build())
                .execute());
        assertEquals(409, conflict.getStatusCode());
        assertTrue(conflict.getMessage().contains("KMIP_ADAPTER_HAS_OBJECTS_ERR")
                || conflict.getDebuggingInfo().toString().contains("KMIP_ADAPTER_HAS_OBJECTS_ERR"), conflict.getMessage());

        assertEquals(204, api.deleteKmipObject(new DeleteKmipObjectOptions.Builder().bluemixInstance(instanceId())
                .adapterId(adapter.getId()).id(objectId).build()).execute().getStatusCode());
        assertEquals(204, api.deleteKmipClientCertificate(new DeleteKmipClientCertificateOptions.Builder()
                .bluemixInstance(instanceId()).adapterId(adapter.getId()).id("sdk-cert").build()).execute()
                .getStatusCode());
        assertEquals(204, api.deleteKmipAdapter(new DeleteKmipAdapterOptions.Builder().bluemixInstance(instanceId())
                .id(adapter.getId()).build()).execute().getStatusCode());
        ServiceResponseException gone = assertThrows(ServiceResponseException.class, () -> api.getKmipAdapter(
                new GetKmipAdapterOptions.Builder().bluemixInstance(instanceId()).id(adapter.getId()).build())
                .execute());
        assertEquals(404, gone.getStatusCode());
    }
}
