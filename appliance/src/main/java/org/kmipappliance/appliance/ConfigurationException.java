package org.kmipappliance.appliance;

import java.util.List;

/**
 * The configuration cannot work: each problem is one line naming the file and line, the key, the value and what is
 * allowed. Nothing has been started when this is thrown.
 */
final class ConfigurationException extends RuntimeException {
    private final List<String> problems;

    ConfigurationException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    List<String> problems() {
        return problems;
    }
}
