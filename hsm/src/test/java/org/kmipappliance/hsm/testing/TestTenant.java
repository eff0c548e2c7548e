package org.kmipappliance.hsm.testing;

import static org.kmipappliance.hsm.testing.TestRequester.TESTER;

import java.util.UUID;
import org.kmipappliance.hsm.Instance;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipAdapter;
import org.kmipappliance.hsm.KmipCaller;
import org.kmipappliance.hsm.RootKey;
import org.kmipappliance.hsm.pki.PemCertificates;

/** What most custody tests start from: a root key, an adapter on it, and a KMIP client registered to the adapter. */
public record TestTenant(RootKey rootKey, KmipAdapter adapter, KmipCaller caller) {
    /** A new root key named {@code name}, an adapter of a generated name on it, and a client certificate. */
    public static TestTenant create(KeyCustody custody, Instance instance, String name) {
        return onRootKey(custody, instance, custody.rootKeys().create(instance.id(), name, null, TESTER), name);
    }

    /** An adapter of a generated name on {@code root}, and a client certificate registered to it. */
    public static TestTenant onRootKey(KeyCustody custody, Instance instance, RootKey root, String name) {
        KmipAdapter adapter = custody.adapters().create(instance.id(), null, null, KmipAdapter.NATIVE_PROFILE,
                root.id().toString(), TESTER);
        String pem = TestCertificates.clientPem(name + "-" + UUID.randomUUID());
        custody.certificates().add(instance.id(), adapter.name(), null, pem, TESTER);
        return new TestTenant(root, adapter, custody.certificates().identify(
                PemCertificates.sha256Fingerprint(PemCertificates.parse(pem))).orElseThrow());
    }
}
