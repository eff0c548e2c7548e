package org.kmipappliance.hsm.metrics;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The process and JVM metrics every scrape carries, under the names Prometheus's own clients use (process_*,
 * jvm_*), so stock dashboards and alerts work: CPU, resident memory, open files against their limit, heap and
 * non-heap use, threads, and garbage collection.
 */
final class ProcessMetrics {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMetrics() {
    }

    static void register(Metrics metrics) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean process) {
            metrics.counter("process_cpu_seconds_total", "CPU time the process has used, user and system, in seconds",
                    () -> process.getProcessCpuTime() / 1e9);
        }
        if (os instanceof UnixOperatingSystemMXBean unix) {
            metrics.gauge("process_open_fds", "File descriptors the process has open (sockets included)",
                    unix::getOpenFileDescriptorCount);
            metrics.gauge("process_max_fds", "The process's limit of open file descriptors",
                    unix::getMaxFileDescriptorCount);
        }
        metrics.gauge("process_start_time_seconds", "When the process started, in seconds since the epoch",
                () -> ManagementFactory.getRuntimeMXBean().getStartTime() / 1e3);
        metrics.gauge("process_resident_memory_bytes", "Resident memory of the process, in bytes",
                ProcessMetrics::residentBytes);
        for (String area : new String[] {"heap", "nonheap"}) {
            metrics.gauge("jvm_memory_used_bytes", "Memory the JVM uses, by area", () -> usage(area).getUsed(),
                    "area", area);
            metrics.gauge("jvm_memory_max_bytes", "The most memory the JVM may use, by area (-1: no limit)",
                    () -> usage(area).getMax(), "area", area);
        }
        metrics.gauge("jvm_threads_live", "Live platform threads (virtual threads are not counted)",
                () -> ManagementFactory.getThreadMXBean().getThreadCount());
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            String gc = collector.getName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
            metrics.counter("jvm_gc_collections_total", "Garbage collections, by collector",
                    collector::getCollectionCount, "gc", gc);
            metrics.counter("jvm_gc_collection_seconds_total", "Time spent in garbage collections, by collector",
                    () -> collector.getCollectionTime() / 1e3, "gc", gc);
        }
        metrics.gauge("jvm_info", "The running JVM: always 1, its version and vendor in the labels", () -> 1,
                "version", System.getProperty("java.runtime.version", "unknown"),
                "vendor", System.getProperty("java.vm.vendor", "unknown"));
    }

    private static MemoryUsage usage(String area) {
        return area.equals("heap") ? ManagementFactory.getMemoryMXBean().getHeapMemoryUsage()
                : ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
    }

    /** VmRSS from /proc/self/status, which the JVM's beans do not report. */
    private static double residentBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
