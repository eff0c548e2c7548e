package org.kmipappliance.kmip.server.operations;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.kmipappliance.hsm.ObjectAttribute;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;

/**
 * The attributes the server SHALL set from an X.509 certificate it registers (KMIP 1.4 sections 3.9 to 3.16):
 * Certificate Length, the X.509 Certificate Identifier, Subject and Issuer (the DER of the names, as the
 * certificate holds them), the Digital Signature Algorithm, and KMIP 1.0's Certificate Identifier, Subject and
 * Issuer (the same names as text, RFC 2253). They are read once, at Register, and kept with the record: the
 * certificate itself is sealed, and reading it back would take the HSM for every Get Attributes.
 */
final class CertificateAttributes {
    /** The Subject and Issuer Alternative Name extensions (RFC 5280 sections 4.2.1.6 and 4.2.1.7). */
    private static final String SUBJECT_ALTERNATIVE_NAME = "2.5.29.17";
    private static final String ISSUER_ALTERNATIVE_NAME = "2.5.29.18";
    /** Signature algorithm OIDs to KMIP 1.4's Digital Signature Algorithm enumeration (table 295). */
    private static final Map<String, Integer> SIGNATURE_ALGORITHMS = Map.ofEntries(
            Map.entry("1.2.840.113549.1.1.2", 0x01), Map.entry("1.2.840.113549.1.1.4", 0x02),
            Map.entry("1.2.840.113549.1.1.5", 0x03), Map.entry("1.2.840.113549.1.1.14", 0x04),
            Map.entry("1.2.840.113549.1.1.11", 0x05), Map.entry("1.2.840.113549.1.1.12", 0x06),
            Map.entry("1.2.840.113549.1.1.13", 0x07), Map.entry("1.2.840.113549.1.1.10", 0x08),
            Map.entry("1.2.840.10040.4.3", 0x09), Map.entry("2.16.840.1.101.3.4.3.1", 0x0A),
            Map.entry("2.16.840.1.101.3.4.3.2", 0x0B), Map.entry("1.2.840.10045.4.1", 0x0C),
            Map.entry("1.2.840.10045.4.3.1", 0x0D), Map.entry("1.2.840.10045.4.3.2", 0x0E),
            Map.entry("1.2.840.10045.4.3.3", 0x0F), Map.entry("1.2.840.10045.4.3.4", 0x10),
            Map.entry("2.16.840.1.101.3.4.3.14", 0x11), Map.entry("2.16.840.1.101.3.4.3.15", 0x12),
            Map.entry("2.16.840.1.101.3.4.3.16", 0x13));

    private CertificateAttributes() {
    }

    /**
     * The attributes of {@code certificate}, {@code length} bytes long in DER, ready for custody. A signature
     * algorithm KMIP does not enumerate leaves Digital Signature Algorithm out; names too long to keep are Invalid
     * Field.
     */
    static List<ObjectAttribute> of(X509Certificate certificate, int length) throws KmipException {
        byte[] issuer = certificate.getIssuerX500Principal().getEncoded();
        byte[] subject = certificate.getSubjectX500Principal().getEncoded();
        List<ObjectAttribute> out = new ArrayList<>();
        out.add(kept(KmipAttribute.CERTIFICATE_LENGTH, new Ttlv.IntegerItem(Tag.ATTRIBUTE_VALUE, length)));
        out.add(kept(KmipAttribute.X509_CERTIFICATE_IDENTIFIER, structure(
                new Ttlv.ByteStringItem(Tag.ISSUER_DISTINGUISHED_NAME, issuer),
                new Ttlv.ByteStringItem(Tag.CERTIFICATE_SERIAL_NUMBER, certificate.getSerialNumber().toByteArray()))));
        out.add(kept(KmipAttribute.X509_CERTIFICATE_SUBJECT, withAlternativeName(
                new Ttlv.ByteStringItem(Tag.SUBJECT_DISTINGUISHED_NAME, subject), Tag.SUBJECT_ALTERNATIVE_NAME,
                certificate.getExtensionValue(SUBJECT_ALTERNATIVE_NAME))));
        out.add(kept(KmipAttribute.X509_CERTIFICATE_ISSUER, withAlternativeName(
                new Ttlv.ByteStringItem(Tag.ISSUER_DISTINGUISHED_NAME, issuer), Tag.ISSUER_ALTERNATIVE_NAME,
                certificate.getExtensionValue(ISSUER_ALTERNATIVE_NAME))));
        out.add(kept(KmipAttribute.CERTIFICATE_IDENTIFIER, structure(
                new Ttlv.TextStringItem(Tag.ISSUER, certificate.getIssuerX500Principal().getName()),
                new Ttlv.TextStringItem(Tag.SERIAL_NUMBER, certificate.getSerialNumber().toString()))));
        out.add(kept(KmipAttribute.CERTIFICATE_SUBJECT, named(Tag.CERTIFICATE_SUBJECT_DISTINGUISHED_NAME,
                certificate.getSubjectX500Principal().getName(), Tag.CERTIFICATE_SUBJECT_ALTERNATIVE_NAME,
                alternativeNames(certificate, true))));
        out.add(kept(KmipAttribute.CERTIFICATE_ISSUER, named(Tag.CERTIFICATE_ISSUER_DISTINGUISHED_NAME,
                certificate.getIssuerX500Principal().getName(), Tag.CERTIFICATE_ISSUER_ALTERNATIVE_NAME,
                alternativeNames(certificate, false))));
        Integer signature = SIGNATURE_ALGORITHMS.get(certificate.getSigAlgOID());
        if (signature != null) {
            out.add(kept(KmipAttribute.DIGITAL_SIGNATURE_ALGORITHM, new Ttlv.EnumerationItem(Tag.ATTRIBUTE_VALUE,
                    signature)));
        }
        return out;
    }

    private static ObjectAttribute kept(KmipAttribute attribute, Ttlv value) throws KmipException {
        byte[] encoded = TtlvEncoder.encode(value);
        if (encoded.length > Attributes.MAX_VALUE_BYTES) {
            throw new KmipException(ResultReason.INVALID_FIELD, "the certificate's " + attribute.attributeName()
                    + " is " + encoded.length + " bytes; this server keeps certificates whose names take at most "
                    + Attributes.MAX_VALUE_BYTES);
        }
        return new ObjectAttribute(attribute.attributeName(), 0, encoded, null);
    }

    private static Ttlv.Structure structure(Ttlv... fields) {
        return Ttlv.Structure.of(Tag.ATTRIBUTE_VALUE, fields);
    }

    /** A name, and the alternative-name extension's value (GeneralNames, in DER) when the certificate has one. */
    private static Ttlv.Structure withAlternativeName(Ttlv name, int alternativeTag, byte[] extension) {
        List<Ttlv> fields = new ArrayList<>(List.of(name));
        if (extension != null) {
            fields.add(new Ttlv.ByteStringItem(alternativeTag, octetStringContent(extension)));
        }
        return new Ttlv.Structure(Tag.ATTRIBUTE_VALUE, fields);
    }

    private static Ttlv.Structure named(int nameTag, String name, int alternativeTag, List<String> alternatives) {
        List<Ttlv> fields = new ArrayList<>(List.of(new Ttlv.TextStringItem(nameTag, name)));
        alternatives.forEach(alternative -> fields.add(new Ttlv.TextStringItem(alternativeTag, alternative)));
        return new Ttlv.Structure(Tag.ATTRIBUTE_VALUE, fields);
    }

    /** Each alternative name as text: "dNSName:host.example", "iPAddress:10.0.0.1", ... */
    private static List<String> alternativeNames(X509Certificate certificate, boolean subject) {
        Collection<List<?>> names;
        try {
            names = subject ? certificate.getSubjectAlternativeNames() : certificate.getIssuerAlternativeNames();
        } catch (CertificateParsingException e) {
            return List.of();
        }
        if (names == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (List<?> name : names) {
            if (name.get(1) instanceof String value) {
                out.add(GENERAL_NAME_TYPES.get((Integer) name.get(0)) + ":" + value);
            }
        }
        return out;
    }

    /** RFC 5280's GeneralName choices, by the tag the JDK reports. */
    private static final Map<Integer, String> GENERAL_NAME_TYPES = Map.of(0, "otherName", 1, "rfc822Name",
            2, "dNSName", 3, "x400Address", 4, "directoryName", 5, "ediPartyName", 6, "uniformResourceIdentifier",
            7, "iPAddress", 8, "registeredID");

    /**
     * The content of the DER OCTET STRING the JDK returns for an extension (its extnValue): the extension's own DER.
     */
    static byte[] octetStringContent(byte[] octetString) {
        int lengthByte = octetString[1] & 0xFF;
        int offset = 2;
        if (lengthByte > 0x80) {
            offset += lengthByte & 0x7F;
        }
        byte[] content = new byte[octetString.length - offset];
        System.arraycopy(octetString, offset, content, 0, content.length);
        return content;
    }
}
