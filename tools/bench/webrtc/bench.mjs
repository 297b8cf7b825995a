// RTCPeerConnection pairs in one process on 127.0.0.1: setup (createOffer until the offerer's
// connectionState is 'connected', and until the data channel is open) and bulk throughput
// (MiB of 16 KiB messages on a reliable ordered channel, sending while bufferedAmount <= 1 MiB,
// resuming at bufferedamountlow 256 KiB, the receiver counting bytes), for @x/webrtc,
// libwebrtc (@roamhq/wrtc), werift and libdatachannel (node-datachannel) in the same run, with
// the single-thread ceiling (seal + open of 1200-byte AES-128-GCM records in bare node:crypto).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MIB = Number(process.env.BENCH_MIB ?? 32);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const loopback = (text) => / 127\.0\.0\.1 \d+ typ /.test(text) && / udp /i.test(text);

const peers = {
  'x-webrtc': async () => {
    const { RTCPeerConnection } = await import('@x/webrtc');
    return () =>
      new RTCPeerConnection({
        gather: { includeLoopback: true, ipv6: false, addressFilter: (a) => a === '127.0.0.1' },
        mdns: 'off',
      });
  },
  libwebrtc: async () => {
    const wrtc = require('@roamhq/wrtc');
    return () => new wrtc.RTCPeerConnection({ iceServers: [] });
  },
  werift: async () => {
    const { RTCPeerConnection } = await import('werift');
    return () =>
      new RTCPeerConnection({
        iceServers: [],
        iceUseIpv6: false,
        iceAdditionalHostAddresses: ['127.0.0.1'],
        iceInterfaceAddresses: { udp4: '127.0.0.1' },
      });
  },
  libdatachannel: async () => {
    const { RTCPeerConnection } = await import('node-datachannel/polyfill');
    return () => new RTCPeerConnection({ iceServers: [], bindAddress: '127.0.0.1' });
  },
};

async function until(check, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(0.5);
  }
}

async function setup(make) {
  const a = make();
  const b = make();
  // Trickle, in order, each candidate after the description it follows (as signaling would).
  const forward = (to) => {
    const queue = [];
    const flush = () => {
      while (queue.length > 0 && to.remoteDescription)
        void to.addIceCandidate(queue.shift()).catch(() => {});
    };
    return {
      flush,
      handler: (e) => {
        const c = e.candidate;
        if (!c?.candidate) return;
        const text = c.candidate.replace(/^a=/, '');
        if (!loopback(text)) return;
        queue.push({
          candidate: text,
          sdpMid: c.sdpMid ?? '0',
          sdpMLineIndex: c.sdpMLineIndex ?? 0,
        });
        flush();
      },
    };
  };
  const toB = forward(b);
  const toA = forward(a);
  a.onicecandidate = toB.handler;
  b.onicecandidate = toA.handler;
  let received;
  const rx = new Promise((r) => {
    b.ondatachannel = (e) => {
      received = e.channel;
      r();
    };
  });
  const t0 = performance.now();
  const dc = a.createDataChannel('bulk');
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(a.localDescription);
  toB.flush();
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  toA.flush();
  await until(() => a.connectionState === 'connected');
  const connected = performance.now() - t0;
  await until(() => dc.readyState === 'open');
  const open = performance.now() - t0;
  await rx;
  return { a, b, dc, rx: () => received, connected, open };
}

async function bulk(s) {
  const total = MIB * 1024 * 1024;
  const message = new Uint8Array(16 * 1024).fill(1);
  let got = 0;
  const rx = s.rx();
  rx.binaryType = 'arraybuffer';
  const done = new Promise((resolve) => {
    rx.onmessage = (e) => {
      got += e.data.byteLength ?? e.data.length;
      if (got >= total) resolve();
    };
  });
  s.dc.bufferedAmountLowThreshold = 256 * 1024;
  let sent = 0;
  const pump = () => {
    while (sent < total && s.dc.bufferedAmount <= 1024 * 1024) {
      s.dc.send(message);
      sent += message.length;
    }
  };
  const t0 = performance.now();
  s.dc.onbufferedamountlow = pump;
  const poll = setInterval(pump, 5);
  pump();
  await done;
  clearInterval(poll);
  return total / ((performance.now() - t0) / 1000) / 1e6;
}

function ceiling() {
  const key = randomBytes(16);
  const iv = randomBytes(12);
  const record = randomBytes(1200);
  const n = 50_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    iv.writeUInt32BE(i, 8);
    const c = createCipheriv('aes-128-gcm', key, iv);
    const body = c.update(record);
    c.final();
    const tag = c.getAuthTag();
    const d = createDecipheriv('aes-128-gcm', key, iv);
    d.setAuthTag(tag);
    d.update(body);
    d.final();
  }
  return (n * 1200) / ((performance.now() - t0) / 1000) / 1e6;
}

const rows = [];
const only = process.env.BENCH_PEERS?.split(',');
for (const [name, load] of Object.entries(peers)) {
  if (only && !only.includes(name)) continue;
  try {
    const make = await load();
    const connected = [];
    const open = [];
    const mbps = [];
    for (let i = 0; i < RUNS; i++) {
      const s = await setup(make);
      connected.push(s.connected);
      open.push(s.open);
      if (i < 3) mbps.push(await bulk(s));
      await s.a.close();
      await s.b.close();
      await sleep(50);
    }
    rows.push({ name, connected: median(connected), open: median(open), mbps: median(mbps) });
  } catch (error) {
    rows.push({
      name,
      connected: Number.NaN,
      open: Number.NaN,
      mbps: Number.NaN,
      error: error.message,
    });
  }
}
const ceilingMBps = median([ceiling(), ceiling(), ceiling()]);
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
console.log(`one process, 127.0.0.1; medians of ${RUNS} setups and 3 bulk runs of ${MIB} MiB`);
console.log('peer            | setup ms | channel open ms | bulk MB/s');
for (const r of rows) {
  console.log(
    `${r.name.padEnd(15)} | ${f(r.connected).padStart(8)} | ${f(r.open).padStart(15)} | ${f(r.mbps).padStart(9)}${r.error ? `  (failed: ${r.error})` : ''}`,
  );
}
const ours = rows[0];
for (const r of rows.slice(1)) {
  console.log(
    `${r.name} / x-webrtc: setup ${f(r.connected / ours.connected, 2)}x, open ${f(r.open / ours.open, 2)}x, bulk ${f(r.mbps / ours.mbps, 2)}x`,
  );
}
console.log(
  `single-thread ceiling (seal+open of 1200 B AES-128-GCM): ${f(ceilingMBps)} MB/s; x-webrtc bulk = ${f((ours.mbps / ceilingMBps) * 100)} % of it`,
);
process.exit(0);
