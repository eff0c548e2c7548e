package org.kmipappliance.kmipctl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * The order --help lists the commands in: as an operator meets them (adapters, their certificates and keys, root
 * keys, onboarding, tokens), not the order picocli registered them in.
 */
final class CommandOrder {
    static final List<String> ORDER = List.of("login", "adapters", "adapter", "adapter-create", "adapter-delete",
            "certs", "cert", "cert-create", "cert-delete", "objects", "object", "object-delete", "keys", "cert-issue",
            "cert-sign", "server-chain", "tokens", "bench", "generate-completion", "help");

    private CommandOrder() {
    }

    static void apply(CommandLine commandLine) {
        commandLine.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, help -> {
            Map<String, CommandLine.Help> ordered = new LinkedHashMap<>();
            for (String name : ORDER) {
                if (help.subcommands().containsKey(name)) {
                    ordered.put(name, help.subcommands().get(name));
                }
            }
            help.subcommands().forEach(ordered::putIfAbsent);
            return help.commandList(ordered);
        });
    }
}
