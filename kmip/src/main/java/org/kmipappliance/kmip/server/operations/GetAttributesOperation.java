package org.kmipappliance.kmip.server.operations;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObject;
import org.kmipappliance.hsm.KmipObjects;
import org.kmipappliance.hsm.ObjectAttribute;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.BatchContext;
import org.kmipappliance.kmip.server.KmipOperation;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Get Attributes (KMIP 1.4 section 4.12): the named attributes, or all of them when none is named, limited to
 * what the request's protocol version defines. An attribute the object does not have is left out, not an error
 * (vCenter asks for x- attributes before it sets them). Works on destroyed objects: their metadata is kept.
 *
 * <p>Errors (table 339): unknown id: Item Not Found; a name given twice: Invalid Message.
 */
public final class GetAttributesOperation implements KmipOperation {
    private final KeyCustody custody;

    public GetAttributesOperation(KeyCustody custody) {
        this.custody = custody;
    }

    @Override
    public Operation operation() {
        return Operation.GET_ATTRIBUTES;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.ofPayload(payload, "Get Attributes");
        UUID id = context.resolveObjectId(reader.optionalText(Tag.UNIQUE_IDENTIFIER, "Unique Identifier")
                .orElse(null));
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Ttlv name : payload.all(Tag.ATTRIBUTE_NAME)) {
            if (!(name instanceof Ttlv.TextStringItem text)) {
                throw new KmipException(ResultReason.INVALID_MESSAGE, "an Attribute Name must be a Text String");
            }
            if (!seen.add(text.value())) {
                throw new KmipException(ResultReason.INVALID_MESSAGE, "attribute " + text.value()
                        + " is asked for twice");
            }
            names.add(text.value());
        }
        KmipObjects.DescribedObject described = custody.objects().describe(context.caller(), id);
        KmipObject object = described.object();
        List<ObjectAttribute> stored = described.attributes();
        List<Ttlv> answer = new ArrayList<>();
        answer.add(new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id.toString()));
        if (names.isEmpty()) {
            answer.addAll(Attributes.all(object, stored, context.version()));
        } else {
            for (String name : names) {
                answer.addAll(Attributes.instances(name, object, stored, context.version()));
            }
        }
        return new Ttlv.Structure(Tag.RESPONSE_PAYLOAD, answer);
    }
}
