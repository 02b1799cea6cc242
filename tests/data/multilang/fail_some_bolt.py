"""Fails some tuples once, deterministically, and passes the rest on.

A tuple is failed when crc32(J) % 100 < FAIL_PERCENT (default 5), where J is
the UTF-8 JSON text of its first value as Python's
json.dumps(value, separators=(",", ":"), sort_keys=True) writes it (for a
string "k7" that is the 4 bytes "k7" in quotes), and only the first time this
process sees that value: a replay of it is emitted (anchored, values
unchanged, on the tuple's stream) and acked like every other tuple.
Heartbeats are answered with sync. NEED_TASK_IDS=0 as in proto.py.
"""

import json
import os
import zlib

from proto import Proto, is_heartbeat

fail_percent = int(os.environ.get("FAIL_PERCENT", "5"))
failed_once = set()   # JSON texts of the first values failed so far

p = Proto()
p.handshake()

while True:
    tup = p.read_tuple()
    if is_heartbeat(tup):
        p.sync()
        continue
    values = tup["tuple"]
    key = json.dumps(values[0] if values else None, separators=(",", ":"), sort_keys=True)
    if zlib.crc32(key.encode("utf-8")) % 100 < fail_percent and key not in failed_once:
        failed_once.add(key)
        p.fail(tup["id"])
        continue
    p.emit(values, anchors=[tup["id"]], stream=tup.get("stream"))
    p.ack(tup["id"])
