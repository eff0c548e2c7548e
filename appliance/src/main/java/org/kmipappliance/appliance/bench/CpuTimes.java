package org.kmipappliance.appliance.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * CPU time used so far by the benchmark's own process and by named process trees (Linux /proc): what a run's
 * operations cost each side, so that overhead can be told apart from the HSM's and the database's work. A tree is a
 * process and its descendants, less the subtrees another name claims (the appliance without its PostgreSQL).
 */
record CpuTimes(Map<String, Long> nanos) {
    static final String CLIENT = "client";
    /** The kernel's clock ticks per second, in which /proc/PID/stat counts; 100 on Linux everywhere. */
    private static final long TICKS_PER_SECOND = 100;

    static CpuTimes of(Map<String, Long> trees) {
        Map<String, Long> nanos = new LinkedHashMap<>();
        nanos.put(CLIENT, ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime());
        Map<String, Set<Long>> members = new LinkedHashMap<>();
        trees.forEach((name, pid) -> members.put(name, tree(pid)));
        members.forEach((name, pids) -> {
            Set<Long> own = new HashSet<>(pids);
            trees.forEach((other, otherPid) -> {
                if (!other.equals(name) && pids.contains(otherPid)) {
                    own.removeAll(members.get(other));
                }
            });
            nanos.put(name, own.stream().mapToLong(CpuTimes::ticks).sum() * 1_000_000_000L / TICKS_PER_SECOND);
        });
        return new CpuTimes(nanos);
    }

    /** Milliseconds of CPU per operation for each side, from {@code start} to this. */
    Map<String, Double> millisPerOperationSince(CpuTimes start, long operations) {
        return nanos.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                entry -> operations == 0 ? 0.0 : (entry.getValue() - start.nanos.getOrDefault(entry.getKey(), 0L))
                        / 1e6 / operations, (a, b) -> a, LinkedHashMap::new));
    }

    private static Set<Long> tree(long pid) {
        return ProcessHandle.of(pid).map(root -> Stream.concat(Stream.of(root), root.descendants())
                .map(ProcessHandle::pid).collect(Collectors.toSet())).orElse(Set.of());
    }

    /** User and system time of a live process, and of its children it has reaped, in clock ticks; 0 if it is gone. */
    private static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name, in parentheses, may hold spaces: the fields that follow start after its last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields[0] is field 3 (state): utime, stime, cutime, cstime are fields 14 to 17.
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
                    + Long.parseLong(fields[14]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
