'use strict';
/**
 * Echo bolt in Node.js, raw protocol (no adapter): emits every tuple's
 * values unchanged, anchored to it, on its stream, then acks it.
 *
 * Logs "echo bolt ready taskid=N" (level 2) after the handshake; heartbeats
 * are answered with sync. NEED_TASK_IDS=0 sends "need_task_ids": false;
 * otherwise the task-id lists coming back (JSON arrays, in emit order,
 * possibly between tuples) are read and dropped. Output is written once per
 * chunk of input. Exits when stdin closes.
 */

const fs = require('fs');
const path = require('path');

const END = '\nend\n';
const needTaskIds = process.env.NEED_TASK_IDS !== '0';

let out = [];
let partial = '';
let handshakeDone = false;

function send(json) {
  out.push(json, END);
}

function flush() {
  if (out.length > 0) {
    process.stdout.write(out.join(''));
    out = [];
  }
}

function handle(msg) {
  if (!handshakeDone) {
    handshakeDone = true;
    if (msg.pidDir) fs.closeSync(fs.openSync(path.join(msg.pidDir, String(process.pid)), 'w'));
    send(JSON.stringify({ pid: process.pid }));
    const taskid = msg.context ? msg.context.taskid : undefined;
    send(JSON.stringify({ command: 'log', msg: 'echo bolt ready taskid=' + taskid, level: 2 }));
    return;
  }
  if (Array.isArray(msg)) return; // task ids of an earlier emit
  if (msg.stream === '__heartbeat' && msg.task === -1) {
    send('{"command":"sync"}');
    return;
  }
  const emit = { command: 'emit', anchors: [msg.id], stream: msg.stream, tuple: msg.tuple };
  if (!needTaskIds) emit.need_task_ids = false;
  send(JSON.stringify(emit));
  send(JSON.stringify({ command: 'ack', id: msg.id }));
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  const text = partial + chunk;
  let start = 0;
  let end;
  while ((end = text.indexOf(END, start)) >= 0) {
    const body = text.slice(start, end);
    start = end + END.length;
    if (body.trim() !== '') handle(JSON.parse(body));
  }
  partial = text.slice(start);
  flush();
});
process.stdin.on('end', () => process.exitCode = 0);
