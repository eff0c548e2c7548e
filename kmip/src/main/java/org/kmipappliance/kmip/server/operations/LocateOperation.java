package org.kmipappliance.kmip.server.operations;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.LocateQuery;
import org.kmipappliance.hsm.ObjectState;
import org.kmipappliance.hsm.Page;
import org.kmipappliance.kmip.message.KmipEnums;
import org.kmipappliance.kmip.message.KmipException;
import org.kmipappliance.kmip.message.Operation;
import org.kmipappliance.kmip.message.ProtocolVersion;
import org.kmipappliance.kmip.message.ResultReason;
import org.kmipappliance.kmip.message.StructureReader;
import org.kmipappliance.kmip.message.Tag;
import org.kmipappliance.kmip.server.BatchContext;
import org.kmipappliance.kmip.server.KmipOperation;
import org.kmipappliance.kmip.ttlv.Ttlv;
import org.kmipappliance.kmip.ttlv.TtlvEncoder;

/**
 * Locate (KMIP 1.4 section 4.9): the caller's live objects that match every attribute given, newest first. One
 * instance of a date attribute matches that instant, two match the inclusive range between them; a usage mask
 * matches objects that have at least those bits; Name, Object Group, x- and the other client attributes match
 * exactly. Destroyed objects and other adapters' objects are never found. Maximum Items and Offset Items page
 * the result, which holds at most {@link #MAX_LOCATED} identifiers; Located Items (1.3+) counts all matches and is
 * answered to paging requests and to cut answers. The ID Placeholder becomes the single match, or is emptied.
 *
 * <p>Errors (table 336): an attribute that cannot be located by, or of the wrong type: Invalid Field.
 */
public final class LocateOperation implements KmipOperation {
    private static final Map<KmipAttribute, LocateQuery.DateField> DATES = new EnumMap<>(KmipAttribute.class);

    static {
        DATES.put(KmipAttribute.INITIAL_DATE, LocateQuery.DateField.INITIAL);
        DATES.put(KmipAttribute.ORIGINAL_CREATION_DATE, LocateQuery.DateField.INITIAL);
        DATES.put(KmipAttribute.LAST_CHANGE_DATE, LocateQuery.DateField.LAST_CHANGE);
        DATES.put(KmipAttribute.ACTIVATION_DATE, LocateQuery.DateField.ACTIVATION);
        DATES.put(KmipAttribute.DEACTIVATION_DATE, LocateQuery.DateField.DEACTIVATION);
        DATES.put(KmipAttribute.COMPROMISE_DATE, LocateQuery.DateField.COMPROMISE);
        DATES.put(KmipAttribute.COMPROMISE_OCCURRENCE_DATE, LocateQuery.DateField.COMPROMISE_OCCURRENCE);
        DATES.put(KmipAttribute.DESTROY_DATE, LocateQuery.DateField.DESTROY);
    }

    /**
     * The most identifiers one Locate answers, whatever its Maximum Items (or without one): 1,000 identifiers are
     * about 50 KiB of response. A client that needs more pages with Offset Items; at 1.3 and later Located Items
     * tells it how many matched.
     */
    public static final int MAX_LOCATED = 1_000;

    private final KeyCustody custody;

    public LocateOperation(KeyCustody custody) {
        this.custody = custody;
    }

    @Override
    public Operation operation() {
        return Operation.LOCATE;
    }

    @Override
    public Ttlv.Structure execute(Ttlv.Structure payload, BatchContext context) throws KmipException {
        StructureReader reader = StructureReader.ofPayload(payload, "Locate");
        Integer maxItems = reader.optionalInteger(Tag.MAXIMUM_ITEMS, "Maximum Items").orElse(null);
        // Offset Items is a 1.3 field, but PyKMIP sends it at 1.2 too: accepted in every version.
        Integer offsetItems = reader.optionalInteger(Tag.OFFSET_ITEMS, "Offset Items").orElse(null);
        int offset = offsetItems == null ? 0 : offsetItems;
        if ((maxItems != null && maxItems < 0) || offset < 0) {
            throw new KmipException(ResultReason.INVALID_FIELD, "Maximum Items and Offset Items cannot be negative");
        }
        int storage = reader.optionalInteger(Tag.STORAGE_STATUS_MASK, "Storage Status Mask")
                .orElse(KmipEnums.STORAGE_ON_LINE);
        Integer groupMember = reader.optionalEnumeration(Tag.OBJECT_GROUP_MEMBER, "Object Group Member").orElse(null);
        Criteria criteria = new Criteria(context.version());
        for (Ttlv.Structure attribute : reader.structures(Tag.ATTRIBUTE, "Attribute")) {
            criteria.add(Attributes.read(attribute));
        }
        if (groupMember != null && groupMember == KmipEnums.GROUP_MEMBER_FRESH) {
            criteria.fresh = true;
        }
        boolean onLine = (storage & KmipEnums.STORAGE_ON_LINE) != 0;
        boolean archived = (storage & KmipEnums.STORAGE_ARCHIVAL) != 0;
        criteria.storage = onLine && archived ? LocateQuery.Storage.BOTH
                : archived ? LocateQuery.Storage.ARCHIVED : LocateQuery.Storage.ON_LINE;
        boolean searchable = (onLine || archived) && !criteria.impossible;
        int answered = maxItems == null ? MAX_LOCATED : Math.min(maxItems, MAX_LOCATED);
        Page<UUID> found = searchable
                ? custody.objects().locate(context.caller(), criteria.query(answered, offset))
                : new Page<>(List.of(), 0);
        context.setIdPlaceholder(found.items().size() == 1 ? found.items().getFirst().toString() : null);
        List<Ttlv> answer = new ArrayList<>();
        // Located Items (1.3+) is optional; it is answered when the client pages, which is when it needs the total,
        // and when this server's maximum cut the answer short.
        boolean paging = maxItems != null || offsetItems != null || found.total() > found.items().size();
        if (context.version().atLeast(ProtocolVersion.V1_3) && paging) {
            answer.add(new Ttlv.IntegerItem(Tag.LOCATED_ITEMS, (int) Math.min(Integer.MAX_VALUE, found.total())));
        }
        found.items().forEach(id -> answer.add(new Ttlv.TextStringItem(Tag.UNIQUE_IDENTIFIER, id.toString())));
        return new Ttlv.Structure(Tag.RESPONSE_PAYLOAD, answer);
    }

    /** The request's attributes turned into a custody query. */
    private static final class Criteria {
        private final ProtocolVersion version;
        private final Map<KmipAttribute, Ttlv> singles = new EnumMap<>(KmipAttribute.class);
        private final Map<LocateQuery.DateField, List<Instant>> dates = new LinkedHashMap<>();
        private final List<LocateQuery.AttributeMatch> stored = new ArrayList<>();
        private Boolean fresh;
        /** A criterion no object of ours can meet (another algorithm, an id that is not ours). */
        private boolean impossible;
        private LocateQuery.Storage storage = LocateQuery.Storage.ON_LINE;

        Criteria(ProtocolVersion version) {
            this.version = version;
        }

        void add(Attributes.Requested attribute) throws KmipException {
            String name = attribute.name();
            if (KmipAttribute.isClientCustom(name)) {
                stored.add(new LocateQuery.AttributeMatch(name, TtlvEncoder.encode(attribute.value())));
                return;
            }
            KmipAttribute known = KmipAttribute.named(name, version).orElseThrow(() -> new KmipException(
                    ResultReason.INVALID_FIELD, "cannot locate by '" + name + "': not an attribute of KMIP "
                    + version));
            Attributes.requireType(known, attribute.value());
            if (known == KmipAttribute.USAGE_LIMITS) {
                // Section 4.9 matches a Total and Count at least those given, which the stored encoding cannot.
                throw new KmipException(ResultReason.INVALID_FIELD, "this server does not locate by Usage Limits; "
                        + "Check a located key for the units it needs");
            }
            if (known.kept()) {
                stored.add(new LocateQuery.AttributeMatch(name, TtlvEncoder.encode(attribute.value())));
            } else if (DATES.containsKey(known)) {
                List<Instant> bounds = dates.computeIfAbsent(DATES.get(known), field -> new ArrayList<>());
                if (bounds.size() == 2) {
                    throw new KmipException(ResultReason.INVALID_FIELD, name + " may be given at most twice (a range)");
                }
                bounds.add(((Ttlv.DateTimeItem) attribute.value()).instant());
            } else if (singles.put(known, attribute.value()) != null) {
                throw new KmipException(ResultReason.INVALID_FIELD, name + " was given twice");
            }
        }

        LocateQuery query(Integer maxItems, int offset) throws KmipException {
            UUID id = null;
            Integer objectType = null;
            Integer certificateType = null;
            String algorithm = null;
            Integer length = null;
            Integer usage = null;
            ObjectState state = null;
            for (Map.Entry<KmipAttribute, Ttlv> single : singles.entrySet()) {
                Ttlv value = single.getValue();
                switch (single.getKey()) {
                    case UNIQUE_IDENTIFIER -> id = parseId(((Ttlv.TextStringItem) value).value());
                    case OBJECT_TYPE -> objectType = ((Ttlv.EnumerationItem) value).value();
                    case CERTIFICATE_TYPE -> certificateType = ((Ttlv.EnumerationItem) value).value();
                    case CRYPTOGRAPHIC_ALGORITHM -> algorithm = KeyAlgorithms.stored(((Ttlv.EnumerationItem) value)
                            .value()).orElse("unsupported");
                    case CRYPTOGRAPHIC_LENGTH -> length = ((Ttlv.IntegerItem) value).value();
                    case CRYPTOGRAPHIC_USAGE_MASK -> usage = ((Ttlv.IntegerItem) value).value();
                    case STATE -> state = parseState(((Ttlv.EnumerationItem) value).value());
                    case FRESH -> fresh = ((Ttlv.BooleanItem) value).value();
                    default -> throw new KmipException(ResultReason.INVALID_FIELD, "cannot locate by "
                            + single.getKey().attributeName());
                }
            }
            Map<LocateQuery.DateField, LocateQuery.Range> ranges = new EnumMap<>(LocateQuery.DateField.class);
            for (Map.Entry<LocateQuery.DateField, List<Instant>> date : dates.entrySet()) {
                List<Instant> bounds = date.getValue().stream().sorted().toList();
                ranges.put(date.getKey(), new LocateQuery.Range(bounds.getFirst(), bounds.getLast()));
            }
            if (certificateType != null) {
                if (objectType != null && objectType != KmipEnums.OBJECT_TYPE_CERTIFICATE) {
                    impossible = true;
                }
                objectType = KmipEnums.OBJECT_TYPE_CERTIFICATE;
            }
            return new LocateQuery(id, objectType, certificateType, algorithm, length, usage, state, fresh, ranges,
                    stored, storage, maxItems, offset);
        }

        private UUID parseId(String text) {
            try {
                if (text.length() == 36) {
                    return UUID.fromString(text);
                }
            } catch (IllegalArgumentException e) {
                // not one of ours
            }
            impossible = true;
            return null;
        }

        private static ObjectState parseState(int code) throws KmipException {
            try {
                return ObjectState.ofCode(code);
            } catch (IllegalArgumentException e) {
                throw new KmipException(ResultReason.INVALID_FIELD, "State " + code + " is not defined");
            }
        }
    }
}
