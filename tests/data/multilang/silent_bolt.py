"""Hangs: completes the handshake, then reads stdin until it closes and never
writes anything again (no sync for heartbeats, no acks).
"""

import os

from proto import Proto

p = Proto()
p.handshake()
while os.read(0, 1 << 16):
    pass
