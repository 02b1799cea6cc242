"""Split bolt of the wordcount-multilang example (a TopoLab shell-bolt).

Input: ``[sentence]``. Output: one ``[word]`` per word, lower-cased with
surrounding punctuation removed, each anchored to the sentence; the sentence
is acked once its words are emitted (BasicBolt does the anchoring and acking).
"""

import string

from topolab_multilang import BasicBolt

PUNCTUATION = string.punctuation + "\u201c\u201d\u2018\u2019"


class SplitSentence(BasicBolt):
    def process(self, tup):
        for token in str(tup.values[0]).split():
            word = token.strip(PUNCTUATION).lower()
            if word:
                # Task ids are not used: skip the round trip they cost.
                self.emit([word], need_task_ids=False)


if __name__ == "__main__":
    SplitSentence().run()
