#!/usr/bin/env bash
# A long mixed run against the demo appliance on embedded defaults, one kmip-bench run per minute: prints each
# minute's throughput and latency and the appliance JVM's resident memory, so drift in either shows.
#   docs/benchmarks/soak.sh                  10 minutes, 16 connections
#   SOAK_MINUTES=60 docs/benchmarks/soak.sh
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../appliance/bin/lib/common.sh"

minutes=${SOAK_MINUTES:-10}
find_java
maven_options
ensure_packages "/usr/bin/softhsm2-util:softhsm2" "/usr/bin/python3:python3" "mvn:maven" "pgrep:procps"
build_if_needed
work=$(mktemp -d)
appliance_pid=
cleanup() {
  if [ -n "$appliance_pid" ]; then kill "$appliance_pid" 2>/dev/null || true; wait "$appliance_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
kmip_port=$(free_port); rest_port=$(free_port)
printf 'kmip: {host: 127.0.0.1, port: %s}\nrest: {host: 127.0.0.1, port: %s}\n' "$kmip_port" "$rest_port" > "$work/ports.yaml"
SOFTHSM2_CONF="$work/state/softhsm/softhsm2.conf" "$JAVA_HOME/bin/java" -Xmx1g --enable-native-access=ALL-UNNAMED \
  -cp "$DIST_LIB/*" org.kmipappliance.appliance.Main demo --state-dir "$work/state" --config "$work/ports.yaml" \
  > "$work/appliance.log" 2>&1 &
appliance_pid=$!
for _ in $(seq 1 240); do grep -q "Press Ctrl-C" "$work/appliance.log" && break; sleep 0.5; done
grep -q "Press Ctrl-C" "$work/appliance.log" || { say "soak.sh: the appliance did not start"; tail "$work/appliance.log" >&2; exit 1; }
jvm=$(pgrep -P "$appliance_pid" java || echo "$appliance_pid")
printf '%s\n' "| minute | ops/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | appliance RSS MiB |" "|---|---|---|---|---|---|---|---|"
for minute in $(seq 1 "$minutes"); do
  # The first minute starts on a cold JVM; 15 s unmeasured first, as an operator's first minutes would be.
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$DIST_LIB/*" org.kmipappliance.appliance.bench.KmipBench \
    --op mixed --cert "$work/state/demo/client.pem" --key "$work/state/demo/client-key.pem" \
    --ca "$work/state/pki/ca.pem" --port "$kmip_port" --connections 16 --seconds 60 \
    --warmup "$([ "$minute" = 1 ] && echo 15 || echo 0)" --json > "$work/minute.json" 2> "$work/minute.err" \
    || say "soak.sh: minute $minute had errors: $(head -c 300 "$work/minute.err")"
  rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$jvm/status")
  python3 - "$minute" "$rss_kib" "$work/minute.json" <<'PYTHON'
import json, sys
minute, rss_kib, path = sys.argv[1:4]
r = json.load(open(path))
print(f"| {minute} | {r['ops_per_second']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['p999_ms']:.2f} | "
      f"{r['max_ms']:.2f} | {r['errors']} | {int(rss_kib) // 1024} |")
PYTHON
done
