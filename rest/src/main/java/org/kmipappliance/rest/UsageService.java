package org.kmipappliance.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.kmipappliance.hsm.ApiPrincipal;
import org.kmipappliance.hsm.KeyCustody;
import org.kmipappliance.hsm.UsageMetering;

/**
 * /api/v2/appliance/usage: the caller's instance's usage per day (UTC), to bill or plan capacity by: the most KMIP
 * keys and root-key versions it held at once, and their sum, the key versions Key Protect bills. {@code from} and
 * {@code to} (ISO dates, inclusive) default to the last 31 days; the day in progress is measured on the request.
 */
final class UsageService {
    static final String USAGE_TYPE = "application/vnd.kmip-appliance.usage+json";
    private static final int DEFAULT_DAYS = 31;

    private final KeyCustody custody;

    UsageService(KeyCustody custody) {
        this.custody = custody;
    }

    void routes(Routes.Mount routes) {
        routes.get("/", this::usage);
    }

    private void usage(ServerRequest req, ServerResponse res) {
        String context = "Usage could not be retrieved";
        ApiPrincipal principal = ApiAuthentication.require(req, ApiAuthentication.KEY_READERS);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate to = date(req, "to", today, context);
        LocalDate from = date(req, "from", to.minusDays(DEFAULT_DAYS - 1), context);
        if (from.isAfter(to) || ChronoUnit.DAYS.between(from, to) >= UsageMetering.RETENTION_DAYS) {
            throw ApiError.invalidQueryParameter(context, "from", "The query_param 'from' must be: a day no later "
                    + "than 'to' and less than " + UsageMetering.RETENTION_DAYS + " days before it");
        }
        if (!to.isBefore(today)) {
            CustodyCall.in(context, () -> {
                custody.usage().record(principal.instanceId());
                return null;
            });
        }
        List<ObjectNode> days = CustodyCall.in(context, () -> custody.usage().daily(principal.instanceId(), from, to))
                .stream().map(UsageService::toJson).toList();
        Json.sendCollection(res, Status.OK_200, USAGE_TYPE, days, null);
    }

    private static LocalDate date(ServerRequest req, String name, LocalDate otherwise, String context) {
        String text = req.query().first(name).map(String::strip).orElse("");
        if (text.isEmpty()) {
            return otherwise;
        }
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiError.invalidQueryParameter(context, name, "The query_param '" + name + "' must be: a date, "
                    + "YYYY-MM-DD");
        }
    }

    private static ObjectNode toJson(UsageMetering.Usage usage) {
        ObjectNode json = Json.object();
        json.put("date", usage.day().toString());
        json.put("kmipKeys", usage.kmipKeys());
        json.put("rootKeyVersions", usage.rootKeyVersions());
        json.put("keyVersions", usage.keyVersions());
        return json;
    }
}
