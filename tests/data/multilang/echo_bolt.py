"""Echo bolt: emits every tuple's values unchanged, anchored to it, then acks it.

- Output stream: the tuple's own stream, or OUT_STREAM when set.
- NEED_TASK_IDS=0: emits carry "need_task_ids": false. Otherwise the task-id
  list answering each emit is read (tuples arriving meanwhile are queued) and,
  when TASK_IDS_LOG names a file, appended to it as one JSON line.
- Logs "echo bolt ready taskid=N" (level 2) once after the handshake.
- Heartbeats are answered with sync; when HEARTBEAT_LOG names a file, a line
  "heartbeat <unix time>" is appended to it per heartbeat.
"""

import json
import os
import time

from proto import NEED_TASK_IDS, Proto, append_line, is_heartbeat

out_stream = os.environ.get("OUT_STREAM") or None
task_ids_log = os.environ.get("TASK_IDS_LOG")
heartbeat_log = os.environ.get("HEARTBEAT_LOG")

p = Proto()
p.handshake()
p.log("echo bolt ready taskid=%s" % p.context.get("taskid"), 2)
p.flush()

while True:
    tup = p.read_tuple()
    if is_heartbeat(tup):
        p.sync()
        if heartbeat_log:
            append_line(heartbeat_log, "heartbeat %.3f" % time.time())
        continue
    ids = p.emit(tup["tuple"], anchors=[tup["id"]], stream=out_stream or tup.get("stream"))
    if ids is not None and task_ids_log:
        append_line(task_ids_log, json.dumps(ids))
    p.ack(tup["id"])
