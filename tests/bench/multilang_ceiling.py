#!/usr/bin/env python3
"""The multilang protocol's throughput ceiling for one bolt process.

    python3 multilang_ceiling.py --tuples N [--window W] -- PROGRAM ARGS...

Starts PROGRAM, does the handshake as a shell-bolt parent would, then a
writer thread sends N tuples

    {"id":"<i>","comp":"gen","stream":"default","task":1,"tuple":["k<i%1000>",i]}

keeping at most W (default 1000) unanswered, while the main thread reads the
program's output until every tuple is acked (or failed). Emits asking for
task ids get [2]. Prints one JSON line:

    {"tuples": N, "seconds": S, "tuples_per_s": R}

("failed": F is added when the program failed tuples.) The parent side does
as little as possible, so this is the most any engine could get through the
same program; the engine's shell-bolt benchmark is compared against it. For
a pass-through Python bolt:

    NEED_TASK_IDS=0 python3 tests/bench/multilang_ceiling.py --tuples 200000 -- \\
        python3 tests/data/multilang/echo_bolt.py
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

END = b"\nend\n"
BATCH = 256  # tuples per write when the window allows

# The command of a message whose "command" key comes first, as both the
# compact and the default JSON encoders of Python and JavaScript write it.
COMMAND_FIRST = re.compile(rb'\{\s*"command"\s*:\s*"([a-z_]+)"')
ACK = b'{"command":"ack"'
EMIT = b'{"command":"emit"'
NO_TASK_IDS = b'"need_task_ids":false'


class Parent:
    def __init__(self, argv, window):
        self.window = window
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     bufsize=0)
        self.fd_in = self.proc.stdin.fileno()    # we write here
        self.fd_out = self.proc.stdout.fileno()  # we read here
        self.write_lock = threading.Lock()
        self.buf = bytearray()
        self.done = 0      # tuples acked or failed
        self.failed = 0
        self.cond = threading.Condition()
        self.piddir = tempfile.mkdtemp(prefix="multilang-ceiling-")

    def write(self, data):
        view = memoryview(data)
        with self.write_lock:
            while view:
                view = view[os.write(self.fd_in, view):]

    def read_message(self):
        """One decoded message (blocking)."""
        while True:
            end = self.buf.find(END)
            if end >= 0:
                text = bytes(self.buf[:end])
                del self.buf[:end + 5]
                return json.loads(text)
            chunk = os.read(self.fd_out, 1 << 16)
            if not chunk:
                raise EOFError("the program closed its stdout (exit status %s)" % self.proc.poll())
            self.buf += chunk

    def handshake(self):
        setup = {
            "conf": {"topology.message.timeout.secs": 30},
            "pidDir": self.piddir,
            "context": {
                "taskid": 1,
                "componentid": "bolt",
                "task->component": {"1": "bolt", "2": "sink", "3": "gen"},
                "streams": ["default"],
                "stream->outputfields": {"default": ["key", "value"]},
                "stream->target->grouping": {"default": {"sink": {"type": "SHUFFLE"}}},
                "source->stream->grouping": {"gen": {"default": {"type": "SHUFFLE"}}},
                "source->stream->fields": {"gen": {"default": ["key", "value"]}},
            },
        }
        self.write(json.dumps(setup).encode() + END)
        while True:
            msg = self.read_message()
            if isinstance(msg, dict) and "pid" in msg:
                return msg["pid"]

    def writer(self, n):
        """Send n tuples, never more than `window` unanswered."""
        sent = 0
        fmt = '{"id":"%d","comp":"gen","stream":"default","task":1,"tuple":["k%d",%d]}\nend\n'
        try:
            while sent < n:
                with self.cond:
                    while sent - self.done >= self.window:
                        self.cond.wait()
                    room = self.window - (sent - self.done)
                k = min(room, BATCH, n - sent)
                self.write("".join([fmt % (i, i % 1000, i) for i in range(sent, sent + k)]).encode())
                sent += k
        except (BrokenPipeError, OSError):
            pass  # the program died: the reader reports it

    def count_replies(self, n):
        """Read until n tuples are acked or failed."""
        rest = bytes(self.buf)  # what the handshake read past the pid
        done = 0
        while done < n:
            chunk = os.read(self.fd_out, 1 << 18)
            if not chunk:
                raise EOFError("the program closed its stdout after %d of %d tuples (exit status %s)"
                               % (done, n, self.proc.wait()))
            frames = (rest + chunk).split(END)
            rest = frames.pop()  # an incomplete message, or b""
            answered = 0
            for frame in frames:
                # Fast paths for the compact encodings of the two messages a
                # pass-through bolt writes; anything else is looked at closer.
                if frame.startswith(ACK):
                    answered += 1
                elif not (frame.startswith(EMIT) and NO_TASK_IDS in frame):
                    answered += self.slow_path(frame)
            if answered:
                done += answered
                with self.cond:
                    self.done = done
                    self.cond.notify()

    def slow_path(self, frame):
        """Handle a message not caught by the fast paths; returns how many
        tuples it answers (1 for ack and fail)."""
        head = COMMAND_FIRST.match(frame)
        command = head.group(1) if head else None
        if command is None or command == b"emit":
            msg = json.loads(frame) if frame.strip() else None
            if not isinstance(msg, dict):
                return 0
            command = str(msg.get("command")).encode()
            if command == b"emit" and msg.get("task") is None and msg.get("need_task_ids", True):
                self.write(b"[2]\nend\n")
        if command == b"ack":
            return 1
        if command == b"fail":
            self.failed += 1
            return 1
        return 0

    def stop(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for name in os.listdir(self.piddir):
            os.unlink(os.path.join(self.piddir, name))
        os.rmdir(self.piddir)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tuples", type=int, required=True, help="tuples to send")
    parser.add_argument("--window", type=int, default=1000, help="most tuples unanswered at once")
    parser.add_argument("program", nargs=argparse.REMAINDER, help="-- PROGRAM ARGS...")
    args = parser.parse_args()
    argv = args.program[1:] if args.program[:1] == ["--"] else args.program
    if not argv:
        parser.error("no program given (after --)")

    parent = Parent(argv, max(1, args.window))
    try:
        parent.handshake()
        start = time.perf_counter()
        threading.Thread(target=parent.writer, args=(args.tuples,), daemon=True).start()
        parent.count_replies(args.tuples)
        seconds = time.perf_counter() - start
    except EOFError as e:
        print("multilang_ceiling: %s" % e, file=sys.stderr)
        parent.stop()
        return 1
    parent.stop()
    result = {"tuples": args.tuples, "seconds": round(seconds, 4),
              "tuples_per_s": round(args.tuples / seconds) if seconds > 0 else None}
    if parent.failed:
        result["failed"] = parent.failed
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
