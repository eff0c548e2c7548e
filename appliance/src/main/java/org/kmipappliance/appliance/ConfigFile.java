package org.kmipappliance.appliance;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A configuration file read and checked against {@link Settings} before anything starts. Every problem is reported
 * at once, one line each, naming the file and line, the key, the value and what is allowed. Read with SnakeYAML's
 * node API, which keeps line numbers and constructs no objects.
 */
final class ConfigFile {
    /** Bounds what a hostile or broken file can make the reader do. */
    private static final int MAX_FILE_CHARACTERS = 1024 * 1024;
    private static final int MAX_SHOWN_VALUE = 60;

    private final Path file;
    private final Map<String, Object> values;
    /** The line of every known key the file gives, sound or not, so checks of keys together see it. */
    private final Map<String, Integer> given = new HashMap<>();
    private final List<String> problems = new ArrayList<>();

    private ConfigFile(Path file, Map<String, Object> values) {
        this.file = file;
        this.values = values;
    }

    /** No file: every key has its default. */
    static ConfigFile none() {
        return new ConfigFile(null, Map.of());
    }

    /**
     * Reads {@code file} and checks each key; the problems found are kept ({@link #problems()}) so that the checks
     * of keys that go together can add theirs and all are reported at once. A file that cannot be read or parsed
     * at all fails here.
     */
    static ConfigFile read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigurationException(List.of(file + ": the configuration file does not exist"));
        } catch (IOException e) {
            throw new ConfigurationException(List.of(file + ": the configuration file cannot be read: "
                    + e.getMessage()));
        }
        if (text.length() > MAX_FILE_CHARACTERS) {
            throw new ConfigurationException(List.of(file + ": the configuration file is over "
                    + MAX_FILE_CHARACTERS + " characters; it is not a configuration file"));
        }
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setMaxAliasesForCollections(10);
            options.setCodePointLimit(MAX_FILE_CHARACTERS);
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new ConfigurationException(List.of(file + ":" + (mark == null ? 1 : mark.getLine() + 1)
                    + ": the file is not valid YAML: " + e.getProblem()));
        } catch (YAMLException e) {
            throw new ConfigurationException(List.of(file + ": the file is not valid YAML: " + e.getMessage()));
        }
        ConfigFile read = new ConfigFile(file, new HashMap<>());
        if (root != null && !isNull(root)) {
            read.readSections(root, read.problems);
        }
        return read;
    }

    /** The problems found in the file so far, one line each. */
    List<String> problems() {
        return problems;
    }

    private void readSections(Node root, List<String> problems) {
        if (!(root instanceof MappingNode sections)) {
            problems.add(file + ":" + line(root) + ": the file must be a mapping of sections: "
                    + String.join(":, ", Settings.sections()) + ":");
            return;
        }
        Map<String, Integer> seen = new HashMap<>();
        for (NodeTuple tuple : sections.getValue()) {
            String section = scalar(tuple.getKeyNode());
            int at = line(tuple.getKeyNode());
            if (section == null) {
                problems.add(file + ":" + at + ": a section's name must be plain text");
                continue;
            }
            if (seen.containsKey(section)) {
                problems.add(file + ":" + at + ": " + section + ": given twice (first on line " + seen.get(section)
                        + ")");
                continue;
            }
            seen.put(section, at);
            if (!Settings.isSection(section)) {
                problems.add(file + ":" + at + ": " + section + ": unknown section" + suggestion(section,
                        Settings.sections()) + "; the sections are " + String.join(", ", Settings.sections()));
                continue;
            }
            Node keys = tuple.getValueNode();
            if (isNull(keys)) {
                continue; // a section with every key commented out
            }
            if (!(keys instanceof MappingNode mapping)) {
                problems.add(file + ":" + line(keys) + ": " + section + ": must be a mapping of keys such as "
                        + String.join(":, ", Settings.keysOf(section)) + ":");
                continue;
            }
            readKeys(section, mapping, problems);
        }
    }

    private void readKeys(String section, MappingNode mapping, List<String> problems) {
        Map<String, Integer> seen = new HashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            String name = scalar(tuple.getKeyNode());
            int at = line(tuple.getKeyNode());
            if (name == null) {
                problems.add(file + ":" + at + ": " + section + ": a key must be plain text");
                continue;
            }
            String key = section + "." + name;
            if (seen.containsKey(name)) {
                problems.add(file + ":" + at + ": " + key + ": given twice (first on line " + seen.get(name) + ")");
                continue;
            }
            seen.put(name, at);
            given.put(key, at);
            Optional<Setting> setting = Settings.named(key);
            if (setting.isEmpty()) {
                problems.add(file + ":" + at + ": " + key + ": unknown key" + suggestion(name,
                        Settings.keysOf(section)) + "; the keys of " + section + " are "
                        + String.join(", ", Settings.keysOf(section)));
                continue;
            }
            readValue(setting.get(), tuple.getValueNode(), at, problems);
        }
    }

    private void readValue(Setting setting, Node node, int at, List<String> problems) {
        String where = file + ":" + at + ": " + setting.key() + ": ";
        if (isNull(node)) {
            problems.add(where + "has no value; give one (" + setting.type().allowed() + ") or remove the key"
                    + (setting.fallback() == null ? "" : " to use its default, " + setting.renderedFallback()));
            return;
        }
        if (setting.type().isList()) {
            if (!(node instanceof SequenceNode sequence)) {
                problems.add(where + "must be a list such as [" + setting.renderedFallback().replaceAll("[\\[\\]]",
                        "") + "]; allowed: " + setting.type().allowed());
                return;
            }
            List<Object> elements = new ArrayList<>();
            for (Node element : sequence.getValue()) {
                parse(setting, element, file + ":" + line(element) + ": " + setting.key() + ": ", problems)
                        .ifPresent(elements::add);
            }
            if (elements.size() < setting.type().minimumSize()) {
                problems.add(where + "has " + elements.size() + " element(s) and needs at least "
                        + setting.type().minimumSize() + "; allowed: " + setting.type().allowed());
                return;
            }
            values.put(setting.key(), List.copyOf(elements));
            return;
        }
        parse(setting, node, where, problems).ifPresent(value -> values.put(setting.key(), value));
    }

    private static Optional<Object> parse(Setting setting, Node node, String where, List<String> problems) {
        String text = scalar(node);
        if (text == null) {
            problems.add(where + "must be a single value; allowed: " + setting.type().allowed());
            return Optional.empty();
        }
        return switch (setting.type().parse(text)) {
            case Setting.Value value -> Optional.of(value.value());
            case Setting.Refused refused -> {
                problems.add(where + shown(text) + " " + refused.problem() + "; allowed: "
                        + setting.type().allowed());
                yield Optional.empty();
            }
        };
    }

    /** The value of {@code key}: from the file, else its default (null when it has none). */
    Object get(String key) {
        return values.containsKey(key) ? values.get(key) : Settings.named(key).orElseThrow(
                () -> new IllegalArgumentException("no setting " + key)).fallback();
    }

    /** Whether the file gives {@code key}, with a sound value or not. */
    boolean isSet(String key) {
        return given.containsKey(key);
    }

    /** Whether the file gives {@code key} a sound value (one that passed its own checks). */
    boolean isSound(String key) {
        return values.containsKey(key);
    }

    /** Where {@code key} is given, for a problem found with it: "file:line: key: ". */
    String where(String key) {
        return (file == null ? "" : file + ":" + given.getOrDefault(key, 1) + ": ") + key + ": ";
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode scalar && scalar.getTag().equals(Tag.NULL);
    }

    private static String scalar(Node node) {
        return node instanceof ScalarNode scalar ? scalar.getValue() : null;
    }

    private static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    private static String shown(String value) {
        String cut = value.length() > MAX_SHOWN_VALUE ? value.substring(0, MAX_SHOWN_VALUE) + "..." : value;
        return "'" + cut.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    /** "; did you mean X?" for the closest known name a typo away, or nothing. */
    private static String suggestion(String given, List<String> known) {
        return known.stream().min(Comparator.comparingInt(name -> distance(given, name)))
                .filter(closest -> distance(given, closest) <= Math.max(2, closest.length() / 4))
                .map(closest -> " (did you mean " + closest + "?)").orElse("");
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
