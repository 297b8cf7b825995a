// SFU forwarding: how many RTP packets per second one process forwards (receive, unprotect,
// protect, send) at 80 % of one core, and how long a packet spends inside it, for @x/webrtc
// and werift in the same run. Each role is a process: one generator (publishers and
// subscribers, our stack whatever the forwarder), one forwarder per stack under test, and this
// process, which relays signaling and chooses the load. See README.md for the method.
//
//   node tools/bench/run.mjs media        (after pnpm turbo run build --filter=./packages/*)
//
// Environment: BENCH_FORWARDERS=x-webrtc,werift,floor (the default; floor is a bare AES-GCM
// relay on node:dgram, the least any forwarder in Node costs), BENCH_SESSIONS=8,24,48 (the
// load levels, in sessions), BENCH_ROUNDS (windows of each forwarder at each level, default
// 2), BENCH_WINDOW_MS (default 2500), BENCH_DEBUG=1 (every window's figures as JSON),
// BENCH_CPU_PROF=<dir> (a CPU profile of each forwarder process); BENCH_NODE_ARGS (more node options for
// the forwarder processes, e.g. --trace-gc).
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnRole } from './ipc.mjs';
import { SESSION_PPS } from './session.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const FORWARDERS = (process.env.BENCH_FORWARDERS ?? 'x-webrtc,werift,floor').split(',');
const LEVELS = (process.env.BENCH_SESSIONS ?? '8,24,48').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 2500);
/** Most sessions the half-load window may use (the generator's CPU is the limit). */
const MAX_SESSIONS = 120;
/** Sessions a connection carries (one m-line each for Opus and VP8). */
const GROUP = 4;
const SETTLE_MS = 700;
const TARGET = 0.8;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (x, d = 0) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
const label = (name) => ({ 'x-webrtc': '@x/webrtc', floor: 'floor (bare relay)' })[name] ?? name;

const generator = await spawnRole(here('generator.mjs'), ['generator']);
const forwarders = new Map();
let failed = false;
try {
  for (const name of FORWARDERS)
    forwarders.set(name, {
      role: await spawnRole(here('forwarder.mjs'), [name], {
        // BENCH_CPU_PROF=<dir>: a CPU profile of each forwarder there (node --cpu-prof).
        execArgv: [
          ...(process.env.BENCH_CPU_PROF
            ? [
                '--cpu-prof',
                `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`,
                `--cpu-prof-name=${name}.cpuprofile`,
              ]
            : []),
          ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        ],
      }),
      groups: 0,
    });

  /** Connections (GROUP sessions each) toward `name` until it has `sessions`. */
  async function grow(name, sessions) {
    const fwd = forwarders.get(name);
    const adding = [];
    for (; fwd.groups * GROUP < sessions; fwd.groups++) adding.push(`${name}/${fwd.groups}`);
    // A few at a time: each is two handshakes in each process.
    for (let i = 0; i < adding.length; i += 4) {
      await Promise.all(
        adding.slice(i, i + 4).map(async (g) => {
          const { offer, kinds } = await generator.call('publish', g, name, GROUP);
          const back = await fwd.role.call('accept', g, offer, kinds);
          const answer = await generator.call('subscribe', g, back.answer, back.offer);
          await fwd.role.call('answered', g, answer);
          await Promise.all([generator.call('connected', g), fwd.role.call('connected', g)]);
        }),
      );
    }
  }

  /** One window: `sessions` sessions through forwarder `name` (and no other sending). */
  async function measure(name, sessions) {
    const fwd = forwarders.get(name).role;
    await grow(name, sessions);
    await generator.call('active', name, sessions);
    await sleep(SETTLE_MS);
    await Promise.all([fwd.call('start'), generator.call('start')]);
    await sleep(WINDOW_MS);
    const [inside, load] = await Promise.all([fwd.call('stop'), generator.call('stop')]);
    const rate = inside.forwarded / inside.seconds;
    const w = { name, sessions, rate, cpu: inside.cpu, usPerPacket: (inside.cpu * 1e6) / rate };
    Object.assign(w, { inside, load, lost: load.sent - load.received });
    if (process.env.BENCH_DEBUG) console.log(JSON.stringify(w));
    return w;
  }

  // The levels, each forwarder's windows interleaved (A B A B), so that what the other
  // processes of the machine do falls on both alike.
  const windows = [];
  for (const sessions of LEVELS) {
    for (let r = 0; r < ROUNDS; r++)
      for (const name of forwarders.keys()) windows.push(await measure(name, sessions));
  }
  const of = (name, sessions) =>
    windows.filter((w) => w.name === name && (sessions === undefined || w.sessions === sessions));

  // The rate at 80 % of a core: CPU = fixed + per packet × rate, fitted over the windows.
  const fits = new Map();
  for (const name of forwarders.keys()) fits.set(name, fit(of(name)));
  // Half of that load, one more window each (at most MAX_SESSIONS).
  const half = new Map();
  for (const name of forwarders.keys()) {
    const sessions = Math.min(MAX_SESSIONS, Math.round(fits.get(name).rate / 2 / SESSION_PPS));
    half.set(name, await measure(name, Math.max(1, sessions)));
  }

  report(of, fits, half);
} catch (error) {
  console.error(error.stack ?? error);
  failed = true;
} finally {
  await Promise.all([generator.stop(), ...[...forwarders.values()].map((f) => f.role.stop())]);
}
process.exit(failed ? 1 : 0);

/**
 * Least squares of CPU against rate: the rate where the line crosses 80 %. Levels too close
 * together for a line: the busiest window's CPU per packet instead.
 */
function fit(ws) {
  const n = ws.length;
  const reached = ws.some((w) => w.cpu >= TARGET);
  const rates = ws.map((w) => w.rate);
  if (Math.max(...rates) < 1.5 * Math.min(...rates)) {
    const top = ws.reduce((a, b) => (b.rate > a.rate ? b : a));
    return {
      rate: TARGET / (top.usPerPacket / 1e6),
      perPacket: top.usPerPacket / 1e6,
      fixed: 0,
      reached,
    };
  }
  const mx = ws.reduce((a, w) => a + w.rate, 0) / n;
  const my = ws.reduce((a, w) => a + w.cpu, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const w of ws) {
    sxy += (w.rate - mx) * (w.cpu - my);
    sxx += (w.rate - mx) ** 2;
  }
  const perPacket = sxy / sxx;
  const fixed = my - perPacket * mx;
  return { rate: (TARGET - fixed) / perPacket, perPacket, fixed, reached };
}

function report(of, fits, half) {
  const names = [...forwarders.keys()];
  console.log(
    `\nSessions of Opus (50 pkt/s, 100 B) + VP8 (120 pkt/s, 1088 B), ${GROUP} a connection; ` +
      `${ROUNDS} windows of ${WINDOW_MS / 1000} s per forwarder and level, interleaved, medians.`,
  );
  console.log(
    'CPU: the forwarder process (user + system, all threads) per second of wall time; ' +
      'inside: dgram message → dgram send of the same packet; end-to-end: publisher write → subscriber read.\n',
  );
  const head = [
    'sessions',
    'forwarder',
    'forwarded pkt/s',
    'CPU',
    'CPU µs/pkt',
    'lost/sent',
    'inside median/p99 ms',
    'end-to-end median/p99 ms',
    'generator CPU',
  ];
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => ' --- ').join('|')}|`);
  const row = (sessions, name, ws) => {
    const m = (get) => median(ws.map(get));
    const lost = ws.reduce((a, w) => a + w.lost, 0);
    const sent = ws.reduce((a, w) => a + w.load.sent, 0);
    const cells = [
      sessions,
      label(name),
      f(m((w) => w.rate)),
      `${f(m((w) => w.cpu) * 100)} %`,
      f(
        m((w) => w.usPerPacket),
        1,
      ),
      `${lost}/${sent}`,
      `${f(
        m((w) => w.inside.median),
        3,
      )} / ${f(
        m((w) => w.inside.p99),
        3,
      )}`,
      `${f(
        m((w) => w.load.median),
        2,
      )} / ${f(
        m((w) => w.load.p99),
        2,
      )}`,
      `${f(m((w) => w.load.cpu) * 100)} %`,
    ];
    console.log(`| ${cells.join(' | ')} |`);
  };
  for (const sessions of LEVELS) for (const name of names) row(sessions, name, of(name, sessions));
  for (const name of names) {
    const w = half.get(name);
    row(`${w.sessions} (half load)`, name, [w]);
  }
  console.log('');
  for (const name of names) {
    const x = fits.get(name);
    console.log(
      `${label(name).padEnd(10)} ${f(x.rate).padStart(6)} pkt/s at 80 % of a core ` +
        `(${x.reached ? 'a window reached it; ' : 'extrapolated: '}CPU = ${f(x.fixed * 100, 1)} % + ` +
        `${f(x.perPacket * 1e6, 1)} µs × pkt/s)`,
    );
  }
  // The busiest level's CPU per packet, everything (timers, RTCP) charged to the packets: a
  // rate that does not lean on the line's intercept, which moves most between runs.
  const top = Math.max(...LEVELS);
  const busiest = new Map(
    names.map((name) => [name, TARGET / (median(of(name, top).map((w) => w.usPerPacket)) / 1e6)]),
  );
  for (const name of names)
    console.log(
      `${label(name).padEnd(10)} ${f(busiest.get(name)).padStart(6)} pkt/s at 80 % at the CPU per packet of ${top} sessions`,
    );
  if (fits.has('x-webrtc') && fits.has('werift')) {
    const ratio = fits.get('x-webrtc').rate / fits.get('werift').rate;
    console.log(
      `ratio      @x/webrtc ÷ werift at ${top} sessions' CPU per packet: ${f(busiest.get('x-webrtc') / busiest.get('werift'), 2)}x`,
    );
    // The same level's windows in pairs: werift's CPU per packet ÷ ours.
    const paired = [];
    for (const sessions of LEVELS) {
      const o = of('x-webrtc', sessions);
      const w = of('werift', sessions);
      for (let i = 0; i < Math.min(o.length, w.length); i++)
        paired.push(w[i].usPerPacket / o[i].usPerPacket);
    }
    console.log(`ratio      @x/webrtc ÷ werift at 80 %: ${f(ratio, 2)}x`);
    if (fits.has('floor')) {
      const ours = fits.get('x-webrtc').rate;
      const floor = fits.get('floor').rate;
      const theirs = fits.get('werift').rate;
      console.log(
        `           of the floor's rate: @x/webrtc ${f((100 * ours) / floor)} %, werift ${f((100 * theirs) / floor)} %; ` +
          `floor ÷ werift ${f(floor / theirs, 2)}x (the most any forwarder on node:dgram + node:crypto could reach)`,
      );
    }
    console.log(
      `           werift's CPU per packet ÷ ours, paired windows: median ${f(median(paired), 2)}x ` +
        `(${f(Math.min(...paired), 2)}-${f(Math.max(...paired), 2)})`,
    );
  }
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
}
