"""Floods stderr: after reading the handshake and before answering it, writes
STDERR_LINES (default 10,000) lines of about 200 characters to stderr (2 MB,
far more than a pipe holds, so it only finishes if the parent keeps reading
stderr), then completes the handshake and behaves as echo_bolt.py (emits
each tuple's values anchored, on its stream, then acks; heartbeats answered
with sync; NEED_TASK_IDS=0 as in proto.py).
"""

import os
import sys

from proto import Proto, is_heartbeat

lines = int(os.environ.get("STDERR_LINES", "10000"))

p = Proto()
p.handshake(reply=False)
filler = "x" * 180
for i in range(lines):
    sys.stderr.write("stderr spam line %6d %s\n" % (i, filler))
sys.stderr.flush()
p.reply_pid()

while True:
    tup = p.read_tuple()
    if is_heartbeat(tup):
        p.sync()
        continue
    p.emit(tup["tuple"], anchors=[tup["id"]], stream=tup.get("stream"))
    p.ack(tup["id"])
