"""Sends the side commands for every tuple, then acks it (emits nothing).

VALUE is the tuple's first value (a string as is, anything else as JSON).
Per tuple, in this order:
  {"command": "log", "msg": "saw VALUE", "level": 3}
  {"command": "error", "msg": "bad value VALUE"}        (every 10th tuple: 10th, 20th, ...)
  {"command": "metrics", "name": "values_seen", "params": 1}
  {"command": "ack", "id": ...}
Heartbeats are answered with sync.
"""

import json

from proto import Proto, is_heartbeat

p = Proto()
p.handshake()
seen = 0

while True:
    tup = p.read_tuple()
    if is_heartbeat(tup):
        p.sync()
        continue
    seen += 1
    values = tup["tuple"]
    value = values[0] if values else None
    text = value if isinstance(value, str) else json.dumps(value)
    p.send({"command": "log", "msg": "saw %s" % text, "level": 3})
    if seen % 10 == 0:
        p.send({"command": "error", "msg": "bad value %s" % text})
    p.send({"command": "metrics", "name": "values_seen", "params": 1})
    p.ack(tup["id"])
