package org.kmipappliance.kmipctl;

import static org.kmipappliance.kmipctl.ApiClient.encode;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** API tokens of the instance (a Manager's business): the secret is shown once, at creation. */
@Command(name = "tokens", description = "Create, list and revoke API tokens.", mixinStandardHelpOptions = true)
final class TokensCommand {
    private static final String PATH = "/api/v2/appliance/api_tokens";

    @ParentCommand
    Kmipctl root;

    @Command(name = "create", description = "Issue an API token; its secret is printed this once.")
    int create(@Option(names = "--role", required = true, paramLabel = "ROLE",
                       description = "Manager, KmipAdapterManager, Writer, ReaderPlus or Reader; repeatable")
               List<String> roles,
               @Option(names = "--expires", paramLabel = "TIME",
                       description = "when it stops working, RFC 3339 in UTC (2027-01-01T00:00:00Z)") String expires,
               @Option(names = "--description", paramLabel = "TEXT") String description) throws Exception {
        ObjectNode resource = ApiClient.JSON.createObjectNode();
        roles.forEach(resource.putArray("roles")::add);
        if (expires != null) {
            resource.put("expires_at", expires);
        }
        if (description != null) {
            resource.put("description", description);
        }
        root.output().one(root.api().create(PATH, "application/json", resource), Resources.TOKEN_FIELDS);
        return Kmipctl.EXIT_OK;
    }

    @Command(name = "list", description = "List the instance's API tokens (never their secrets).")
    int list() throws Exception {
        root.output().list(root.api().getList(PATH), Resources.TOKEN_COLUMNS);
        return Kmipctl.EXIT_OK;
    }

    @Command(name = "revoke", description = "Revoke an API token; it stops working at once.")
    int revoke(@Parameters(paramLabel = "ID") String id) throws Exception {
        root.api().delete(PATH + "/" + encode(id));
        root.output().note("revoked API token " + id);
        return Kmipctl.EXIT_OK;
    }
}
