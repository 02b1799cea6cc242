"""Sentence spout of the wordcount-multilang example (a TopoLab shell-spout).

Emits English sentences from a fixed list, cycling through it, one field:
``sentence``. Every tuple carries an id, so it is tracked: an acked id is
forgotten, a failed id is emitted again (same sentence, same id).

Environment:
  SENTENCES  how many distinct sentences to emit in total (0 or unset: endless)
  RATE       sentences per second (0 or unset: as fast as the topology takes them)
"""

import os
import time
from collections import deque

from topolab_multilang import Spout

SENTENCES = [
    "the cow jumped over the moon",
    "an apple a day keeps the doctor away",
    "four score and seven years ago",
    "snow white and the seven dwarfs",
    "i am at two with nature",
    "the quick brown fox jumps over the lazy dog",
    "to be or not to be that is the question",
    "all that glitters is not gold",
    "a journey of a thousand miles begins with a single step",
    "the early bird catches the worm",
]

# Most tuples emitted in answer to one "next": keeps a fast spout from
# running far ahead of the topology's max_pending.
MAX_PER_NEXT = 16


def env_int(name):
    value = os.environ.get(name, "").strip()
    return int(value) if value else 0


class SentenceSpout(Spout):
    def initialize(self, conf, context):
        self.total = env_int("SENTENCES")   # 0: endless
        self.rate = env_int("RATE")         # 0: unlimited
        self.emitted = 0                    # distinct sentences emitted so far
        self.pending = {}                   # id -> sentence, until acked
        self.replays = deque()              # failed ids to emit again
        # Token bucket for RATE: credit grows with time, one token per
        # sentence, at most a tenth of a second's worth saved up.
        self.tokens = 1.0
        self.refilled = time.monotonic()
        self.log("sentence spout task %s: total=%s rate=%s/s" % (
            self.task_id, self.total or "endless", self.rate or "unlimited"))

    def due(self):
        """How many new sentences may be emitted now."""
        if self.total and self.emitted >= self.total:
            return 0
        n = MAX_PER_NEXT
        if self.rate > 0:
            now = time.monotonic()
            self.tokens = min(self.tokens + (now - self.refilled) * self.rate,
                              max(1.0, self.rate / 10.0))
            self.refilled = now
            n = min(n, int(self.tokens))
        if self.total:
            n = min(n, self.total - self.emitted)
        return max(0, n)

    def next_tuple(self):
        # Replays first, then new sentences as the rate allows.
        while self.replays:
            tuple_id = self.replays.popleft()
            sentence = self.pending.get(tuple_id)
            if sentence is not None:
                self.emit([sentence], id=tuple_id, need_task_ids=False)
                return
        n = self.due()
        if self.rate > 0:
            self.tokens -= n
        for _ in range(n):
            tuple_id = str(self.emitted)
            sentence = SENTENCES[self.emitted % len(SENTENCES)]
            self.emitted += 1
            self.pending[tuple_id] = sentence
            self.emit([sentence], id=tuple_id, need_task_ids=False)

    def ack(self, tuple_id):
        self.pending.pop(tuple_id, None)

    def fail(self, tuple_id):
        if tuple_id in self.pending:
            self.replays.append(tuple_id)


if __name__ == "__main__":
    SentenceSpout().run()
