"""Write TopoLab shell components (``shell-spout`` / ``shell-bolt``) in Python.

This module speaks Storm's multilang protocol over stdin/stdout, so a program
written with it runs under TopoLab and under Storm alike. Standard library
only: copy this file next to your scripts.

The protocol in one paragraph: every message is a JSON value followed by a
line ``end``, in both directions. The parent starts with a handshake
(``conf``, ``pidDir``, ``context``); the program creates an empty file named
with its pid in ``pidDir`` and answers ``{"pid": N}``. A bolt then receives
tuples whenever they come and may write ``emit``, ``ack``, ``fail``, ``log``,
``error`` and ``metrics`` at any time; heartbeat tuples (stream
``__heartbeat``) are answered with ``sync``. A spout is driven one command
at a time (``next``, ``ack``, ``fail``, ``activate``, ``deactivate``) and
ends each answer with ``sync``. After an emit without a direct task the
parent sends the ids of the tasks the tuple went to, as a JSON array, unless
the emit said ``"need_task_ids": false``.

A bolt::

    from topolab_multilang import BasicBolt

    class Upper(BasicBolt):
        def process(self, tup):
            self.emit([tup.values[0].upper()], need_task_ids=False)

    Upper().run()

A spout::

    from topolab_multilang import Spout

    class Numbers(Spout):
        def initialize(self, conf, context):
            self.n = 0

        def next_tuple(self):
            self.emit([self.n], id=str(self.n), need_task_ids=False)
            self.n += 1

    Numbers().run()

Performance notes. Output is buffered and written when the program is about
to wait for input (and at the latest every few milliseconds or 64 KiB), so a
bolt that keeps up with its input writes the emits and acks of many tuples
with one system call, and one that falls behind still answers promptly.
Input is read in large chunks and split on the ``end`` lines. Asking for
task ids costs a round trip to the parent per emit: pass
``need_task_ids=False`` when you do not use them.

Anything the program prints with ``print()`` goes to stderr (the real stdout
carries the protocol and is kept for it), so stray prints cannot corrupt the
protocol.
"""

import codecs
import json
import os
import sys
import time
import traceback
from collections import deque

__all__ = [
    "Tuple", "Bolt", "BasicBolt", "Spout",
    "emit", "ack", "fail", "log", "report_error", "metrics",
    "TRACE", "DEBUG", "INFO", "WARN", "ERROR",
]

# Log levels of the "log" command.
TRACE, DEBUG, INFO, WARN, ERROR = 0, 1, 2, 3, 4

HEARTBEAT_STREAM = "__heartbeat"

# Output waiting longer than this, or bigger than this, is written even if
# more input is ready to be processed.
_FLUSH_AFTER_S = 0.002
_FLUSH_AFTER_BYTES = 64 * 1024
_READ_SIZE = 256 * 1024
_END = "\nend\n"


def _make_encoder():
    """Compact JSON encoding. json.dumps builds a new encoder for every
    call; reusing CPython's C encoder object halves the cost of an emit
    (with a plain fallback for other Pythons)."""
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
_decode = json.loads


class ProtocolError(Exception):
    """The parent sent something that is not the multilang protocol."""


class _Channel:
    """Framed JSON messages over two file descriptors.

    Reading: bytes are read in large chunks, decoded (UTF-8, incrementally,
    so a character split between two reads is kept whole) and appended to
    ``_buf``; ``_pos`` is where the next unread message starts. Writing:
    encoded messages are collected in ``_out`` and written together by
    ``flush()``.
    """

    def __init__(self, fd_in, fd_out):
        self._in = fd_in
        self._outfd = fd_out
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._buf = ""
        self._pos = 0
        self._scan = 0          # where to resume looking for the next "end" line
        self._out = []
        self._out_bytes = 0
        self._out_since = 0.0   # when the oldest unwritten message was queued

    # -- writing ---------------------------------------------------------

    def send(self, msg):
        """Queue one message (any JSON-encodable value)."""
        self.send_raw(_encode(msg))

    def send_raw(self, text):
        """Queue one message already encoded as JSON text."""
        if not self._out:
            self._out_since = time.monotonic()
        self._out.append(text)
        self._out.append("\nend\n")
        self._out_bytes += len(text) + 5
        if self._out_bytes >= _FLUSH_AFTER_BYTES:
            self.flush()

    def flush(self):
        """Write everything queued, in one system call when the pipe allows."""
        if not self._out:
            return
        data = memoryview("".join(self._out).encode("utf-8"))
        self._out.clear()
        self._out_bytes = 0
        while data:
            n = os.write(self._outfd, data)
            data = data[n:]

    def flush_if_due(self):
        """Flush when the parent would otherwise wait on us: no complete
        message is waiting to be processed, or output has waited too long."""
        if self._out and (not self.has_message()
                          or time.monotonic() - self._out_since >= _FLUSH_AFTER_S):
            self.flush()

    # -- reading ---------------------------------------------------------

    def has_message(self):
        """True if a complete message is already buffered (no blocking)."""
        return self._buf.find(_END, max(self._scan, self._pos)) >= 0

    def read(self):
        """Return the next message, decoded. Flushes pending output before
        it blocks; raises EOFError when the parent closed our stdin."""
        while True:
            # A message ends at a line "end": find "\nend\n" (the newline
            # before "end" ends the JSON text's last line).
            end = self._buf.find(_END, max(self._scan, self._pos))
            if end >= 0:
                text = self._buf[self._pos:end]
                self._pos = self._scan = end + 5
                if not text.strip():
                    continue  # an empty message: nothing to decode
                try:
                    return _decode(text)
                except ValueError as e:
                    raise ProtocolError("not JSON: %r (%s)" % (text[:200], e))
            # Incomplete: keep the partial message, remember how far we
            # looked, write our output (the parent may be waiting for it),
            # then block.
            self._buf = self._buf[self._pos:]
            self._pos = 0
            self._scan = max(0, len(self._buf) - 4)
            self.flush()
            chunk = os.read(self._in, _READ_SIZE)
            if not chunk:
                raise EOFError("stdin closed")
            self._buf += self._utf8.decode(chunk)


class Tuple:
    """A tuple received by a bolt."""

    __slots__ = ("id", "component", "stream", "task", "values")

    def __init__(self, id, component, stream, task, values):
        self.id = id                # string id, used for ack/fail/anchors
        self.component = component  # id of the component that emitted it
        self.stream = stream        # stream it was emitted on
        self.task = task            # task id of the emitting instance
        self.values = values        # list of field values

    def is_heartbeat(self):
        return self.task == -1 and self.stream == HEARTBEAT_STREAM

    def __repr__(self):
        return "Tuple(id=%r, component=%r, stream=%r, task=%r, values=%r)" % (
            self.id, self.component, self.stream, self.task, self.values)


def _id_of(t):
    """A tuple id from a Tuple or an id."""
    return t.id if isinstance(t, Tuple) else t


class _Component:
    """What bolts and spouts share: the channel, the handshake, the output
    commands, and the queues that keep task-id answers apart from commands."""

    _is_spout = False

    def __init__(self):
        self.conf = {}
        self.context = {}
        self.task_id = None
        self.component_id = None
        self._chan = None
        # Commands (tuples, spout commands) read while waiting for task ids,
        # and task-id lists read while waiting for commands. Both arrive in
        # order, so each queue is consumed first in, first out.
        self._pending_commands = deque()
        self._pending_task_ids = deque()
        self._emitted = 0   # emits since the last spout command (idle detection)

    # -- overridable -----------------------------------------------------

    def initialize(self, conf, context):
        """Called once after the handshake. ``context`` holds ``taskid``,
        ``componentid``, ``task->component`` and the stream/grouping maps."""

    # -- output commands -------------------------------------------------

    def emit(self, values, stream=None, anchors=None, direct_task=None,
             need_task_ids=True, id=None):
        """Emit a tuple (a list of values).

        stream: stream id; omitted means "default".
        anchors: bolts only; input tuples (or their ids) the new tuple
            descends from. A BasicBolt anchors to the current input when
            anchors is None.
        direct_task: send to this task (the stream must be direct); the
            parent answers no task ids then.
        need_task_ids: when true, wait for and return the list of task ids
            the tuple went to; when false, return None at once.
        id: spouts only; the tuple's id, which makes the emit reliable (the
            spout is told ack(id) or fail(id) later).
        """
        msg = {"command": "emit"}
        if self._is_spout:
            if anchors is not None:
                raise ValueError("a spout emit has no anchors")
            if id is not None:
                msg["id"] = id
        else:
            if id is not None:
                raise ValueError("a bolt emit has no id; use anchors")
            if anchors is None:
                anchors = self._default_anchors()
            msg["anchors"] = [_id_of(a) for a in anchors]
        if stream is not None:
            msg["stream"] = stream
        if direct_task is not None:
            msg["task"] = direct_task
        want_ids = need_task_ids and direct_task is None
        if not want_ids and direct_task is None:
            msg["need_task_ids"] = False
        msg["tuple"] = values
        self._emitted += 1
        self._chan.send(msg)
        if not want_ids:
            return None
        return self._read_task_ids()

    def ack(self, tup):
        """Acknowledge an input tuple (a Tuple or its id). Bolts only."""
        self._chan.send_raw('{"command":"ack","id":%s}' % _encode(_id_of(tup)))

    def fail(self, tup):
        """Fail an input tuple (a Tuple or its id); its tree is replayed.
        Bolts only."""
        self._chan.send_raw('{"command":"fail","id":%s}' % _encode(_id_of(tup)))

    def log(self, msg, level=INFO):
        """Write ``msg`` to the component's log (levels TRACE..ERROR)."""
        self._chan.send({"command": "log", "msg": str(msg), "level": level})

    def report_error(self, msg):
        """Report an error; it is counted and shown with the component."""
        self._chan.send({"command": "error", "msg": str(msg)})

    def metrics(self, name, params):
        """Send a custom metric update (``params`` is any JSON value)."""
        self._chan.send({"command": "metrics", "name": name, "params": params})

    def flush(self):
        """Write buffered output now (normally not needed: output is written
        whenever the program would wait for input)."""
        self._chan.flush()

    # -- plumbing --------------------------------------------------------

    def _default_anchors(self):
        return ()

    def _read_task_ids(self):
        if self._pending_task_ids:
            return self._pending_task_ids.popleft()
        while True:
            msg = self._chan.read()
            if isinstance(msg, list):
                return msg
            self._pending_commands.append(msg)

    def _read_command(self):
        if self._pending_commands:
            return self._pending_commands.popleft()
        while True:
            msg = self._chan.read()
            if not isinstance(msg, list):
                return msg
            self._pending_task_ids.append(msg)

    def _handshake(self):
        setup = self._chan.read()
        if not isinstance(setup, dict):
            raise ProtocolError("handshake expected, got %r" % (setup,))
        self.conf = setup.get("conf") or {}
        self.context = setup.get("context") or {}
        self.task_id = self.context.get("taskid")
        self.component_id = self.context.get("componentid")
        pid = os.getpid()
        pid_dir = setup.get("pidDir")
        if pid_dir:
            open(os.path.join(pid_dir, str(pid)), "w").close()
        self._chan.send({"pid": pid})
        self._chan.flush()

    def run(self):
        """Speak the protocol on stdin/stdout until stdin closes."""
        global _current
        _current = self
        # Keep the real stdout for the protocol; print() goes to stderr.
        out_fd = os.dup(sys.stdout.fileno())
        sys.stdout.flush()
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
        self._chan = _Channel(sys.stdin.fileno(), out_fd)
        try:
            self._handshake()
            self.initialize(self.conf, self.context)
            self._loop()
        except EOFError:
            pass  # the parent is done with us
        except Exception:
            # Tell the parent, then die: the instance is restarted and its
            # in-flight tuples replayed.
            text = traceback.format_exc()
            sys.stderr.write(text)
            try:
                self.report_error(text)
                self._chan.flush()
            except Exception:
                pass
            sys.stderr.flush()
            os._exit(1)
        try:
            self._chan.flush()
        except OSError:
            pass

    def _loop(self):
        raise NotImplementedError


class Bolt(_Component):
    """A bolt that acks and fails itself: override ``process(tup)`` and call
    ``self.ack(tup)`` (or ``self.fail(tup)``) for every input, now or later.
    An exception from ``process`` is reported and ends the program."""

    def process(self, tup):
        raise NotImplementedError

    def _loop(self):
        chan = self._chan
        read = self._read_command
        process = self.process
        while True:
            msg = read()
            if msg.get("stream") == HEARTBEAT_STREAM and msg.get("task") == -1:
                chan.send_raw('{"command":"sync"}')
            else:
                process(Tuple(msg.get("id"), msg.get("comp"), msg.get("stream"),
                              msg.get("task"), msg.get("tuple")))
            chan.flush_if_due()


class BasicBolt(Bolt):
    """A bolt for the common case: emits made while processing a tuple are
    anchored to it, the tuple is acked when ``process`` returns, and failed
    (with the error reported) when ``process`` raises."""

    _current_input = None

    def _default_anchors(self):
        cur = self._current_input
        return (cur.id,) if cur is not None else ()

    def _loop(self):
        chan = self._chan
        read = self._read_command
        process = self.process
        while True:
            msg = read()
            if msg.get("stream") == HEARTBEAT_STREAM and msg.get("task") == -1:
                chan.send_raw('{"command":"sync"}')
                chan.flush_if_due()
                continue
            tup = Tuple(msg.get("id"), msg.get("comp"), msg.get("stream"),
                        msg.get("task"), msg.get("tuple"))
            self._current_input = tup
            try:
                process(tup)
            except Exception:
                self.report_error(traceback.format_exc())
                self.fail(tup)
            else:
                self.ack(tup)
            finally:
                self._current_input = None
            chan.flush_if_due()


class Spout(_Component):
    """A spout: override ``next_tuple()`` (emit zero or more tuples) and, for
    reliable emits (``emit(values, id=...)``), ``ack(id)`` and ``fail(id)``.
    When ``next_tuple`` emits nothing the adapter sleeps ``idle_sleep_s``
    before answering, so an idle spout does not spin."""

    _is_spout = True
    idle_sleep_s = 0.002

    def next_tuple(self):
        pass

    def ack(self, id):
        """The tuple emitted with this id was fully processed."""

    def fail(self, id):
        """The tuple emitted with this id failed or timed out."""

    def activate(self):
        pass

    def deactivate(self):
        pass

    def _loop(self):
        chan = self._chan
        while True:
            msg = self._read_command()
            command = msg.get("command")
            if command == "next":
                self._emitted = 0
                self.next_tuple()
                if self._emitted == 0 and self.idle_sleep_s > 0:
                    time.sleep(self.idle_sleep_s)
            elif command == "ack":
                self.ack(msg.get("id"))
            elif command == "fail":
                self.fail(msg.get("id"))
            elif command == "activate":
                self.activate()
            elif command == "deactivate":
                self.deactivate()
            else:
                self.log("unknown spout command %r" % (command,), WARN)
            chan.send_raw('{"command":"sync"}')
            chan.flush()


# Module-level shortcuts acting on the running component, for code that
# does not hold a reference to it.
_current = None


def _running():
    if _current is None:
        raise RuntimeError("no component is running (call MyComponent().run())")
    return _current


def emit(values, stream=None, anchors=None, direct_task=None, need_task_ids=True, id=None):
    return _running().emit(values, stream=stream, anchors=anchors, direct_task=direct_task,
                           need_task_ids=need_task_ids, id=id)


def ack(tup):
    _running().ack(tup)


def fail(tup):
    _running().fail(tup)


def log(msg, level=INFO):
    _running().log(msg, level)


def report_error(msg):
    _running().report_error(msg)


def metrics(name, params):
    _running().metrics(name, params)
