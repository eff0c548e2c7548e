package org.kmipappliance.kmip.server.operations;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.KmipObjects;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.BatchContext;
import org.kmipappliance.kmip.server.KmipOperation;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Get Attribute List (KMIP 1.4 section 4.13): the names of every attribute the object has, each once, as Get
 * Attributes with no names would answer them (server attributes in catalogue order, then the client's custom ones),
 * limited to what the request's protocol version defines.
 *
 * <p>Errors (table 340): unknown id: Item Not Found.
 */
public final class GetAttributeListOperation implements KmipOperation {
    private final KeyCustody custody;

    public GetAttributeListOperation(KeyCustody custody) {
        this.custody = custody;
    }

    @Override
    public Operation operation() {
        return Operation.GET_ATTRIBUTE_LIST;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.ofPayload(payload, "Get Attribute List");
        UUID id = context.resolveObjectId(reader.optionalText(Tag.UNIQUE_IDENTIFIER, "Unique Identifier")
                .orElse(null));
        KmipObjects.DescribedObject described = custody.objects().describe(context.caller(), id);
        Set<String> names = new LinkedHashSet<>();
        for (Ttlv.Structure attribute : Attributes.all(described.object(), described.attributes(),
                context.version())) {
            names.add(((Ttlv.TextStringItem) attribute.first(Tag.ATTRIBUTE_NAME).orElseThrow()).value());
        }
        List<Ttlv> answer = new ArrayList<>();
        answer.add(new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id.toString()));
        names.forEach(name -> answer.add(new Ttlv.TextStringItem(Tag.ATTRIBUTE_NAME, name)));
        return new Ttlv.Structure(Tag.RESPONSE_PAYLOAD, answer);
    }
}
