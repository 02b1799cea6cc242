'use strict';
/**
 * Count bolt of the wordcount-multilang example (a TopoLab shell-bolt).
 *
 * Input: [word]; the stream into it is grouped on `word`, so every
 * occurrence of a word reaches the same instance. Output: [word, count],
 * the running count of that word at this instance, anchored to the input
 * (BasicBolt anchors and acks).
 */

const { BasicBolt, run } = require('./topolab_multilang');

class WordCount extends BasicBolt {
  initialize(conf, context) {
    this.counts = new Map();
    this.log(`word count task ${this.taskId} ready`);
  }

  process(tup) {
    const word = tup.values[0];
    const count = (this.counts.get(word) || 0) + 1;
    this.counts.set(word, count);
    this.emit([word, count]);
  }
}

run(new WordCount());
