"""Recording sink bolt: appends each tuple's values as one JSON line to the
file named by RECORD_FILE (written and flushed before the ack), then acks
it; emits nothing. Without RECORD_FILE it only acks. Heartbeats are answered
with sync. When SETUP_FILE names a file, the handshake it got (conf, pidDir,
context) is written there as JSON first.
"""

import json
import os

from proto import Proto, is_heartbeat

path = os.environ.get("RECORD_FILE")
record = open(path, "a", encoding="utf-8") if path else None

p = Proto()
p.handshake()
if os.environ.get("SETUP_FILE"):
    with open(os.environ["SETUP_FILE"], "w", encoding="utf-8") as f:
        json.dump(p.setup, f)

while True:
    tup = p.read_tuple()
    if is_heartbeat(tup):
        p.sync()
        continue
    if record:
        record.write(json.dumps(tup["tuple"], separators=(",", ":")) + "\n")
        record.flush()
    p.ack(tup["id"])
