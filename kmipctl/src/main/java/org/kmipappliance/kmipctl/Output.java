package org.kmipappliance.kmipctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * What a command prints: a table (or one resource's fields, one per line) for people, or the API's resources as
 * JSON for scripts ({@code --output json}: a list is an array, one resource an object, exactly as the API gave them).
 * Notes for people go to standard error in JSON mode, so standard output stays parseable.
 */
final class Output {
    enum Format { TABLE, JSON }

    /** One column of a table: its header and how to read it from a resource. */
    record Column(String header, Function<JsonNode, String> value) {
        static Column field(String header, String field) {
            return new Column(header, resource -> text(resource.path(field)));
        }
    }

    private final PrintWriter out;
    private final PrintWriter err;
    private final Format format;

    Output(PrintWriter out, PrintWriter err, Format format) {
        this.out = out;
        this.err = err;
        this.format = format;
    }

    boolean json() {
        return format == Format.JSON;
    }

    /** A list: a table with a header, or a JSON array. */
    void list(List<JsonNode> resources, List<Column> columns) {
        if (json()) {
            ArrayNode array = ApiClient.JSON.createArrayNode();
            resources.forEach(array::add);
            printJson(array);
            return;
        }
        if (resources.isEmpty()) {
            out.println("(none)");
            out.flush();
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(columns.stream().map(column -> column.header().toUpperCase(Locale.ROOT)).toList());
        for (JsonNode resource : resources) {
            rows.add(columns.stream().map(column -> column.value().apply(resource)).toList());
        }
        int[] widths = new int[columns.size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(i == row.size() - 1 ? row.get(i) : String.format("%-" + widths[i] + "s   ", row.get(i)));
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    /** One resource: its fields one per line, or the JSON object. */
    void one(JsonNode resource, List<Column> fields) {
        if (json()) {
            printJson(resource);
            return;
        }
        int width = fields.stream().mapToInt(field -> field.header().length()).max().orElse(0);
        for (Column field : fields) {
            String value = field.value().apply(resource);
            if (!value.isEmpty()) {
                out.println(String.format("%-" + (width + 1) + "s %s", field.header() + ":", value));
            }
        }
        out.flush();
    }

    /** A line for people: standard output in table mode, standard error in JSON mode. */
    void note(String text) {
        PrintWriter target = json() ? err : out;
        target.println(text);
        target.flush();
    }

    private void printJson(JsonNode node) {
        try {
            out.println(ApiClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot print JSON", e);
        }
    }

    /** A field as text: "" when absent, array items joined by commas. */
    static String text(JsonNode value) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            return "";
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(item -> items.add(item.asText()));
            return String.join(",", items);
        }
        return value.asText();
    }
}
