"""Create, Get and Locate latency from one PyKMIP client (Debian python3-pykmip), one request at a time.

Usage: /usr/bin/python3 appliance/bench/pykmip_latency.py PYKMIP_CONFIG [COUNT] [VERSION]
Prints throughput and latency percentiles per operation. Each operation is one KMIP request on one kept-open
TLS connection, as a single client would issue them.
"""
import statistics
import sys
import time
import warnings

warnings.simplefilter("ignore")
from kmip import enums  # noqa: E402
from kmip.core.factories.attributes import AttributeFactory  # noqa: E402
from kmip.pie.client import ProxyKmipClient  # noqa: E402

VERSIONS = {"1.1": enums.KMIPVersion.KMIP_1_1, "1.2": enums.KMIPVersion.KMIP_1_2,
            "1.4": enums.KMIPVersion.KMIP_1_4}


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def report(name, samples, elapsed):
    ms = [s * 1000 for s in samples]
    print(f"{name:7s} n={len(ms)} {len(ms) / elapsed:8.1f} ops/s  "
          f"p50={percentile(ms, 0.50):6.2f} ms  p90={percentile(ms, 0.90):6.2f} ms  "
          f"p99={percentile(ms, 0.99):6.2f} ms  max={max(ms):6.2f} ms  mean={statistics.mean(ms):6.2f} ms")


def main():
    config = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    version = VERSIONS[sys.argv[3] if len(sys.argv) > 3 else "1.4"]
    with ProxyKmipClient(config="client", config_file=config, kmip_version=version) as client:
        for _ in range(20):  # warm-up: JIT, connection pools, HSM sessions
            client.get(client.create(enums.CryptographicAlgorithm.AES, 256))
        ids, creates, gets, locates = [], [], [], []
        run = str(int(time.time()))
        start = time.perf_counter()
        for i in range(count):
            t = time.perf_counter()
            ids.append(client.create(enums.CryptographicAlgorithm.AES, 256, name="bench-%s-%d" % (run, i)))
            creates.append(time.perf_counter() - t)
        create_elapsed = time.perf_counter() - start
        start = time.perf_counter()
        for uid in ids:
            t = time.perf_counter()
            client.get(uid)
            gets.append(time.perf_counter() - t)
        get_elapsed = time.perf_counter() - start
        factory = AttributeFactory()
        start = time.perf_counter()
        for i in range(count):
            t = time.perf_counter()
            found = client.locate(attributes=[factory.create_attribute(enums.AttributeType.NAME,
                                                                       "bench-%s-%d" % (run, i))])
            locates.append(time.perf_counter() - t)
            assert found == [ids[i]], found
        locate_elapsed = time.perf_counter() - start
    report("Create", creates, create_elapsed)
    report("Get", gets, get_elapsed)
    report("Locate", locates, locate_elapsed)


if __name__ == "__main__":
    main()
