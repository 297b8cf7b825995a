// The time each RTP packet spends inside a process: the moment its datagram reaches
// JavaScript (node:dgram's 'message' event) to the moment the forwarded datagram is handed to
// node:dgram's send(). Both stacks under test use node:dgram, so the same hook times both.
// SRTP leaves the RTP header in the clear: each datagram is known by its SSRC and sequence
// number, recorded while a window is open and matched afterwards (see `match`).
import dgram from 'node:dgram';

const CAPACITY = 1 << 21;

class Log {
  ssrc = new Uint32Array(CAPACITY);
  seq = new Uint16Array(CAPACITY);
  t = new Float64Array(CAPACITY);
  n = 0;
  add(data) {
    // RTP version 2, and not RTCP (packet types 192-223 where RTP has marker + payload type).
    if (this.n === CAPACITY || data.length < 12 || data[0] >> 6 !== 2) return;
    if (data[1] >= 192 && data[1] <= 223) return;
    const i = this.n++;
    this.t[i] = performance.now();
    this.seq[i] = (data[2] << 8) | data[3];
    this.ssrc[i] = ((data[8] << 24) | (data[9] << 16) | (data[10] << 8) | data[11]) >>> 0;
  }
}

let recording = false;
const arrivals = new Log();
const departures = new Log();

/** Wraps node:dgram's Socket (once, before any socket exists). */
export function installWireClock() {
  const proto = dgram.Socket.prototype;
  const emit = proto.emit;
  proto.emit = function (event, data, ...rest) {
    if (recording && event === 'message') arrivals.add(data);
    return emit.call(this, event, data, ...rest);
  };
  const send = proto.send;
  proto.send = function (data, ...rest) {
    if (recording) departures.add(Array.isArray(data) ? data[0] : data);
    return send.call(this, data, ...rest);
  };
}

export function startRecording() {
  arrivals.n = 0;
  departures.n = 0;
  recording = true;
}

export function stopRecording() {
  recording = false;
}

/**
 * The time inside the process of every forwarded packet recorded, in ms. `pairs` maps each
 * outgoing SSRC to the incoming SSRC it forwards. Both stacks renumber a forwarded stream by a
 * constant offset; the offset of each pair is the most common difference between a departure's
 * number and that of the latest arrival before it (at any load most packets leave before the
 * next one of their stream arrives). A departure with no arrival of its number (a
 * retransmission, an arrival before the window) is left out. With `same`, every SSRC is
 * its own pair (a relay that keeps them).
 */
export function match(pairs, same = false) {
  const bySsrc = (log) => {
    const m = new Map();
    for (let i = 0; i < log.n; i++) {
      let list = m.get(log.ssrc[i]);
      if (list === undefined) m.set(log.ssrc[i], (list = []));
      list.push(i);
    }
    return m;
  };
  const inBy = bySsrc(arrivals);
  const outBy = bySsrc(departures);
  if (same) pairs = [...inBy.keys()].map((ssrc) => [ssrc, ssrc]);
  const times = [];
  let departed = 0;
  for (const [outSsrc, inSsrc] of pairs) {
    const outs = outBy.get(outSsrc) ?? [];
    const ins = inBy.get(inSsrc) ?? [];
    departed += outs.length;
    if (outs.length === 0 || ins.length === 0) continue;
    const votes = new Map();
    let j = -1;
    for (const o of outs) {
      while (j + 1 < ins.length && arrivals.t[ins[j + 1]] <= departures.t[o]) j++;
      if (j < 0) continue;
      const d = (departures.seq[o] - arrivals.seq[ins[j]]) & 0xffff;
      votes.set(d, (votes.get(d) ?? 0) + 1);
    }
    let offset = 0;
    let best = -1;
    for (const [d, n] of votes) if (n > best) [offset, best] = [d, n];
    const arrivedAt = new Map();
    for (const i of ins) arrivedAt.set(arrivals.seq[i], arrivals.t[i]);
    for (const o of outs) {
      const t = arrivedAt.get((departures.seq[o] - offset) & 0xffff);
      if (t !== undefined && t <= departures.t[o]) times.push(departures.t[o] - t);
    }
  }
  return { times, departed, arrived: arrivals.n };
}
