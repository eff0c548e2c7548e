package org.kmipappliance.hsm.pki;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The keys the appliance makes for the client certificates it issues. RSA-2048 is the default: every vCenter
 * release and every KMIP client reads it; the others are there for clients and policies that ask for them.
 */
public enum ClientKeyType {
    RSA_2048("RSA", new RSAKeyGenParameterSpec(2048, RSAKeyGenParameterSpec.F4)),
    RSA_3072("RSA", new RSAKeyGenParameterSpec(3072, RSAKeyGenParameterSpec.F4)),
    RSA_4096("RSA", new RSAKeyGenParameterSpec(4096, RSAKeyGenParameterSpec.F4)),
    EC_P256("EC", new ECGenParameterSpec("secp256r1")),
    EC_P384("EC", new ECGenParameterSpec("secp384r1"));

    private final String algorithm;
    private final AlgorithmParameterSpec parameters;

    ClientKeyType(String algorithm, AlgorithmParameterSpec parameters) {
        this.algorithm = algorithm;
        this.parameters = parameters;
    }

    /** Its name in the API: RSA-2048, EC-P256. */
    public String apiName() {
        return name().replace('_', '-');
    }

    /**
     * The type an API name gives, case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted names
     */
    public static ClientKeyType ofApiName(String name) {
        for (ClientKeyType type : values()) {
            if (type.apiName().equalsIgnoreCase(name)) {
                return type;
            }
        }
        throw new IllegalArgumentException("must be one of: " + accepted());
    }

    static String accepted() {
        return Arrays.stream(values()).map(ClientKeyType::apiName).collect(Collectors.joining(", "));
    }

    KeyPair generate(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            generator.initialize(parameters, random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate " + apiName().toLowerCase(Locale.ROOT)
                    + " keys", e);
        }
    }
}
