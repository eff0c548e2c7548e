package org.kmipappliance.kmipctl;

import static org.kmipappliance.kmipctl.ApiClient.encode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The operator's command line: adapters, their certificates and KMIP keys, root keys, API tokens, and bringing a
 * KMIP client such as vCenter on board, all through the appliance's public REST API. Shaped like {@code ibmcloud kp
 * kmip} so Key Protect users feel at home. Exit status: 0 done, 1 refused by the appliance or failed, 2 a usage
 * error, 3 not found.
 */
@Command(name = "kmipctl", mixinStandardHelpOptions = true, versionProvider = Kmipctl.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Manages a KMIP appliance through its REST API.",
            "Connection settings come from the flags, else KMIPCTL_URL, KMIPCTL_INSTANCE, KMIPCTL_TOKEN and "
                    + "KMIPCTL_CACERT, else the profile 'kmipctl login' writes (~/.config/kmipctl/profile)."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:done", "1:the appliance refused the request, or could not be reached",
            "2:a usage error", "3:what was named does not exist"},
        subcommands = {KeysCommand.class, TokensCommand.class, Onboarding.CertIssue.class, Onboarding.CertSign.class,
            Onboarding.ServerChain.class, BenchCommand.class,
            AutoComplete.GenerateCompletion.class, CommandLine.HelpCommand.class})
public final class Kmipctl {
    static final int EXIT_OK = 0;
    static final int EXIT_API_ERROR = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_NOT_FOUND = 3;

    static final String ADAPTER_TYPE = "application/vnd.ibm.kms.kmip_adapter+json";
    static final String CERTIFICATE_TYPE = "application/vnd.ibm.kms.kmip_client_certificate+json";

    @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "the appliance's REST listener, https://HOST:8443")
    String url;

    @Option(names = "--instance", scope = ScopeType.INHERIT, paramLabel = "ID",
            description = "the instance the calls act on (bluemix-instance)")
    String instance;

    @Option(names = "--token", scope = ScopeType.INHERIT, paramLabel = "TOKEN", description = "the API token")
    String token;

    @Option(names = "--cacert", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "the CA certificate that issued the appliance's (its own: <state>/pki/ca.pem)")
    String caCertificate;

    @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "table|json",
            defaultValue = "table", description = "a table for people (default), or the API's resources as JSON")
    Output.Format format;

    @Spec
    CommandSpec spec;

    private final Map<String, String> environment;
    private final InputStream in;

    Kmipctl(Map<String, String> environment, InputStream in) {
        this.environment = environment;
        this.in = in;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(args, System.getenv(), System.in, out, err));
    }

    /** Runs one command line; returns the exit status. Never prints a stack trace. */
    public static int run(String[] args, Map<String, String> environment, InputStream in, PrintWriter out,
                   PrintWriter err) {
        CommandLine commandLine = new CommandLine(new Kmipctl(environment, in));
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setExpandAtFiles(false); // -c @FILE is a certificate file, not picocli's file of arguments
        commandLine.setParameterExceptionHandler((usage, arguments) -> {
            err.println("kmipctl: " + usage.getMessage());
            err.println("Run '" + usage.getCommandLine().getCommandSpec().qualifiedName() + " --help' for its usage.");
            err.flush();
            return EXIT_USAGE;
        });
        commandLine.setExecutionExceptionHandler((failure, failed, parsed) -> {
            err.println("kmipctl: " + describe(failure));
            err.flush();
            return switch (failure) {
                case ApiException refused -> refused.exitCode();
                case UsageFailure usage -> EXIT_USAGE;
                default -> EXIT_API_ERROR;
            };
        });
        CommandOrder.apply(commandLine);
        return commandLine.execute(args);
    }

    /** What went wrong, in one line for an operator: never a stack trace. */
    private static String describe(Exception failure) {
        return switch (failure) {
            case ApiException refused -> refused.getMessage() + (refused.code() == null ? ""
                    : " (" + refused.code() + ", HTTP " + refused.status() + ")");
            case NoSuchFileException missing -> missing.getFile() + " does not exist";
            case AccessDeniedException denied -> denied.getFile() + " cannot be read or written here";
            case FileAlreadyExistsException exists -> exists.getFile() + " exists";
            case IOException io -> io.getMessage() == null ? io.getClass().getSimpleName() : io.getMessage();
            default -> failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        };
    }

    /** A setting is missing or wrong (no URL, no token): exit status 2, like any usage error. */
    static final class UsageFailure extends Exception {
        UsageFailure(String message) {
            super(message);
        }
    }

    /** A command that cannot go on for a reason of its own (a file exists, a confirmation was declined). */
    static final class CommandFailure extends Exception {
        CommandFailure(String message) {
            super(message);
        }
    }

    /** The build it belongs to: the appliance's git.properties, which the distribution ships beside kmipctl. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties build = new Properties();
            try (InputStream in = Kmipctl.class.getResourceAsStream("/git.properties")) {
                if (in == null) {
                    return new String[] {"kmipctl (a build without version information)"};
                }
                build.load(in);
            }
            return new String[] {"kmipctl " + build.getProperty("git.build.version", "?") + " (commit "
                    + build.getProperty("git.commit.id.abbrev", "?") + ")"};
        }
    }

    /** The settings from the flags, the environment and the profile, in that order. */
    Connection connection() throws UsageFailure {
        Map<String, String> flags = new HashMap<>();
        flags.put(Connection.URL, url);
        flags.put(Connection.INSTANCE, instance);
        flags.put(Connection.TOKEN, token);
        flags.put(Connection.CACERT, caCertificate);
        return Connection.resolve(flags, environment, Connection.readProfile(Connection.profileFile(environment)));
    }

    ApiClient api() throws ApiException, UsageFailure {
        return new ApiClient(connection());
    }

    Output output() {
        return new Output(spec.commandLine().getOut(), spec.commandLine().getErr(), format);
    }

    Map<String, String> environment() {
        return environment;
    }

    /** Asks on standard input; true only for "yes". */
    boolean confirm(String question) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        err.print(question + " Type yes to go on: ");
        err.flush();
        String answer = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        return answer != null && answer.strip().equals("yes");
    }

    static String adapterPath(String adapter) {
        return "/api/v2/kmip_adapters/" + encode(adapter);
    }

    // --- adapters

    @Command(name = "adapter-create", description = "Create a KMIP adapter bound to a root key.")
    int adapterCreate(@Parameters(paramLabel = "NAME", description = "2 to 40 letters, digits, - and _") String name,
                      @Option(names = "--crk", required = true, paramLabel = "KEY",
                              description = "the root key, by id or alias") String rootKey,
                      @Option(names = "--description", paramLabel = "TEXT") String description)
            throws Exception {
        ObjectNode resource = ApiClient.JSON.createObjectNode().put("name", name).put("profile", "native_1.0");
        resource.putObject("profile_data").put("crk_id", rootKey);
        if (description != null) {
            resource.put("description", description);
        }
        output().one(api().create("/api/v2/kmip_adapters", ADAPTER_TYPE, resource), Resources.ADAPTER_FIELDS);
        return EXIT_OK;
    }

    @Command(name = "adapters", description = "List the instance's KMIP adapters.")
    int adapters() throws Exception {
        output().list(api().getAll("/api/v2/kmip_adapters"), Resources.ADAPTER_COLUMNS);
        return EXIT_OK;
    }

    @Command(name = "adapter", description = "Show one KMIP adapter.")
    int adapter(@Parameters(paramLabel = "ADAPTER", description = "its name or id") String adapter)
            throws Exception {
        output().one(api().get(adapterPath(adapter)).path("resources").path(0), Resources.ADAPTER_FIELDS);
        return EXIT_OK;
    }

    @Command(name = "adapter-delete", description = {"Delete a KMIP adapter and its certificates.",
        "The appliance refuses while the adapter has KMIP keys not yet destroyed; with -f, its keys that are not "
                + "Active are destroyed first, after a confirmation that names them."})
    int adapterDelete(@Parameters(paramLabel = "ADAPTER", description = "its name or id") String adapter,
                      @Option(names = {"-f", "--force"}, description = "destroy its non-active KMIP keys first")
                      boolean force,
                      @Option(names = "--yes", description = "do not ask for confirmation") boolean yes)
            throws Exception {
        ApiClient api = api();
        Output output = output();
        String path = adapterPath(adapter);
        String id = api.get(path).path("resources").path(0).path("id").asText();
        if (force) {
            List<JsonNode> doomed = api.getAll(path + "/kmip_objects?state=1,3,4");
            if (!doomed.isEmpty()) {
                List<String> ids = doomed.stream().map(object -> object.path("id").asText()).toList();
                if (!yes && !confirm("Destroy these " + ids.size() + " KMIP keys of adapter " + adapter + " for "
                        + "good (their material is shredded and cannot be recovered): " + String.join(", ", ids)
                        + "?")) {
                    throw new CommandFailure("nothing deleted");
                }
                for (String object : ids) {
                    api.delete("/api/v2/kmip_adapters/" + id + "/kmip_objects/" + object);
                    output.note("destroyed KMIP key " + object);
                }
            }
        }
        api.delete("/api/v2/kmip_adapters/" + id);
        output.note("deleted adapter " + adapter);
        return EXIT_OK;
    }

    // --- certificates

    @Command(name = "cert-create", description = "Register a client certificate (vCenter's, say) to an adapter.")
    int certCreate(@Parameters(paramLabel = "ADAPTER") String adapter,
                   @Option(names = {"-c", "--certificate"}, required = true, paramLabel = "@FILE|PEM",
                           description = "the PEM, or @ and the file that holds it") String certificate,
                   @Option(names = "--name", paramLabel = "NAME") String name)
            throws Exception {
        String pem = certificate.startsWith("@") ? Files.readString(Path.of(certificate.substring(1)))
                : certificate;
        ObjectNode resource = ApiClient.JSON.createObjectNode().put("certificate", pem);
        if (name != null) {
            resource.put("name", name);
        }
        output().one(api().create(adapterPath(adapter) + "/certificates", CERTIFICATE_TYPE, resource),
                Resources.CERTIFICATE_FIELDS);
        return EXIT_OK;
    }

    @Command(name = "certs", description = "List an adapter's client certificates.")
    int certs(@Parameters(paramLabel = "ADAPTER") String adapter) throws Exception {
        output().list(api().getAll(adapterPath(adapter) + "/certificates"), Resources.CERTIFICATE_COLUMNS);
        return EXIT_OK;
    }

    @Command(name = "cert", description = "Show one client certificate: subject, fingerprint, expiry and PEM.")
    int cert(@Parameters(index = "0", paramLabel = "ADAPTER") String adapter,
             @Parameters(index = "1", paramLabel = "CERT", description = "its name or id") String certificate)
            throws Exception {
        JsonNode resource = api().get(adapterPath(adapter) + "/certificates/" + encode(certificate))
                .path("resources").path(0);
        Output output = output();
        output.one(resource, Resources.CERTIFICATE_FIELDS);
        if (!output.json()) {
            output.note(resource.path("certificate").asText().stripTrailing());
        }
        return EXIT_OK;
    }

    @Command(name = "cert-delete", description = "Remove a client certificate; its KMIP connections close at once.")
    int certDelete(@Parameters(index = "0", paramLabel = "ADAPTER") String adapter,
                   @Parameters(index = "1", paramLabel = "CERT", description = "its name or id") String certificate)
            throws Exception {
        api().delete(adapterPath(adapter) + "/certificates/" + encode(certificate));
        output().note("deleted certificate " + certificate);
        return EXIT_OK;
    }

    // --- KMIP objects

    @Command(name = "objects", description = "List an adapter's KMIP keys (never their material).")
    int objects(@Parameters(paramLabel = "ADAPTER") String adapter,
                @Option(names = "--state", paramLabel = "1,2,...", split = ",",
                        description = "states to list (1 Pre-Active, 2 Active, 3 Deactivated, 4 Compromised, "
                                + "5 Destroyed, 6 Destroyed Compromised); default 1 to 4") List<Integer> states)
            throws Exception {
        String query = states == null ? "" : "?state=" + String.join(",", states.stream().map(String::valueOf)
                .toList());
        output().list(api().getAll(adapterPath(adapter) + "/kmip_objects" + query), Resources.OBJECT_COLUMNS);
        return EXIT_OK;
    }

    @Command(name = "object", description = "Show one KMIP key.")
    int object(@Parameters(index = "0", paramLabel = "ADAPTER") String adapter,
               @Parameters(index = "1", paramLabel = "ID") String object) throws Exception {
        output().one(api().get(adapterPath(adapter) + "/kmip_objects/" + encode(object)).path("resources")
                .path(0), Resources.OBJECT_FIELDS);
        return EXIT_OK;
    }

    @Command(name = "object-delete", description = {"Destroy a KMIP key: its material is shredded, its record "
            + "stays (state 5).", "An Active key needs -f, which deactivates it first."})
    int objectDelete(@Parameters(index = "0", paramLabel = "ADAPTER") String adapter,
                     @Parameters(index = "1", paramLabel = "ID") String object,
                     @Option(names = {"-f", "--force"}, description = "destroy it even if Active") boolean force)
            throws Exception {
        api().delete(adapterPath(adapter) + "/kmip_objects/" + encode(object) + (force ? "?force=true" : ""));
        output().note("destroyed KMIP key " + object);
        return EXIT_OK;
    }

    // --- a profile

    @Command(name = "login", description = {"Check the connection settings and save them to the profile (0600), "
            + "so later commands need none.", "Give the token with --token-file, --token or KMIPCTL_TOKEN."})
    int login(@Option(names = "--token-file", paramLabel = "FILE",
                      description = "a file holding the token (the first start's <state>/initial-admin-api-token "
                              + "works as it is, instance included)") Path tokenFile)
            throws Exception {
        if (tokenFile != null) {
            Profiles.TokenFile read = Profiles.readTokenFile(tokenFile);
            token = read.token();
            instance = instance == null ? read.instance() : instance;
        }
        Connection connection = connection();
        new ApiClient(connection).get("/api/v2/kmip_adapters?limit=1");
        Path file = Profiles.save(Connection.profileFile(environment), connection);
        output().note("saved to " + file + "; kmipctl now reaches " + connection.url() + " without flags");
        return EXIT_OK;
    }
}
