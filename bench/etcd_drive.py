#!/usr/bin/env python3
"""The workload and the timing loops of bench/etcd (see there).

  etcd_drive.py plan OUT BOUND ROUNDS BATCH FCGI FRESH [JBATCH]
      Writes OUT/register.txt (every MAC, for `provlock add -`), OUT/bind.txt
      (the first provision of the BOUND phones, from their own addresses,
      run untimed before anything is measured) and OUT/w-MODE-ROUND.txt for
      MODE batch, fcgi, fresh (and jbatch): request lines "MAC IP EXPECTED". About 94%
      same-ip polls of random bound phones, 3% first provisions (phones
      registered but never provisioned, each used once in the whole run),
      3% denials (half a bound phone asked for from a foreign address, half
      an unknown MAC; every foreign address is used once, so nothing is
      ever banned).
  etcd_drive.py batch OUT.json WORKLOAD PROVLOCK [ARGS...]
      One `PROVLOCK [ARGS] check --batch`; one warm-up request, then each
      request written and its answer read, timed one by one.
  etcd_drive.py fcgi OUT.json WORKLOAD SOCKET
      One FastCGI connection kept open (FCGI_KEEP_CONN, as nginx's
      fastcgi_keep_conn) to `provlock fcgi --socket SOCKET`; a GET of
      /provisioning/MAC.cfg from REMOTE_ADDR IP per request, timed one by one.
  etcd_drive.py fresh OUT.json WORKLOAD PROVLOCK [ARGS...]
      One process `PROVLOCK [ARGS] check MAC IP` per request, timed from
      before the spawn to its exit.
  etcd_drive.py spawn OUT.json COUNT COMMAND...
      COMMAND run COUNT times, timed the same way (the floors).
  etcd_drive.py floors OUT.json COUNT PROVLOCK PROVLOCK_ETCD DIR_CFG ETCD_CFG NAMED_CFG MAC IP
      /bin/true, provlock --version, provlock-etcd --version, a check on
      each store, provlock-etcd check run directly, and provlock check on
      the etcd store named by host name (NAMED_CFG: provlock execs
      provlock-etcd, gRPC), COUNT times each,
      interleaved, timed the same way.
  etcd_drive.py strace TT_FILE C_FILE
      Summary (JSON) of `strace -f -tt` and `strace -c -f` of one check.
"""
import json
import os
import random
import re
import socket
import statistics
import struct
import subprocess
import sys
import time

OUI = "001565"


def mac(i):
    return "%s%06x" % (OUI, 0x100000 + i)


def own_ip(i):
    i += 1
    return "10.%d.%d.%d" % (20 + (i >> 16), (i >> 8) & 255, i & 255)


def plan(out, bound, rounds, sizes):
    bound, rounds = int(bound), int(rounds)
    rng = random.Random(19)
    # gbatch: check --batch again, on etcd over gRPC (provlock-etcd);
    # jbatch: on etcd with its journal on a tmpfs (only with a tmpfs: last).
    modes = list(zip(("batch", "fcgi", "fresh", "gbatch", "jbatch"), (int(s) for s in sizes if s)))
    firsts = [max(1, n * 3 // 100) for _, n in modes]
    reserve = sum(firsts) * rounds
    total = bound + reserve
    with open(os.path.join(out, "register.txt"), "w") as f:
        f.writelines(mac(i) + "\n" for i in range(total))
    with open(os.path.join(out, "bind.txt"), "w") as f:
        # The first line of every workload is its warm-up, not timed.
        f.write("%s 192.0.2.1 deny unknown-device\n" % mac(0xeffff))
        f.writelines("%s %s allow first-provision\n" % (mac(i), own_ip(i)) for i in range(bound))
    next_first, foreign, unknown = bound, 0, 0
    for r in range(1, rounds + 1):
        for (mode, n), nfirst in zip(modes, firsts):
            ndeny = max(1, n * 3 // 100)
            lines = []
            for _ in range(nfirst):
                lines.append((mac(next_first), own_ip(next_first), "allow first-provision"))
                next_first += 1
            for d in range(ndeny):
                foreign += 1
                addr = "100.%d.%d.%d" % (64 + (foreign >> 16), (foreign >> 8) & 255, foreign & 255)
                if d % 2 == 0:
                    lines.append((mac(rng.randrange(bound)), addr, "deny locked"))
                else:
                    unknown += 1
                    lines.append(("%s%06x" % (OUI, 0xf00000 + unknown), addr, "deny unknown-device"))
            while len(lines) < n:
                i = rng.randrange(bound)
                lines.append((mac(i), own_ip(i), "allow same-ip"))
            rng.shuffle(lines)
            i = rng.randrange(bound)
            lines.insert(0, (mac(i), own_ip(i), "allow same-ip"))
            with open(os.path.join(out, "w-%s-%d.txt" % (mode, r)), "w") as f:
                f.writelines(" ".join(l) + "\n" for l in lines)


def read_workload(path):
    """The warm-up request (the first line), and the timed ones."""
    out = []
    for line in open(path):
        m, ip, want = line.split(None, 2)
        out.append((m, ip, want.strip()))
    return out[0], out[1:]


def summary(lat_ns, wall_s, answers, wrong, extra=None):
    lat = sorted(x / 1e6 for x in lat_ns)
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    d = {"count": len(lat), "wall_s": wall_s, "rate": len(lat) / wall_s,
         "median_ms": statistics.median(lat), "p90_ms": q(0.90), "p99_ms": q(0.99),
         "max_ms": lat[-1], "answers": answers, "wrong": wrong}
    if extra:
        d.update(extra)
    return d


def tally(answers, got, want, wrong):
    answers[got] = answers.get(got, 0) + 1
    if got != want and len(wrong) < 20:
        wrong.append("%s: wanted %s" % (got, want))
    elif got != want:
        wrong.append("...")


def batch(out, workload, cmd):
    warm, reqs = read_workload(workload)
    p = subprocess.Popen(cmd + ["check", "--batch"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    rd = p.stdout
    buf = bytearray()

    def answer():
        nonlocal buf
        while b"\n" not in buf:
            chunk = os.read(rd.fileno(), 4096)
            if not chunk:
                raise SystemExit("check --batch ended early: %s" % p.stderr.read().decode())
            buf += chunk
        line, _, rest = bytes(buf).partition(b"\n")
        buf = bytearray(rest)
        return line.decode()

    w = p.stdin.fileno()
    # Warm-up: the process's start, its config and (etcd) its connection.
    t0 = time.perf_counter_ns()
    os.write(w, ("%s %s\n" % warm[:2]).encode())
    answer()
    first = time.perf_counter_ns() - t0
    lat, answers, wrong = [], {}, []
    start = time.perf_counter_ns()
    for m, ip, want in reqs:
        t = time.perf_counter_ns()
        os.write(w, ("%s %s\n" % (m, ip)).encode())
        got = answer()
        lat.append(time.perf_counter_ns() - t)
        tally(answers, got, want, wrong)
    wall = (time.perf_counter_ns() - start) / 1e9
    p.stdin.close()
    err = p.stderr.read().decode()
    rc = p.wait()
    json.dump(summary(lat, wall, answers, wrong,
                      {"first_ms": first / 1e6, "rc": rc, "stderr": err[-2000:]}),
              open(out, "w"), indent=1)


# FastCGI ---------------------------------------------------------------

def record(rtype, content, rid=1):
    out = b""
    while True:
        n = min(len(content), 65535)
        out += struct.pack(">BBHHBB", 1, rtype, rid, n, 0, 0) + content[:n]
        content = content[n:]
        if not content:
            return out


def nv(name, value):
    def ln(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    name, value = name.encode(), value.encode()
    return ln(len(name)) + ln(len(value)) + name + value


def fcgi_request(addr, path):
    params = [("GATEWAY_INTERFACE", "CGI/1.1"), ("REQUEST_METHOD", "GET"),
              ("REMOTE_ADDR", addr), ("SCRIPT_NAME", "/provisioning"), ("PATH_INFO", path),
              ("REQUEST_URI", "/provisioning" + path), ("SERVER_PROTOCOL", "HTTP/1.1")]
    body = b"".join(nv(k, v) for k, v in params)
    return (record(1, struct.pack(">HB5x", 1, 1)) + record(4, body) + record(4, b"")
            + record(5, b""))


def fcgi_response(sock, buf):
    """The FCGI_STDOUT of one response, up to its FCGI_END_REQUEST."""
    out = b""
    while True:
        while len(buf) >= 8:
            _, rtype, _, n, pad, _ = struct.unpack(">BBHHBB", buf[:8])
            if len(buf) < 8 + n + pad:
                break
            if rtype == 6:
                out += buf[8:8 + n]
            buf = buf[8 + n + pad:]
            if rtype == 3:
                return out, buf
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("provlock fcgi closed the connection")
        buf += chunk


def status_of(stdout):
    head = stdout.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    m = re.search(rb"^Status: *(\d+)", head, re.M | re.I)
    return int(m.group(1)) if m else 200


def fcgi(out, workload, path):
    warm, reqs = read_workload(workload)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    buf = b""
    t0 = time.perf_counter_ns()
    s.sendall(fcgi_request(warm[1], "/%s.cfg" % warm[0]))
    _, buf = fcgi_response(s, buf)
    first = time.perf_counter_ns() - t0
    lat, answers, wrong = [], {}, []
    start = time.perf_counter_ns()
    for m, ip, want in reqs:
        t = time.perf_counter_ns()
        s.sendall(fcgi_request(ip, "/%s.cfg" % m))
        body, buf = fcgi_response(s, buf)
        lat.append(time.perf_counter_ns() - t)
        st = status_of(body)
        # The answer as HTTP: an allow is the file (200), a deny 403 or 404.
        got = "allow" if st == 200 else "deny"
        tally(answers, "%s %d" % (want, st), want, [])
        if got != want.split()[0] and len(wrong) < 20:
            wrong.append("status %d: wanted %s" % (st, want))
    wall = (time.perf_counter_ns() - start) / 1e9
    s.close()
    json.dump(summary(lat, wall, answers, wrong, {"first_ms": first / 1e6}), open(out, "w"), indent=1)


# Fresh processes ---------------------------------------------------------

def timed_run(cmd):
    t = time.perf_counter_ns()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return time.perf_counter_ns() - t, p


def fresh(out, workload, cmd):
    _, reqs = read_workload(workload)
    lat, answers, wrong = [], {}, []
    start = time.perf_counter_ns()
    for m, ip, want in reqs:
        ns, p = timed_run(cmd + ["check", m, ip])
        lat.append(ns)
        tally(answers, p.stdout.decode().strip() or "rc %d: %s" % (p.returncode, p.stderr.decode().strip()),
              want, wrong)
    wall = (time.perf_counter_ns() - start) / 1e9
    json.dump(summary(lat, wall, answers, wrong), open(out, "w"), indent=1)


def spawn(out, count, cmd):
    lat = []
    start = time.perf_counter_ns()
    for _ in range(int(count)):
        ns, p = timed_run(cmd)
        lat.append(ns)
    wall = (time.perf_counter_ns() - start) / 1e9
    json.dump(summary(lat, wall, {}, [], {"rc": p.returncode}), open(out, "w"), indent=1)


def floors(out, count, bin, etcd_bin, dir_cfg, etcd_cfg, named_cfg, m, ip):
    """The breakdown's processes, interleaved (a burst of load on the
    machine falls on all of them alike): JSON {name: summary}."""
    env = lambda cfg: dict(os.environ, PROVLOCK_CONFIG=cfg)
    cmds = {"true": (["/bin/true"], None), "version": ([bin, "--version"], None),
            "etcd-version": ([etcd_bin, "--version"], None),
            "dir-check": ([bin, "check", m, ip], env(dir_cfg)),
            "etcd-check": ([bin, "check", m, ip], env(etcd_cfg)),
            "etcd-direct": ([etcd_bin, "check", m, ip], env(etcd_cfg)),
            "etcd-exec": ([bin, "check", m, ip], env(named_cfg))}
    lat = {k: [] for k in cmds}
    cpu = {k: [] for k in cmds}
    for _ in range(int(count)):
        for k, (cmd, e) in cmds.items():
            t = time.perf_counter_ns()
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=e)
            err = p.stderr.read()
            _, status, ru = os.wait4(p.pid, 0)
            lat[k].append(time.perf_counter_ns() - t)
            p.returncode = os.waitstatus_to_exitcode(status)
            cpu[k].append((ru.ru_utime + ru.ru_stime) * 1000)
            if p.returncode not in (0, 1):
                raise SystemExit("%s: exit %d: %s" % (" ".join(cmd), p.returncode, err.decode()))
    json.dump({k: summary(v, sum(v) / 1e9, {}, [], {"cpu_ms": statistics.median(cpu[k])})
               for k, v in lat.items()}, open(out, "w"), indent=1)


# strace -------------------------------------------------------------------

def strace(tt, c):
    lines = open(tt).read().splitlines()
    stamp = lambda l: sum(float(x) * m for x, m in zip(l.split()[1].split(":"), (3600, 60, 1)))
    t0 = stamp(lines[0])
    marks = {}

    execs = [n for n, l in enumerate(lines) if re.search(r'execve\("[^"]*provlock-etcd"', l)]
    after = execs[0] if execs else 0

    def mark(name, pattern, last=False):
        hits = [l for l in lines[after:] if re.search(pattern, l)]
        if hits:
            marks[name] = round((stamp(hits[-1] if last else hits[0]) - t0) * 1000, 2)

    mark("config read", r'openat\(.*\.toml"')
    mark("first thread started", r"clone3?\(")
    mark("first connect to etcd", r"connect\(\d+, \{sa_family=AF_INET")
    mark("first request sent to etcd", r'(sendto|sendmsg|writev?)\(\d+, ("POST |.*\\0\\0)')
    mark("journal line written", r'openat\(.*\.jsonl"')
    mark("answer written (stdout)", r"write\(1, ")
    mark("exit", r"exit_group\(", last=True)
    marks["end"] = round((stamp(lines[-1]) - t0) * 1000, 2)
    syncs = sum(1 for l in lines if re.search(r"\b(fsync|fdatasync)\(", l))
    sleeps = [l for l in lines if "clock_nanosleep(" in l or "nanosleep(" in l]
    calls = {}
    for l in open(c):
        f = l.split()
        if len(f) >= 5 and f[-1].isidentifier() and f[3].isdigit() and f[-1] != "total":
            calls[f[-1]] = int(f[3])
    threads = calls.get("clone3", 0) + calls.get("clone", 0)
    print(json.dumps({"marks": marks, "threads": threads, "futex": calls.get("futex", 0),
                      "syscalls": sum(calls.values()), "syncs": syncs,
                      "sleeps": len(sleeps), "calls": calls}))


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "plan":
        plan(a[1], a[2], a[3], a[4:9])
    elif a[0] == "batch":
        batch(a[1], a[2], a[3:])
    elif a[0] == "fcgi":
        fcgi(a[1], a[2], a[3])
    elif a[0] == "fresh":
        fresh(a[1], a[2], a[3:])
    elif a[0] == "spawn":
        spawn(a[1], a[2], a[3:])
    elif a[0] == "floors":
        floors(*a[1:])
    elif a[0] == "strace":
        strace(a[1], a[2])
    else:
        raise SystemExit(__doc__)
