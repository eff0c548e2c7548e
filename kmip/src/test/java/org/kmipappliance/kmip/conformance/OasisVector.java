package org.kmipappliance.kmip.conformance;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * One OASIS conformance conversation: request/response pairs in the OASIS XML encoding of TTLV. Requests are
 * turned into TTLV with placeholders filled in; responses are compared with what the server answered.
 *
 * <p>Comparison rules (shared/conformance/README.md): {@code $UNIQUE_IDENTIFIER_n} binds on first sight, then
 * must match; {@code $NOW} matches within ten minutes; a literal date the client never sent (the 1.1 vectors
 * carry the reference server's clock) is compared by presence and type; key material and digest values are the
 * reference server's,
 * so they are compared by presence, type and length; Result Messages are free text and not compared; the
 * attributes of a Get Attributes answer, and the names of a Get Attribute List answer, are compared by name, in any
 * order, and attributes this server does not keep ({@link #NOT_KEPT}) are reported rather than failed.
 */
final class OasisVector {
    /** Attributes the reference server keeps and this one does not; their absence is reported, not failed. */
    static final Set<String> NOT_KEPT = Set.of("Random Number Generator");
    /**
     * Attributes the reference server gave an object of its own accord in one vector, and why this server does not:
     * reported rather than failed, for that vector only.
     */
    private final Map<String, String> referenceOnly = new HashMap<>();
    private static final Duration NOW_TOLERANCE = Duration.ofMinutes(10);
    private static final Set<Integer> RANDOM_BYTES = Set.of(Tag.KEY_MATERIAL, Tag.KEY, Tag.DIGEST_VALUE);

    record Exchange(Element request, Element response) {
    }

    private final List<Exchange> exchanges;
    private final Map<String, String> bindings = new HashMap<>();
    /** Dates the requests carry: only these can be expected back exactly. */
    private final Set<Instant> clientDates = new HashSet<>();
    private final List<String> notes = new ArrayList<>();
    /** What an identifier no response has bound stands for, when the requests are read without a server. */
    private String unboundIdentifier;

    private OasisVector(List<Exchange> exchanges) {
        this.exchanges = exchanges;
    }

    static OasisVector read(Path file) throws IOException {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Element root = factory.newDocumentBuilder().parse(file.toFile()).getDocumentElement();
            List<Element> messages = children(root);
            List<Exchange> exchanges = new ArrayList<>();
            for (int i = 0; i + 1 < messages.size(); i += 2) {
                exchanges.add(new Exchange(messages.get(i), messages.get(i + 1)));
            }
            return new OasisVector(exchanges);
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads every not-yet-bound identifier placeholder as {@code identifier}: for requests read without a server. */
    OasisVector readingUnboundIdentifiersAs(String identifier) {
        unboundIdentifier = identifier;
        return this;
    }

    List<Exchange> exchanges() {
        return exchanges;
    }

    /** What was not compared, for the report. */
    /** Tolerates {@code attribute}, which the reference server set unasked in this vector, with {@code why}. */
    OasisVector tolerating(String attribute, String why) {
        referenceOnly.put(attribute, why);
        return this;
    }

    List<String> notes() {
        return notes;
    }

    // ---- XML to TTLV -------------------------------------------------------------------------------------------

    Ttlv toTtlv(Element element) {
        return toTtlv(element, null);
    }

    private Ttlv toTtlv(Element element, String attributeName) {
        int tag = KmipNames.tag(element.getTagName());
        if (!element.hasAttribute("type") || element.getAttribute("type").equals("Structure")) {
            List<Ttlv> items = new ArrayList<>();
            String name = attributeName;
            for (Element child : children(element)) {
                if (child.getTagName().equals("AttributeName")) {
                    name = attributeName(child.getAttribute("value"));
                }
                items.add(toTtlv(child, name));
            }
            return new Ttlv.Structure(tag, items);
        }
        String value = element.getAttribute("value");
        return switch (element.getAttribute("type")) {
            case "Integer" -> new Ttlv.IntegerItem(tag, integer(value, attributeName));
            case "LongInteger" -> new Ttlv.LongIntegerItem(tag, Long.parseLong(value));
            case "BigInteger" -> new Ttlv.BigIntegerItem(tag, new BigInteger(value, 16));
            case "Enumeration" -> new Ttlv.EnumerationItem(tag, KmipNames.enumeration(tag, attributeName, value));
            case "Boolean" -> new Ttlv.BooleanItem(tag, Boolean.parseBoolean(value));
            case "TextString" -> new Ttlv.TextStringItem(tag, tag == Tag.ATTRIBUTE_NAME ? attributeName(value)
                    : text(value));
            case "ByteString" -> new Ttlv.ByteStringItem(tag, HexFormat.of().parseHex(value));
            case "DateTime" -> {
                Instant instant = dateTime(value);
                if (!value.startsWith("$")) {
                    clientDates.add(instant);
                }
                yield Ttlv.DateTimeItem.of(tag, instant);
            }
            case "Interval" -> new Ttlv.IntervalItem(tag, Long.parseLong(value));
            default -> throw new IllegalArgumentException("unknown type " + element.getAttribute("type"));
        };
    }

    /**
     * The 1.1 vector files carry runs of spaces inside some attribute names ("Cryptographic   Length"), an artefact
     * of their conversion from the profile document; the names KMIP defines have single spaces.
     */
    private static String attributeName(String value) {
        return value.trim().replaceAll("\\s+", " ");
    }

    private static int integer(String value, String attributeName) {
        if (value.matches("-?\\d+")) {
            return Integer.parseInt(value);
        }
        if (value.startsWith("0x")) {
            return (int) Long.parseLong(value.substring(2), 16);
        }
        if ("Cryptographic Usage Mask".equals(attributeName)) {
            return KmipNames.usageMask(value);
        }
        throw new IllegalArgumentException("cannot read Integer " + value);
    }

    private String text(String value) {
        if (value.startsWith("$UNIQUE_IDENTIFIER_")) {
            String bound = bindings.getOrDefault(value, unboundIdentifier);
            if (bound == null) {
                throw new IllegalStateException(value + " is used before a response bound it");
            }
            return bound;
        }
        return value;
    }

    private static Instant dateTime(String value) {
        if (value.startsWith("$NOW")) {
            long offset = value.length() > 4 ? Long.parseLong(value.substring(4)) : 0;
            return Instant.now().plusSeconds(offset);
        }
        try {
            return Instant.parse(value.endsWith("Z") || value.contains("+") ? value : value + "Z");
        } catch (DateTimeParseException e) {
            return OffsetDateTime.parse(value).toInstant();
        }
    }

    // ---- comparing responses -----------------------------------------------------------------------------------

    /** Differences between the expected response and the actual one; empty when they match. */
    List<String> compare(Element expected, Ttlv actual) {
        List<String> differences = new ArrayList<>();
        compare(expected, actual, expected.getTagName(), null, differences);
        return differences;
    }

    private void compare(Element expected, Ttlv actual, String path, String attributeName, List<String> out) {
        int tag = KmipNames.tag(expected.getTagName());
        if (actual.tag() != tag) {
            out.add(path + ": expected tag " + expected.getTagName() + ", got " + Ttlv.tagName(actual.tag()));
            return;
        }
        if (!expected.hasAttribute("type") || expected.getAttribute("type").equals("Structure")) {
            if (!(actual instanceof Ttlv.Structure structure)) {
                out.add(path + ": expected a structure, got " + actual.type());
                return;
            }
            compareStructure(expected, structure, path, attributeName, out);
            return;
        }
        String type = expected.getAttribute("type");
        String value = expected.getAttribute("value");
        if (!actual.type().name().replace("_", "").equalsIgnoreCase(type)) {
            out.add(path + ": expected type " + type + ", got " + actual.type());
            return;
        }
        switch (actual) {
            case Ttlv.TextStringItem text when value.startsWith("$UNIQUE_IDENTIFIER_") -> {
                String bound = bindings.putIfAbsent(value, text.value());
                if (bound != null && !bound.equals(text.value())) {
                    out.add(path + ": expected " + value + " = " + bound + ", got " + text.value());
                }
            }
            case Ttlv.DateTimeItem date when !value.startsWith("$") && !clientDates.contains(dateTime(value)) -> {
                // The reference server's clock: presence and type were checked above.
            }
            case Ttlv.DateTimeItem date when value.startsWith("$NOW") -> {
                if (Duration.between(dateTime(value), date.instant()).abs().compareTo(NOW_TOLERANCE) > 0) {
                    out.add(path + ": expected about " + value + ", got " + date.instant());
                }
            }
            case Ttlv.TextStringItem vendor when tag == Tag.VENDOR_IDENTIFICATION -> {
                // The server's own name ("server-vendor.com" for the reference server): presence and type only.
            }
            case Ttlv.ByteStringItem bytes when value.startsWith("$KEY_") -> {
                // Key material or a wrapped Key Value named, not given, by the vector ($KEY_VALUE_0): presence and
                // type were checked above; its bytes are this server's own.
            }
            case Ttlv.ByteStringItem bytes when RANDOM_BYTES.contains(tag) -> {
                if (bytes.value().length != HexFormat.of().parseHex(value).length) {
                    out.add(path + ": expected " + value.length() / 2 + " bytes, got " + bytes.value().length);
                }
            }
            default -> {
                Ttlv wanted = toTtlv(expected, attributeName);
                if (!wanted.equals(actual)) {
                    out.add(path + ": expected " + wanted + ", got " + actual);
                }
            }
        }
    }

    private void compareStructure(Element expected, Ttlv.Structure actual, String path, String attributeName,
                                  List<String> out) {
        List<Element> wanted = children(expected).stream()
                .filter(child -> !child.getTagName().equals("ResultMessage")).toList();
        List<Ttlv> got = actual.items().stream().filter(item -> item.tag() != Tag.RESULT_MESSAGE).toList();
        boolean attributeList = wanted.stream().anyMatch(child -> child.getTagName().equals("Attribute"))
                && expected.getTagName().equals("ResponsePayload");
        if (attributeList) {
            compareAttributeList(wanted, got, path, out);
            return;
        }
        boolean queryAnswer = wanted.stream().anyMatch(child -> QUERY_LISTS.contains(child.getTagName()))
                && expected.getTagName().equals("ResponsePayload");
        if (queryAnswer) {
            compareQueryAnswer(wanted, got, path, out);
            return;
        }
        boolean nameList = wanted.stream().anyMatch(child -> child.getTagName().equals("AttributeName"))
                && expected.getTagName().equals("ResponsePayload");
        if (nameList) {
            compareNameList(wanted, got, path, out);
            return;
        }
        if (wanted.size() != got.size()) {
            out.add(path + ": expected " + wanted.size() + " fields " + wanted.stream().map(Element::getTagName)
                    .toList() + ", got " + got.size() + " " + got.stream().map(item -> Ttlv.tagName(item.tag()))
                    .toList());
            return;
        }
        String name = attributeName;
        for (int i = 0; i < wanted.size(); i++) {
            if (wanted.get(i).getTagName().equals("AttributeName")) {
                name = attributeName(wanted.get(i).getAttribute("value"));
            }
            compare(wanted.get(i), got.get(i), path + "/" + wanted.get(i).getTagName(), name, out);
        }
    }

    /** Attributes compared by name, in any order; other fields of the payload in order. */
    private void compareAttributeList(List<Element> wanted, List<Ttlv> got, String path, List<String> out) {
        List<Element> otherWanted = wanted.stream().filter(child -> !child.getTagName().equals("Attribute")).toList();
        List<Ttlv> otherGot = got.stream().filter(item -> item.tag() != Tag.ATTRIBUTE).toList();
        if (otherWanted.size() != otherGot.size()) {
            out.add(path + ": expected " + otherWanted.size() + " non-attribute fields, got " + otherGot.size());
        } else {
            for (int i = 0; i < otherWanted.size(); i++) {
                compare(otherWanted.get(i), otherGot.get(i), path + "/" + otherWanted.get(i).getTagName(), null, out);
            }
        }
        List<Ttlv.Structure> remaining = new ArrayList<>(got.stream().filter(item -> item.tag() == Tag.ATTRIBUTE)
                .map(Ttlv.Structure.class::cast).toList());
        for (Element attribute : wanted.stream().filter(child -> child.getTagName().equals("Attribute")).toList()) {
            String name = attributeName(children(attribute).getFirst().getAttribute("value"));
            Ttlv.Structure match = remaining.stream().filter(item -> name.equals(((Ttlv.TextStringItem) item
                    .first(Tag.ATTRIBUTE_NAME).orElseThrow()).value())).findFirst().orElse(null);
            if (match == null) {
                if (NOT_KEPT.contains(name)) {
                    notes.add("attribute '" + name + "' expected by the vector is not kept by this server");
                } else if (referenceOnly.containsKey(name)) {
                    notes.add(referenceOnly.get(name));
                } else {
                    out.add(path + ": attribute '" + name + "' is missing");
                }
                continue;
            }
            remaining.remove(match);
            compare(attribute, match, path + "/Attribute[" + name + "]", name, out);
        }
    }

    /**
     * A Get Attribute List answer: the Unique Identifier, then the names as a set (KMIP gives them no order); names
     * this server does not keep ({@link #NOT_KEPT}) are reported rather than failed.
     */
    private void compareNameList(List<Element> wanted, List<Ttlv> got, String path, List<String> out) {
        compare(wanted.getFirst(), got.getFirst(), path + "/" + wanted.getFirst().getTagName(), null, out);
        Set<String> expectedNames = new TreeSet<>(wanted.stream().skip(1)
                .map(name -> attributeName(name.getAttribute("value"))).toList());
        Set<String> actualNames = new TreeSet<>(got.stream().skip(1).map(item -> ((Ttlv.TextStringItem) item)
                .value()).toList());
        for (String name : expectedNames) {
            if (!actualNames.contains(name)) {
                if (NOT_KEPT.contains(name)) {
                    notes.add("attribute '" + name + "' expected by the vector is not kept by this server");
                } else if (referenceOnly.containsKey(name)) {
                    notes.add(referenceOnly.get(name));
                } else {
                    out.add(path + ": attribute name '" + name + "' is missing");
                }
            }
        }
        actualNames.stream().filter(name -> !expectedNames.contains(name))
                .forEach(name -> out.add(path + ": attribute name '" + name + "' was not expected"));
    }

    /** The lists of a Query answer: what the server offers, which a server may offer more of than the vector's. */
    private static final Set<String> QUERY_LISTS = Set.of("Operation", "ObjectType");

    /**
     * A Query answer: each operation and object type the vector's reference server lists must be served (in any
     * order: KMIP gives the list none), and more may be, as this server serves more than that profile needs; the
     * other fields (Vendor Identification, Server Information) in order.
     */
    private void compareQueryAnswer(List<Element> wanted, List<Ttlv> got, String path, List<String> out) {
        for (String list : QUERY_LISTS) {
            int tag = KmipNames.tag(list);
            List<Ttlv> served = got.stream().filter(item -> item.tag() == tag).toList();
            for (Element one : wanted.stream().filter(child -> child.getTagName().equals(list)).toList()) {
                Ttlv expected = toTtlv(one, null);
                if (!served.contains(expected)) {
                    out.add(path + ": " + list + " " + one.getAttribute("value") + " is not served");
                }
            }
        }
        List<Element> otherWanted = wanted.stream().filter(child -> !QUERY_LISTS.contains(child.getTagName()))
                .toList();
        Set<Integer> listTags = QUERY_LISTS.stream().map(KmipNames::tag).collect(Collectors.toSet());
        List<Ttlv> otherGot = got.stream().filter(item -> !listTags.contains(item.tag())).toList();
        if (otherWanted.size() != otherGot.size()) {
            out.add(path + ": expected " + otherWanted.stream().map(Element::getTagName).toList() + " besides the "
                    + "lists, got " + otherGot.stream().map(item -> Ttlv.tagName(item.tag())).toList());
            return;
        }
        for (int i = 0; i < otherWanted.size(); i++) {
            compare(otherWanted.get(i), otherGot.get(i), path + "/" + otherWanted.get(i).getTagName(), null, out);
        }
    }

    static List<Element> children(Element element) {
        List<Element> out = new ArrayList<>();
        for (Node node = element.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element child) {
                out.add(child);
            }
        }
        return out;
    }
}
