package org.kmipappliance.kmip.server.operations;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.security.spec.KeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.hsm.KmipObjects;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.ResultReason;

/**
 * The encodings of public keys, private keys and certificates this server takes and serves: RSA keys as PKCS#1 or
 * as X.509 SubjectPublicKeyInfo / PKCS#8 PrivateKeyInfo, EC keys as X.509 / PKCS#8, X.509 certificates as DER. Each
 * is checked by parsing it with the JDK, which also gives the algorithm and length the Key Block must agree with.
 * RSA keys convert between PKCS#1 and the generic form (the generic form wraps the PKCS#1 structure), so a client
 * can Get a key in either whatever form it was registered in.
 *
 * <p>Parsing a private key leaves the JDK's key object to the garbage collector (its BigIntegers cannot be
 * zeroed); the byte arrays this class makes from private keys are zeroed by their holders.
 */
final class AsymmetricEncodings {
    /** AlgorithmIdentifier rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters, as PKCS#8 and X.509 give it. */
    private static final byte[] RSA_ALGORITHM_IDENTIFIER = {0x30, 0x0D, 0x06, 0x09, 0x2A, (byte) 0x86, 0x48,
            (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00};
    private static final int SEQUENCE = 0x30;
    private static final int INTEGER = 0x02;
    private static final int BIT_STRING = 0x03;
    private static final int OCTET_STRING = 0x04;

    private AsymmetricEncodings() {
    }

    /** What an encoding holds: the custody module's algorithm name and the key's length in bits. */
    record Described(String algorithm, int lengthBits) {
    }

    /** A public key in {@code format}, parsed; refused with the reason a client can act on. */
    static Described publicKey(int format, byte[] encoded, int declaredAlgorithm) throws KmipException {
        return switch (format) {
            case KmipEnums.KEY_FORMAT_PKCS1 -> described(parse(new X509EncodedKeySpec(
                    x509OfRsa(encoded)), false, "an RSA public key in PKCS#1"), declaredAlgorithm);
            case KmipEnums.KEY_FORMAT_X509 -> described(parse(new X509EncodedKeySpec(encoded), false,
                    "a public key in X.509 SubjectPublicKeyInfo"), declaredAlgorithm);
            default -> throw new KmipException(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED,
                    "public keys are kept as PKCS#1 (RSA) or X.509 SubjectPublicKeyInfo");
        };
    }

    /** A private key in {@code format}, parsed; the caller zeroes {@code encoded}. */
    static Described privateKey(int format, byte[] encoded, int declaredAlgorithm) throws KmipException {
        byte[] pkcs8 = format == KmipEnums.KEY_FORMAT_PKCS1 ? pkcs8OfRsa(encoded) : encoded;
        try {
            return switch (format) {
                case KmipEnums.KEY_FORMAT_PKCS1 -> described(parse(new PKCS8EncodedKeySpec(pkcs8), true,
                        "an RSA private key in PKCS#1"), declaredAlgorithm);
                case KmipEnums.KEY_FORMAT_PKCS8 -> described(parse(new PKCS8EncodedKeySpec(pkcs8), true,
                        "a private key in PKCS#8"), declaredAlgorithm);
                default -> throw new KmipException(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED,
                        "private keys are kept as PKCS#1 (RSA) or PKCS#8");
            };
        } finally {
            if (pkcs8 != encoded) {
                Arrays.fill(pkcs8, (byte) 0);
            }
        }
    }

    /** An X.509 certificate: the algorithm and length of the public key it certifies. */
    static Described certified(X509Certificate certificate) {
        PublicKey key = certificate.getPublicKey();
        return key instanceof RSAKey rsa ? new Described(KmipObjects.RSA, rsa.getModulus().bitLength())
                : key instanceof ECKey ec ? new Described(KmipObjects.EC, ec.getParams().getOrder().bitLength())
                : new Described(null, 0);
    }

    /** One DER-encoded X.509 certificate, parsed; anything else is Invalid Field. */
    static X509Certificate x509(byte[] der) throws KmipException {
        try {
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            if (!Arrays.equals(certificate.getEncoded(), der)) {
                throw new KmipException(ResultReason.INVALID_FIELD, "the Certificate Value holds more than one "
                        + "DER-encoded X.509 certificate");
            }
            return certificate;
        } catch (CertificateException e) {
            throw new KmipException(ResultReason.INVALID_FIELD, "the Certificate Value is not a DER-encoded X.509 "
                    + "certificate");
        }
    }

    /**
     * {@code encoded}, kept in {@code from}, as {@code to}: the same bytes when the formats are the same; RSA keys
     * between PKCS#1 and X.509 (public) or PKCS#8 (private). The answer is a new array the caller owns.
     */
    static byte[] convert(KmipObject object, int from, int to, byte[] encoded) throws KmipException {
        if (from == to) {
            return encoded.clone();
        }
        boolean rsa = KmipObjects.RSA.equals(object.algorithm());
        boolean publicKey = object.objectType() == KmipObject.PUBLIC_KEY;
        if (rsa && publicKey && from == KmipEnums.KEY_FORMAT_X509 && to == KmipEnums.KEY_FORMAT_PKCS1) {
            byte[] bits = content(child(encoded, 1, BIT_STRING));
            return Arrays.copyOfRange(bits, 1, bits.length);
        }
        if (rsa && publicKey && from == KmipEnums.KEY_FORMAT_PKCS1 && to == KmipEnums.KEY_FORMAT_X509) {
            return x509OfRsa(encoded);
        }
        if (rsa && !publicKey && from == KmipEnums.KEY_FORMAT_PKCS8 && to == KmipEnums.KEY_FORMAT_PKCS1) {
            return content(child(encoded, 2, OCTET_STRING));
        }
        if (rsa && !publicKey && from == KmipEnums.KEY_FORMAT_PKCS1 && to == KmipEnums.KEY_FORMAT_PKCS8) {
            return pkcs8OfRsa(encoded);
        }
        int generic = publicKey ? KmipEnums.KEY_FORMAT_X509 : KmipEnums.KEY_FORMAT_PKCS8;
        String alternative = rsa ? " or " + formatName(from == KmipEnums.KEY_FORMAT_PKCS1 ? generic
                : KmipEnums.KEY_FORMAT_PKCS1) : "";
        throw new KmipException(ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED, "this " + (publicKey ? "public" : "private")
                + " key is served as " + formatName(from) + alternative);
    }

    private static String formatName(int format) {
        return switch (format) {
            case KmipEnums.KEY_FORMAT_PKCS1 -> "PKCS#1";
            case KmipEnums.KEY_FORMAT_PKCS8 -> "PKCS#8";
            case KmipEnums.KEY_FORMAT_X509 -> "X.509";
            default -> "Key Format Type " + format;
        };
    }

    private static Key parse(KeySpec spec, boolean isPrivate, String what) throws KmipException {
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                KeyFactory factory = KeyFactory.getInstance(algorithm);
                return isPrivate ? factory.generatePrivate(spec) : factory.generatePublic(spec);
            } catch (GeneralSecurityException | RuntimeException e) {
                // not this algorithm: try the next
            }
        }
        throw new KmipException(ResultReason.INVALID_FIELD, "the Key Material is not " + what + " of an RSA or EC key");
    }

    /** The algorithm and length of {@code key}, which must be of the algorithm the Key Block declares. */
    private static Described described(Key key, int declaredAlgorithm) throws KmipException {
        String declared = KeyAlgorithms.stored(declaredAlgorithm).orElse("algorithm " + declaredAlgorithm);
        if (key instanceof RSAKey rsa && KmipObjects.RSA.equals(declared)) {
            return new Described(declared, rsa.getModulus().bitLength());
        }
        if (key instanceof ECKey ec && (KmipObjects.EC.equals(declared) || KmipObjects.ECDSA.equals(declared))) {
            return new Described(declared, ec.getParams().getOrder().bitLength());
        }
        throw new KmipException(ResultReason.INVALID_FIELD, "the Key Material is a " + key.getAlgorithm()
                + " key; the Key Block says " + declared);
    }

    /** An RSA PKCS#1 RSAPublicKey wrapped as X.509 SubjectPublicKeyInfo. */
    private static byte[] x509OfRsa(byte[] pkcs1) {
        byte[] bits = new byte[pkcs1.length + 1];
        System.arraycopy(pkcs1, 0, bits, 1, pkcs1.length);
        return tlv(SEQUENCE, RSA_ALGORITHM_IDENTIFIER, tlv(BIT_STRING, bits));
    }

    /** An RSA PKCS#1 RSAPrivateKey wrapped as PKCS#8 PrivateKeyInfo (version 0); intermediate copies are zeroed. */
    private static byte[] pkcs8OfRsa(byte[] pkcs1) {
        byte[] octets = tlv(OCTET_STRING, pkcs1);
        try {
            return tlv(SEQUENCE, new byte[] {INTEGER, 0x01, 0x00}, RSA_ALGORITHM_IDENTIFIER, octets);
        } finally {
            Arrays.fill(octets, (byte) 0);
        }
    }

    private static byte[] tlv(int tag, byte[]... parts) {
        int length = Arrays.stream(parts).mapToInt(part -> part.length).sum();
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Child {@code index} (whole, tag and length included) of the DER SEQUENCE {@code der}, of type {@code tag}. */
    private static byte[] child(byte[] der, int index, int tag) throws KmipException {
        int[] outer = header(der, 0);
        if ((der[0] & 0xFF) != SEQUENCE) {
            throw malformed();
        }
        int position = outer[0];
        for (int i = 0; position < der.length; i++) {
            int[] item = header(der, position);
            int end = item[0] + item[1];
            if (i == index) {
                if ((der[position] & 0xFF) != tag) {
                    throw malformed();
                }
                return Arrays.copyOfRange(der, position, end);
            }
            position = end;
        }
        throw malformed();
    }

    /** The content octets of one DER item. */
    private static byte[] content(byte[] item) throws KmipException {
        int[] header = header(item, 0);
        return Arrays.copyOfRange(item, header[0], header[0] + header[1]);
    }

    /** {where the content starts, how long it is} for the item at {@code offset}, checked against the array. */
    private static int[] header(byte[] der, int offset) throws KmipException {
        if (offset + 2 > der.length) {
            throw malformed();
        }
        int first = der[offset + 1] & 0xFF;
        int start = offset + 2;
        long length = first;
        if (first >= 0x80) {
            int bytes = first & 0x7F;
            if (bytes == 0 || bytes > 3 || start + bytes > der.length) {
                throw malformed();
            }
            length = 0;
            for (int i = 0; i < bytes; i++) {
                length = (length << 8) | (der[start + i] & 0xFF);
            }
            start += bytes;
        }
        if (start + length > der.length) {
            throw malformed();
        }
        return new int[] {start, (int) length};
    }

    private static KmipException malformed() {
        return new KmipException(ResultReason.CRYPTOGRAPHIC_FAILURE, "a kept key is not in the DER form its record "
                + "says; it cannot be converted");
    }
}
