package org.kmipappliance.kmip.server.operations;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.BatchContext;
import org.kmipappliance.kmip.server.KmipOperation;
import org.kmipappliance.kmip.ttlv.Ttlv;

/**
 * Query (KMIP 1.4 section 4.25): the operations the request's protocol version defines that are served, the object
 * types served, and the Vendor Identification (vCenter
 * asks for Server Information when trust is set up). Query functions not served are left out of the answer, as
 * the spec allows.
 */
public final class QueryOperation implements KmipOperation {
    public static final String VENDOR_IDENTIFICATION = "KMIP appliance (Key Protect-compatible, HSM-backed)";

    /** The object types kept: every KMIP 1.x type. */
    private static final List<Integer> OBJECT_TYPES = List.of(KmipEnums.OBJECT_TYPE_CERTIFICATE,
            KmipEnums.OBJECT_TYPE_SYMMETRIC_KEY, KmipEnums.OBJECT_TYPE_PUBLIC_KEY, KmipEnums.OBJECT_TYPE_PRIVATE_KEY,
            KmipEnums.OBJECT_TYPE_SPLIT_KEY, KmipEnums.OBJECT_TYPE_TEMPLATE, KmipEnums.OBJECT_TYPE_SECRET_DATA,
            KmipEnums.OBJECT_TYPE_OPAQUE_OBJECT);

    private final Supplier<Set<Operation>> served;

    public QueryOperation(Supplier<Set<Operation>> served) {
        this.served = served;
    }

    @Override
    public Operation operation() {
        return Operation.QUERY;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        List<Integer> functions = new ArrayList<>();
        for (Ttlv function : payload.all(Tag.QUERY_FUNCTION)) {
            if (!(function instanceof Ttlv.EnumerationItem value)) {
                throw new KmipException(ResultReason.INVALID_MESSAGE, "a Query Function must be an Enumeration");
            }
            functions.add(value.value());
        }
        List<Ttlv> answer = new ArrayList<>();
        if (functions.contains(KmipEnums.QUERY_OPERATIONS)) {
            // Per protocol version: a 1.0 answer leaves out Discover Versions (1.1), though it is still served at 1.0,
            // since clients negotiate with it whatever they last spoke.
            served.get().stream().filter(operation -> operation.definedIn(context.version())).sorted()
                    .forEach(operation -> answer.add(new Ttlv.EnumerationItem(Tag.OPERATION, operation.code())));
        }
        if (functions.contains(KmipEnums.QUERY_OBJECTS)) {
            for (int objectType : OBJECT_TYPES) {
                answer.add(new Ttlv.EnumerationItem(Tag.OBJECT_TYPE, objectType));
            }
        }
        if (functions.contains(KmipEnums.QUERY_SERVER_INFORMATION)) {
            answer.add(new Ttlv.TextStringItem(Tag.VENDOR_IDENTIFICATION, VENDOR_IDENTIFICATION));
            // Its content is the vendor's to choose (section 4.25); the OASIS reference server answers it empty,
            // and so does this one: Vendor Identification says who we are.
            answer.add(new Ttlv.Structure(Tag.SERVER_INFORMATION, List.of()));
        }
        return new Ttlv.Structure(Tag.RESPONSE_PAYLOAD, answer);
    }
}
