'use strict';
/**
 * Write TopoLab shell components (shell-spout / shell-bolt) in Node.js.
 *
 * This module speaks Storm's multilang protocol over stdin/stdout, so a
 * program written with it runs under TopoLab and under Storm alike. No npm
 * packages: copy this file next to your scripts.
 *
 * The protocol in one paragraph: every message is a JSON value followed by
 * a line "end", in both directions. The parent starts with a handshake
 * (conf, pidDir, context); the program creates an empty file named with its
 * pid in pidDir and answers {"pid": N}. A bolt then receives tuples whenever
 * they come and may write emit, ack, fail, log, error and metrics at any
 * time; heartbeat tuples (stream "__heartbeat") are answered with sync. A
 * spout is driven one command at a time (next, ack, fail, activate,
 * deactivate) and ends each answer with sync. After an emit without a
 * direct task the parent sends the ids of the tasks the tuple went to, as a
 * JSON array, unless the emit said "need_task_ids": false.
 *
 * A bolt:
 *
 *   const { BasicBolt, run } = require('./topolab_multilang');
 *   class Upper extends BasicBolt {
 *     process(tup) { this.emit([String(tup.values[0]).toUpperCase()]); }
 *   }
 *   run(new Upper());
 *
 * A spout:
 *
 *   const { Spout, run } = require('./topolab_multilang');
 *   class Numbers extends Spout {
 *     initialize() { this.n = 0; }
 *     nextTuple(done) { this.emit([this.n], { id: String(this.n++) }); done(); }
 *   }
 *   run(new Numbers());
 *
 * The API is event driven:
 *   - Input is handled strictly in arrival order. process(tup), nextTuple,
 *     ack, fail, activate, deactivate and initialize may return a Promise:
 *     the next input waits until it settles. Spout methods may instead take
 *     the `done` callback they are given and call it when finished.
 *   - emit(values, options, callback): task ids are asked for only when a
 *     callback is given (or options.needTaskIds is true); the callback gets
 *     the array when the parent answers. Otherwise the emit says
 *     need_task_ids: false and costs no round trip.
 *   - Heartbeats are answered as soon as they are read, even while a
 *     Promise returned by process() is pending.
 *   - Output is buffered and written once per turn of the event loop.
 *   - console.log/info/debug write to stderr: stdout carries the protocol.
 */

const fs = require('fs');
const path = require('path');

const LOG_LEVELS = Object.freeze({ trace: 0, debug: 1, info: 2, warn: 3, error: 4 });
const HEARTBEAT_STREAM = '__heartbeat';
const END = '\nend\n';

/** A tuple received by a bolt. */
class Tuple {
  constructor(id, component, stream, task, values) {
    this.id = id;               // string id, used for ack/fail/anchors
    this.component = component; // id of the component that emitted it
    this.stream = stream;       // stream it was emitted on
    this.task = task;           // task id of the emitting instance
    this.values = values;       // array of field values
  }

  isHeartbeat() {
    return this.task === -1 && this.stream === HEARTBEAT_STREAM;
  }
}

function idOf(t) {
  return t instanceof Tuple ? t.id : t;
}

function isThenable(x) {
  return x !== null && typeof x === 'object' && typeof x.then === 'function';
}

function errorText(err) {
  return err && err.stack ? String(err.stack) : String(err);
}

/**
 * Framed JSON messages over stdin/stdout. Incoming text is split on
 * "\nend\n"; each complete message goes to onMessage(parsed). Outgoing
 * messages are collected and written once per event-loop turn; while stdout
 * is full, stdin is paused so memory stays bounded.
 */
class Channel {
  constructor(onMessage, onClose) {
    this.onMessage = onMessage;
    this.onClose = onClose;
    this.partial = '';     // text of an incomplete message
    this.out = [];
    this.flushScheduled = false;
    this.closed = false;
  }

  start() {
    const stdin = process.stdin;
    stdin.setEncoding('utf8'); // keeps multi-byte characters split across chunks intact
    stdin.on('data', (chunk) => this.receive(chunk));
    stdin.on('end', () => this.close());
    process.stdout.on('error', () => this.close()); // parent went away
    process.stdout.on('drain', () => stdin.resume());
  }

  receive(chunk) {
    // Resume the search a few characters before the new chunk, where a
    // terminator may have started.
    let from = Math.max(0, this.partial.length - END.length + 1);
    let text = this.partial + chunk;
    let start = 0;
    let end;
    while ((end = text.indexOf(END, Math.max(start, from))) >= 0) {
      const body = text.slice(start, end);
      start = end + END.length;
      if (body.trim() === '') continue;
      let msg;
      try {
        msg = JSON.parse(body);
      } catch (e) {
        throw new Error('the parent sent something that is not JSON: ' + body.slice(0, 200));
      }
      this.onMessage(msg);
    }
    this.partial = start === 0 ? text : text.slice(start);
  }

  send(msg) {
    this.sendRaw(JSON.stringify(msg));
  }

  sendRaw(json) {
    this.out.push(json, END);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Write what is queued; `written` (optional) is called once it is out. */
  flush(written) {
    this.flushScheduled = false;
    if (this.closed || this.out.length === 0) {
      if (written) process.stdout.write('', written);
      return;
    }
    const data = this.out.join('');
    this.out = [];
    if (!process.stdout.write(data, written)) process.stdin.pause();
  }

  /** The parent closed our stdin (or stdout broke): write what is left, end. */
  close() {
    if (this.closed) return;
    this.flush(() => this.onClose());
    this.closed = true;
  }
}

/** What bolts and spouts share: handshake, input queue, output commands. */
class Component {
  constructor() {
    this.conf = {};
    this.context = {};
    this.taskId = null;
    this.componentId = null;
    this._channel = null;
    this._handshakeDone = false;
    this._queue = [];          // commands/tuples waiting for their turn
    this._queueHead = 0;
    this._busy = false;        // an input is being handled asynchronously
    this._taskIdCallbacks = []; // one per emit that asked for task ids, in order
    this._taskIdHead = 0;
    this._isSpout = false;
    this._emitted = 0;         // emits since the last spout command
    this._dying = false;
  }

  /** Called once after the handshake; may return a Promise. */
  initialize(conf, context) {}

  /**
   * Emit a tuple (an array of values).
   * options.stream: stream id (default "default").
   * options.anchors: bolts only; input tuples (or ids) the new tuple
   *   descends from. A BasicBolt anchors to the current input by default.
   * options.directTask: send to this task (the stream must be direct).
   * options.id: spouts only; the tuple id that makes the emit reliable.
   * options.needTaskIds: ask for task ids (implied by a callback).
   * callback(taskIds): called with the task ids the tuple went to.
   */
  emit(values, options, callback) {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    const opts = options || {};
    const msg = { command: 'emit' };
    if (this._isSpout) {
      if (opts.anchors !== undefined) throw new Error('a spout emit has no anchors');
      if (opts.id !== undefined && opts.id !== null) msg.id = opts.id;
    } else {
      if (opts.id !== undefined) throw new Error('a bolt emit has no id; use anchors');
      const anchors = opts.anchors !== undefined ? opts.anchors : this._defaultAnchors();
      msg.anchors = anchors.map(idOf);
    }
    if (opts.stream !== undefined && opts.stream !== null) msg.stream = opts.stream;
    const direct = opts.directTask !== undefined && opts.directTask !== null;
    if (direct) {
      msg.task = opts.directTask;
    } else if (callback || opts.needTaskIds) {
      this._taskIdCallbacks.push(callback || null);
    } else {
      msg.need_task_ids = false;
    }
    msg.tuple = values;
    this._emitted++;
    this._channel.send(msg);
  }

  /** Acknowledge an input tuple (a Tuple or its id). Bolts only. */
  ack(tup) {
    this._channel.sendRaw('{"command":"ack","id":' + JSON.stringify(idOf(tup)) + '}');
  }

  /** Fail an input tuple (a Tuple or its id); its tree is replayed. Bolts only. */
  fail(tup) {
    this._channel.sendRaw('{"command":"fail","id":' + JSON.stringify(idOf(tup)) + '}');
  }

  /** Write a message to the component's log; level 0 trace .. 4 error. */
  log(msg, level = LOG_LEVELS.info) {
    this._channel.send({ command: 'log', msg: String(msg), level });
  }

  /** Report an error; it is counted and shown with the component. */
  reportError(msg) {
    this._channel.send({ command: 'error', msg: String(msg) });
  }

  /** Send a custom metric update (params is any JSON value). */
  metrics(name, params) {
    this._channel.send({ command: 'metrics', name, params });
  }

  // -- plumbing ---------------------------------------------------------

  _defaultAnchors() {
    return [];
  }

  _onMessage(msg) {
    if (this._dying) return;
    if (!this._handshakeDone) {
      this._handshakeDone = true;
      this._handshake(msg);
      return;
    }
    if (Array.isArray(msg)) {
      // Task ids answer the oldest emit that asked for them.
      if (this._taskIdHead < this._taskIdCallbacks.length) {
        const cb = this._taskIdCallbacks[this._taskIdHead];
        this._taskIdCallbacks[this._taskIdHead++] = undefined;
        if (this._taskIdHead === this._taskIdCallbacks.length) {
          this._taskIdCallbacks = [];
          this._taskIdHead = 0;
        }
        if (cb) this._guard(() => cb(msg));
      }
      return;
    }
    if (this._isHeartbeat(msg)) {
      this._channel.sendRaw('{"command":"sync"}');
      return;
    }
    this._queue.push(msg);
    if (!this._busy) this._drain();
  }

  _isHeartbeat(msg) {
    return false;
  }

  _handshake(setup) {
    this.conf = setup.conf || {};
    this.context = setup.context || {};
    this.taskId = this.context.taskid !== undefined ? this.context.taskid : null;
    this.componentId = this.context.componentid !== undefined ? this.context.componentid : null;
    const pid = process.pid;
    if (setup.pidDir) fs.closeSync(fs.openSync(path.join(setup.pidDir, String(pid)), 'w'));
    this._channel.send({ pid });
    // initialize runs as the first queued job: inputs wait until it is done.
    this._queue.push({ __initialize: true });
    this._drain();
  }

  /** Handle queued inputs in order; stop while one is pending. */
  _drain() {
    while (this._queueHead < this._queue.length) {
      const msg = this._queue[this._queueHead];
      this._queue[this._queueHead++] = undefined;
      let pending;
      try {
        pending = msg.__initialize ? this._initialize() : this._handle(msg);
      } catch (err) {
        this._die(err);
        return;
      }
      if (pending) {
        this._busy = true;
        pending.then(() => {
          this._busy = false;
          this._drain();
        }, (err) => this._die(err));
        return;
      }
    }
    this._queue = [];
    this._queueHead = 0;
  }

  _initialize() {
    const r = this.initialize(this.conf, this.context);
    return isThenable(r) ? Promise.resolve(r) : null;
  }

  /** Run fn; a throw reports the error and ends the program. */
  _guard(fn) {
    try {
      fn();
    } catch (err) {
      this._die(err);
    }
  }

  /** Report an error and exit: the instance is restarted, its tuples replayed. */
  _die(err) {
    if (this._dying) return;
    this._dying = true;
    const text = errorText(err);
    process.stderr.write(text + '\n');
    process.exitCode = 1;
    try {
      this.reportError(text);
      this._channel.flush(() => process.exit(1));
    } catch (e) {
      process.exit(1);
    }
  }
}

/**
 * A bolt that acks and fails itself: override process(tup) and call
 * this.ack(tup) (or this.fail(tup)) for every input, now or later. If
 * process returns a Promise, the next tuple waits for it. An exception (or
 * rejection) from process is reported and ends the program.
 */
class Bolt extends Component {
  process(tup) {
    throw new Error('process(tup) not implemented');
  }

  _isHeartbeat(msg) {
    return msg.task === -1 && msg.stream === HEARTBEAT_STREAM;
  }

  _handle(msg) {
    const tup = new Tuple(msg.id, msg.comp, msg.stream, msg.task, msg.tuple);
    const r = this.process(tup);
    return isThenable(r) ? Promise.resolve(r) : null;
  }
}

/**
 * A bolt for the common case: emits made while a tuple is processed are
 * anchored to it; it is acked when process returns (or its Promise
 * resolves) and failed, with the error reported, when process throws (or
 * its Promise rejects).
 */
class BasicBolt extends Bolt {
  constructor() {
    super();
    this._current = null;
  }

  _defaultAnchors() {
    return this._current ? [this._current.id] : [];
  }

  _handle(msg) {
    const tup = new Tuple(msg.id, msg.comp, msg.stream, msg.task, msg.tuple);
    this._current = tup;
    let r;
    try {
      r = this.process(tup);
    } catch (err) {
      this._current = null;
      this.reportError(errorText(err));
      this.fail(tup);
      return null;
    }
    if (!isThenable(r)) {
      this._current = null;
      this.ack(tup);
      return null;
    }
    return Promise.resolve(r).then(
      () => { this._current = null; this.ack(tup); },
      (err) => { this._current = null; this.reportError(errorText(err)); this.fail(tup); });
  }
}

/**
 * A spout: override nextTuple(done) (emit zero or more tuples, then call
 * done() or return a Promise) and, for reliable emits (emit(values,
 * {id})), ack(id, done) and fail(id, done); activate(done) and
 * deactivate(done) are optional. When nextTuple emits nothing the adapter
 * waits idleSleepMs before answering, so an idle spout does not spin.
 */
class Spout extends Component {
  constructor() {
    super();
    this._isSpout = true;
    this.idleSleepMs = 2;
  }

  nextTuple(done) { done(); }
  ack(id, done) { done(); }
  fail(id, done) { done(); }
  activate(done) { done(); }
  deactivate(done) { done(); }

  _handle(msg) {
    const command = msg.command;
    let method;
    let args;
    switch (command) {
      case 'next': method = this.nextTuple; args = []; this._emitted = 0; break;
      case 'ack': method = this.ack; args = [msg.id]; break;
      case 'fail': method = this.fail; args = [msg.id]; break;
      case 'activate': method = this.activate; args = []; break;
      case 'deactivate': method = this.deactivate; args = []; break;
      default:
        this.log('unknown spout command ' + JSON.stringify(command), LOG_LEVELS.warn);
        this._sync(false);
        return null;
    }
    // Finished when done() is called or the returned Promise settles,
    // whichever comes first; then answer sync.
    return new Promise((resolve, reject) => {
      let finished = false;
      const done = (err) => {
        if (finished) return;
        finished = true;
        if (err) reject(err); else resolve();
      };
      const r = method.apply(this, args.concat([done]));
      if (isThenable(r)) r.then(() => done(), done);
    }).then(() => this._sync(command === 'next' && this._emitted === 0));
  }

  _sync(idle) {
    if (idle && this.idleSleepMs > 0) {
      return new Promise((resolve) => setTimeout(() => {
        this._channel.sendRaw('{"command":"sync"}');
        resolve();
      }, this.idleSleepMs));
    }
    this._channel.sendRaw('{"command":"sync"}');
    return null;
  }
}

/** Speak the protocol on stdin/stdout with `component` until stdin closes. */
function run(component) {
  // stdout carries the protocol: send console output to stderr instead.
  const toStderr = (...args) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  const channel = new Channel(
    (msg) => component._onMessage(msg),
    () => process.exit(process.exitCode || 0));
  component._channel = channel;
  process.on('uncaughtException', (err) => component._die(err));
  channel.start();
  return component;
}

module.exports = { Tuple, Bolt, BasicBolt, Spout, run, LOG_LEVELS };
