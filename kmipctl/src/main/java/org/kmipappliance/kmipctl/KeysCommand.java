package org.kmipappliance.kmipctl;

import static org.kmipappliance.kmipctl.ApiClient.encode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Root keys: made and kept in the HSM; KMIP adapters are bound to them. */
@Command(name = "keys", description = "Create, list, rotate, disable, enable and delete root keys.",
        mixinStandardHelpOptions = true)
final class KeysCommand {
    static final String KEY_TYPE = "application/vnd.ibm.kms.key+json";
    private static final Duration POLL = Duration.ofMillis(250);

    @ParentCommand
    Kmipctl root;

    private static String keyPath(String key) {
        return "/api/v2/keys/" + encode(key);
    }

    @Command(name = "create", description = "Create a root key in the HSM (never extractable).")
    int create(@Parameters(paramLabel = "NAME") String name,
               @Option(names = "--description", paramLabel = "TEXT") String description,
               @Option(names = "--alias", paramLabel = "ALIAS", description = "up to five; repeatable")
               List<String> aliases,
               @Option(names = "--expires", paramLabel = "TIME", description = "when the key becomes Deactivated, "
                       + "RFC 3339 (2030-01-01T00:00:00Z); it still opens what it sealed, but seals nothing new")
               String expires) throws Exception {
        ObjectNode resource = ApiClient.JSON.createObjectNode().put("type", KEY_TYPE).put("name", name)
                .put("extractable", false);
        if (description != null) {
            resource.put("description", description);
        }
        if (aliases != null) {
            aliases.forEach(resource.putArray("aliases")::add);
        }
        if (expires != null) {
            resource.put("expirationDate", expires);
        }
        root.output().one(root.api().create("/api/v2/keys", KEY_TYPE, resource), Resources.KEY_FIELDS);
        return Kmipctl.EXIT_OK;
    }

    @Command(name = "list", description = "List the instance's root keys.")
    int list(@Option(names = "--state", paramLabel = "1,2,...", split = ",",
                     description = "states to list (1 Active, 2 Suspended, 3 Deactivated, 5 Destroyed); default "
                             + "1 to 3") List<Integer> states) throws Exception {
        String query = states == null ? "" : "?state=" + String.join(",", states.stream().map(String::valueOf)
                .toList());
        root.output().list(root.api().getAll("/api/v2/keys" + query), Resources.KEY_COLUMNS);
        return Kmipctl.EXIT_OK;
    }

    @Command(name = "get", description = "Show one root key.")
    int get(@Parameters(paramLabel = "KEY", description = "its id or alias") String key) throws Exception {
        root.output().one(root.api().get(keyPath(key)).path("resources").path(0), Resources.KEY_FIELDS);
        return Kmipctl.EXIT_OK;
    }

    @Command(name = "rotate", description = {"Rotate a root key: a new version in the HSM, and every KMIP key "
            + "sealed under the old one re-sealed under the new.", "With --wait, show the re-seal's progress until "
            + "it ends."})
    int rotate(@Parameters(paramLabel = "KEY", description = "its id or alias") String key,
               @Option(names = "--wait", description = "follow the re-seal to its end") boolean wait,
               @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3600",
                       description = "give up waiting after this long (default ${DEFAULT-VALUE})") long timeout)
            throws Exception {
        ApiClient api = root.api();
        Output output = root.output();
        String id = api.get(keyPath(key)).path("resources").path(0).path("id").asText();
        api.post(keyPath(id) + "/actions/rotate");
        if (!wait) {
            output.note("rotated root key " + key + "; the re-seal runs in the background (kmipctl keys rotate "
                    + "--wait follows it)");
            return Kmipctl.EXIT_OK;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(timeout).toNanos();
        PrintWriter progress = root.spec.commandLine().getErr();
        JsonNode job;
        while (true) {
            JsonNode jobs = api.get(keyPath(id) + "/rewrap").path("resources");
            job = jobs.isEmpty() ? null : jobs.path(0);
            if (job == null || !job.path("state").asText().equals("running")) {
                break;
            }
            if (!output.json()) {
                progress.print("\r" + bar(job.path("done").asInt() + job.path("failed").asInt(),
                        job.path("total").asInt()));
                progress.flush();
            }
            if (System.nanoTime() > deadline) {
                throw new Kmipctl.CommandFailure("the re-seal is still running after " + timeout + " s; follow it "
                        + "with kmipctl keys rotate --wait or GET /api/v2/keys/" + id + "/rewrap");
            }
            Thread.sleep(POLL.toMillis());
        }
        if (job == null) {
            output.note("rotated root key " + key + "; it seals no KMIP keys, so none needed re-sealing");
            return Kmipctl.EXIT_OK;
        }
        if (output.json()) {
            output.one(job, List.of());
        } else {
            progress.println("\r" + bar(job.path("total").asInt(), job.path("total").asInt()));
            output.note("rotated root key " + key + " to version " + job.path("toVersion").asInt() + ": "
                    + job.path("done").asInt() + " of " + job.path("total").asInt() + " KMIP keys re-sealed, "
                    + job.path("failed").asInt() + " failed (" + job.path("state").asText() + ")");
        }
        return job.path("failed").asInt() == 0 ? Kmipctl.EXIT_OK : Kmipctl.EXIT_API_ERROR;
    }

    static String bar(int done, int total) {
        int width = 30;
        int filled = total == 0 ? width : (int) ((long) done * width / total);
        return "re-sealing KMIP keys [" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + done + "/"
                + total;
    }

    @Command(name = "disable", description = "Suspend a root key: its adapters' KMIP keys cannot be used.")
    int disable(@Parameters(paramLabel = "KEY") String key) throws Exception {
        return action(key, "disable", "disabled");
    }

    @Command(name = "enable", description = "Enable a suspended root key (the appliance may ask to wait after a "
            + "disable).")
    int enable(@Parameters(paramLabel = "KEY") String key) throws Exception {
        return action(key, "enable", "enabled");
    }

    private int action(String key, String action, String done) throws Exception {
        root.api().post(keyPath(key) + "/actions/" + action);
        root.output().note(done + " root key " + key);
        return Kmipctl.EXIT_OK;
    }

    @Command(name = "delete", description = {"Delete a root key: it stops at once but can be restored until it is "
            + "purged (refused while an adapter uses it, unless --force, which stops the adapter's KMIP keys too).",
        "Its HSM objects are destroyed when it is purged: by 'keys purge', or on the appliance's schedule."})
    int delete(@Parameters(paramLabel = "KEY") String key,
               @Option(names = "--force", description = "delete it even though adapters use it") boolean force)
            throws Exception {
        root.api().delete(keyPath(key) + (force ? "?force=true" : ""));
        root.output().note("deleted root key " + key + "; 'kmipctl keys restore " + key + "' brings it back until it "
                + "is purged");
        return Kmipctl.EXIT_OK;
    }

    @Command(name = "restore", description = "Restore a deleted root key, with everything sealed under it, within "
            + "the appliance's restore window.")
    int restore(@Parameters(paramLabel = "KEY") String key) throws Exception {
        root.api().post(keyPath(key) + "/restore");
        root.output().note("restored root key " + key);
        return Kmipctl.EXIT_OK;
    }

    @Command(name = "purge", description = {"Purge a deleted root key: its HSM objects are destroyed, and every KMIP "
            + "key sealed under it can never be opened again (crypto-shredding).",
        "Allowed from a while after the deletion (Key Protect: 4 hours)."})
    int purge(@Parameters(paramLabel = "KEY") String key) throws Exception {
        root.api().delete(keyPath(key) + "/purge");
        root.output().note("purged root key " + key + ": its HSM objects are destroyed");
        return Kmipctl.EXIT_OK;
    }
}
