#!/usr/bin/env python3
"""New mutual-TLS KMIP connections per second, with OpenSSL as the client.

kmip-bench --new-connection-per-op measures the same thing with Java's TLS as the client, which on a machine
shared with the server spends more CPU per handshake than the server does. This client is OpenSSL (through
Python's ssl module): each worker process connects, completes the handshake (resuming the previous session when
--resume, as vCenter's OpenSSL does), sends one KMIP Discover Versions, reads the answer, checks that its
Result Status is Success and closes. Only connections answered with Success count; refusals are errors.
--cpu-of NAME=PID reports the CPU seconds per connection of PID's process tree (less the trees of other names),
as kmip-bench does.

    python3 docs/benchmarks/handshakes.py --port 5696 --cert client.pem --key client-key.pem --ca ca.pem
"""
import argparse
import json
import multiprocessing
import os
import socket
import ssl
import struct
import time


def ttlv(tag, item_type, value):
    if item_type == 0x01:  # Structure
        body = b"".join(value)
    elif item_type in (0x02, 0x05):  # Integer, Enumeration
        body = struct.pack(">i", value) + b"\0" * 4
        return struct.pack(">I", tag)[1:] + bytes([item_type]) + struct.pack(">I", 4) + body
    else:
        raise ValueError(item_type)
    return struct.pack(">I", tag)[1:] + bytes([item_type]) + struct.pack(">I", len(body)) + body


DISCOVER_VERSIONS = ttlv(0x420078, 0x01, [
    ttlv(0x420077, 0x01, [
        ttlv(0x420069, 0x01, [ttlv(0x42006A, 0x02, 1), ttlv(0x42006B, 0x02, 2)]),
        ttlv(0x42000D, 0x02, 1)]),
    ttlv(0x42000F, 0x01, [ttlv(0x42005C, 0x05, 0x1E), ttlv(0x420079, 0x01, [])])])
RESULT_SUCCESS = bytes.fromhex("42007f05000000040000000000000000")


def process_tree(root):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry))
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo += children.get(pid, [])
    return tree


def cpu_seconds(pids):
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += sum(int(v) for v in fields[11:15])  # utime, stime, and those of reaped children
        except OSError:
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_by_name(named):
    trees = {name: process_tree(pid) for name, pid in named.items()}
    return {name: cpu_seconds(tree - set().union(*(other for n, other in trees.items()
                                                  if n != name and other < tree)))
            for name, tree in trees.items()}


def read_message(tls):
    header = b""
    while len(header) < 8:
        chunk = tls.recv(8 - len(header))
        if not chunk:
            raise ConnectionError("closed before a response")
        header += chunk
    remaining = struct.unpack(">I", header[4:8])[0]
    body = b""
    while len(body) < remaining:
        chunk = tls.recv(remaining - len(body))
        if not chunk:
            raise ConnectionError("closed mid-response")
        body += chunk
    return header + body


def worker(args, deadline, results):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_cert_chain(args.cert, args.key)
    context.load_verify_locations(args.ca)
    context.check_hostname = False
    session = None
    latencies, errors = [], 0
    while time.monotonic() < deadline:
        start = time.monotonic()
        try:
            with socket.create_connection((args.host, args.port), timeout=10) as raw:
                # Without it, Nagle holds the request behind the handshake's last flight until a delayed ACK.
                raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with context.wrap_socket(raw, session=session) as tls:
                    tls.sendall(DISCOVER_VERSIONS)
                    answer = read_message(tls)
                    if RESULT_SUCCESS not in answer:
                        raise ConnectionError("answered without Success")
                    if args.resume:
                        session = tls.session
            latencies.append(time.monotonic() - start)
        except (OSError, ConnectionError):
            errors += 1
    results.put((latencies, errors))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--resume", action=argparse.BooleanOptionalAction, default=True,
                        help="resume the previous session (default) or always run a full handshake")
    parser.add_argument("--cpu-of", action="append", default=[], metavar="NAME=PID",
                        help="report the CPU per connection of PID and its descendants; repeatable")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a line")
    args = parser.parse_args()
    named = {name: int(pid) for name, pid in (item.split("=", 1) for item in args.cpu_of)}
    cpu_before = cpu_by_name(named)
    results = multiprocessing.Queue()
    started = time.monotonic()
    deadline = started + args.seconds
    workers = [multiprocessing.Process(target=worker, args=(args, deadline, results)) for _ in range(args.processes)]
    for process in workers:
        process.start()
    latencies, errors = [], 0
    for _ in workers:
        some, failed = results.get()
        latencies += some
        errors += failed
    for process in workers:
        process.join()
    elapsed = time.monotonic() - started
    cpu_after = cpu_by_name(named)
    latencies.sort()

    def percentile(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else float("nan")

    cpu_ms = {name: round(1000 * (cpu_after[name] - cpu_before[name]) / len(latencies), 3) if latencies else None
              for name in named}
    if args.json:
        print(json.dumps({"resumed": args.resume, "processes": args.processes, "seconds": round(elapsed, 2),
                          "connections": len(latencies), "connections_per_second": len(latencies) / elapsed,
                          "p50_ms": percentile(50), "p99_ms": percentile(99), "errors": errors,
                          "cpu_ms_per_connection": cpu_ms}))
        return
    print(f"{'resumed' if args.resume else 'full'} handshakes, {args.processes} processes: "
          f"{len(latencies) / elapsed:.0f} connections/s answered, p50 {percentile(50):.2f} ms, "
          f"p99 {percentile(99):.2f} ms, errors {errors}"
          + "".join(f", {name} {ms} ms CPU per connection" for name, ms in cpu_ms.items()))


if __name__ == "__main__":
    main()
