"""Dies during the handshake: reads the setup message, writes "starting" to
stderr and exits with status 3 without answering the pid.
"""

import os
import sys

from proto import Proto

Proto().handshake(reply=False)
sys.stderr.write("starting\n")
sys.stderr.flush()
os._exit(3)
