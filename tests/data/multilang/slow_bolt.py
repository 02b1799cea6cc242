"""Slow bolt: per tuple sleeps SLEEP_MS milliseconds (default 5), then emits
its values anchored (on its stream) and acks it, writing both at once.
Heartbeats are answered with sync. NEED_TASK_IDS=0 as in proto.py.
"""

import os
import time

from proto import Proto, is_heartbeat

sleep_s = float(os.environ.get("SLEEP_MS", "5")) / 1000.0

p = Proto()
p.handshake()

while True:
    tup = p.read_tuple()
    if is_heartbeat(tup):
        p.sync()
        p.flush()
        continue
    time.sleep(sleep_s)
    p.emit(tup["tuple"], anchors=[tup["id"]], stream=tup.get("stream"))
    p.ack(tup["id"])
    p.flush()
