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
