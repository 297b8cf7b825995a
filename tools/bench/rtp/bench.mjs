// Benchmark of the packet layer (@x/srtp, @x/rtp) against werift and the node:crypto ceiling,
// in one run, on the built packages (dist/):
//
//   pnpm turbo run build --filter=@x/rtp --filter=@x/srtp && node tools/bench/rtp/bench.mjs
//
// Each section is an async function in SECTIONS below that measures and prints its own lines;
// to add one, write the function and append it to the list. `node bench.mjs srtp rtp` runs
// only the named sections (srtp, rtp, rtcp, depacketize). Ratios are taken within this run
// (never compare figures across runs). See README.md for what each section measures.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  absSendTimeExtension,
  assembleFrame,
  buildRtcpCompound,
  buildTwccFeedback,
  H264Depacketizer,
  H264Payloader,
  midExtension,
  parseRtcp,
  parseRtp,
  readMid,
  readTransportSequenceNumber,
  SdesItemType,
  serializeRtcp,
  serializeRtcpInto,
  serializeRtp,
  serializeRtpInto,
  transportSequenceNumberExtension,
  Vp8Depacketizer,
  Vp8Payloader,
  writeTransportSequenceNumber,
} from '@x/rtp';
import { SrtpProfile, SrtpSession, srtpProfileParameters } from '@x/srtp';

const require = createRequire(import.meta.url);
const werift = require(
  fileURLToPath(new URL('../node_modules/werift/lib/rtp/src/index.js', import.meta.url)),
);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (x, d = 1) => x.toFixed(d);
/**
 * Runs `fn(n)` and returns operations per second of CPU time (user + system, all threads of
 * this process: the GC's helper threads count). On a shared machine wall time also counts the
 * moments another process had the core, which moves the figures by 2x from run to run;
 * CPU time does not. `CLOCK=wall` measures wall time instead.
 */
const WALL = process.env.CLOCK === 'wall';
const rate = (fn, n) => {
  if (WALL) {
    const t0 = process.hrtime.bigint();
    fn(n);
    return n / (Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const c0 = process.cpuUsage();
  fn(n);
  const c = process.cpuUsage(c0);
  return n / ((c.user + c.system) / 1e6);
};
const k = (x) => `${f(x / 1000).padStart(7)} k/s`;

/** How many calls of `fn` take about `seconds` (measured on a short run after a warm-up). */
function calibrate(fn, seconds) {
  fn(50);
  let n = 50;
  for (;;) {
    const t0 = process.hrtime.bigint();
    fn(n);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (s > 0.02) return Math.max(1, Math.round((n * seconds) / s));
    n *= 4;
  }
}

/**
 * Ours against werift in short interleaved runs (`runs` pairs of about `seconds` each, after a
 * warm-up): the median rate of each, and the median of the per-pair ratios, which the load of
 * a shared machine moves less than a ratio of medians.
 */
function paired(
  ours,
  theirs,
  { runs = 9, seconds = Number(process.env.RUN_SECONDS ?? 0.15) } = {},
) {
  const no = calibrate(ours, seconds);
  const nw = calibrate(theirs, seconds);
  const o = [];
  const w = [];
  const ratio = [];
  for (let r = 0; r < runs; r++) {
    const wr = rate(theirs, nw);
    const or = rate(ours, no);
    o.push(or);
    w.push(wr);
    ratio.push(or / wr);
  }
  return { ours: median(o), werift: median(w), ratio: median(ratio) };
}

function printPair(label, m, unit = 'k/s') {
  const fmt = unit === 'k/s' ? k : (x) => `${f(x).padStart(7)} ${unit}`;
  console.log(`  ${label}`);
  console.log(`    @x/rtp    ${fmt(m.ours)}`);
  console.log(`    werift    ${fmt(m.werift)}`);
  console.log(`    ratio     @x/rtp / werift = ${f(m.ratio, 2)}x  (median of paired runs)`);
}

const same = (a, b) =>
  a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.length).equals(
    Buffer.from(b.buffer, b.byteOffset, b.length),
  );

// ---- SRTP: protect + unprotect of 1200-octet RTP packets --------------------------------
const PACKET = 1200;
const HEADER = 12;
const N = Number(process.env.N ?? 20_000);

function rtpPacket(ssrc) {
  const p = randomBytes(PACKET);
  p[0] = 0x80;
  p[1] = 96;
  p.writeUInt32BE(ssrc, 8);
  return p;
}

/** @x/srtp: one session protects, the other unprotects, sequence numbers running (and wrapping). */
function ours(profile) {
  const { keyLength, saltLength } = srtpProfileParameters(profile);
  const k = () => ({ masterKey: randomBytes(keyLength), masterSalt: randomBytes(saltLength) });
  const ka = k();
  const kb = k();
  const tx = new SrtpSession({ profile, local: ka, remote: kb });
  const rx = new SrtpSession({ profile, local: kb, remote: ka });
  const packet = rtpPacket(0x1234);
  let seq = 0;
  return (n) => {
    for (let i = 0; i < n; i++) {
      packet.writeUInt16BE((seq = (seq + 1) & 0xffff), 2);
      if (rx.unprotectRtp(tx.protectRtp(packet)) === undefined) throw new Error('@x/srtp dropped');
    }
  };
}

/** werift's SrtpSession (its encrypt takes the payload and a parsed header). */
function theirs(profile) {
  const { keyLength, saltLength } = srtpProfileParameters(profile);
  const keys = {
    localMasterKey: randomBytes(keyLength),
    localMasterSalt: randomBytes(saltLength),
    remoteMasterKey: randomBytes(keyLength),
    remoteMasterSalt: randomBytes(saltLength),
  };
  const tx = new werift.SrtpSession({ keys, profile });
  const rx = new werift.SrtpSession({
    profile,
    keys: {
      localMasterKey: keys.remoteMasterKey,
      localMasterSalt: keys.remoteMasterSalt,
      remoteMasterKey: keys.localMasterKey,
      remoteMasterSalt: keys.localMasterSalt,
    },
  });
  const packet = rtpPacket(0x1234);
  const header = werift.RtpHeader.deSerialize(packet);
  const payload = packet.subarray(HEADER);
  let seq = 0;
  return (n) => {
    for (let i = 0; i < n; i++) {
      header.sequenceNumber = seq = (seq + 1) & 0xffff;
      const out = rx.decrypt(tx.encrypt(payload, header));
      if (out.length !== PACKET) throw new Error('werift lost the packet');
    }
  };
}

/** The ceiling: the bare node:crypto calls of the profile, one context per packet and direction. */
function ceiling(profile) {
  const packet = rtpPacket(0x1234);
  const aad = packet.subarray(0, HEADER);
  const payload = packet.subarray(HEADER);
  if (srtpProfileParameters(profile).aead) {
    // AES-128-GCM seal + open.
    const key = randomBytes(16);
    const iv = randomBytes(12);
    return (n) => {
      for (let i = 0; i < n; i++) {
        iv.writeUInt16BE(i & 0xffff, 10);
        const c = createCipheriv('aes-128-gcm', key, iv);
        c.setAAD(aad);
        const ct = c.update(payload);
        c.final();
        const d = createDecipheriv('aes-128-gcm', key, iv);
        d.setAAD(aad);
        d.setAuthTag(c.getAuthTag());
        d.update(ct);
        d.final();
      }
    };
  }
  // AES-128-CTR + HMAC-SHA1 over header, ciphertext and ROC, both ways.
  const key = randomBytes(16);
  const authKey = randomBytes(20);
  const iv = randomBytes(16);
  const roc = Buffer.alloc(4);
  return (n) => {
    for (let i = 0; i < n; i++) {
      iv.writeUInt16BE(i & 0xffff, 12);
      const ct = createCipheriv('aes-128-ctr', key, iv).update(payload);
      const tag = createHmac('sha1', authKey).update(aad).update(ct).update(roc).digest();
      const check = createHmac('sha1', authKey).update(aad).update(ct).update(roc).digest();
      if (check[0] !== tag[0]) throw new Error('unreachable');
      createCipheriv('aes-128-ctr', key, iv).update(ct);
    }
  };
}

/**
 * The ceiling plus what any SRTP implementation must also do: return each packet whole, in a
 * new buffer (header copied, tag appended on protect; header and plaintext joined on unprotect),
 * since node:crypto cannot write its output into a given buffer. No session, no IV from the
 * packet, no replay window: the floor of the cost above the bare calls.
 */
function ceilingPackets(profile) {
  const packet = rtpPacket(0x1234);
  const aad = packet.subarray(0, HEADER);
  const payload = packet.subarray(HEADER);
  if (srtpProfileParameters(profile).aead) {
    const key = randomBytes(16);
    const iv = randomBytes(12);
    return (n) => {
      for (let i = 0; i < n; i++) {
        iv.writeUInt16BE(i & 0xffff, 10);
        const c = createCipheriv('aes-128-gcm', key, iv);
        c.setAAD(aad);
        const out = Buffer.allocUnsafe(PACKET + 16);
        out.set(aad);
        out.set(c.update(payload), HEADER);
        c.final();
        c.getAuthTag().copy(out, PACKET);
        const d = createDecipheriv('aes-128-gcm', key, iv);
        const header = out.subarray(0, HEADER);
        d.setAAD(header);
        d.setAuthTag(out.subarray(PACKET));
        const plain = d.update(out.subarray(HEADER, PACKET));
        d.final();
        const back = Buffer.allocUnsafe(PACKET);
        back.set(header);
        back.set(plain, HEADER);
      }
    };
  }
  const key = randomBytes(16);
  const authKey = randomBytes(20);
  const iv = randomBytes(16);
  const roc = Buffer.alloc(4);
  return (n) => {
    for (let i = 0; i < n; i++) {
      iv.writeUInt16BE(i & 0xffff, 12);
      const out = Buffer.allocUnsafe(PACKET + 10);
      out.set(aad);
      out.set(createCipheriv('aes-128-ctr', key, iv).update(payload), HEADER);
      const signed = out.subarray(0, PACKET);
      createHmac('sha1', authKey).update(signed).update(roc).digest().copy(out, PACKET, 0, 10);
      const check = createHmac('sha1', authKey).update(signed).update(roc).digest();
      if (check[0] !== out[PACKET]) throw new Error('unreachable');
      const back = Buffer.allocUnsafe(PACKET);
      back.set(aad);
      back.set(createCipheriv('aes-128-ctr', key, iv).update(out.subarray(HEADER, PACKET)), HEADER);
    }
  };
}

const SRTP_RUNS = Number(process.env.SRTP_RUNS ?? 11);

async function srtp() {
  console.log(
    `SRTP protect + unprotect of ${PACKET}-octet RTP packets (median packets/s; ${SRTP_RUNS} interleaved runs of ${N})`,
  );
  for (const profile of [SrtpProfile.AeadAes128Gcm, SrtpProfile.Aes128CmHmacSha1_80]) {
    const o = ours(profile);
    const c = ceiling(profile);
    const cp = ceilingPackets(profile);
    const w = theirs(profile);
    for (const fn of [o, c, cp, w]) fn(2000);
    // Short interleaved runs, each of ours next to a ceiling run: on a shared machine the load
    // changes from second to second, so the median of the per-round ratios is steadier than a
    // ratio of medians.
    const runs = {
      ours: [],
      ceiling: [],
      packets: [],
      werift: [],
      ratio: [],
      vsPackets: [],
      vsWerift: [],
      weriftRatio: [],
      ceilingVsWerift: [],
    };
    for (let r = 0; r < SRTP_RUNS; r++) {
      const cr = rate(c, N);
      const or = rate(o, N);
      const pr = rate(cp, N);
      const wr = rate(w, N);
      runs.ceiling.push(cr);
      runs.ours.push(or);
      runs.packets.push(pr);
      runs.werift.push(wr);
      runs.ratio.push(or / cr);
      runs.vsPackets.push(or / pr);
      runs.vsWerift.push(or / wr);
      runs.weriftRatio.push(wr / cr);
      runs.ceilingVsWerift.push(cr / wr);
    }
    const m = Object.fromEntries(Object.entries(runs).map(([key, v]) => [key, median(v)]));
    const { aead, name } = srtpProfileParameters(profile);
    const cipher = aead ? 'AES-128-GCM seal + open' : 'AES-128-CTR + HMAC-SHA1, both ways';
    const pct = (x) => `${f(100 * x)} %`;
    console.log(`  ${name}`);
    console.log(`    ceiling   ${k(m.ceiling)}  (bare node:crypto ${cipher})`);
    console.log(
      `    + packets ${k(m.packets)}  = ${pct(m.packets / m.ceiling)} of the ceiling (the same calls returning whole packets: the floor of any SRTP)`,
    );
    console.log(
      `    @x/srtp   ${k(m.ours)}  = ${pct(m.ratio)} of the ceiling (goal >= 80 %), ${pct(m.vsPackets)} of ceiling + packets`,
    );
    console.log(`    werift    ${k(m.werift)}  = ${pct(m.weriftRatio)} of the ceiling`);
    console.log(
      `    ratio     @x/srtp / werift = ${f(m.vsWerift, 2)}x  (goal >= 3x; the bare ceiling itself is ${f(m.ceilingVsWerift, 2)}x werift)`,
    );
  }
}

// ---- RTP: parse + serialize of a 1200-octet packet with a one-byte extension block --------
const MID_ID = 1;
const ABS_SEND_TIME_ID = 2;
const TWCC_ID = 3;

/** A 1200-octet video packet with MID, abs-send-time and transport-wide seq (one-byte form). */
function extendedRtpPacket() {
  const extensions = [
    midExtension(MID_ID, '0'),
    absSendTimeExtension(ABS_SEND_TIME_ID, 0x123456),
    transportSequenceNumberExtension(TWCC_ID, 1),
  ];
  const probe = serializeRtp({
    payloadType: 96,
    sequenceNumber: 1,
    timestamp: 90_000,
    ssrc: 0x1234,
    extensions,
    payload: new Uint8Array(0),
  });
  return serializeRtp({
    payloadType: 96,
    sequenceNumber: 1,
    timestamp: 90_000,
    ssrc: 0x1234,
    marker: true,
    extensions,
    payload: randomBytes(PACKET - probe.length),
  });
}

/**
 * What a forwarder does to each packet: parse, read the MID and the transport-wide sequence
 * number, give it a new transport-wide sequence number, write the packet out.
 */
function rtpOurs(wire) {
  const out = Buffer.alloc(1500);
  return (n) => {
    for (let i = 0; i < n; i++) {
      const p = parseRtp(wire);
      if (typeof p === 'string') throw new Error(p);
      if (readMid(p, MID_ID) !== '0') throw new Error('no mid');
      const seq = readTransportSequenceNumber(p, TWCC_ID);
      writeTransportSequenceNumber(p, TWCC_ID, (seq + 1) & 0xffff);
      if (serializeRtpInto(p.toInit(), out, 0) !== PACKET) throw new Error('size');
    }
  };
}

/** The same with werift: `RtpPacket.deSerialize`, its extension decoders, `serialize()`. */
function rtpTheirs(wire) {
  return (n) => {
    for (let i = 0; i < n; i++) {
      const p = werift.RtpPacket.deSerialize(wire);
      let mid;
      let twcc;
      for (const e of p.header.extensions) {
        if (e.id === MID_ID) mid = werift.deserializeString(e.payload);
        else if (e.id === TWCC_ID) twcc = e;
      }
      if (mid !== '0') throw new Error('no mid');
      const seq = werift.deserializeUint16BE(twcc.payload);
      twcc.payload = werift.serializeTransportWideCC((seq + 1) & 0xffff);
      if (p.serialize().length !== PACKET) throw new Error('size');
    }
  };
}

async function rtp() {
  const wire = extendedRtpPacket();
  // Both sides write back the packet they read.
  const check = werift.RtpPacket.deSerialize(wire).serialize();
  if (!same(check, wire)) throw new Error('werift does not round-trip the RTP packet');
  console.log(
    `RTP parse + read MID and TWCC seq + rewrite TWCC seq + serialize, ${PACKET}-octet packet, one-byte extensions (median packets/s of 9 interleaved runs)`,
  );
  printPair(
    'parseRtp, readMid, read/writeTransportSequenceNumber, serializeRtpInto(toInit(), reused buffer)',
    paired(rtpOurs(Buffer.from(wire)), rtpTheirs(Buffer.from(wire))),
  );
}

// ---- RTCP: compound parse + serialize -----------------------------------------------------

/** The compound a receiver sends every second or so: an RR with one block and an SDES CNAME. */
function rrSdes() {
  return buildRtcpCompound([
    {
      kind: 'rr',
      ssrc: 0x11111111,
      reports: [
        {
          ssrc: 0x22222222,
          fractionLost: 3,
          cumulativeLost: 17,
          highestSequenceNumber: 0x1_2345,
          jitter: 421,
          lastSenderReport: 0x12345678,
          delaySinceLastSenderReport: 0x8000,
        },
      ],
    },
    {
      kind: 'sdes',
      chunks: [
        { ssrc: 0x11111111, items: [{ type: SdesItemType.CNAME, text: 'k9Z3xQ2pLm7vR4tY' }] },
      ],
    },
  ]);
}

/** TWCC feedback on 100 packets, 1 ms apart with jitter, every 13th lost, one 30 ms gap. */
function twccFeedback() {
  const arrivals = [];
  let t = 1_000_000;
  for (let i = 0; i < 100; i++) {
    t += 1000 + ((i * 37) % 7) * 125 + (i === 50 ? 30_000 : 0);
    if (i % 13 !== 5) arrivals.push({ sequenceNumber: (65_500 + i) & 0xffff, arrivalTimeUs: t });
  }
  const built = buildTwccFeedback(arrivals, { senderSsrc: 0x11111111, feedbackPacketCount: 7 });
  if (built.length !== 1) throw new Error('one TWCC feedback expected');
  return serializeRtcp(built);
}

function rtcpOurs(wire) {
  const out = Buffer.alloc(1500);
  return (n) => {
    for (let i = 0; i < n; i++) {
      const packets = parseRtcp(wire);
      if (typeof packets === 'string') throw new Error(packets);
      if (serializeRtcpInto(packets, out, 0) !== wire.length) throw new Error('size');
    }
  };
}

/** werift: `RtcpPacketConverter.deSerialize`, then each packet's `serialize()` concatenated (as its DTLS transport sends RTCP). */
function rtcpTheirs(wire, results) {
  return (n) => {
    for (let i = 0; i < n; i++) {
      const packets = werift.RtcpPacketConverter.deSerialize(wire);
      if (results) for (const p of packets) if (p.feedback) p.feedback.packetResults;
      if (Buffer.concat(packets.map((p) => p.serialize())).length !== wire.length)
        throw new Error('werift size');
    }
  };
}

async function rtcp() {
  console.log(
    `RTCP compound parse + serialize (median compounds/s of 9 interleaved runs; ours into a reused buffer)`,
  );
  const rr = rrSdes();
  const twcc = twccFeedback();
  for (const [name, wire] of [
    [`RR (1 block) + SDES CNAME, ${rr.length} octets`, rr],
    [`TWCC feedback on 100 packets, ${twcc.length} octets`, twcc],
  ]) {
    const back = Buffer.concat(
      werift.RtcpPacketConverter.deSerialize(wire).map((p) => p.serialize()),
    );
    if (!same(back, wire)) throw new Error(`werift does not round-trip ${name}`);
    printPair(name, paired(rtcpOurs(wire), rtcpTheirs(wire, false)));
  }
  // Ours decodes every packet's status and arrival time; werift keeps the chunks and deltas
  // and computes per-packet results on demand (`packetResults`). The same work on both sides:
  const m = paired(rtcpOurs(twcc), rtcpTheirs(twcc, true));
  console.log('  TWCC, werift also reading packetResults (per-packet status and time, as ours)');
  console.log(`    @x/rtp    ${k(m.ours)}`);
  console.log(`    werift    ${k(m.werift)}`);
  console.log(`    ratio     @x/rtp / werift = ${f(m.ratio, 2)}x`);
}

// ---- VP8 / H.264: depacketize a 30 KB frame ----------------------------------------------
const FRAME = 30_000;
const MTU = 1200;

/** A VP8 keyframe (RFC 6386 §9.1: frame tag, start code 9d 01 2a, 640x480), random after. */
function vp8Keyframe(size) {
  const frame = randomBytes(size);
  const first = Math.min(size - 10, 0x7ffff) >>> 1;
  frame[0] = ((first & 7) << 5) | 0x10;
  frame[1] = (first >> 3) & 0xff;
  frame[2] = (first >> 11) & 0xff;
  frame.set([0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], 3);
  return frame;
}

/** An H.264 IDR access unit in Annex B: SPS, PPS, one IDR slice (no zero octets, so no start code inside). */
function h264Idr(size) {
  const slice = randomBytes(size - 35);
  for (let i = 0; i < slice.length; i++) if (slice[i] === 0) slice[i] = 1;
  slice[0] = 0x65;
  slice[1] |= 0x80;
  return Buffer.concat([
    Buffer.from('000000016742c01f1a321401407a403c2211a8', 'hex'),
    Buffer.from('00000001681a34e3c8', 'hex'),
    Buffer.from('00000001', 'hex'),
    slice,
  ]);
}

async function depacketize() {
  console.log(
    `Depacketize a ${FRAME / 1000} KB keyframe packetized at ${MTU} octets by our payloaders (median frames/s of 9 interleaved runs)`,
  );
  for (const [name, frame, payloader, depacketizer, codec] of [
    ['VP8', vp8Keyframe(FRAME), new Vp8Payloader(), new Vp8Depacketizer(), 'VP8'],
    ['H.264', h264Idr(FRAME), new H264Payloader(), new H264Depacketizer(), 'MPEG4/ISO/AVC'],
  ]) {
    const payloads = payloader.packetize(frame, MTU);
    const views = payloads.map((payload, i) => ({
      sequenceNumber: 1000 + i,
      timestamp: 90_000,
      marker: i === payloads.length - 1,
      payload,
    }));
    // werift depacketizes its own RtpPacket objects: the same payloads, built once.
    const packets = views.map(
      (v) =>
        new werift.RtpPacket(
          new werift.RtpHeader({
            payloadType: 96,
            sequenceNumber: v.sequenceNumber,
            timestamp: v.timestamp,
            marker: v.marker,
            ssrc: 0x1234,
          }),
          Buffer.from(v.payload.buffer, v.payload.byteOffset, v.payload.length),
        ),
    );
    const ours = assembleFrame(depacketizer, views);
    if (!ours || !same(ours, frame)) throw new Error(`@x/rtp does not rebuild the ${name} frame`);
    const theirs = werift.dePacketizeRtpPackets(codec, packets);
    const theirsNote = same(theirs.data, frame)
      ? 'same frame as ours'
      : `werift's frame differs from the original (${theirs.data.length} octets)`;
    const m = paired(
      (n) => {
        for (let i = 0; i < n; i++)
          if (assembleFrame(depacketizer, views) === undefined) throw new Error('dropped');
      },
      (n) => {
        for (let i = 0; i < n; i++)
          if (werift.dePacketizeRtpPackets(codec, packets).data.length === 0)
            throw new Error('werift dropped');
      },
    );
    printPair(
      `${name}: ${frame.length} octets in ${payloads.length} packets; assembleFrame(${depacketizer.constructor.name}) vs werift dePacketizeRtpPackets('${codec}') (${theirsNote})`,
      m,
      'frames/s',
    );
    console.log(
      `    = ${f((m.ours * payloads.length) / 1000)} k packets/s, ${f((m.ours * frame.length * 8) / 1e9, 2)} Gbit/s of frame data (ours)`,
    );
  }
}

// ---- sections --------------------------------------------------------------------------
const SECTIONS = { srtp, rtp, rtcp, depacketize };

const wanted = process.argv.slice(2);
console.log(
  `packet layer benchmark (node ${process.version}, ${WALL ? 'wall' : 'CPU'} time, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}, ${new Date().toISOString()})`,
);
for (const [name, section] of Object.entries(SECTIONS)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log('');
  await section();
}
