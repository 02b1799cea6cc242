"""Breaks the protocol: completes the handshake, answers heartbeats until the
first tuple, then writes the line "this is not json" followed by "end", and
after that only reads its input (never answering) until stdin closes.
"""

import os

from proto import Proto, is_heartbeat

p = Proto()
p.handshake()

while True:
    tup = p.read_tuple()
    if is_heartbeat(tup):
        p.sync()
        continue
    break

p.write("this is not json")
p.flush()
while os.read(0, 1 << 16):
    pass
