"""Direct-emit bolt: emits every tuple's values to one task with "task": N
(a direct emit, so no task ids come back), anchored to it, then acks it.

N is DIRECT_TASK when set. Otherwise it is found in the context: the first
target component of this bolt's output (the "default" stream when it has
targets, else the first stream in name order; targets in name order) in
"stream->target->grouping", and the smallest of that component's task ids in
"task->component". Emits go on that stream. Logs "direct bolt sends to task
N" (level 2) after the handshake; without any target it reports an error and
exits with status 2. Heartbeats are answered with sync.
"""

import os
import sys

from proto import Proto, is_heartbeat

p = Proto()
p.handshake()
ctx = p.context

targets = ctx.get("stream->target->grouping") or {}
streams = sorted(targets, key=lambda s: (s != "default", s))
stream = next((s for s in streams if targets[s]), None)

if os.environ.get("DIRECT_TASK"):
    task = int(os.environ["DIRECT_TASK"])
else:
    task = None
    if stream is not None:
        component = sorted(targets[stream])[0]
        tasks = [int(t) for t, c in (ctx.get("task->component") or {}).items() if c == component]
        task = min(tasks) if tasks else None
    if task is None:
        p.send({"command": "error", "msg": "direct bolt: no downstream task in the context"})
        p.flush()
        sys.exit(2)

p.log("direct bolt sends to task %d" % task, 2)
p.flush()

while True:
    tup = p.read_tuple()
    if is_heartbeat(tup):
        p.sync()
        continue
    p.emit(tup["tuple"], anchors=[tup["id"]], stream=stream, task=task)
    p.ack(tup["id"])
