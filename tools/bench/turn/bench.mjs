#!/usr/bin/env node
// Relayed setup time and throughput through one coturn on 127.0.0.1, in one run:
//   - @x/ice's TurnClient ↔ TurnClient (UDP and TCP to the server): allocation time (first
//     relay candidate), relayed setup (both allocations + permissions + a datagram each way),
//     and raw relayed datagram throughput (1200-byte datagrams, ChannelData);
//   - libwebrtc (@roamhq/wrtc) and werift with iceTransportPolicy 'relay': time to the first
//     relay candidate, connect time, and data-channel bulk throughput through the relay.
// Raw relayed datagrams and a data channel (SCTP over DTLS) are different loads: the closing
// ratios compare allocation times directly and throughput only as an indication.
// "ICE connected" is like for like: two agents with relay candidates only, from start to
// both connected through coturn (ours: Agent + TurnClient; theirs: iceConnectionState).
// "setup" is ours: allocations + permissions + a datagram each way; theirs: until
// connectionState 'connected' (ICE and DTLS).
// Run: node tools/bench/turn/bench.mjs   (env BENCH_RUNS, BENCH_DATAGRAMS, BENCH_MIB)
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startCoturn } from '../../interop/turn/coturn.mjs';
import { receiveBulk, sendBulk } from '../webrtc/peers.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const DATAGRAMS = Number(process.env.BENCH_DATAGRAMS ?? 100_000);
const MIB = Number(process.env.BENCH_MIB ?? 16);
const SIZE = 1200;
const WINDOW = 64;
const require = createRequire(import.meta.url);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor(s.length / 2)];
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(pred, ms = 10_000) {
  const end = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > end) throw new Error('timed out');
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * Agent and TurnClient from the built @x/ice, or bundled from its sources (esbuild, through
 * tsup's dependency) until the index exports the TURN client.
 */
async function loadIce() {
  try {
    const ice = await import('@x/ice');
    if (ice.TurnClient && ice.Agent) return ice;
  } catch {}
  const root = new URL('../../../', import.meta.url);
  const tsup = createRequire(fileURLToPath(new URL('package.json', root))).resolve('tsup');
  const esbuild = createRequire(tsup)('esbuild');
  const out = join(mkdtempSync(join(tmpdir(), 'x-turn-bench-')), 'ice.mjs');
  const src = (p) => JSON.stringify(fileURLToPath(new URL(`packages/ice/src/${p}`, root)));
  await esbuild.build({
    stdin: {
      contents: `export { Agent, ConnectionState } from ${src('index.ts')};\nexport * from ${src('turn/index.ts')};`,
      resolveDir: fileURLToPath(new URL('packages/ice/', root)),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    logLevel: 'error',
  });
  return import(pathToFileURL(out).href);
}

// --- @x/ice ---------------------------------------------------------------------------------

async function oursPair(turn, server, transport, onB) {
  const url = `turn:127.0.0.1:${server.port}?transport=${transport}`;
  const got = { a: 0, b: 0 };
  const mk = (onMessage) =>
    new turn.TurnClient({
      url,
      username: server.username,
      credential: server.password,
      localAddress: '127.0.0.1',
      onMessage,
    });
  const t0 = performance.now();
  const A = mk(() => got.a++);
  const B = mk((d) => {
    got.b++;
    onB?.(d);
  });
  const [ra, rb] = await Promise.all([A.allocate(), B.allocate()]);
  const tAlloc = performance.now() - t0;
  if (!ra.ok || !rb.ok)
    throw new Error(`allocation failed: ${JSON.stringify([ra.error, rb.error])}`);
  rb.socket.addPermission('127.0.0.1');
  ra.socket.addPermission('127.0.0.1');
  ra.socket.send(Buffer.from('ping'), rb.relayedAddress.port, '127.0.0.1');
  await until(() => got.b === 1);
  rb.socket.send(Buffer.from('pong'), ra.relayedAddress.port, '127.0.0.1');
  await until(() => got.a === 1);
  const tSetup = performance.now() - t0;
  return { A, B, ra, rb, got, tAlloc, tSetup };
}

async function oursSetup(turn, server, transport) {
  const alloc = [];
  const setup = [];
  for (let i = 0; i < RUNS; i++) {
    const p = await oursPair(turn, server, transport);
    alloc.push(p.tAlloc);
    setup.push(p.tSetup);
    await Promise.all([p.A.close(), p.B.close()]);
  }
  return { alloc: median(alloc), setup: median(setup) };
}

async function oursThroughput(turn, server, transport) {
  let received = 0;
  let sent = 0;
  let pump = () => {};
  const p = await oursPair(turn, server, transport, () => {
    received++;
    pump();
  });
  const to = [p.rb.relayedAddress.port, '127.0.0.1'];
  // Warm up until the channel is bound, so that the run measures ChannelData.
  while (p.ra.socket.stats.channels === 0) {
    p.ra.socket.send(Buffer.alloc(8), ...to);
    await sleep(5);
  }
  await sleep(20);
  const payloads = Array.from({ length: WINDOW * 2 }, () => Buffer.alloc(SIZE, 7));
  const base = received;
  let lost = 0;
  pump = () => {
    while (sent < DATAGRAMS && sent - (received - base) - lost < WINDOW) {
      p.ra.socket.send(payloads[sent % payloads.length], ...to);
      sent++;
    }
  };
  const t0 = performance.now();
  pump();
  // A stalled window means datagrams were lost (UDP): credit them and go on.
  let last = -1;
  while (received - base + lost < DATAGRAMS) {
    await sleep(20);
    if (received === last) {
      lost = sent - (received - base);
      pump();
    }
    last = received;
  }
  const secs = (performance.now() - t0) / 1000;
  await Promise.all([p.A.close(), p.B.close()]);
  return { mbps: ((received - base) * SIZE) / secs / 1e6, lossPct: (100 * lost) / DATAGRAMS };
}

/** Two Agents, relay candidates only, through coturn: ms until both are connected. */
async function oursIce(ice, server, transport) {
  const url = `turn:127.0.0.1:${server.port}?transport=${transport}`;
  const up = (a) =>
    a.state === ice.ConnectionState.Connected || a.state === ice.ConnectionState.Completed;
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const sides = await Promise.all(
      [true, false].map(async (controlling) => {
        const candidates = [];
        const agent = new ice.Agent(
          {
            controlling,
            gather: { addressFilter: () => false },
            onCandidate: (c) => c && candidates.push(c),
          },
          () => {},
        );
        let deliver;
        const turn = new ice.TurnClient({
          url,
          username: server.username,
          credential: server.password,
          localAddress: '127.0.0.1',
          onMessage: (d, from) => deliver?.(d, from),
        });
        const [, r] = await Promise.all([agent.gather(), turn.allocate()]);
        if (!r.ok) throw new Error(`allocation failed: ${r.error.errorText}`);
        deliver = agent.addRelayCandidate({
          socket: r.socket,
          mappedAddress: r.mappedAddress,
          server: `127.0.0.1:${server.port}`,
        });
        return { agent, turn, candidates };
      }),
    );
    const [a, b] = sides;
    a.agent.setRemoteCredentials(b.agent.localCredentials.ufrag, b.agent.localCredentials.pwd);
    b.agent.setRemoteCredentials(a.agent.localCredentials.ufrag, a.agent.localCredentials.pwd);
    for (const c of b.candidates) a.agent.addRemoteCandidate(c);
    for (const c of a.candidates) b.agent.addRemoteCandidate(c);
    await until(() => up(a.agent) && up(b.agent), 20_000);
    times.push(performance.now() - t0);
    for (const x of sides) {
      await x.agent.close();
      await x.turn.close();
    }
  }
  return median(times);
}

// --- libwebrtc / werift -------------------------------------------------------------------

async function peerSetup(RTCPeerConnection, server, extra, label) {
  const config = {
    iceServers: [
      {
        urls: `turn:127.0.0.1:${server.port}`,
        username: server.username,
        credential: server.password,
      },
    ],
    iceTransportPolicy: 'relay',
    ...extra,
  };
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  let firstRelay;
  const t0 = performance.now();
  const relayOnly = (c) =>
    c && / typ relay/.test(c.candidate) && / 127\.0\.0\.1 /.test(c.candidate);
  a.onicecandidate = (e) => {
    if (relayOnly(e.candidate)) {
      firstRelay ??= performance.now() - t0;
      b.addIceCandidate(e.candidate).catch(() => {});
    }
  };
  b.onicecandidate = (e) => {
    if (relayOnly(e.candidate)) a.addIceCandidate(e.candidate).catch(() => {});
  };
  const dc = a.createDataChannel('bulk', { ordered: true });
  let rxDc;
  const rxOpen = new Promise((r) => {
    b.ondatachannel = (e) => {
      rxDc = e.channel;
      r();
    };
  });
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(a.localDescription);
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  await a.setRemoteDescription(b.localDescription);
  let tIce;
  // Polled, not from events: @roamhq/wrtc's events arrive late (INTEROP.md).
  await until(() => {
    if (tIce === undefined && ['connected', 'completed'].includes(a.iceConnectionState)) {
      tIce = performance.now() - t0;
    }
    return a.connectionState === 'connected';
  }, 20_000);
  const tConnect = performance.now() - t0;
  await until(() => dc.readyState === 'open', 10_000);
  await rxOpen;
  return { a, b, dc, rxDc: () => rxDc, firstRelay, tIce, tConnect, label };
}

async function peerBulk(s) {
  const total = MIB * 1024 * 1024;
  const done = receiveBulk(s.rxDc(), total);
  const t0 = performance.now();
  const stop = sendBulk(s.dc, total);
  await done;
  stop();
  const mbps = total / ((performance.now() - t0) / 1000) / 1e6;
  if (process.env.BENCH_DEBUG) {
    const assoc = s.a.manager?.association;
    if (assoc) console.log('x-webrtc sender association', assoc.stats);
  }
  return mbps;
}

async function peerRun(name, RTCPeerConnection, server, extra) {
  const first = [];
  const connect = [];
  const iceTimes = [];
  const mbpsRuns = [];
  for (let i = 0; i < RUNS; i++) {
    const s = await peerSetup(RTCPeerConnection, server, extra, name);
    first.push(s.firstRelay);
    connect.push(s.tConnect);
    iceTimes.push(s.tIce);
    if (i < 3) mbpsRuns.push(await peerBulk(s));
    s.a.close();
    s.b.close();
    await sleep(50);
  }
  return {
    alloc: median(first),
    ice: median(iceTimes),
    connect: median(connect),
    mbps: median(mbpsRuns),
  };
}

// --- main -----------------------------------------------------------------------------------

const server = await startCoturn();
const rows = [];
try {
  const turn = await loadIce();
  for (const transport of process.env.BENCH_PEERS ? [] : ['udp', 'tcp']) {
    const s = await oursSetup(turn, server, transport);
    const iceMs = await oursIce(turn, server, transport);
    const runs = [];
    for (let i = 0; i < Math.min(RUNS, 3); i++)
      runs.push(await oursThroughput(turn, server, transport));
    const t = runs.sort((x, y) => x.mbps - y.mbps)[Math.floor(runs.length / 2)];
    rows.push({
      peer: `@x/ice TURN (${transport})`,
      alloc: s.alloc,
      setup: s.setup,
      ice: iceMs,
      mbps: t.mbps,
      note: `raw datagrams, ${t.lossPct.toFixed(1)} % lost`,
    });
  }
  // The whole stack of each peer, relay only, through the same coturn.
  const stacks = [
    ['x-webrtc', async () => (await import('@x/webrtc')).RTCPeerConnection, { mdns: 'off' }],
    ['libwebrtc', async () => require('@roamhq/wrtc').RTCPeerConnection, {}],
    [
      'werift',
      async () => (await import('werift')).RTCPeerConnection,
      {
        iceUseIpv6: false,
        iceAdditionalHostAddresses: ['127.0.0.1'],
        iceInterfaceAddresses: { udp4: '127.0.0.1' },
      },
    ],
  ];
  const only = process.env.BENCH_PEERS?.split(',');
  for (const [name, load, extra] of stacks) {
    if (only && !only.includes(name)) continue;
    const peer = `${name} (relay)`;
    try {
      const r = await peerRun(name, await load(), server, extra);
      rows.push({
        peer,
        alloc: r.alloc,
        setup: r.connect,
        ice: r.ice,
        mbps: r.mbps,
        note: 'ICE+DTLS connect; data channel',
      });
    } catch (e) {
      rows.push({
        peer,
        alloc: Number.NaN,
        setup: Number.NaN,
        ice: Number.NaN,
        mbps: Number.NaN,
        note: `failed: ${e.message}`,
      });
    }
  }
} finally {
  await server.stop();
}

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
console.log(
  `median of ${RUNS} runs (throughput: of 3), ${DATAGRAMS} × ${SIZE} B datagrams (ours), ${MIB} MiB data channel (others)`,
);
console.log(
  'peer                       | first relay ms | ICE connected ms | setup ms | MB/s   | note',
);
for (const r of rows) {
  console.log(
    `${r.peer.padEnd(26)} | ${f(r.alloc).padStart(14)} | ${f(r.ice).padStart(16)} | ${f(r.setup).padStart(8)} | ${f(r.mbps).padStart(6)} | ${r.note}`,
  );
}
// Like for like: the whole stack (RTCPeerConnection, relay only, data channel) of each peer.
const ours = rows.find((r) => r.peer === 'x-webrtc (relay)');
for (const other of rows.filter(
  (r) => r.peer === 'libwebrtc (relay)' || r.peer === 'werift (relay)',
)) {
  console.log(
    `${other.peer} / x-webrtc (relay): first relay time ${f(other.alloc / ours.alloc, 2)}, ICE connected ${f(other.ice / ours.ice, 2)}, setup ${f(other.setup / ours.setup, 2)}, data channel throughput ${f(other.mbps / ours.mbps, 2)}`,
  );
}
process.exit(0);
