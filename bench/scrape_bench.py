#!/usr/bin/env python3
"""Load and measurement side of bench/scrape_bench.sh.

  cpu      CPU seconds of a process and its live descendants
  hold     listening ports and open loopback connections, held until SIGTERM
  scrape   N scrapes of a URL: sequential, sampling the serving process's CPU time and RSS
           from /proc after every scrape; or C concurrent scrapers on one event loop
  floor    a server that answers every request at once with a file's bytes
  freeport a free TCP port on 127.0.0.1

Python's standard library only, so the benchmark needs nothing installed beyond python3.
"""
import argparse
import asyncio
import http.client
import multiprocessing
import os
import resource
import signal
import socket
import statistics
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def own_cpu(pid):
    """CPU time of one process: its threads' run time in ns from schedstat where the kernel
    has it (an idle exporter uses less than one clock tick per window), else utime + stime
    in clock ticks (which also holds threads that exited); reaped children from stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = sum(int(x) for x in fields[11:15]) / TICKS
    try:
        run_ns = 0
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                run_ns += int(f.read().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return ticks
    # Reaped children are only in stat (cutime + cstime), at tick resolution.
    return run_ns / 1e9 + sum(int(x) for x in fields[13:15]) / TICKS


def children(pid):
    kids = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            kids += [int(x) for x in f.read().split()]
    return kids


def cpu_seconds(pid):
    """CPU time of pid and of every live descendant: the exporter's socket-owner scans run
    in a forked helper process, whose time never shows in the exporter's own counters."""
    total = 0.0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            total += own_cpu(p)
            todo += children(p)
        except (FileNotFoundError, ProcessLookupError):
            pass  # exited between the listing and the read
    return total


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def raise_fd_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        target = max(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, target))


PER_PROCESS = 8000  # connections per process: two descriptors each, under a 20000 hard limit


def hold_share(ports, base, conns, cycle, ready):
    """Listeners on base..base+ports-1; with cycle, one connect/send/close per port first so
    every per-port counter series exists; then conns connections left open over the ports."""
    raise_fd_limit(2 * conns + ports + 64)
    listeners = []
    for i in range(ports):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", base + i))
        s.listen(4096)
        listeners.append(s)
    if cycle:
        for s in listeners:
            c = socket.create_connection(s.getsockname(), timeout=5)
            a, _ = s.accept()
            c.sendall(b"x")
            a.recv(1)
            a.close()
            c.close()
    held = []
    for i in range(conns):
        s = listeners[i % len(listeners)]
        c = socket.create_connection(s.getsockname(), timeout=5)
        a, _ = s.accept()
        held.append((c, a))
    ready.set()
    while True:
        signal.pause()


def hold(args):
    """args.conns connections split over processes of PER_PROCESS each (the k-th on ports
    base + k * ports ...); prints 'ready' once all are open, and on SIGTERM ends them."""
    shares = [min(PER_PROCESS, args.conns - k) for k in range(0, max(args.conns, 1), PER_PROCESS)]
    procs = []
    for k, conns in enumerate(shares):
        ready = multiprocessing.Event()
        p = multiprocessing.Process(target=hold_share,
                                    args=(args.ports, args.base + k * args.ports, conns,
                                          args.cycle, ready))
        p.start()
        procs.append((p, ready))

    def stop(*_):
        for p, _ in procs:
            p.terminate()
        for p, _ in procs:
            p.join()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    for p, ready in procs:
        while not ready.wait(0.5):
            if not p.is_alive():
                stop()
    print("ready", flush=True)
    while True:
        signal.pause()


def fetch(conn, path, gzip):
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"scrape answered {resp.status}")
    return time.perf_counter() - start, len(body)


def scraper(host, port, path, count, pid, queue, gzip=False):
    """count keep-alive scrapes; sends back rows (latency s, bytes, cpu s, rss kB)."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    rows = []
    try:
        for _ in range(count):
            latency, size = fetch(conn, path, gzip)
            rows.append((latency, size, cpu_seconds(pid), status_kb(pid, "VmRSS")))
    except Exception as e:  # the parent must not wait forever for this scraper's rows
        queue.put(f"scraper failed: {e!r}")
        return
    conn.close()
    queue.put(rows)


def collect(queue):
    rows = queue.get()
    if isinstance(rows, str):
        sys.exit(rows)
    return rows


def quantile(values, q):
    v = sorted(values)
    x = q * (len(v) - 1)
    i = int(x)
    return v[i] + (x - i) * (v[min(i + 1, len(v) - 1)] - v[i])


def spread(values):
    """median, q1, q3, (q3 - q1) / median."""
    med = quantile(values, 0.5)
    q1, q3 = quantile(values, 0.25), quantile(values, 0.75)
    return med, q1, q3, (q3 - q1) / med if med else float("nan")


def window(rows, first, last):
    """CPU s per scrape over scrapes first..last (1-based), and RSS after the last."""
    before = rows[first - 2][2] if first > 1 else rows[0][2]
    n = last - first + 1 if first > 1 else last - 1
    return (rows[last - 1][2] - before) / n, rows[last - 1][3]


def report_sequential(rows, series, chunk, cpu0):
    lat = [r[0] for r in rows]
    n = len(rows)
    print(f"scrapes={n}")
    print(f"series={series}")
    print(f"bytes={rows[-1][1]}")
    print(f"cpu_seconds={rows[-1][2] - cpu0:.3f}")
    print(f"us_per_series={(rows[-1][2] - cpu0) / (n * series) * 1e6:.4f}")
    # CPU per series in consecutive chunks: ticks are 10 ms, a chunk spans many of them.
    per = []
    prev = cpu0
    for end in range(chunk, n + 1, chunk):
        per.append((rows[end - 1][2] - prev) / (chunk * series) * 1e6)
        prev = rows[end - 1][2]
    med, q1, q3, iqr = spread(per)
    print(f"chunk_us_per_series={med:.4f} {q1:.4f} {q3:.4f} {iqr:.4f} {len(per)}")
    print(f"p50_ms={quantile(lat, 0.5) * 1e3:.3f}")
    print(f"p99_ms={quantile(lat, 0.99) * 1e3:.3f}")
    med, q1, q3, iqr = spread(lat)
    print(f"latency_iqr={q1 * 1e3:.3f} {q3 * 1e3:.3f} {iqr:.4f}")
    if n >= 250:
        c100, r100 = window(rows, 51, 150)
        cn, rn = window(rows, n - 99, n)
        l100 = quantile(lat[50:150], 0.5)
        ln = quantile(lat[n - 100:], 0.5)
        print(f"scrape100_cpu_ms={c100 * 1e3:.3f}")
        print(f"scrapeN_cpu_ms={cn * 1e3:.3f}")
        print(f"scrape100_p50_ms={l100 * 1e3:.3f}")
        print(f"scrapeN_p50_ms={ln * 1e3:.3f}")
        print(f"scrape100_rss_kb={r100}")
        print(f"scrapeN_rss_kb={rn}")


async def read_body(reader, head):
    """The body after `head`: Content-Length, or chunked (Go's servers when they gzip)."""
    lines = [line.lower() for line in head.split(b"\r\n")]
    length = [int(line.split(b":", 1)[1]) for line in lines if line.startswith(b"content-length:")]
    if length:
        await reader.readexactly(length[0])
        return
    if not any(line.startswith(b"transfer-encoding:") and b"chunked" in line for line in lines):
        raise RuntimeError(f"a reply without a length: {head[:80]!r}")
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)  # the chunk and its CRLF
        if size == 0:
            return


async def one_scraper(host, port, path, count, gzip, warm, go, out):
    """One keep-alive connection: a warm-up scrape (apart), then `count` measured ones once
    every scraper is warm, so all start together on connections as Prometheus keeps them."""
    reader, writer = await asyncio.open_connection(host, port)
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               + ("Accept-Encoding: gzip\r\n" if gzip else "") + "\r\n").encode()
    try:
        for k in range(count + 1):
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if head.split(b" ", 2)[1] != b"200":
                raise RuntimeError(f"scrape answered {head[:80]!r}")
            await read_body(reader, head)
            (out if k else warm).append(time.perf_counter() - start)
            if k == 0:
                await go()
    finally:
        writer.close()


async def concurrent(host, port, path, count, scrapers, gzip):
    """Measured latencies, and the warm-up round's: a fresh connection's first answer also
    measures TCP and the client's buffers growing (a server that answers at once shows it)."""
    out, warm = [], []
    ready, everyone = [0], asyncio.Event()

    async def go():
        ready[0] += 1
        if ready[0] == scrapers:
            everyone.set()
        await everyone.wait()

    await asyncio.gather(*(one_scraper(host, port, path, count, gzip, warm, go, out)
                           for _ in range(scrapers)))
    return out, warm


async def serve_file(body, gzip, port):
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
            + (b"Content-Encoding: gzip\r\n" if gzip else b"")
            + b"Content-Length: %d\r\n\r\n" % len(body))

    async def answer(reader, writer):
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(head + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def floor(args):
    """The floor of the concurrent run: a server that answers at once with fixed bytes (the
    exporter's own gzip answer), so what remains is the clients, loopback and the CPUs."""
    with open(args.body, "rb") as f:
        body = f.read()
    asyncio.run(serve_file(body, args.gzip, args.port))


def scrape(args):
    host, port = args.address.rsplit(":", 1)
    cpu0 = cpu_seconds(args.pid)
    queue = multiprocessing.Queue()
    per = args.count // args.concurrency
    if args.concurrency == 1:
        scraper(host, int(port), args.path, per, args.pid, queue, args.gzip)
        report_sequential(collect(queue), args.series, args.chunk, cpu0)
        return
    # One process, one event loop, a keep-alive connection per scraper: the scrapers' own
    # work stays small beside the exporter's, which twenty Python processes reading from
    # /proc after every scrape on two CPUs did not.
    lat, warm = asyncio.run(concurrent(host, int(port), args.path, per, args.concurrency,
                                       args.gzip))
    cpu = cpu_seconds(args.pid) - cpu0
    print(f"scrapes={len(lat)}")
    print(f"us_per_series={cpu / ((len(lat) + len(warm)) * args.series) * 1e6:.4f}")
    print(f"p50_ms={quantile(lat, 0.5) * 1e3:.3f}")
    print(f"p99_ms={quantile(lat, 0.99) * 1e3:.3f}")
    print(f"max_ms={max(lat) * 1e3:.3f}")
    print(f"warmup_max_ms={max(warm) * 1e3:.3f}")


def cpu(args):
    print(f"{cpu_seconds(args.pid):.3f}")


def freeport(_):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hold")
    h.add_argument("--ports", type=int, required=True)
    h.add_argument("--base", type=int, required=True)
    h.add_argument("--conns", type=int, required=True)
    h.add_argument("--cycle", action="store_true", help="one closed connection per port first")
    h.set_defaults(func=hold)
    s = sub.add_parser("scrape")
    s.add_argument("--address", required=True, help="HOST:PORT")
    s.add_argument("--path", default="/metrics")
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--concurrency", type=int, default=1)
    s.add_argument("--pid", type=int, required=True, help="the serving process")
    s.add_argument("--series", type=int, required=True, help="series per scrape")
    s.add_argument("--chunk", type=int, default=100, help="scrapes per CPU sample")
    s.add_argument("--gzip", action="store_true", help="ask for gzip, as Prometheus does")
    s.set_defaults(func=scrape)
    f = sub.add_parser("floor")
    f.add_argument("--body", required=True, help="the file to answer every request with")
    f.add_argument("--port", type=int, required=True)
    f.add_argument("--gzip", action="store_true", help="the body is gzip")
    f.set_defaults(func=floor)
    sub.add_parser("freeport").set_defaults(func=freeport)
    c = sub.add_parser("cpu")
    c.add_argument("--pid", type=int, required=True)
    c.set_defaults(func=cpu)
    args = ap.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
