#!/usr/bin/env python3
"""bench/etcd's section of bench/RESULTS.md, from the files of one run.

usage: etcd_report.py OUT PROVLOCK REQUESTS FRESH PHONES ROUNDS ETCD_FS ETCD_VERSION
"""
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

out, binary, requests, fresh, phones, rounds, etcd_fs, etcd_version = sys.argv[1:9]
rounds = int(rounds)
med = statistics.median
J = lambda name: json.load(open(os.path.join(out, name)))
text = lambda name: open(os.path.join(out, name)).read().strip()
runs = {(m, b): [J(f"{m}-{b}-{r}.json") for r in range(1, rounds + 1)]
        for m in ("batch", "fcgi", "fresh") for b in ("dir", "etcd")}


gruns = [J(f"gbatch-etcd-{r}.json") for r in range(1, rounds + 1)]
jruns = [J(f"jbatch-etcd-{r}.json") for r in range(1, rounds + 1)
         if os.path.exists(os.path.join(out, f"jbatch-etcd-{r}.json"))]
if len(jruns) != rounds:
    jruns = []


def over(mode, backend, key):
    """The median over rounds of one figure."""
    return med(r[key] for r in runs[mode, backend])


def ratio(mode, key):
    """etcd / dir: the median of the rounds' ratios."""
    return med(e[key] / d[key] for d, e in zip(runs[mode, "dir"], runs[mode, "etcd"]))


def ms(v):
    return "%.2f ms" % v


lines = []
p = lines.append
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
fs = (subprocess.run(["findmnt", "-no", "FSTYPE", "-T", out], capture_output=True, text=True).stdout.strip()
      or subprocess.run(["stat", "-f", "-c", "%T", out], capture_output=True, text=True).stdout.strip())
loads = [text(f"load-round-{r}") for r in range(1, rounds + 1)]
p("<!-- bench/etcd begin -->")
p("## etcd store (bench/etcd)\n")
p(f"Made by `bench/etcd -n {requests} -f {fresh} -p {phones} -r {rounds}` on {datetime.date.today()} "
  f"in {text('seconds')} s: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}; "
  f"etcd {etcd_version}, a 3-node cluster on 127.0.0.1 started by the run (tests/etcd/cluster.bash), "
  f"its data dirs on **{etcd_fs}** (etcd fsyncs its WAL on every write; "
  f"{'on tmpfs that is free, so these figures leave out the disk of a real cluster' if etcd_fs == 'tmpfs' else 'on disk'}). "
  f"The directory store, and the etcd store's local journal (`journal.dir`), on {fs}. "
  f"Load average (1, 5, 15 min) {text('load-start')} at the start, "
  + ", ".join(f"{l} at round {i}" for i, l in enumerate(loads, 1))
  + f", {text('load-end')} at the end"
  + (": **the machine was busy with other work**, and every figure here is slower and noisier than on a quiet one."
     if float(text('load-start').split()[0]) > 1.5 else ".") + "\n")
first = runs["batch", "dir"][0]["answers"]
p(f"The same workload on both stores: {int(phones):,} phones registered with `provlock add -` "
  f"(and a few more never provisioned) and provisioned once from their own addresses before "
  f"anything is timed; then, per round and mode, about 94% same-ip polls of random provisioned "
  f"phones, 3% first provisions (each phone once in the run) and 3% denials (half a provisioned "
  f"phone from a foreign address, `deny locked`; half an unknown MAC, `deny unknown-device`; each "
  f"foreign address once, so nothing gets banned). Durability is the default (`bindings`). "
  f"Each of {rounds} rounds runs every mode on the directory store and right after it on etcd; "
  f"figures are medians over the rounds, and etcd / directory the median of the rounds' ratios. "
  f"Every request is timed on its own by the client (bench/etcd_drive.py, Python, "
  f"`time.perf_counter_ns()` around it): latency is from the request's first byte written to its "
  f"answer read, one request at a time (closed loop, concurrency 1), so decisions/s = 1 / mean "
  f"latency, client included.\n")
p("- **check --batch**: one `provlock check --batch` process per round and store; one warm-up "
  f"request (the start of the process, its connection to etcd) untimed, then {int(requests):,} "
  "request lines, each written and its answer line read.")
p("- **fcgi**: one `provlock fcgi --socket` process per round and store, driven directly (no web "
  "server) by bench/etcd_drive.py's FastCGI client on one connection kept open "
  "(`FCGI_KEEP_CONN`, as nginx's `fastcgi_keep_conn`), a GET of `/provisioning/MAC.cfg` from "
  f"REMOTE_ADDR per request, warm-up untimed, {int(requests):,} requests; an allow is the 200 with the "
  "phone's file.")
p(f"- **fresh process**: one `provlock check MAC IP` per decision ({int(fresh)} a round), as a CGI "
  "program runs, timed from before the spawn to its exit (Python's subprocess; its own cost is "
  "in the /bin/true floor below).\n")
p("On etcd every mode runs `provlock`, which opens this plain-text store of IP addresses itself over "
  "etcd's JSON gateway (store/etcd/etcd_http.hpp); `provlock-etcd` (gRPC), which a store over TLS "
  "or named by host name takes, is measured in the check --batch row marked gRPC and in the "
  "breakdown of a fresh check.\n")

wrong = sum(len(r["wrong"]) for v in runs.values() for r in v)
p("### Targets (issue 19)\n")
p("| measure | etcd (3 nodes) | target | |\n|---|---|---|---|")
for mode, label, limit in (("batch", "check --batch, median per decision", 3),
                           ("fcgi", "provlock fcgi, median per decision", 3),
                           ("fresh", "fresh-process check, median", 15)):
    v = over(mode, "etcd", "median_ms")
    verdict = "met" if v <= limit else f"**missed** ({v / limit:.2f}x the target, {v - limit:.1f} ms over)"
    p(f"| {label} | {ms(v)} | <= {limit} ms | {verdict} |")
p("")
p("### Both stores\n")
p("| mode | store | decisions/s | median | p90 | p99 | etcd / directory (median latency) |")
p("|---|---|---|---|---|---|---|")
for mode, label in (("batch", "check --batch"), ("fcgi", "provlock fcgi"), ("fresh", "fresh process")):
    for b, name in (("dir", "directory"), ("etcd", "etcd, 3 nodes")):
        r = f"**{ratio(mode, 'median_ms'):.1f}x**" if b == "etcd" else ""
        p(f"| {label} | {name} | {over(mode, b, 'rate'):,.0f} | {ms(over(mode, b, 'median_ms'))} | "
          f"{ms(over(mode, b, 'p90_ms'))} | {ms(over(mode, b, 'p99_ms'))} | {r} |")
    if mode == "batch":
        gm = lambda k: med(r[k] for r in gruns)
        gr = med(e["median_ms"] / d["median_ms"] for d, e in zip(runs["batch", "dir"], gruns))
        p(f"| check --batch | etcd, 3 nodes, over gRPC (provlock-etcd: a store over TLS) | {gm('rate'):,.0f} | "
          f"{ms(gm('median_ms'))} | {ms(gm('p90_ms'))} | {ms(gm('p99_ms'))} | {gr:.1f}x |")
    if mode == "batch" and jruns:
        jm = lambda k: med(r[k] for r in jruns)
        jr = med(e["median_ms"] / d["median_ms"] for d, e in zip(runs["batch", "dir"], jruns))
        p(f"| check --batch | etcd, 3 nodes, journal on tmpfs (information) | {jm('rate'):,.0f} | "
          f"{ms(jm('median_ms'))} | {ms(jm('p90_ms'))} | {ms(jm('p99_ms'))} | {jr:.1f}x |")
p("")
p("Per round, etcd medians (batch / fcgi / fresh) and the load average at the round's start: "
  + "; ".join(f"round {i + 1}: {ms(runs['batch', 'etcd'][i]['median_ms'])} / "
              f"{ms(runs['fcgi', 'etcd'][i]['median_ms'])} / {ms(runs['fresh', 'etcd'][i]['median_ms'])} "
              f"(load {loads[i].split()[0]})" for i in range(rounds)) + ".\n")
answers = {}
for (m, b), v in runs.items():
    if m != "fcgi":
        for r in v:
            for k, n in r["answers"].items():
                answers[k] = answers.get(k, 0) + n
p("Answers of check --batch and the fresh checks, both stores, all rounds: "
  + ", ".join(f"{k} {n:,}" for k, n in sorted(answers.items(), key=lambda x: -x[1]))
  + (". Every answer was the one the workload expects (fcgi: 200 for an allow, 403 or 404 for a deny)."
     if not wrong else f". **{wrong} answers differed from what the workload expects** (see bench/out-etcd/*.json).")
  + "\n")

# The fresh process, broken down.
S = {k: v["median_ms"] for k, v in J("floors.json").items()}
C = {k: v["cpu_ms"] for k, v in J("floors.json").items()}
st = J("strace.json")
p("### Where a fresh etcd check's time goes\n")
p(f"Medians of {fresh} runs each, timed as the fresh checks above, right after the rounds, the "
  "seven processes taking turns (so that a burst of load falls on all alike); the check is the "
  "same same-ip poll each time. `provlock` opens a plain-text store of IP addresses itself, over "
  "etcd's JSON gateway (store/etcd/etcd_http.hpp: no gRPC, no thread, no exec); a store over "
  "TLS, or named by host name, is opened by `provlock-etcd` over gRPC, which provlock execs:\n")
p("| process | median wall | median CPU (user + sys, all threads) | |\n|---|---|---|---|")
p(f"| /bin/true (the floor of a spawn, client included; its CPU includes the spawning child's own before the exec) | {ms(S['true'])} | {ms(C['true'])} | |")
p(f"| provlock --version | {ms(S['version'])} | {ms(C['version'])} | |")
p(f"| provlock check, directory store | {ms(S['dir-check'])} | {ms(C['dir-check'])} | |")
p(f"| **provlock check, etcd store (JSON gateway)** | {ms(S['etcd-check'])} | {ms(C['etcd-check'])} | "
  f"+{S['etcd-check'] - S['dir-check']:.2f} ms over the directory store: connect, read txn, write txn, journal |")
p(f"| provlock-etcd --version (its static initialisers, gRPC's and protobuf's among them) | {ms(S['etcd-version'])} | {ms(C['etcd-version'])} | "
  f"+{S['etcd-version'] - S['version']:.2f} ms over provlock --version |")
p(f"| provlock-etcd check, run directly (gRPC) | {ms(S['etcd-direct'])} | {ms(C['etcd-direct'])} | "
  f"+{S['etcd-direct'] - S['etcd-version']:.2f} ms over its --version: config, gRPC channel and threads, connect, read txn, write txn, journal |")
p(f"| provlock check, the store named by host name (provlock execs provlock-etcd, gRPC: the path of a TLS store, less the handshake) | {ms(S['etcd-exec'])} | {ms(C['etcd-exec'])} | "
  f"+{S['etcd-exec'] - S['etcd-direct']:.2f} ms for the exec |")
p("")
marks = st["marks"]
p(f"One etcd check (JSON gateway) under `strace -f -tt` (strace slows every system call, so the "
  f"times are stretched, the order is not): ms from the exec: "
  + ", ".join(f"{k} {v:.1f}" for k, v in marks.items()) + ".")
p(f"`strace -c -f`: {st['threads']} threads started, {st['futex']} futex calls, "
  f"{st['syscalls']} system calls in all, {st['syncs']} fsync/fdatasync.")
dir_calls = {}
for l in open(os.path.join(out, "strace-c-dir.txt")):
    f = l.split()
    if len(f) >= 5 and f[-1].isidentifier() and f[3].isdigit() and f[-1] != "total":
        dir_calls[f[-1]] = int(f[3])
p(f"The same check on the directory store: {dir_calls.get('clone3', 0) + dir_calls.get('clone', 0)} threads, "
  f"{dir_calls.get('futex', 0)} futex calls, {sum(dir_calls.values())} system calls, "
  f"{dir_calls.get('fsync', 0) + dir_calls.get('fdatasync', 0)} fsync/fdatasync.\n")


def perf(b):
    d = {}
    for l in open(os.path.join(out, f"perf-{b}.csv")):
        f = l.strip().split(",")
        if len(f) > 6 and f[0] and f[0][0].isdigit():
            d[f[2]] = (float(f[0]), f[5], f[6])
    return d


pd, pe = perf("dir"), perf("etcd")
if "task-clock" in pe and "task-clock" in pd:
    def row(name, d):
        tc, _, util = d["task-clock"]
        return (f"| {name} | {tc:.2f} ms | {float(util):.2f} | {tc / float(util):.2f} ms | "
                f"{d.get('context-switches', (0,))[0]:.0f} | {d.get('page-faults', (0,))[0]:.0f} |")
    p("`perf stat -r 20` of the same check (CPU time of all its threads, and wall time = CPU time / CPUs utilised):\n")
    p("| store | task-clock | CPUs utilised | wall | context switches | page faults |\n|---|---|---|---|---|---|")
    p(row("directory", pd))
    p(row("etcd", pe))
    p("")

relocs = {}
if os.path.exists(os.path.join(out, "relocs.txt")):
    for l in open(os.path.join(out, "relocs.txt")):
        name, n, size = l.split()
        relocs[name] = (int(n), int(size))
if "provlock-etcd" in relocs:
    p("Both programs are static-pie: each start relocates itself before main. "
      + ", ".join(f"{k}: {n:,} relative relocations, a {sz / 2**20:.0f} MiB file" for k, (n, sz) in relocs.items())
      + ".\n")
for name, title in (("perf-comm.txt", "`perf record` of 20 fresh etcd checks (JSON gateway), samples by "
                     "thread name (`sh` is the loop):"),
                    ("perf-sym.txt", "and the busiest functions of provlock "
                     "(percent of all samples):")):
    f = os.path.join(out, name)
    if os.path.exists(f) and os.path.getsize(f):
        p(title + "\n")
        p("```")
        p("\n".join(l.rstrip()[:110] for l in open(f) if l.strip()))
        p("```\n")

# Conclusions that the numbers of this run support.
fm = over("fresh", "etcd", "median_ms")
notes = []
net = S["etcd-check"] - S["dir-check"]
notes.append(
    f"A fresh etcd check took {ms(fm)} (median of the rounds) against the target's 15 ms, "
    f"{ms(over('fresh', 'dir', 'median_ms'))} on the directory store: {'met' if fm <= 15 else 'missed'}. "
    f"In the breakdown it is {ms(S['etcd-check'])}, {ms(net)} above the same check on the directory "
    f"store: the connection, the read and the write transactions (about "
    f"{ms(over('batch', 'etcd', 'median_ms'))} per decision in a long-running process) and the journal. "
    f"Its CPU time is {ms(C['etcd-check'])} ({ms(C['dir-check'])} on the directory store).")
notes.append(
    f"Over gRPC (a store over TLS, or named by host name) a fresh check takes {ms(S['etcd-exec'])}: "
    f"provlock's start and its exec of provlock-etcd {ms(S['etcd-exec'] - S['etcd-direct'])}, "
    f"provlock-etcd up to main {ms(S['etcd-version'])} "
    f"({relocs.get('provlock-etcd', (0, 0))[0]:,} relocations and the static initialisers of gRPC, "
    f"protobuf and abseil, against {ms(S['version'])} for provlock --version), and the check itself "
    f"{ms(S['etcd-direct'] - S['etcd-version'])} (gRPC's threads, the connection, the two "
    f"transactions, the journal). For those stores a long-running process is the way to be quick: "
    f"check --batch over gRPC took {ms(med(r['median_ms'] for r in gruns))} per decision (median), "
    f"against {ms(over('batch', 'etcd', 'median_ms'))} over the JSON gateway.")
if not jruns and st["syncs"] > dir_calls.get("fsync", 0) + dir_calls.get("fdatasync", 0):
    notes.append(f"The etcd check flushes its local journal line ({st['syncs']} fsync/fdatasync "
                 "of the journal file and its folder) on a same-ip poll, where the directory store "
                 "under `bindings` flushes nothing: a disk flush per check that the directory "
                 "store does not pay (on a real disk a few ms).")
if jruns:
    saved = over("batch", "etcd", "median_ms") - med(r["median_ms"] for r in jruns)
    notes.append(f"The local journal: with it on tmpfs (the row marked information) the check "
                 f"--batch median is {ms(med(r['median_ms'] for r in jruns))}, {ms(saved)} less "
                 f"than with it on {fs} ({saved / over('batch', 'etcd', 'median_ms') * 100:.0f}% "
                 "of a decision). A decision's journal line is flushed as on a directory store: "
                 "under `bindings` only when it changed who may fetch.")
p("### Analysis\n")
for n in notes:
    p(f"- {n}")
p("<!-- bench/etcd end -->")
print("\n".join(lines))
