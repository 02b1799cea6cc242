"""Reliable counting spout: emits ["k<i>", i] with id "<i>" for i in
0..COUNT-1 (COUNT default 1000), BATCH tuples per "next" (default 1), then
nothing (it sleeps 1 ms on each "next" with nothing to emit).

A failed id is emitted again, same values and id, at the next "next"
(before any new tuple); an acked id is done. When SPOUT_LOG names a file, a
line is appended to it for every "ack ID", "fail ID", "activate" and
"deactivate". NEED_TASK_IDS=0 sends "need_task_ids": false; otherwise the
task ids answering each emit are read. Every command is answered with sync.
"""

import os
import time
from collections import deque

from proto import Proto, append_line

count = int(os.environ.get("COUNT", "1000"))
batch = max(1, int(os.environ.get("BATCH", "1")))
spout_log = os.environ.get("SPOUT_LOG")

p = Proto()
p.handshake()
next_i = 0          # next new tuple
replays = deque()   # failed ids, to emit again


def note(line):
    if spout_log:
        append_line(spout_log, line)


def emit(i):
    p.emit(["k%d" % i, i], id=str(i))


while True:
    msg = p.read_tuple()
    command = msg.get("command")
    if command == "next":
        sent = 0
        while replays and sent < batch:
            emit(replays.popleft())
            sent += 1
        while next_i < count and sent < batch:
            emit(next_i)
            next_i += 1
            sent += 1
        if sent == 0:
            time.sleep(0.001)
    elif command == "ack":
        note("ack %s" % msg.get("id"))
    elif command == "fail":
        note("fail %s" % msg.get("id"))
        replays.append(int(msg.get("id")))
    elif command in ("activate", "deactivate"):
        note(command)
    p.sync()
    p.flush()
