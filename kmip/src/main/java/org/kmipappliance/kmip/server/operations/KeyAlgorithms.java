package org.kmipappliance.kmip.server.operations;

import java.util.Map;
import java.util.Optional;
import org.kmipappliance.hsm.KmipObjects;
import org.kmipappliance.kmip.message.KmipEnums;

/**
 * The symmetric-key algorithms this server makes, as KMIP numbers them (Cryptographic Algorithm, section 9.1.3.2.13)
 * and as the custody module records them. SKIPJACK and single DES are not among them: Create answers Invalid Field.
 */
final class KeyAlgorithms {
    private static final Map<Integer, String> STORED = Map.of(KmipEnums.ALGORITHM_AES, KmipObjects.AES,
            KmipEnums.ALGORITHM_TRIPLE_DES, KmipObjects.TRIPLE_DES);

    private KeyAlgorithms() {
    }

    /** The custody module's name for a KMIP algorithm, when this server makes keys of it. */
    static Optional<String> stored(int kmipAlgorithm) {
        return Optional.ofNullable(STORED.get(kmipAlgorithm));
    }

    /** The KMIP number of an algorithm the custody module recorded. */
    static int kmip(String stored) {
        return STORED.entrySet().stream().filter(entry -> entry.getValue().equals(stored)).findFirst()
                .map(Map.Entry::getKey).orElseThrow(() -> new IllegalStateException("an object records algorithm "
                        + stored + ", which this server does not make"));
    }
}
