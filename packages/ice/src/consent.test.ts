import { Prng, VirtualClock } from '@x/transport/testing';
import { expect, it } from 'vitest';
import { CandidatePair, type LocalBase } from './candidate-pair.js';
import { ConsentMonitor } from './consent.js';

const cand = {
  foundation: '1',
  component: 1,
  transport: 'udp' as const,
  priority: 1,
  address: '10.0.0.1',
  port: 1,
  type: 'host' as const,
};

it('sends consent requests at 0.8–1.2 × the interval and reports silence, then expiry', async () => {
  const clock = new VirtualClock();
  const pair = new CandidatePair(cand, {} as LocalBase, cand, '10.0.0.1');
  pair.lastReceivedAt = 0;
  pair.lastConsentAt = 0;
  const requests: number[] = [];
  const events: string[] = [];
  const prng = new Prng(7);
  const m = new ConsentMonitor(
    clock,
    {
      intervalMs: 500,
      probeAfterMs: 1250,
      disconnectedAfterMs: 2500,
      failedAfterMs: 12_000,
      random: () => prng.next(),
    },
    {
      request: () => requests.push(clock.now()),
      wantsProbe: () => true,
      probe: () => events.push(`probe@${clock.now()}`),
      silent: (_p, ms) => events.push(`silent@${clock.now()}:${ms.toFixed(0)}`),
      expired: () => events.push(`expired@${clock.now()}`),
    },
  );
  m.watch(pair);
  await clock.advance(12_000);
  const gaps = requests.slice(1).map((t, i) => t - requests[i]!);
  expect(gaps.length).toBeGreaterThan(15);
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(400);
  expect(Math.max(...gaps)).toBeLessThanOrEqual(600);
  expect(events).toEqual(['probe@1250', 'silent@2500:2500', 'expired@12000']);
  expect(m.lost).toBe(true);
  const after = requests.length;
  await clock.advance(5000);
  expect(requests.length).toBe(after); // no requests after expiry
  m.stop();
});

it('repeats the randomized consent schedule exactly from a seed', async () => {
  const schedule = async (seed: number): Promise<number[]> => {
    const clock = new VirtualClock();
    const pair = new CandidatePair(cand, {} as LocalBase, cand, '10.0.0.1');
    pair.lastReceivedAt = 0;
    pair.lastConsentAt = 0;
    const prng = new Prng(seed);
    const times: number[] = [];
    const m = new ConsentMonitor(
      clock,
      {
        intervalMs: 500,
        probeAfterMs: 1250,
        disconnectedAfterMs: 2500,
        failedAfterMs: 12_000,
        random: () => prng.next(),
      },
      {
        request: () => times.push(clock.now()),
        wantsProbe: () => false,
        probe: () => {},
        silent: () => {},
        expired: () => {},
      },
    );
    m.watch(pair);
    await clock.advance(5000);
    m.stop();
    return times;
  };
  const first = await schedule(3);
  expect(await schedule(3)).toEqual(first);
  expect(await schedule(4)).not.toEqual(first);
});

/** The default timings (config.ts): 5 s interval, quiet after 1.5 s, quick requests every ~167 ms. */
const defaults = {
  intervalMs: 5000,
  quietAfterMs: 1500,
  quietIntervalMs: 2500 / 15,
  probeAfterMs: 2000,
  disconnectedAfterMs: 2500,
  failedAfterMs: 12_000,
};

/**
 * Two monitors with the default timings joined by a path of `rttMs` that loses each packet
 * with probability `loss` (or, with `answers: false`, every answer): a request is heard by the
 * other end, its answer by the requester (RFC 7675 consent), as two of our agents hear each
 * other on an idle connection.
 */
function idlePair(seed: number, loss: number, { rttMs = 20, answers = true } = {}) {
  const clock = new VirtualClock();
  const prng = new Prng(seed);
  const ends = [0, 1].map(() => {
    const pair = new CandidatePair(cand, {} as LocalBase, cand, '10.0.0.1');
    pair.lastReceivedAt = 0;
    pair.lastConsentAt = 0;
    return {
      pair,
      requests: 0,
      probes: 0,
      silences: 0,
      expiries: 0,
      monitor: undefined as unknown as ConsentMonitor,
    };
  });
  const deliver = (fn: () => void): void => {
    if (prng.next() >= loss) clock.setTimeout(fn, rttMs / 2);
  };
  for (const [i, end] of ends.entries()) {
    const other = ends[1 - i]!;
    end.monitor = new ConsentMonitor(
      clock,
      { ...defaults, random: () => prng.next() },
      {
        request: () => {
          end.requests++;
          deliver(() => {
            other.pair.lastReceivedAt = clock.now();
            if (other.monitor.attention) other.monitor.heard();
            if (answers)
              deliver(() => {
                end.pair.lastReceivedAt = clock.now();
                end.pair.lastConsentAt = clock.now();
                if (end.monitor.attention) end.monitor.heard();
              });
          });
        },
        wantsProbe: () => i === 0,
        probe: () => end.probes++,
        silent: () => end.silences++,
        expired: () => end.expiries++,
      },
    );
  }
  for (const end of ends) end.monitor.watch(end.pair);
  return { clock, ends };
}

it('costs under one exchange a second on an idle pair, with no false alarm', async () => {
  const { clock, ends } = idlePair(11, 0);
  const seconds = 600;
  await clock.advance(seconds * 1000);
  const perSecond = (ends[0]!.requests + ends[1]!.requests) / seconds;
  // One exchange per ~1.2–1.8 s of silence: each end hears the other's exchanges, so the pair
  // needs about one, not two (the former 500 ms default cost 4 a second).
  expect(perSecond).toBeGreaterThan(1 / 1.8);
  expect(perSecond).toBeLessThan(1);
  expect(ends.map((e) => [e.silences, e.probes])).toEqual([
    [0, 0],
    [0, 0],
  ]);
  for (const e of ends) e.monitor.stop();
  expect(clock.pendingTimers).toBe(0);
});

it('rides out 10 % loss each way for an hour without calling the pair silent', async () => {
  const { clock, ends } = idlePair(5, 0.1);
  await clock.advance(3_600_000);
  expect(ends.map((e) => e.silences)).toEqual([0, 0]);
  // Quick requests after a lost exchange: more than without loss, still well below 4 a second.
  expect((ends[0]!.requests + ends[1]!.requests) / 3600).toBeLessThan(1.3);
  for (const e of ends) e.monitor.stop();
});

it('asks quickly once consent ages, and keeps it while only the peer is heard', async () => {
  // Every answer is lost, every request arrives: neither end gets consent; the quick requests
  // start at failedAfter / 2 and cannot save it, and it expires at failedAfter.
  const lost = idlePair(3, 0, { answers: false });
  await lost.clock.advanceTo(6000 - 1);
  const before = lost.ends[0]!.requests;
  await lost.clock.advanceTo(7000);
  // From 6 s on: one request every ~167 ms.
  expect(lost.ends[0]!.requests - before).toBeGreaterThanOrEqual(5);
  await lost.clock.advanceTo(12_000 - 1);
  expect(lost.ends.map((e) => e.expiries)).toEqual([0, 0]);
  await lost.clock.advanceTo(12_000);
  expect(lost.ends.map((e) => e.expiries)).toEqual([1, 1]);
  for (const e of lost.ends) e.monitor.stop();
  // At 20 % loss each way over an hour, a consent that ages is refreshed by the quick
  // requests: it never expires, and the pair is called silent rarely if ever.
  const lossy = idlePair(4, 0.2);
  await lossy.clock.advance(3_600_000);
  expect(lossy.ends.map((e) => e.expiries)).toEqual([0, 0]);
  for (const e of lossy.ends) e.monitor.stop();
});

it('asks at once when a pair goes quiet, then every ~167 ms, and is disconnected on time', async () => {
  const clock = new VirtualClock();
  const pair = new CandidatePair(cand, {} as LocalBase, cand, '10.0.0.1');
  pair.lastReceivedAt = 0;
  pair.lastConsentAt = 0;
  const requests: number[] = [];
  const events: string[] = [];
  const prng = new Prng(9);
  const m = new ConsentMonitor(
    clock,
    { ...defaults, random: () => prng.next() },
    {
      request: () => requests.push(clock.now()),
      wantsProbe: () => true,
      probe: () => events.push(`probe@${clock.now()}`),
      silent: (_p, ms) => events.push(`silent@${clock.now()}:${ms.toFixed(0)}`),
      expired: () => events.push(`expired@${clock.now()}`),
    },
  );
  m.watch(pair);
  await clock.advance(2500);
  // The first request: the quiet one (1.2–1.8 s), before the regular one (4–6 s).
  expect(requests[0]).toBeGreaterThanOrEqual(1200);
  expect(requests[0]).toBeLessThanOrEqual(1800);
  const gaps = requests.slice(1).map((t, i) => t - requests[i]!);
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2500 / 15 - 34);
  expect(Math.max(...gaps)).toBeLessThanOrEqual(2500 / 15 + 34);
  // Four quick requests or more before the silence means `disconnected`.
  expect(requests.filter((t) => t < 2500).length).toBeGreaterThanOrEqual(4);
  expect(events).toEqual(['probe@2000', 'silent@2500:2500']);
  // A packet (a consent answer): no quick requests any more; the next one when quiet again,
  // 1.2–1.8 s later (before the regular one, due 4–6 s after the last request).
  pair.lastReceivedAt = clock.now();
  pair.lastConsentAt = clock.now();
  m.heard();
  const before = requests.length;
  await clock.advance(1200);
  expect(requests.length).toBe(before);
  await clock.advance(600);
  expect(requests[before]).toBeGreaterThanOrEqual(3700);
  expect(requests[before]).toBeLessThanOrEqual(4300);
  m.stop();
  expect(clock.pendingTimers).toBe(0);
});

it('backs its quick requests off once the pair is silent: a dead path, or a stalled server, is not flooded', async () => {
  const clock = new VirtualClock();
  const pair = new CandidatePair(cand, {} as LocalBase, cand, '10.0.0.1');
  pair.lastReceivedAt = 0;
  pair.lastConsentAt = 0;
  const requests: number[] = [];
  const prng = new Prng(11);
  const m = new ConsentMonitor(
    clock,
    { ...defaults, random: () => prng.next() },
    {
      request: () => requests.push(clock.now()),
      wantsProbe: () => false,
      probe: () => {},
      silent: () => {},
      expired: () => {},
    },
  );
  m.watch(pair);
  await clock.advance(11_999);
  // Until `disconnected` (2.5 s) the quick pace holds: four requests or more.
  expect(requests.filter((t) => t < 2500).length).toBeGreaterThanOrEqual(4);
  // Then each gap is about 1.5 times the one before (×0.8–1.2 each), never over 2.5 s × 1.2.
  const after = requests.filter((t) => t >= 2500);
  const gaps = after.slice(1).map((t, i) => t - after[i]!);
  expect(Math.max(...gaps)).toBeLessThanOrEqual(2500 * 1.2);
  expect(gaps.at(-1)!).toBeGreaterThan(1500);
  // At the fixed pace, 9.5 s of silence would cost about 57 requests; backed off, a dozen.
  expect(after.length).toBeLessThanOrEqual(14);
  // Something heard: the next silence starts at the quick pace again.
  pair.lastReceivedAt = clock.now();
  pair.lastConsentAt = clock.now();
  m.heard();
  requests.length = 0;
  await clock.advance(2500);
  const quick = requests.slice(1).map((t, i) => t - requests[i]!);
  expect(quick.length).toBeGreaterThanOrEqual(3);
  expect(Math.max(...quick)).toBeLessThanOrEqual((2500 / 15) * 1.2 + 1);
  m.stop();
  expect(clock.pendingTimers).toBe(0);
});

it('a timer that fires late (the process was busy) reads the input that waited before it calls the pair quiet or silent', async () => {
  // A busy process: its clock jumps 1.4 s while the monitor's timer waits, so the timer fires
  // 1.4 s after it was due; the answers that arrived meanwhile are read right after it.
  const virtual = new VirtualClock();
  let skew = 0;
  const clock = {
    now: () => virtual.now() + skew,
    setTimeout: (cb: () => void, ms: number) => virtual.setTimeout(cb, ms),
  };
  const pair = new CandidatePair(cand, {} as LocalBase, cand, '10.0.0.1');
  pair.lastReceivedAt = 0;
  pair.lastConsentAt = 0;
  const requests: number[] = [];
  const events: string[] = [];
  const m = new ConsentMonitor(
    clock,
    // Every randomized interval at its mean: the quiet timer is due 1.5 s after the last packet.
    { ...defaults, random: () => 0.5 },
    {
      request: () => requests.push(clock.now()),
      wantsProbe: () => false,
      probe: () => {},
      silent: (_p, ms) => events.push(`silent:${ms.toFixed(0)}`),
      expired: () => events.push('expired'),
    },
  );
  m.watch(pair);
  await virtual.advance(1000);
  skew = 1400;
  // The quiet timer, due at 1.5 s, fires at 2.9 s by the clock: 1.4 s late.
  await virtual.advance(501);
  expect(requests).toEqual([]);
  expect(events).toEqual([]);
  // The turn reads the socket: the peer's packets of the busy time were there.
  pair.lastReceivedAt = clock.now();
  pair.lastConsentAt = clock.now();
  m.heard();
  await virtual.advance(100);
  expect(requests).toEqual([]);
  expect(events).toEqual([]);
  // A real silence after that is still seen on time.
  await virtual.advance(2500);
  expect(events.length).toBe(1);
  expect(requests.length).toBeGreaterThanOrEqual(4);
  m.stop();
  expect(virtual.pendingTimers).toBe(0);
});
