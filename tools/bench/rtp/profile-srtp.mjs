// CPU profile of the @x/srtp protect + unprotect loop of bench.mjs (1200-octet packets, one
// session each way), summarised by where the time goes: the node:crypto calls, Buffer
// allocation, the garbage collector, and our own code (@x/srtp and @x/rtp), with the top
// functions of each. On the built packages:
//
//   node tools/bench/rtp/profile-srtp.mjs [gcm|cm]     (default gcm; N=400000 packets)
//
// The .cpuprofile is left in a temporary directory (its path is printed) for Chrome DevTools.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SrtpProfile, SrtpSession, srtpProfileParameters } from '@x/srtp';

const which = process.argv[2] ?? 'gcm';
const N = Number(process.env.N ?? 400_000);

if (process.env.PROFILE_CHILD) {
  // The profiled loop: the same as `ours` in bench.mjs.
  const profile = which === 'cm' ? SrtpProfile.Aes128CmHmacSha1_80 : SrtpProfile.AeadAes128Gcm;
  const { keyLength, saltLength } = srtpProfileParameters(profile);
  const key = () => ({ masterKey: randomBytes(keyLength), masterSalt: randomBytes(saltLength) });
  const a = key();
  const b = key();
  const tx = new SrtpSession({ profile, local: a, remote: b });
  const rx = new SrtpSession({ profile, local: b, remote: a });
  const packet = randomBytes(1200);
  packet[0] = 0x80;
  packet[1] = 96;
  packet.writeUInt32BE(0x1234, 8);
  const t0 = process.hrtime.bigint();
  for (let i = 0, seq = 0; i < N; i++) {
    packet.writeUInt16BE((seq = (seq + 1) & 0xffff), 2);
    if (rx.unprotectRtp(tx.protectRtp(packet)) === undefined) throw new Error('dropped');
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${which}: ${(N / s / 1000).toFixed(1)} k packets/s under the profiler`);
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'srtp-profile-'));
const child = spawnSync(
  process.execPath,
  ['--cpu-prof', `--cpu-prof-dir=${dir}`, fileURLToPath(import.meta.url), which],
  { stdio: 'inherit', env: { ...process.env, PROFILE_CHILD: '1' } },
);
if (child.status !== 0) process.exit(child.status ?? 1);
const file = join(
  dir,
  readdirSync(dir).find((f) => f.endsWith('.cpuprofile')),
);
const prof = JSON.parse(readFileSync(file, 'utf8'));

const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n) => {
  const { functionName, url, lineNumber } = n.callFrame;
  return `${functionName || '(anonymous)'} ${url.split('/').slice(-3).join('/')}:${lineNumber + 1}`;
};
const category = (n) => {
  const { functionName, url } = n.callFrame;
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (/\/(srtp|rtp)\/dist\//.test(url)) return 'ours (@x/srtp, @x/rtp)';
  if (/crypto/.test(url)) return 'node:crypto calls';
  if (/buffer/.test(url) || /ArrayBuffer|markAsUntransferable/.test(functionName))
    return 'Buffer allocation';
  return 'other';
};

// Self time per function and per category, counting only samples inside the loop (under the
// module's top level), so start-up and the profiler's own idle samples are left out.
const self = new Map();
const byCategory = new Map();
let total = 0;
for (let i = 0; i < prof.samples.length; i++) {
  const n = nodes.get(prof.samples[i]);
  const dt = prof.timeDeltas[i] ?? 0;
  let inLoop = n.callFrame.functionName === '(garbage collector)';
  for (let id = n.id; id !== undefined && !inLoop; id = parent.get(id))
    inLoop = nodes.get(id).callFrame.url.endsWith('profile-srtp.mjs');
  if (!inLoop) continue;
  total += dt;
  const c = category(n);
  byCategory.set(c, (byCategory.get(c) ?? 0) + dt);
  const key = `${c}|${name(n)}`;
  self.set(key, (self.get(key) ?? 0) + dt);
}
const pct = (x) => `${((100 * x) / total).toFixed(1).padStart(5)} %`;
console.log(`self time inside the loop, ${(total / 1000).toFixed(0)} ms sampled (${file})`);
for (const [c, t] of [...byCategory].sort((x, y) => y[1] - x[1])) {
  console.log(`${pct(t)}  ${c}`);
  const top = [...self]
    .filter(([key]) => key.startsWith(`${c}|`))
    .sort((x, y) => y[1] - x[1])
    .slice(0, 8);
  for (const [key, v] of top)
    if ((100 * v) / total >= 0.2) console.log(`          ${pct(v)}  ${key.split('|')[1]}`);
}
