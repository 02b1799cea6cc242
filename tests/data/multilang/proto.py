"""Raw multilang wire I/O shared by the test programs in this folder.

Deliberately small and independent of the example adapter
(resources/examples/wordcount-multilang/topolab_multilang.py), so the
engine's tests check the wire format on their own. The programs build the
protocol messages themselves; this module only frames them:

  * every message is JSON followed by a line ``end`` (both directions);
  * the first message from the parent is the handshake, answered with the
    pid after creating an empty file named with the pid in ``pidDir``;
  * a task-id answer (a JSON array) may arrive while the program waits for
    a tuple and a tuple while it waits for task ids, so each kind read out
    of turn is queued for later.

Output is buffered and written when the program is about to wait for input
(or when 64 KiB are waiting, or on an explicit ``flush()``), so a program
that keeps up with its input answers many tuples with one write.

Environment understood by ``emit`` here: ``NEED_TASK_IDS=0`` sends
``"need_task_ids": false`` with every non-direct emit; otherwise the task
ids are read back after each such emit.

When the parent closes stdin the program exits with status 0.
"""

import codecs
import json
import os
import sys
from collections import deque

END = "\nend\n"


def _make_encoder():
    """Compact JSON encoding. json.dumps builds a new encoder for every call;
    reusing CPython's C encoder object halves the cost of an emit."""
    compact = json.JSONEncoder(separators=(",", ":"))
    try:
        from json.encoder import c_make_encoder, encode_basestring_ascii
        c_encoder = c_make_encoder(None, compact.default, encode_basestring_ascii, None,
                                   ":", ",", False, False, True)
    except (ImportError, TypeError):
        return compact.encode

    def encode(value):
        if isinstance(value, str):
            return encode_basestring_ascii(value)
        return "".join(c_encoder(value, 0))
    return encode


_encode = _make_encoder()

NEED_TASK_IDS = os.environ.get("NEED_TASK_IDS", "1") != "0"


class Proto:
    def __init__(self):
        self._buf = ""            # text read, not yet consumed
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._pos = 0             # start of the next unread message in _buf
        self._scan = 0            # where to resume looking for "\nend\n"
        self._out = []            # encoded messages not yet written
        self._out_len = 0
        self.tuples = deque()     # tuples/commands read while waiting for task ids
        self.task_ids = deque()   # task-id lists read while waiting for tuples
        self.setup = None

    # -- framing ---------------------------------------------------------

    def write(self, text):
        """Queue one message given as JSON text."""
        self._out.append(text)
        self._out.append("\nend\n")
        self._out_len += len(text) + 5
        if self._out_len >= 65536:
            self.flush()

    def send(self, msg):
        """Queue one message given as a JSON-encodable value."""
        self.write(_encode(msg))

    def flush(self):
        if not self._out:
            return
        data = memoryview("".join(self._out).encode("utf-8"))
        self._out.clear()
        self._out_len = 0
        while data:
            data = data[os.write(1, data):]

    def has_input(self):
        """True if a complete message is buffered (reading it won't block)."""
        return bool(self.tuples) or self._buf.find(END, max(self._scan, self._pos)) >= 0

    def read(self):
        """Next raw message (dict or list). Exits quietly at end of input."""
        while True:
            end = self._buf.find(END, max(self._scan, self._pos))
            if end >= 0:
                text = self._buf[self._pos:end]
                self._pos = self._scan = end + 5
                return json.loads(text)
            # No complete message: keep the partial one, write our output
            # (the parent may be waiting for it), then wait for more input.
            self._buf = self._buf[self._pos:]
            self._pos = 0
            self._scan = max(0, len(self._buf) - 4)
            self.flush()
            chunk = os.read(0, 1 << 18)
            if not chunk:
                sys.exit(0)
            self._buf += self._utf8.decode(chunk)

    # -- protocol ----------------------------------------------------------

    def handshake(self, reply=True):
        """Read the setup message; create the pid file and answer the pid
        unless reply is false (then call reply_pid() later)."""
        self.setup = self.read()
        if reply:
            self.reply_pid()
        return self.setup

    def reply_pid(self):
        pid = os.getpid()
        pid_dir = self.setup.get("pidDir")
        if pid_dir:
            open(os.path.join(pid_dir, str(pid)), "w").close()
        self.send({"pid": pid})
        self.flush()

    @property
    def context(self):
        return self.setup.get("context") or {}

    def read_tuple(self):
        """Next tuple (or spout command); task-id lists met on the way are queued."""
        if self.tuples:
            return self.tuples.popleft()
        while True:
            msg = self.read()
            if isinstance(msg, list):
                self.task_ids.append(msg)
            else:
                return msg

    def read_task_ids(self):
        """The task ids answering the oldest unanswered emit; tuples met on
        the way are queued."""
        if self.task_ids:
            return self.task_ids.popleft()
        while True:
            msg = self.read()
            if isinstance(msg, list):
                return msg
            self.tuples.append(msg)

    def emit(self, values, anchors=None, stream=None, task=None, id=None):
        """Send an emit. Returns the task ids for a non-direct emit when
        NEED_TASK_IDS is not 0, else None."""
        msg = {"command": "emit"}
        if anchors is not None:
            msg["anchors"] = anchors
        if id is not None:
            msg["id"] = id
        if stream is not None:
            msg["stream"] = stream
        if task is not None:
            msg["task"] = task
        elif not NEED_TASK_IDS:
            msg["need_task_ids"] = False
        msg["tuple"] = values
        self.send(msg)
        if task is None and NEED_TASK_IDS:
            return self.read_task_ids()
        return None

    def ack(self, tuple_id):
        self.write('{"command":"ack","id":%s}' % _encode(tuple_id))

    def fail(self, tuple_id):
        self.write('{"command":"fail","id":%s}' % _encode(tuple_id))

    def sync(self):
        self.write('{"command":"sync"}')

    def log(self, msg, level=2):
        self.send({"command": "log", "msg": msg, "level": level})


def is_heartbeat(msg):
    return msg.get("stream") == "__heartbeat" and msg.get("task") == -1


def append_line(path, line):
    """Append one line to a file and make it visible at once."""
    with open(path, "a") as f:
        f.write(line + "\n")
