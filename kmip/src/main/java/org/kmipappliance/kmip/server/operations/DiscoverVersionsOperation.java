package org.kmipappliance.kmip.server.operations;

import java.util.ArrayList;
import java.util.List;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.MessageCodec;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.BatchContext;
import org.kmipappliance.kmip.server.KmipOperation;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Discover Versions (KMIP 1.4 section 4.26): the versions both sides support, in the server's order of
 * preference (newest first); all of ours when the client lists none.
 */
public final class DiscoverVersionsOperation implements KmipOperation {
    @Override
    public Operation operation() {
        return Operation.DISCOVER_VERSIONS;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        List<ProtocolVersion> offered = new ArrayList<>();
        for (Ttlv.Structure version : StructureReader.ofPayload(payload, "Discover Versions")
                .structures(Tag.PROTOCOL_VERSION, "Protocol Version")) {
            offered.add(MessageCodec.decodeVersion(version));
        }
        List<Ttlv> answer = ProtocolVersion.SUPPORTED.stream()
                .filter(version -> offered.isEmpty() || offered.contains(version))
                .map(version -> (Ttlv) MessageCodec.encodeVersion(version))
                .toList();
        return new Ttlv.Structure(Tag.RESPONSE_PAYLOAD, answer);
    }
}
