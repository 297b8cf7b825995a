// Benchmark of @x/ice against werift's ICE and STUN, in one run (ratios, INTEROP.md).
//
//   npx --yes pnpm@10.34.9 --filter @x/ice build && node tools/bench/ice/bench.mjs
//
// 1. STUN encode: a connectivity check (USERNAME, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE,
//    MESSAGE-INTEGRITY, FINGERPRINT), messages per second.
// 2. STUN decode: the same message decoded, MESSAGE-INTEGRITY and FINGERPRINT verified and
//    USERNAME read, messages per second.
// 3. Time to connected: two agents in this process on real 127.0.0.1 UDP sockets, from the
//    start of gathering until the controlling side has a selected pair; median of N runs.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Agent, ConnectionState, stun } from '@x/ice';

const require = createRequire(import.meta.url);
const wlib = (p) =>
  require(fileURLToPath(new URL(`../node_modules/werift/lib/${p}`, import.meta.url)));
const wMsg = wlib('ice-server/src/stun/message.js');
const wConst = wlib('ice-server/src/stun/const.js');
const wIce = wlib('ice/src/ice.js');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const PWD = 'x'.repeat(22);
const KEY = Buffer.from(PWD);
const TID = Buffer.from('0123456789ab');

function rate(fn, ms = 700) {
  // Warm up, then count iterations for `ms`.
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 200; i++) fn();
    n += 200;
  }
  return (n / ms) * 1000;
}

const oursEncode = () =>
  new stun.StunWriter(stun.StunMethod.Binding, stun.StunClass.Request, TID)
    .addString(stun.StunAttr.Username, 'abcd:efgh')
    .addUint32(stun.StunAttr.Priority, 1845501695)
    .addUint64(stun.StunAttr.IceControlling, 0x1234567890abcdefn)
    .addFlag(stun.StunAttr.UseCandidate)
    .finish({ integrity: KEY, fingerprint: true });
const weriftEncode = () =>
  new wMsg.Message(wConst.methods.BINDING, wConst.classes.REQUEST, TID)
    .setAttribute('USERNAME', 'abcd:efgh')
    .setAttribute('PRIORITY', 1845501695)
    .setAttribute('ICE-CONTROLLING', 0x1234567890abcdefn)
    .setAttribute('USE-CANDIDATE', null)
    .addMessageIntegrity(KEY)
    .addFingerprint().bytes;

const ours = oursEncode();
const theirs = weriftEncode();
const oursDecode = () => {
  const m = stun.decodeStun(ours);
  if (!m || !stun.verifyIntegrity(m, KEY) || !stun.verifyFingerprint(m)) throw new Error('ours');
  return m.getString(stun.StunAttr.Username);
};
const weriftDecode = () => {
  const m = wMsg.parseMessage(theirs, KEY);
  if (!m) throw new Error('werift');
  return m.getAttributeValue('USERNAME');
};
// Cross-check: each decodes the other's bytes.
if (!stun.decodeStun(theirs) || !stun.verifyIntegrity(stun.decodeStun(theirs), KEY))
  throw new Error('cross');
if (!wMsg.parseMessage(ours, KEY)) throw new Error('cross werift');

const rows = [];
const e1 = rate(oursEncode);
const e2 = rate(weriftEncode);
rows.push(['STUN encode (msg/s)', e1, e2, false]);
const d1 = rate(oursDecode);
const d2 = rate(weriftDecode);
rows.push(['STUN decode+verify (msg/s)', d1, d2, false]);

// ---- time to connected ----------------------------------------------------------------
const loopback = { includeLoopback: true, ipv6: false, addressFilter: (a) => a === '127.0.0.1' };
async function oursConnect() {
  let a;
  let b;
  const t0 = performance.now();
  let connectedAt = 0;
  a = new Agent(
    {
      controlling: true,
      mdns: 'off',
      gather: loopback,
      onCandidate: (c) => b.addRemoteCandidate(c),
    },
    (s) => {
      if (s === ConnectionState.Connected && !connectedAt) connectedAt = performance.now();
    },
  );
  b = new Agent(
    {
      controlling: false,
      mdns: 'off',
      gather: loopback,
      onCandidate: (c) => a.addRemoteCandidate(c),
    },
    () => {},
  );
  a.setRemoteCredentials(b.localCredentials.ufrag, b.localCredentials.pwd);
  b.setRemoteCredentials(a.localCredentials.ufrag, a.localCredentials.pwd);
  await Promise.all([a.gather(), b.gather()]);
  while (!connectedAt) await new Promise((r) => setImmediate(r));
  await a.close();
  await b.close();
  return connectedAt - t0;
}

async function weriftConnect() {
  const opts = {
    useIpv4: true,
    useIpv6: false,
    additionalHostAddresses: ['127.0.0.1'],
    interfaceAddresses: { udp4: '127.0.0.1' },
  };
  const a = new wIce.Connection(true, opts);
  const b = new wIce.Connection(false, opts);
  const t0 = performance.now();
  await Promise.all([a.gatherCandidates(), b.gatherCandidates()]);
  a.setRemoteParams({
    iceLite: false,
    usernameFragment: b.localUsername,
    password: b.localPassword,
  });
  b.setRemoteParams({
    iceLite: false,
    usernameFragment: a.localUsername,
    password: a.localPassword,
  });
  for (const c of b.localCandidates) if (c.host === '127.0.0.1') await a.addRemoteCandidate(c);
  for (const c of a.localCandidates) if (c.host === '127.0.0.1') await b.addRemoteCandidate(c);
  await a.addRemoteCandidate(undefined);
  await b.addRemoteCandidate(undefined);
  await Promise.all([a.connect(), b.connect()]);
  const t = performance.now() - t0;
  await a.close();
  await b.close();
  return t;
}

const N = 15;
const ourTimes = [];
const theirTimes = [];
for (let i = 0; i < N; i++) {
  ourTimes.push(await oursConnect());
  theirTimes.push(await weriftConnect());
}
rows.push([
  'time to connected, median ms (lower is better)',
  median(ourTimes),
  median(theirTimes),
  true,
]);

console.log('metric'.padEnd(48), '@x/ice'.padStart(12), 'werift'.padStart(12), 'ratio'.padStart(8));
for (const [name, o, w, lowerBetter] of rows) {
  const ratio = lowerBetter ? w / o : o / w;
  console.log(
    name.padEnd(48),
    o.toFixed(o < 100 ? 2 : 0).padStart(12),
    w.toFixed(w < 100 ? 2 : 0).padStart(12),
    `${ratio.toFixed(2)}x`.padStart(8),
  );
}
console.log('(ratio > 1: @x/ice is better)');
process.exit(0);
