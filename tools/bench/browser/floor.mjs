// The floor: what a JavaScript stack on node:dgram and node:crypto cannot avoid spending per
// datagram of a bulk transfer over DTLS 1.2 with AES-128-GCM, and nothing else (no ICE, SCTP,
// WebRTC or application logic). Driven over IPC by bench.mjs like node-peer.mjs; README.md says
// how it is measured and how its figures become CPU per MB.
//
// This process is the measured one. It forks a second copy of this file (`far`) that plays the
// browser's part on another socket, so that the kernel's work of receiving what the measured
// process sends (and of sending what it receives) is charged to that process, not to this one.
//
// - send floor: seal a 1200-byte payload as a DTLS record and send it; for every second
//   record, receive and open the sealed acknowledgement the far end sends back.
// - receive floor: receive and open each 1200-byte record the far end sends; for every second
//   one, seal and send an acknowledgement.
//
// The data side keeps at most WINDOW records unacknowledged (acknowledgements carry the
// number of records received so far), so neither socket buffer overflows; a record lost anyway
// shows as the difference between the records sent and the records received.
import { fork } from 'node:child_process';
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** Bytes of SCTP packet in a full data datagram at the 1200-byte path MTU used with Chromium. */
const PAYLOAD = 1200;
/** An SCTP common header (12) and a SACK chunk without gap blocks (16). */
const ACK_PAYLOAD = 28;
const HEADER = 13;
const EXPLICIT_NONCE = 8;
const TAG = 16;
const APPLICATION_DATA = 23;
const DTLS_1_2 = 0xfefd;
const EPOCH = 1;
const WINDOW = Number(process.env.BENCH_FLOOR_WINDOW ?? 64);
/** A window that has not moved for this long lost a record: count it and go on. */
const STALL_MS = 100;
/** As NodeNet asks for by default (packages/transport). */
const SOCKET_BUFFER = 4 * 1024 * 1024;

/**
 * One direction's record protection, as packages/dtls `RecordProtection` does it for
 * AES-128-GCM: a key object, nonce and additional-data buffers reused, a cipher object and the
 * output record allocated per record.
 */
class Protection {
  constructor(key, salt) {
    this.key = createSecretKey(key);
    this.nonce = Buffer.alloc(12);
    salt.copy(this.nonce, 0, 0, 4);
    this.aad = Buffer.alloc(13);
    this.options = { authTagLength: TAG };
    this.seq = 0;
  }

  /** RFC 5246 §6.2.3.3, RFC 6347 §4.1.2.1: header, explicit nonce, ciphertext, tag. */
  seal(data) {
    const seq = this.seq++;
    const length = EXPLICIT_NONCE + data.length + TAG;
    const out = Buffer.allocUnsafe(HEADER + length);
    out[0] = APPLICATION_DATA;
    out.writeUInt16BE(DTLS_1_2, 1);
    out.writeUInt16BE(EPOCH, 3);
    out.writeUInt16BE(Math.floor(seq / 0x100000000), 5);
    out.writeUInt32BE(seq >>> 0, 7);
    out.writeUInt16BE(length, 11);
    const aad = this.aad;
    out.copy(aad, 0, 3, 11);
    aad[8] = APPLICATION_DATA;
    aad.writeUInt16BE(DTLS_1_2, 9);
    aad.writeUInt16BE(data.length, 11);
    out.copy(this.nonce, 4, 3, 11);
    out.copy(out, HEADER, 3, 11);
    const cipher = createCipheriv('aes-128-gcm', this.key, this.nonce, this.options);
    cipher.setAAD(aad);
    cipher.update(data).copy(out, HEADER + EXPLICIT_NONCE);
    cipher.final();
    cipher.getAuthTag().copy(out, HEADER + EXPLICIT_NONCE + data.length);
    return out;
  }

  /** The plaintext of a whole record, or undefined if it does not authenticate. */
  open(buf) {
    const length = buf.readUInt16BE(11);
    const plainLength = length - EXPLICIT_NONCE - TAG;
    if (plainLength < 0 || HEADER + length > buf.length) return undefined;
    const aad = this.aad;
    buf.copy(aad, 0, 3, 11);
    aad[8] = buf[0];
    aad[9] = buf[1];
    aad[10] = buf[2];
    aad.writeUInt16BE(plainLength, 11);
    buf.copy(this.nonce, 4, HEADER, HEADER + EXPLICIT_NONCE);
    const decipher = createDecipheriv('aes-128-gcm', this.key, this.nonce, this.options);
    decipher.setAAD(aad);
    const body = HEADER + EXPLICIT_NONCE;
    decipher.setAuthTag(buf.subarray(body + plainLength, body + plainLength + TAG));
    const plain = decipher.update(buf.subarray(body, body + plainLength));
    try {
      decipher.final();
    } catch {
      return undefined;
    }
    return plain;
  }
}

/** dgram's `lookup` for an IP literal, answered at once (as NodeNet does). */
const literalLookup = (address, _family, callback) => callback(null, address, 4);

async function bindSocket() {
  const socket = createSocket({
    type: 'udp4',
    recvBufferSize: SOCKET_BUFFER,
    sendBufferSize: SOCKET_BUFFER,
    lookup: literalLookup,
  });
  // With a lookup that answers at once, bind may be done before it returns: listen first.
  const listening = once(socket, 'listening');
  socket.bind(0, '127.0.0.1');
  await listening;
  return socket;
}

/** One shared send callback, as NodeNet's: a failed send is counted, not thrown. */
const sendErrors = { count: 0 };
const onSent = (error) => {
  if (error) sendErrors.count++;
};

/**
 * The data side of one transfer of `total` records: sends while fewer than WINDOW are
 * unacknowledged, opens each acknowledgement (its plaintext starts with the number of records
 * the other side has received). Resolves once every record is acknowledged, with the records
 * lost (a window that did not move for STALL_MS).
 */
function sendRecords(socket, port, seal, open, total) {
  const payload = Buffer.alloc(PAYLOAD, 1);
  let sent = 0;
  let acked = 0;
  let lost = 0;
  let bad = 0;
  let acks = 0;
  return new Promise((resolve) => {
    const pump = () => {
      while (sent < total && sent - acked - lost < WINDOW) {
        // The last record asks for an acknowledgement whatever its parity.
        payload[0] = sent === total - 1 ? 1 : 0;
        socket.send(seal.seal(payload), port, '127.0.0.1', onSent);
        sent++;
      }
    };
    const finish = () => {
      clearInterval(stall);
      socket.off('message', onMessage);
      resolve({ sent, lost, acks, bad });
    };
    let moved = true;
    const stall = setInterval(() => {
      if (!moved && sent - acked - lost > 0) {
        lost = sent - acked;
        if (sent === total) return finish();
        pump();
      }
      moved = false;
    }, STALL_MS);
    const onMessage = (datagram) => {
      const plain = open.open(datagram);
      if (plain === undefined) {
        bad++;
        return;
      }
      acks++;
      moved = true;
      const received = plain.readUInt32BE(0);
      if (received > acked) {
        // Records counted lost that arrived after all.
        lost = Math.max(0, lost - (received - acked));
        acked = received;
      }
      if (acked + lost >= total) return finish();
      pump();
    };
    socket.on('message', onMessage);
    pump();
  });
}

/**
 * The receiving side of one transfer: opens each record, and for every second one (and the
 * last) seals and sends an acknowledgement of the count so far. Resolves at the last record,
 * or when `ended` does (the sender gave up on a lost last record).
 */
function receiveRecords(socket, port, seal, open, ended) {
  const ack = Buffer.alloc(ACK_PAYLOAD);
  let received = 0;
  let acksSent = 0;
  let bad = 0;
  return new Promise((resolve) => {
    const finish = () => {
      socket.off('message', onMessage);
      resolve({ received, acksSent, bad });
    };
    ended.then(finish);
    const onMessage = (datagram) => {
      const plain = open.open(datagram);
      if (plain === undefined) {
        bad++;
        return;
      }
      received++;
      const last = plain[0] === 1;
      if (received % 2 === 0 || last) {
        ack.writeUInt32BE(received, 0);
        socket.send(seal.seal(ack), port, '127.0.0.1', onSent);
        acksSent++;
      }
      if (last) finish();
    };
    socket.on('message', onMessage);
  });
}

// --- the far end: plays the browser's part, not measured ---------------------------------------

async function far() {
  const socket = await bindSocket();
  let seal;
  let open;
  let endSink;
  process.on('message', async (m) => {
    if (m.type === 'keys') {
      const key = (k) => Buffer.from(m.keys[k], 'hex');
      seal = new Protection(key('farKey'), key('farSalt'));
      open = new Protection(key('nearKey'), key('nearSalt'));
    } else if (m.type === 'sink') {
      // Send floor: this side receives the data and acknowledges.
      const ended = new Promise((resolve) => {
        endSink = resolve;
      });
      process.send({ type: 'sink-ready' });
      const r = await receiveRecords(socket, m.port, seal, open, ended);
      process.send({ type: 'sink-done', ...r });
    } else if (m.type === 'sink-end') {
      endSink?.();
    } else if (m.type === 'source') {
      // Receive floor: this side sends the data.
      const r = await sendRecords(socket, m.port, seal, open, m.total);
      process.send({ type: 'source-done', ...r });
    } else if (m.type === 'exit') {
      socket.close();
      process.exit(0);
    }
  });
  // The measured process ended without asking (killed): end with it.
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'port', port: socket.address().port });
}

// --- the measured process ----------------------------------------------------------------------

async function measured() {
  const socket = await bindSocket();
  const port = socket.address().port;
  const raw = {
    nearKey: randomBytes(16),
    nearSalt: randomBytes(4),
    farKey: randomBytes(16),
    farSalt: randomBytes(4),
  };
  const keys = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.toString('hex')]));
  const child = fork(fileURLToPath(import.meta.url), ['far'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const fromFar = (type) =>
    new Promise((resolve, reject) => {
      const onMessage = (m) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m);
      };
      const onExit = (code) => reject(new Error(`the far end exited (${code})`));
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
  // The far end says its port once it listens to IPC; the keys go to it after that.
  const farPort = (await fromFar('port')).port;
  child.send({ type: 'keys', keys });
  const cpuUs = (u) => ({ user: u.user, system: u.system, total: u.user + u.system });
  // One protection a direction for the whole run, so that no nonce is used twice.
  const seal = new Protection(raw.nearKey, raw.nearSalt);
  const open = new Protection(raw.farKey, raw.farSalt);

  /** This process seals and sends `total` records, opens the acknowledgements. */
  async function sendFloor(total) {
    const ready = fromFar('sink-ready');
    child.send({ type: 'sink', port });
    await ready;
    const done = fromFar('sink-done');
    const cpu0 = process.cpuUsage();
    const r = await sendRecords(socket, farPort, seal, open, total);
    const cpu = cpuUs(process.cpuUsage(cpu0));
    child.send({ type: 'sink-end' });
    const far = await done;
    return {
      cpu,
      datagrams: r.sent,
      received: far.received,
      acksSent: far.acksSent,
      acksReceived: r.acks,
      bad: r.bad + far.bad,
    };
  }

  /** The far end sends `total` records; this process opens them and acknowledges. */
  async function receiveFloor(total) {
    const done = fromFar('source-done');
    // Armed before the far end starts: the wait for its first record is idle, not CPU.
    const cpu0 = process.cpuUsage();
    const receiving = receiveRecords(socket, farPort, seal, open, done);
    child.send({ type: 'source', port, total });
    const r = await receiving;
    const cpu = cpuUs(process.cpuUsage(cpu0));
    const far = await done;
    return {
      cpu,
      datagrams: far.sent,
      received: r.received,
      acksSent: r.acksSent,
      acksReceived: far.acks,
      bad: r.bad + far.bad,
    };
  }

  const send = (m) => process.send(m);
  process.on('message', async (m) => {
    try {
      switch (m.type) {
        case 'clock':
          send({ type: 'clock', at: performance.timeOrigin + performance.now() });
          break;
        case 'measure': {
          // A short run of each first, unmeasured, so that both paths are compiled.
          await sendFloor(m.warmup);
          await receiveFloor(m.warmup);
          sendErrors.count = 0;
          const sendResult = await sendFloor(m.datagrams);
          const receiveResult = await receiveFloor(m.datagrams);
          send({
            type: 'measured',
            send: sendResult,
            receive: receiveResult,
            sendErrors: sendErrors.count,
          });
          break;
        }
        case 'close':
          send({ type: 'closed' });
          break;
        case 'exit': {
          const exited = once(child, 'exit');
          child.send({ type: 'exit' });
          await exited;
          socket.close();
          setTimeout(() => process.exit(0), 20);
          break;
        }
      }
    } catch (error) {
      send({ type: 'error', message: `${m.type}: ${error?.stack ?? error}` });
    }
  });
  // Not left behind if the parent goes away without asking.
  process.on('disconnect', () => {
    child.kill('SIGKILL');
    process.exit(1);
  });
  send({ type: 'ready' });
}

if (process.argv[2] === 'far') await far();
else await measured();
