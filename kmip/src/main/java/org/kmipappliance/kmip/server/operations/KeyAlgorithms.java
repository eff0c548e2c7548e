package org.kmipappliance.kmip.server.operations;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.kmipappliance.hsm.KmipObjects;
import org.kmipappliance.kmip.message.KmipEnums;

/**
 * The algorithms of the keys this server keeps, as KMIP numbers them (Cryptographic Algorithm, section 9.1.3.2.13)
 * and as the custody module records them: AES and 3DES for symmetric keys, RSA and EC (ECDSA in KMIP 1.0 and 1.1)
 * for key pairs and certificates. SKIPJACK and single DES are not among them: Create answers Invalid Field.
 */
final class KeyAlgorithms {
    private static final Map<Integer, String> STORED = Map.of(KmipEnums.ALGORITHM_AES, KmipObjects.AES,
            KmipEnums.ALGORITHM_TRIPLE_DES, KmipObjects.TRIPLE_DES, KmipEnums.ALGORITHM_RSA, KmipObjects.RSA,
            KmipEnums.ALGORITHM_EC, KmipObjects.EC, KmipEnums.ALGORITHM_ECDSA, KmipObjects.ECDSA);
    private static final Set<String> SYMMETRIC = Set.of(KmipObjects.AES, KmipObjects.TRIPLE_DES);

    private KeyAlgorithms() {
    }

    /** The custody module's name for a KMIP algorithm, when this server makes keys of it. */
    static Optional<String> stored(int kmipAlgorithm) {
        return Optional.ofNullable(STORED.get(kmipAlgorithm));
    }

    /** The custody module's name for a symmetric-key algorithm this server makes. */
    static Optional<String> symmetric(int kmipAlgorithm) {
        return stored(kmipAlgorithm).filter(SYMMETRIC::contains);
    }

    /** The KMIP number of an algorithm the custody module recorded. */
    static int kmip(String stored) {
        return STORED.entrySet().stream().filter(entry -> entry.getValue().equals(stored)).findFirst()
                .map(Map.Entry::getKey).orElseThrow(() -> new IllegalStateException("an object records algorithm "
                        + stored + ", which this server does not make"));
    }
}
