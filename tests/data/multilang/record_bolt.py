"""Recording sink bolt: appends each tuple's values as one JSON line to the
file named by RECORD_FILE (written and flushed before the ack), then acks
it; emits nothing. Without RECORD_FILE it only acks. Heartbeats are answered
with sync.
"""

import json
import os

from proto import Proto, is_heartbeat

path = os.environ.get("RECORD_FILE")
record = open(path, "a", encoding="utf-8") if path else None

p = Proto()
p.handshake()

while True:
    tup = p.read_tuple()
    if is_heartbeat(tup):
        p.sync()
        continue
    if record:
        record.write(json.dumps(tup["tuple"], separators=(",", ":")) + "\n")
        record.flush()
    p.ack(tup["id"])
