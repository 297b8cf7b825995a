// The measurement behind @x/srtp's choice of node:crypto calls (see the comment at the top of
// packages/srtp/src/transform-cm.ts): each alternative for the AES-CM keystream and for the
// HMAC-SHA1 tag of a 1200-octet SRTP packet, in short interleaved runs, median ops/s.
//
//   node tools/bench/rtp/crypto-choices.mjs
import { createCipheriv, createHash, createHmac, createSecretKey, randomBytes } from 'node:crypto';

const PAYLOAD = 1188;
const N = Number(process.env.N ?? 20_000);
const key = randomBytes(16);
const authKey = randomBytes(20);
const iv = randomBytes(16);
const packet = randomBytes(PAYLOAD + 12);
const payload = packet.subarray(12);
const roc = Buffer.alloc(4);

// AES-CM keystream from one reused ECB cipher over counter blocks, XORed in 32-bit words.
const ecb = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
const blocks = Buffer.alloc(Math.ceil(PAYLOAD / 16) * 16);
const aligned = Buffer.alloc(blocks.length);
const out = Buffer.alloc(blocks.length);
// HMAC from precomputed inner and outer SHA-1 states (RFC 2104), cloned per packet.
const ipad = Buffer.alloc(64, 0x36);
const opad = Buffer.alloc(64, 0x5c);
for (let i = 0; i < authKey.length; i++) {
  ipad[i] ^= authKey[i];
  opad[i] ^= authKey[i];
}
const inner = createHash('sha1').update(ipad);
const outer = createHash('sha1').update(opad);
const keyObject = createSecretKey(key);

const candidates = {
  'aes-128-ctr, a cipher per packet': (i) => {
    iv.writeUInt16BE(i & 0xffff, 12);
    return createCipheriv('aes-128-ctr', key, iv).update(payload);
  },
  'aes-128-ctr, a cipher per packet, KeyObject': (i) => {
    iv.writeUInt16BE(i & 0xffff, 12);
    return createCipheriv('aes-128-ctr', keyObject, iv).update(payload);
  },
  'aes-128-ecb reused, counter blocks, JS XOR': (i) => {
    iv.writeUInt16BE(i & 0xffff, 12);
    for (let b = 0; b < blocks.length; b += 16) {
      iv.copy(blocks, b, 0, 14);
      blocks.writeUInt16BE(b >>> 4, b + 14);
    }
    const ks = ecb.update(blocks);
    aligned.set(payload);
    const p32 = new Int32Array(aligned.buffer, aligned.byteOffset, blocks.length >>> 2);
    const k32 = new Int32Array(ks.buffer, ks.byteOffset, blocks.length >>> 2);
    const o32 = new Int32Array(out.buffer, out.byteOffset, blocks.length >>> 2);
    for (let j = 0; j < o32.length; j++) o32[j] = p32[j] ^ k32[j];
    return out.subarray(0, PAYLOAD);
  },
  'createHmac per packet': () => createHmac('sha1', authKey).update(packet).update(roc).digest(),
  'SHA-1 ipad/opad states, hash.copy()': () =>
    outer.copy().update(inner.copy().update(packet).update(roc).digest()).digest(),
};

const runs = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
for (const f of Object.values(candidates)) for (let i = 0; i < 2000; i++) f(i);
for (let r = 0; r < 7; r++) {
  for (const [name, f] of Object.entries(candidates)) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) f(i);
    runs[name].push(N / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
}
console.log(
  `node:crypto choices for SRTP, ${PAYLOAD}-octet payloads (node ${process.version}; median of 7 interleaved runs of ${N})`,
);
for (const [name, v] of Object.entries(runs)) {
  const m = [...v].sort((a, b) => a - b)[3];
  console.log(`  ${name.padEnd(46)} ${(m / 1000).toFixed(0).padStart(5)} k/s`);
}
