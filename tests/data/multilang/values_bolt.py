"""Values bolt: for each tuple emits, anchored to it on its stream,

    [values[0], values[1] (None when there is no second value),
     {"nested": values, "list": [1, 2.5, "x"]}]

then acks it: checks that values of every JSON type pass unchanged from
program to program. Heartbeats are answered with sync. NEED_TASK_IDS=0 as in
proto.py.
"""

from proto import Proto, is_heartbeat

p = Proto()
p.handshake()

while True:
    tup = p.read_tuple()
    if is_heartbeat(tup):
        p.sync()
        continue
    values = tup["tuple"]
    out = [values[0] if values else None,
           values[1] if len(values) > 1 else None,
           {"nested": values, "list": [1, 2.5, "x"]}]
    p.emit(out, anchors=[tup["id"]], stream=tup.get("stream"))
    p.ack(tup["id"])
