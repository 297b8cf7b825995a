// Benchmark of the packet layer (@x/srtp, later @x/rtp) against werift and the node:crypto
// ceiling, in one run, on the built packages (dist/):
//
//   npx --yes pnpm@10.34.9 --filter @x/srtp --filter @x/rtp build && node tools/bench/rtp/bench.mjs
//
// Each section is an async function in SECTIONS below that measures and prints its own lines;
// to add one (RTP/RTCP parse + serialize rates, VP8 / H.264 depacketize frames per second),
// write the function and append it to the list. `node bench.mjs srtp` runs only the named
// sections. Ratios are taken within this run (never compare figures across runs).
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SrtpProfile, SrtpSession, srtpProfileParameters } from '@x/srtp';

const require = createRequire(import.meta.url);
const werift = require(
  fileURLToPath(new URL('../node_modules/werift/lib/rtp/src/index.js', import.meta.url)),
);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (x, d = 1) => x.toFixed(d);
/** Runs `fn(n)` and returns operations per second. */
const rate = (fn, n) => {
  const t0 = process.hrtime.bigint();
  fn(n);
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
};

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

async function srtp() {
  console.log(
    `SRTP protect + unprotect of ${PACKET}-octet RTP packets (median packets/s; ${N} per run)`,
  );
  for (const profile of [SrtpProfile.AeadAes128Gcm, SrtpProfile.Aes128CmHmacSha1_80]) {
    const o = ours(profile);
    const c = ceiling(profile);
    const w = theirs(profile);
    o(2000);
    c(2000);
    w(2000);
    // Short interleaved runs, each of ours paired with a ceiling run right before it: on a
    // shared machine the load changes from second to second, so the median of the per-pair
    // ratios is steadier than a ratio of medians.
    const runs = { ours: [], ceiling: [], werift: [], ratio: [], vsWerift: [] };
    for (let r = 0; r < 9; r++) {
      const cr = rate(c, N);
      const or = rate(o, N);
      const wr = rate(w, N);
      runs.ceiling.push(cr);
      runs.ours.push(or);
      runs.werift.push(wr);
      runs.ratio.push(or / cr);
      runs.vsWerift.push(or / wr);
    }
    const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
    const cipher = srtpProfileParameters(profile).aead
      ? 'AES-128-GCM seal + open'
      : 'AES-128-CTR + HMAC-SHA1, both ways';
    console.log(`  ${srtpProfileParameters(profile).name}`);
    console.log(`    ceiling   ${f(m.ceiling / 1000)} k/s  (bare node:crypto ${cipher})`);
    console.log(
      `    @x/srtp   ${f(m.ours / 1000)} k/s  = ${f(100 * m.ratio)} % of the ceiling (median of paired runs; goal >= 80 %)`,
    );
    console.log(
      `    werift    ${f(m.werift / 1000)} k/s  = ${f((100 * m.werift) / m.ceiling)} % of the ceiling`,
    );
    console.log(`    ratio     @x/srtp / werift = ${f(m.vsWerift, 2)}x  (goal >= 3x)`);
  }
}

// ---- sections --------------------------------------------------------------------------
// Add RTP/RTCP parse + serialize and VP8 / H.264 depacketize sections here.
const SECTIONS = { srtp };

const wanted = process.argv.slice(2);
console.log(`packet layer benchmark (node ${process.version})`);
for (const [name, section] of Object.entries(SECTIONS)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log('');
  await section();
}
