#!/usr/bin/env python3
"""Writes a provlock store of N locked devices (and optionally B banned
addresses) straight to disk, in the layout and record format provlock itself
writes (see store/file_store.hpp), plus an SQLite database holding the same
devices for the sqlite3 peer. Much faster than `provlock add` for a million
devices; the bench then runs provlock itself against it. Prints the MAC and
bound IP of the device in the middle.

usage: make_store.py STORE_DIR SQLITE_DB DEVICES [BANS]
       make_store.py --workload LINES DEVICES [SEED]
         prints LINES "MAC IP" requests for `check --batch` against a store of
         DEVICES made as above: ~90% same-ip fetches of random devices, ~5%
         fetches of random devices from foreign addresses, ~5% unknown MACs;
         foreign and unknown fetches come from 198.51.100.0/22 and
         203.0.113.0/24 (1,270 addresses): about 16 denials each, so that
         under the default ban.max_attempts (20) some addresses get banned.
       make_store.py --ban-dir KEY
         prints the bans/ folder of the address record KEY (e.g. 192.0.2.2-32)
"""
import json, os, random, sqlite3, sys

T = "2026-11-01T00:00:00Z"


def mac(i):
    """MAC of device i (locally administered, starts with 02)."""
    return "02%010x" % (i * 2654435761 % (1 << 40))


def ip(i):
    """Bound IP of device i."""
    return "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)


def fnv1a(text):
    h = 14695981039346656037
    for c in text.encode():
        h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def ban_dir(key):
    return "%02x" % (fnv1a(key) & 0xFF)


def sources():
    """Addresses that foreign and unknown fetches come from."""
    nets = ["198.51.100", "198.51.101", "198.51.102", "198.51.103", "203.0.113"]
    return ["%s.%d" % (n, h) for n in nets for h in range(1, 255)]


def workload(lines, devices, seed=1):
    rng = random.Random(seed)
    src = sources()
    for _ in range(lines):
        r = rng.random()
        if r < 0.90:
            i = rng.randrange(devices)
            yield "%s %s" % (mac(i), ip(i))
        elif r < 0.95:
            yield "%s %s" % (mac(rng.randrange(devices)), rng.choice(src))
        else:  # 0e...: never one of mac(i), which all start with 02
            yield "0e%010x %s" % (rng.getrandbits(40), rng.choice(src))


def record_text(rec):
    """A record's file text as provlock writes it (nlohmann's dump(): keys in
    byte order, no spaces, then a newline), so that provlock reads it the way
    it reads its own records (a device by its fast reader, lib/device_text)."""
    return json.dumps(rec, separators=(",", ":"), sort_keys=True) + "\n"


def make(store, db, n, bans):
    os.makedirs(store, exist_ok=True)
    dirs = set()
    for i in range(n):
        m = mac(i)
        d = os.path.join(store, "devices", m[-2:])
        if d not in dirs:
            os.makedirs(d, exist_ok=True)
            dirs.add(d)
        rec = {"format": 1, "mac": m, "account": "bench", "label": "", "user": "", "registered": T,
               "bound_ip": ip(i), "bound_at": T, "first_provisioned": T, "unlock_until": None,
               "unlock_all_seen": 0, "blocked": False, "blocked_at": None, "foreign": [],
               "last_seen": T, "last_ip": ip(i), "allowed": 1, "denied": 0}
        with open(os.path.join(d, m + ".json"), "w") as f:
            f.write(record_text(rec))

    for i in range(bans):
        addr = "172.%d.%d.%d" % (16 + ((i >> 16) & 15), (i >> 8) & 255, i & 255)
        key = addr + "-32"
        d = os.path.join(store, "bans", ban_dir(key))
        if d not in dirs:
            os.makedirs(d, exist_ok=True)
            dirs.add(d)
        rec = {"format": 1, "prefix": addr + "/32", "attempts": [], "banned_since": T,
               "banned_until": "2099-01-01T00:00:00Z", "reason": "manual", "times_banned": 1,
               "last_ban_length": 3600, "last_activity": T, "self_unbans": [],
               "last_allowed": None}
        with open(os.path.join(d, key + ".json"), "w") as f:
            f.write(record_text(rec))

    con = sqlite3.connect(db)
    con.execute("CREATE TABLE IF NOT EXISTS devices (mac TEXT PRIMARY KEY, bound_ip TEXT, "
                "last_seen INTEGER, last_ip TEXT, allowed INTEGER, denied INTEGER)")
    con.executemany("INSERT OR REPLACE INTO devices VALUES (?,?,?,?,?,?)",
                    ((mac(i), ip(i), 0, ip(i), 1, 0) for i in range(n)))
    con.commit()
    con.close()
    print(mac(n // 2), ip(n // 2))


def main(argv):
    if argv[:1] == ["--workload"] and len(argv) in (3, 4):
        seed = int(argv[3]) if len(argv) > 3 else 1
        out = sys.stdout
        for line in workload(int(argv[1]), int(argv[2]), seed):
            out.write(line + "\n")
    elif argv[:1] == ["--ban-dir"] and len(argv) == 2:
        print(ban_dir(argv[1]))
    elif len(argv) in (3, 4) and not argv[0].startswith("-"):
        make(argv[0], argv[1], int(argv[2]), int(argv[3]) if len(argv) > 3 else 0)
    else:
        sys.exit(__doc__.split("\n\n", 1)[1].rstrip())


if __name__ == "__main__":
    main(sys.argv[1:])
