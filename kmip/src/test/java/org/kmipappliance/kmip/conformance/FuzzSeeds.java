package org.kmipappliance.kmip.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.kmipappliance.kmip.client.KmipClient;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.MessageCodec;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.RequestBatchItem;
import org.kmipappliance.kmip.message.RequestHeader;
import org.kmipappliance.kmip.message.RequestMessage;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;

/**
 * Writes the fuzz tests' seed corpus: every request of the OASIS vectors, and the requests this project's client
 * sends (each operation the server offers, at every protocol version). Run once when the vectors or the operations
 * change, and commit what it writes:
 * {@code java -cp <kmip test classpath> org.kmipappliance.kmip.conformance.FuzzSeeds kmip/src/test/resources}.
 */
public final class FuzzSeeds {
    private static final List<String> TARGETS = List.of(
            "TtlvDecoderFuzzTestInputs/anyFrame_isRefusedOrDecodedFaithfully_withinItsAllocationBound",
            "MessageParserFuzzTestInputs/anyTree_isParsedOrRefusedWithAReason",
            "BatchExecutorFuzzTestInputs/anyFrame_getsAWellFormedAnswer");

    private FuzzSeeds() {
    }

    public static void main(String[] args) throws Exception {
        Path resources = Path.of(args[0]);
        List<byte[]> seeds = new ArrayList<>(clientRequests());
        int skipped = 0;
        for (String version : List.of("v1.1", "v1.4")) {
            try (Stream<Path> files = Files.list(resources.resolve("oasis-kmip").resolve(version))) {
                for (Path file : files.filter(path -> path.toString().endsWith(".xml")).sorted().toList()) {
                    OasisVector vector = OasisVector.read(file).readingUnboundIdentifiersAs(
                            "00000000-0000-0000-0000-000000000000");
                    for (OasisVector.Exchange exchange : vector.exchanges()) {
                        try {
                            seeds.add(TtlvEncoder.encode(vector.toTtlv(exchange.request())));
                        } catch (IllegalArgumentException unnamed) {
                            skipped++; // a value KmipNames does not know (3DES, say): the vector is skipped there too
                        }
                    }
                }
            }
        }
        for (String target : TARGETS) {
            Path directory = resources.resolve("org/kmipappliance/kmip/fuzz").resolve(target);
            Files.createDirectories(directory);
            for (byte[] seed : seeds) {
                String name = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(seed), 0, 8);
                Files.write(directory.resolve("seed-" + name), seed);
            }
        }
        System.out.println(seeds.size() + " seeds written for " + TARGETS.size() + " fuzz tests; " + skipped
                + " vector requests skipped for values the conformance tables do not name");
    }

    private static List<byte[]> clientRequests() throws IOException {
        Ttlv.Structure uid = Ttlv.Structure.of(Tag.REQUEST_PAYLOAD, new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER,
                "00000000-0000-0000-0000-000000000000"));
        Ttlv.Structure create = Ttlv.Structure.of(Tag.REQUEST_PAYLOAD,
                new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY),
                Ttlv.Structure.of(Tag.TEMPLATE_ATTRIBUTE,
                        KmipClient.attribute("Cryptographic Algorithm", new Ttlv.EnumerationItem(Tag.ATTRIBUTE_VALUE,
                                KmipEnums.ALGORITHM_AES)),
                        KmipClient.attribute("Cryptographic Length", new Ttlv.IntegerItem(Tag.ATTRIBUTE_VALUE, 256)),
                        KmipClient.attribute("Cryptographic Usage Mask", new Ttlv.IntegerItem(Tag.ATTRIBUTE_VALUE, 12)),
                        KmipClient.attribute("x-fuzz", new Ttlv.TextStringItem(Tag.ATTRIBUTE_VALUE, "seed"))));
        Ttlv.Structure locate = Ttlv.Structure.of(Tag.REQUEST_PAYLOAD, new Ttlv.IntegerItem(Tag.MAXIMUM_ITEMS, 10),
                KmipClient.attribute("Object Type", new Ttlv.EnumerationItem(Tag.ATTRIBUTE_VALUE,
                        KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY)));
        Ttlv.Structure empty = new Ttlv.Structure(Tag.REQUEST_PAYLOAD, List.of());
        List<byte[]> requests = new ArrayList<>();
        for (ProtocolVersion version : ProtocolVersion.SUPPORTED) {
            // Create, then use the ID Placeholder: the batch a vCenter-like client sends.
            requests.add(encode(version, List.of(RequestBatchItem.of(Operation.CREATE, new byte[] {1}, create),
                    RequestBatchItem.of(Operation.GET, new byte[] {2}, empty),
                    RequestBatchItem.of(Operation.GET_ATTRIBUTES, new byte[] {3}, empty),
                    RequestBatchItem.of(Operation.ACTIVATE, new byte[] {4}, empty))));
            for (Operation operation : Operation.values()) {
                Ttlv.Structure payload = switch (operation) {
                    case CREATE -> create;
                    case LOCATE -> locate;
                    case DISCOVER_VERSIONS, QUERY -> empty;
                    default -> uid;
                };
                requests.add(encode(version, List.of(RequestBatchItem.of(operation, null, payload))));
            }
        }
        return requests;
    }

    private static byte[] encode(ProtocolVersion version, List<RequestBatchItem> items) {
        return TtlvEncoder.encode(MessageCodec.encodeRequest(new RequestMessage(RequestHeader.simple(version,
                items.size()), items)));
    }
}
