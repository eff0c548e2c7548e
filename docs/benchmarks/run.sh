#!/usr/bin/env bash
# Measures, in one go on this machine: the HSM's ceiling (seal and open per second through the appliance's HSM path,
# no KMIP, TLS or database), this appliance, and PyKMIP's server (Debian's pykmip-server on a fresh SQLite database),
# the last two under the same kmip-bench runs, and new TLS connections per second to both (handshakes.py);
# writes docs/benchmarks/results.md, and a chart of throughput and p99 per second for each figure in
# docs/benchmarks/charts/. Every process it starts it stops.
#   docs/benchmarks/run.sh                       10 s per figure, 16 connections
#   BENCH_SECONDS=30 BENCH_CONNECTIONS=32 docs/benchmarks/run.sh
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../appliance/bin/lib/common.sh"

seconds=${BENCH_SECONDS:-10}
# Before the appliance's figures, each workload runs this long unmeasured: on a cold JVM the JIT compiler's own CPU
# halved the first workload's figure (Create measured first: 489 ops/s cold, 1,057 warm). CPython has no JIT, so
# PyKMIP's server gets no such pass.
jit_warmup=${BENCH_JIT_WARMUP:-10}
connections=${BENCH_CONNECTIONS:-16}
find_java
maven_options
ensure_packages "/usr/bin/softhsm2-util:softhsm2" "python3-kmip.pie.client:python3-pykmip" "openssl:openssl" "mvn:maven" \
  "pgrep:procps"
build_if_needed
cd "$REPO_ROOT"
work=$(mktemp -d)
started=()
cleanup() {
  for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
java_run() { "$JAVA_HOME/bin/java" -Xmx1g --enable-native-access=ALL-UNNAMED -cp "$DIST_LIB/*" "$@"; }
bench() { # NAME OP CERT KEY CA PORT [--cpu-of NAME=PID ...]
  say "run.sh: $1 $2 ..."
  local name=$1 op=$2 cert=$3 key=$4 ca=$5 port=$6
  shift 6
  java_run org.kmipappliance.appliance.bench.KmipBench --op "$op" --cert "$cert" --key "$key" --ca "$ca" \
    --port "$port" --connections "$connections" --seconds "$seconds" --warmup 3 --json \
    --chart "docs/benchmarks/charts/$name-$op.svg" "$@" > "$work/$name-$op.json" 2> "$work/$name-$op.err" \
    || say "run.sh: $name $op had errors: $(head -c 300 "$work/$name-$op.err")"
}
await_port() { # PORT
  for _ in $(seq 1 120); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  say "run.sh: nothing listens on $1"; exit 1
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
operations=(create get getattr locate discover mixed vcenter)
mkdir -p docs/benchmarks/charts

say "run.sh: the HSM ceiling ..."
SOFTHSM2_CONF="$work/hsm/softhsm/softhsm2.conf" java_run org.kmipappliance.appliance.bench.HsmCeiling \
  --state-dir "$work/hsm" --threads 2 --seconds "$seconds" --json > "$work/hsm.json"

say "run.sh: this appliance (demo on embedded defaults) ..."
kmip_port=$(free_port); rest_port=$(free_port)
printf 'kmip: {host: 127.0.0.1, port: %s}\nrest: {host: 127.0.0.1, port: %s}\n' "$kmip_port" "$rest_port" > "$work/appliance.yaml"
# Java itself in the background (not the java_run function, whose subshell would be the job): killing the job
# must stop the appliance, or it outlives this script and takes CPU from the next figures.
SOFTHSM2_CONF="$work/appliance/softhsm/softhsm2.conf" "$JAVA_HOME/bin/java" -Xmx1g --enable-native-access=ALL-UNNAMED \
  -cp "$DIST_LIB/*" org.kmipappliance.appliance.Main demo --state-dir "$work/appliance" \
  --config "$work/appliance.yaml" > "$work/appliance.log" 2>&1 &
appliance_pid=$!
started+=("$appliance_pid")
for _ in $(seq 1 240); do grep -q "Press Ctrl-C" "$work/appliance.log" && break; sleep 0.5; done
grep -q "Press Ctrl-C" "$work/appliance.log" || { say "run.sh: the appliance did not start"; tail "$work/appliance.log" >&2; exit 1; }
# CPU per operation: the appliance's JVM (the HSM, SoftHSM2, runs inside it) and its PostgreSQL apart.
appliance_jvm=$(pgrep -P "$appliance_pid" java || echo "$appliance_pid")
postmaster=$(head -1 "$work/appliance/postgres/data/postmaster.pid")
for op in "${operations[@]}"; do
  say "run.sh: warming the appliance's JIT up on $op ..."
  java_run org.kmipappliance.appliance.bench.KmipBench --op "$op" --cert "$work/appliance/demo/client.pem" \
    --key "$work/appliance/demo/client-key.pem" --ca "$work/appliance/pki/ca.pem" --port "$kmip_port" \
    --connections "$connections" --seconds "$jit_warmup" --warmup 0 > /dev/null 2>&1 || true
done
for op in "${operations[@]}"; do
  bench appliance "$op" "$work/appliance/demo/client.pem" "$work/appliance/demo/client-key.pem" \
    "$work/appliance/pki/ca.pem" "$kmip_port" --cpu-of "appliance=$appliance_jvm" --cpu-of "postgresql=$postmaster"
done
handshakes() { # NAME PORT CERT KEY CA [--cpu-of NAME=PID ...]: new connections per second, full and resumed
  local name=$1 port=$2 cert=$3 key=$4 ca=$5; shift 5
  for mode in resume no-resume; do
    say "run.sh: $name, new connections ($mode) ..."
    python3 docs/benchmarks/handshakes.py --port "$port" --cert "$cert" --key "$key" --ca "$ca" --seconds "$seconds" \
      --"$mode" --json "$@" > "$work/$name-handshakes-$mode.json" || true
  done
}
say "run.sh: warming the appliance's JIT up on new connections ..."
python3 docs/benchmarks/handshakes.py --port "$kmip_port" --cert "$work/appliance/demo/client.pem" \
  --key "$work/appliance/demo/client-key.pem" --ca "$work/appliance/pki/ca.pem" --seconds "$jit_warmup" > /dev/null || true
handshakes appliance "$kmip_port" "$work/appliance/demo/client.pem" "$work/appliance/demo/client-key.pem" \
  "$work/appliance/pki/ca.pem" --cpu-of "appliance=$appliance_jvm" --cpu-of "postgresql=$postmaster"
kill "$appliance_pid"; wait "$appliance_pid" 2>/dev/null || true

say "run.sh: PyKMIP's server (pykmip-server, SQLite) ..."
pki="$work/pykmip-pki"; mkdir -p "$pki"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=bench-ca -keyout "$pki/ca-key.pem" -out "$pki/ca.pem" 2>/dev/null
issue() { # NAME EXTENSIONS
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$pki/$1-key.pem" -out "$pki/$1.csr" 2>/dev/null
  printf '%s\n' "$2" > "$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca-key.pem" -CAcreateserial -days 1 \
    -extfile "$pki/$1.ext" -out "$pki/$1.pem" 2>/dev/null
}
issue server "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
issue bench-client "extendedKeyUsage=clientAuth"
pykmip_port=$(free_port)
mkdir -p "$work/pykmip-policies"
# pykmip-server reads /etc/pykmip/server.conf unless given a file of its own.
cat > "$work/pykmip.conf" <<CONF
[server]
hostname=127.0.0.1
port=$pykmip_port
certificate_path=$pki/server.pem
key_path=$pki/server-key.pem
ca_path=$pki/ca.pem
auth_suite=TLS1.2
policy_path=$work/pykmip-policies
enable_tls_client_auth=True
database_path=$work/pykmip.db
logging_level=WARNING
CONF
pykmip-server -f "$work/pykmip.conf" -l "$work/pykmip.log" > "$work/pykmip.out" 2>&1 &
pykmip_pid=$!
started+=("$pykmip_pid")
await_port "$pykmip_port"
for op in "${operations[@]}"; do
  bench pykmip "$op" "$pki/bench-client.pem" "$pki/bench-client-key.pem" "$pki/ca.pem" "$pykmip_port" \
    --cpu-of "pykmip=$pykmip_pid"
done
handshakes pykmip "$pykmip_port" "$pki/bench-client.pem" "$pki/bench-client-key.pem" "$pki/ca.pem" \
  --cpu-of "pykmip=$pykmip_pid"
kill "$pykmip_pid"; wait "$pykmip_pid" 2>/dev/null || true

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
machine="$(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
python3 - "$work" "$seconds" "$connections" "$commit" "$machine" "$jit_warmup" "${operations[*]}" \
  > docs/benchmarks/results.md <<'PYTHON'
import json, os, sys, datetime
work, seconds, connections, commit, machine, jit_warmup = sys.argv[1:7]
operations = sys.argv[7].split()
def load(name):
    path = os.path.join(work, name + ".json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
hsm = load("hsm")
ceiling = {"create": hsm["seal_per_second"], "get": hsm["open_per_second"]}
print("# Benchmark results: the HSM ceiling, this appliance and PyKMIP's server in one run\n")
print(f"{datetime.date.today()}, commit {commit}, `docs/benchmarks/run.sh` ({seconds} s per figure after 3 s of "
      f"warm-up, {connections} connections, closed loop, kmip-bench as the client of both servers; before them "
      f"every workload ran {jit_warmup} s unmeasured on the appliance, so its JIT compiler has done its work).\n")
print(f"Machine: {machine}. The servers, their databases and the load client share these cores.\n")
print(f"HSM ceiling (SoftHSM2 through the appliance's PKCS#11 path, 2 threads, no KMIP/TLS/database): seal "
      f"(generate + seal, a Create's HSM work) {hsm['seal_per_second']:.0f}/s, open (a Get's) "
      f"{hsm['open_per_second']:.0f}/s.\n")
print("| op | appliance ops/s | p50 ms | p99 ms | of the HSM ceiling | PyKMIP ops/s | p50 ms | p99 ms | appliance / PyKMIP |")
print("|---|---|---|---|---|---|---|---|---|")
for op in operations:
    a, p = load("appliance-" + op), load("pykmip-" + op)
    def cells(r):
        if r is None:
            return ["failed", "", ""]
        if r["operations"] == 0:
            return [f"none answered in {seconds} s" + (f" ({r['errors']} errors)" if r["errors"] else ""), "", ""]
        note = f" ({r['errors']} errors)" if r["errors"] else ""
        return [f"{r['ops_per_second']:.0f}{note}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}"]
    fraction = f"{100 * a['ops_per_second'] / ceiling[op]:.0f} %" if a and op in ceiling else ""
    multiple = (f"{a['ops_per_second'] / p['ops_per_second']:.1f}x"
                if a and p and p["ops_per_second"] > 0 and not p["errors"] else
                "more than any" if a and p and p["operations"] == 0 and not p["errors"] else "")
    print("| " + " | ".join([op] + cells(a) + [fraction] + cells(p) + [multiple]) + " |")
print("\nCPU per operation during the measured seconds (ms): the appliance's JVM (SoftHSM2 runs inside it), its "
      "PostgreSQL, and the load client; for PyKMIP its server process (SQLite inside it) and the client.\n")
print("| op | appliance | PostgreSQL | client | | PyKMIP server | client |")
print("|---|---|---|---|---|---|---|")
for op in operations:
    a, p = load("appliance-" + op), load("pykmip-" + op)
    def cpu(r, side):
        value = (r or {}).get("cpu_ms_per_op", {}).get(side)
        return "" if value is None or not r["operations"] else f"{value:.3f}"
    print(f"| {op} | {cpu(a, 'appliance')} | {cpu(a, 'postgresql')} | {cpu(a, 'client')} | | "
          f"{cpu(p, 'pykmip')} | {cpu(p, 'client')} |")
print("\nEach figure's throughput and p99 latency second by second: "
      + ", ".join(f"[{op}](charts/appliance-{op}.svg)" for op in operations)
      + " (appliance); " + ", ".join(f"[{op}](charts/pykmip-{op}.svg)" for op in operations
                                     if (load("pykmip-" + op) or {}).get("operations")) + " (PyKMIP).")
print("\nvcenter counts one life of a key (8 requests) as one operation. A PyKMIP figure with errors means its "
      "server refused some of the workload's requests (PyKMIP 0.10 has no Add Attribute, for one); no multiple is "
      "given for it. \"None answered\": no request of that workload was answered within the measured seconds.")
print("\nNew mutual-TLS connections per second (docs/benchmarks/handshakes.py: OpenSSL as the client, 4 processes; "
      "each connection runs its handshake, one Discover Versions answered with Success, and closes), with the "
      "servers' CPU per connection in ms. The appliance serves TLS with BoringSSL; PyKMIP with Python's OpenSSL.\n")
print("| handshake | appliance conn/s | p50 ms | p99 ms | appliance CPU | PostgreSQL CPU | PyKMIP conn/s | p50 ms | "
      "p99 ms | PyKMIP CPU | appliance / PyKMIP |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for mode, label in [("resume", "resumed (vCenter's reconnect)"), ("no-resume", "full")]:
    a, p = load(f"appliance-handshakes-{mode}"), load(f"pykmip-handshakes-{mode}")
    def cells(r, *sides):
        if r is None:
            return ["failed", "", ""] + [""] * len(sides)
        note = f" ({r['errors']} errors)" if r["errors"] else ""
        cpu = r.get("cpu_ms_per_connection", {})
        return ([f"{r['connections_per_second']:.0f}{note}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}"]
                + [f"{cpu[side]:.3f}" if cpu.get(side) is not None else "" for side in sides])
    multiple = (f"{a['connections_per_second'] / p['connections_per_second']:.1f}x"
                if a and p and p["connections_per_second"] > 0 and not p["errors"] else "")
    print("| " + " | ".join([label] + cells(a, "appliance", "postgresql") + cells(p, "pykmip") + [multiple]) + " |")
PYTHON
say "run.sh: wrote docs/benchmarks/results.md"
cat docs/benchmarks/results.md
