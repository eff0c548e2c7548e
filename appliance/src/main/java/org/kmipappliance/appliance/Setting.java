package org.kmipappliance.appliance;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongFunction;
import java.util.regex.Pattern;

/**
 * One key of the configuration file: its dotted name, what it may hold, its default (null when it has none) and
 * what it is for. The list of them in {@link Settings} is the one description of the file: the reader checks
 * against it, and the commented example file is rendered from it.
 *
 * @param example a value to show in the example file when the key has no default
 */
record Setting(String key, Type type, Object fallback, String example, String description) {

    /** A value read from the file, or why it is not acceptable. */
    sealed interface Parsed {
    }

    record Value(Object value) implements Parsed {
    }

    record Refused(String problem) implements Parsed {
    }

    /** What a key may hold: how a YAML scalar or list becomes a value, and what to tell an operator otherwise. */
    interface Type {
        /** Parses one scalar; a list type gets its elements one by one. */
        Parsed parse(String text);

        /** What is allowed, for error messages: "a whole number from 1 to 1024". */
        String allowed();

        default boolean isList() {
            return false;
        }

        /** The fewest elements a list takes. */
        default int minimumSize() {
            return 0;
        }
    }

    static Type text() {
        return new Type() {
            @Override
            public Parsed parse(String text) {
                return text.isBlank() ? new Refused("is empty") : new Value(text);
            }

            @Override
            public String allowed() {
                return "a non-empty text";
            }
        };
    }

    static Type integer(int min, int max, String meaning) {
        return wholeNumber(min, max, "a whole number from " + min + " to " + max
                + (meaning.isEmpty() ? "" : " (" + meaning + ")"), value -> (int) value);
    }

    static Type port() {
        return integer(0, 65535, "0: any free port");
    }

    /** A PKCS#11 slot id: an unsigned 32-bit number, kept as a long. */
    static Type slot() {
        return wholeNumber(0, 0xFFFF_FFFFL, "a PKCS#11 slot id, a whole number from 0 to 4294967295", value -> value);
    }

    private static Type wholeNumber(long min, long max, String allowed, LongFunction<Object> box) {
        return new Type() {
            @Override
            public Parsed parse(String text) {
                try {
                    long value = Long.parseLong(text.strip());
                    return value >= min && value <= max ? new Value(box.apply(value)) : new Refused("is out of range");
                } catch (NumberFormatException e) {
                    return new Refused("is not a whole number");
                }
            }

            @Override
            public String allowed() {
                return allowed;
            }
        };
    }

    /** An address to bind to: an IP address (v4 or v6) or a name, looked up now. */
    static Type bindAddress() {
        return new Type() {
            @Override
            public Parsed parse(String text) {
                try {
                    return new Value(InetAddress.getByName(text.strip()).getHostAddress());
                } catch (Exception e) {
                    return new Refused("is not an address of this machine's resolver");
                }
            }

            @Override
            public String allowed() {
                return "an IP address such as 0.0.0.0 (every address) or 127.0.0.1, or a host name that resolves";
            }
        };
    }

    /** An IP address literal, v4 (four numbers up to 255) or v6; never looked up. */
    static Type ipAddress() {
        String octet = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
        Pattern v4 = Pattern.compile(octet + "(\\." + octet + "){3}");
        Pattern v6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
        return new Type() {
            @Override
            public Parsed parse(String text) {
                String address = text.strip();
                if (v4.matcher(address).matches()) {
                    return new Value(address);
                }
                try {
                    // A literal with a colon is parsed as IPv6, never resolved.
                    return v6.matcher(address).matches() && InetAddress.getByName(address) != null
                            ? new Value(address) : new Refused("is not an IP address");
                } catch (UnknownHostException e) {
                    return new Refused("is not an IP address");
                }
            }

            @Override
            public String allowed() {
                return "an IP address";
            }
        };
    }

    static Type readableFile() {
        return new Type() {
            @Override
            public Parsed parse(String text) {
                Path path = Path.of(text.strip());
                if (!path.isAbsolute()) {
                    return new Refused("is not an absolute path");
                }
                if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                    return new Refused("is not a readable file");
                }
                return new Value(path.toString());
            }

            @Override
            public String allowed() {
                return "the absolute path of a file the appliance's user can read";
            }
        };
    }

    static Type pattern(String regex, String allowed) {
        Pattern compiled = Pattern.compile(regex);
        return new Type() {
            @Override
            public Parsed parse(String text) {
                return compiled.matcher(text.strip()).matches() ? new Value(text.strip())
                        : new Refused("is not allowed");
            }

            @Override
            public String allowed() {
                return allowed;
            }
        };
    }

    static Type choice(String... values) {
        return new Type() {
            @Override
            public Parsed parse(String text) {
                return Arrays.asList(values).contains(text.strip()) ? new Value(text.strip())
                        : new Refused("is not one of the choices");
            }

            @Override
            public String allowed() {
                return "one of " + String.join(", ", values);
            }
        };
    }

    static Type bool() {
        return new Type() {
            @Override
            public Parsed parse(String text) {
                return switch (text.strip()) {
                    case "true" -> new Value(true);
                    case "false" -> new Value(false);
                    default -> new Refused("is neither true nor false");
                };
            }

            @Override
            public String allowed() {
                return "true or false";
            }
        };
    }

    /** A YAML list of at least {@code minimum} elements of {@code element}. */
    static Type list(Type element, int minimum) {
        return new Type() {
            @Override
            public Parsed parse(String text) {
                return element.parse(text);
            }

            @Override
            public String allowed() {
                return "a list" + (minimum > 0 ? " of at least " + minimum : "") + " of: " + element.allowed();
            }

            @Override
            public boolean isList() {
                return true;
            }

            @Override
            public int minimumSize() {
                return minimum;
            }
        };
    }

    /** The section (first part) of the key. */
    String section() {
        return key.substring(0, key.indexOf('.'));
    }

    /** The key within its section. */
    String name() {
        return key.substring(key.indexOf('.') + 1);
    }

    /** The default rendered as YAML, for the example file. */
    String renderedFallback() {
        Object shown = fallback != null ? fallback : example;
        if (shown instanceof List<?> values) {
            List<String> items = new ArrayList<>();
            values.forEach(value -> items.add(String.valueOf(value)));
            return "[" + String.join(", ", items) + "]";
        }
        return String.valueOf(shown);
    }
}
