package org.kmipappliance.kmipctl;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code kmipctl bench}: the appliance's KMIP load harness (kmip-bench, docs/benchmarks/kmip-bench.md), run from
 * the operator's command line against any KMIP server with a client certificate. Unlike every other command it
 * speaks KMIP, not REST, so it lives with the appliance: where the appliance's jars are (an installed appliance, a
 * source checkout) it runs; a kmipctl without them says so. Its arguments are kmip-bench's.
 */
@Command(name = "bench", description = {"Measure a KMIP server: ops/s and latency percentiles (kmip-bench).",
    "Arguments are kmip-bench's: --host --port --cert --key --ca --op create|get|getattr|locate|discover|mixed|vcenter "
            + "--connections --seconds --rate --new-connection-per-op --json --chart; 'kmipctl bench --help' lists "
            + "them all."})
final class BenchCommand implements Callable<Integer> {
    /** The harness, in the appliance module: kmipctl itself depends on no module of ours. */
    static final String HARNESS = "org.kmipappliance.appliance.bench.KmipBench";

    @Unmatched
    List<String> arguments = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Object harness;
        try {
            harness = Class.forName(HARNESS).getDeclaredConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            throw new Kmipctl.UsageFailure("kmipctl bench runs the appliance's load harness, which is not beside "
                    + "this kmipctl; use the kmipctl of an installed appliance (/usr/bin/kmipctl) or "
                    + "appliance/bin/kmipctl in a source checkout");
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the load harness could not be started: " + e.getMessage(), e);
        }
        CommandLine bench = new CommandLine(harness);
        bench.setOut(spec.commandLine().getOut());
        bench.setErr(spec.commandLine().getErr());
        bench.setCommandName("kmipctl bench");
        return bench.execute(arguments.toArray(String[]::new));
    }
}
