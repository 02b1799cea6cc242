"""Crashes once: an echo bolt (emits each tuple's values anchored, on its
stream, then acks) that exits with status 9 right after acking its
CRASH_AFTER-th tuple (default 100), with its output written.

With CRASH_FLAG_FILE set, only the first instance to get there crashes: it
creates that file (exclusively) before exiting, and an instance that finds it
already there, such as the restarted one, keeps running. Without
CRASH_FLAG_FILE every instance crashes after CRASH_AFTER tuples.
Heartbeats are answered with sync. NEED_TASK_IDS=0 as in proto.py.
"""

import os
import sys

from proto import Proto, is_heartbeat

crash_after = int(os.environ.get("CRASH_AFTER", "100"))
flag_file = os.environ.get("CRASH_FLAG_FILE")


def should_crash():
    if not flag_file:
        return True
    try:
        os.close(os.open(flag_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        return True
    except FileExistsError:
        return False


p = Proto()
p.handshake()
done = 0
armed = True

while True:
    tup = p.read_tuple()
    if is_heartbeat(tup):
        p.sync()
        continue
    p.emit(tup["tuple"], anchors=[tup["id"]], stream=tup.get("stream"))
    p.ack(tup["id"])
    done += 1
    if armed and done >= crash_after:
        armed = False
        if should_crash():
            p.flush()
            sys.stderr.write("crash_after_bolt: crashing after %d tuples\n" % done)
            sys.stderr.flush()
            os._exit(9)
