package org.kmipappliance.hsm;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.regex.Pattern;

/** Key Protect's naming rules, shared by adapters and client certificates. */
final class Names {
    private static final Pattern RESOURCE_NAME = Pattern.compile("[A-Za-z0-9_-]{2,40}");
    private static final String SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    static final int MAX_DESCRIPTION = 240;

    private Names() {
    }

    /** Checks {@code name} or, when it is absent, makes one of the form {@code prefix<random>}. */
    static String resourceName(String name, String prefix, String field) {
        if (name == null || name.isEmpty()) {
            StringBuilder generated = new StringBuilder(prefix);
            for (int i = 0; i < 12; i++) {
                generated.append(SUFFIX_ALPHABET.charAt(RANDOM.nextInt(SUFFIX_ALPHABET.length())));
            }
            return generated.toString();
        }
        if (!RESOURCE_NAME.matcher(name).matches()) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, field,
                    "the name must be 2 to 40 characters of letters, digits, '-' and '_'");
        }
        if (parseUuid(name) != null) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, field, "the name cannot be a UUID");
        }
        return name;
    }

    static String description(String description, String field) {
        if (description == null) {
            return "";
        }
        if (description.length() > MAX_DESCRIPTION) {
            throw new CustodyException(CustodyException.Failure.INVALID_FIELD, field,
                    "the description must be at most " + MAX_DESCRIPTION + " characters");
        }
        return description;
    }

    /** The UUID that {@code text} spells, or null when it is a name. */
    static UUID parseUuid(String text) {
        if (text == null || text.length() != 36) {
            return null;
        }
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
