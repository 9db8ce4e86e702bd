#!/usr/bin/env python3
"""Writes a provlock store of N locked devices (and optionally B banned
addresses) straight to disk, in the layout and record format provlock itself
writes (see store/file_store.hpp), plus an SQLite database holding the same
devices for the sqlite3 peer. Much faster than `provlock add` for a million
devices; the bench then runs provlock itself against it.

usage: make_store.py STORE_DIR SQLITE_DB DEVICES [BANS]
"""
import json, os, sqlite3, sys

store, db, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
bans = int(sys.argv[4]) if len(sys.argv) > 4 else 0
T = "2026-11-01T00:00:00Z"

def mac(i):
    return "02%010x" % (i * 2654435761 % (1 << 40))

def ip(i):
    return "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)

os.makedirs(store, exist_ok=True)
dirs = set()
for i in range(n):
    m = mac(i)
    d = os.path.join(store, "devices", m[-2:])
    if d not in dirs:
        os.makedirs(d, exist_ok=True)
        dirs.add(d)
    rec = {"format": 1, "mac": m, "account": "bench", "label": "", "registered": T,
           "bound_ip": ip(i), "bound_at": T, "first_provisioned": T, "unlock_until": None,
           "unlock_all_seen": 0, "blocked": False, "blocked_at": None, "foreign": [],
           "last_seen": T, "last_ip": ip(i), "allowed": 1, "denied": 0}
    with open(os.path.join(d, m + ".json"), "w") as f:
        f.write(json.dumps(rec, separators=(",", ":")) + "\n")

def fnv1a(text):
    h = 14695981039346656037
    for c in text.encode():
        h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h

for i in range(bans):
    addr = "172.%d.%d.%d" % (16 + ((i >> 16) & 15), (i >> 8) & 255, i & 255)
    key = addr + "-32"
    d = os.path.join(store, "bans", "%02x" % (fnv1a(key) & 0xFF))
    if d not in dirs:
        os.makedirs(d, exist_ok=True)
        dirs.add(d)
    rec = {"format": 1, "prefix": addr + "/32", "attempts": [], "banned_since": T,
           "banned_until": "2099-01-01T00:00:00Z", "reason": "manual", "times_banned": 1,
           "last_ban_length": 3600, "last_activity": T, "self_unbans": []}
    with open(os.path.join(d, key + ".json"), "w") as f:
        f.write(json.dumps(rec, separators=(",", ":")) + "\n")

con = sqlite3.connect(db)
con.execute("CREATE TABLE IF NOT EXISTS devices (mac TEXT PRIMARY KEY, bound_ip TEXT, "
            "last_seen INTEGER, last_ip TEXT, allowed INTEGER, denied INTEGER)")
con.executemany("INSERT OR REPLACE INTO devices VALUES (?,?,?,?,?,?)",
                ((mac(i), ip(i), 0, ip(i), 1, 0) for i in range(n)))
con.commit()
con.close()
print(mac(n // 2), ip(n // 2))
