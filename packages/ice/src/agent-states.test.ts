/**
 * Table-driven test of the ICE state graph: each row drives two agents on the virtual network
 * through a scenario and asserts the exact sequence of (state, cause) notifications of the
 * controlling agent A (and, where it matters, of B).
 */
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { ConnectionState as S } from './state.js';
import { cleanupAfterEach } from './testing-lan.js';
import { connectPair, type Side } from './testing-pair.js';

type World = Awaited<ReturnType<typeof setup>>;
const cleanup = cleanupAfterEach();

async function setup(options: { noEnd?: boolean; partitioned?: boolean } = {}) {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 7 });
  const r = world.addRouter({ name: 'lan', cidr: '10.0.0.0/24' });
  const ha = world.addHost({ name: 'a', router: r });
  const hb = world.addHost({ name: 'b', router: r });
  cleanup.push(() => world.close());
  if (options.partitioned) hb.link.partition();
  const { a, b } = await connectPair({ clock, netA: ha, netB: hb, noEnd: options.noEnd ?? false });
  cleanup.push(async () => {
    await a.agent.close();
    await b.agent.close();
  });
  return { clock, world, ha, hb, a, b };
}

const seq = (s: Side) => s.states.map((x) => [S[x.state], x.cause.kind]);

async function restartBoth(w: World): Promise<void> {
  const ca = w.a.agent.beginGeneration();
  const cb = w.b.agent.beginGeneration();
  w.a.agent.setRemoteCredentials(cb.ufrag, cb.pwd);
  w.b.agent.setRemoteCredentials(ca.ufrag, ca.pwd);
}

interface Row {
  name: string;
  noEnd?: boolean;
  partitioned?: boolean;
  drive: (w: World) => Promise<void>;
  a: [string, string][];
  b?: [string, string][];
}

const rows: Row[] = [
  {
    name: 'new → checking → connected → completed',
    drive: async (w) => {
      await w.clock.runUntil(
        () => w.a.agent.state === S.Completed && w.b.agent.state === S.Completed,
        { timeoutMs: 5000 },
      );
    },
    a: [
      ['Checking', 'checks-started'],
      ['Connected', 'pair-valid'],
      ['Completed', 'checks-completed'],
    ],
    b: [
      ['Checking', 'checks-started'],
      ['Connected', 'pair-valid'],
      ['Completed', 'checks-completed'],
    ],
  },
  {
    name: 'connected → disconnected → connected (no end-of-candidates, so never completed)',
    noEnd: true,
    drive: async (w) => {
      await w.clock.runUntil(() => w.a.agent.state === S.Connected, { timeoutMs: 5000 });
      await w.clock.advance(1000);
      w.hb.link.partition();
      const cut = w.clock.now();
      await w.clock.runUntil(() => w.a.agent.state === S.Disconnected, { timeoutMs: 5000 });
      // Noticed within 2.5 s of the last packet heard (which is before the cut).
      expect(w.clock.now() - cut).toBeLessThanOrEqual(2500);
      w.hb.link.heal();
      await w.clock.runUntil(() => w.a.agent.state === S.Connected, { timeoutMs: 5000 });
    },
    a: [
      ['Checking', 'checks-started'],
      ['Connected', 'pair-valid'],
      ['Disconnected', 'no-packets'],
      ['Connected', 'packets-resumed'],
    ],
  },
  {
    name: 'completed → disconnected → completed',
    drive: async (w) => {
      await w.clock.runUntil(() => w.a.agent.state === S.Completed, { timeoutMs: 5000 });
      w.hb.link.partition();
      await w.clock.runUntil(() => w.a.agent.state === S.Disconnected, { timeoutMs: 5000 });
      w.hb.link.heal();
      await w.clock.runUntil(() => w.a.agent.state === S.Completed, { timeoutMs: 5000 });
    },
    a: [
      ['Checking', 'checks-started'],
      ['Connected', 'pair-valid'],
      ['Completed', 'checks-completed'],
      ['Disconnected', 'no-packets'],
      ['Completed', 'packets-resumed'],
    ],
  },
  {
    name: 'disconnected → failed (consent expired) → checking by restart → connected → completed',
    drive: async (w) => {
      await w.clock.runUntil(() => w.a.agent.state === S.Completed, { timeoutMs: 5000 });
      w.hb.link.partition();
      const cut = w.clock.now();
      await w.clock.runUntil(() => w.a.agent.state === S.Failed, { timeoutMs: 20_000 });
      expect(w.clock.now() - cut).toBeLessThanOrEqual(12_000);
      expect(w.a.agent.send(Buffer.from('x'))).toBe(false); // RFC 7675 §5.2: sending stops
      w.hb.link.heal();
      await restartBoth(w);
      await w.clock.runUntil(() => w.a.agent.state === S.Completed, { timeoutMs: 5000 });
      expect(w.a.selected.at(-1)!.cause.kind).toBe('restart');
      expect(w.a.agent.send(Buffer.from('x'))).toBe(true);
    },
    a: [
      ['Checking', 'checks-started'],
      ['Connected', 'pair-valid'],
      ['Completed', 'checks-completed'],
      ['Disconnected', 'no-packets'],
      ['Failed', 'consent-expired'],
      ['Checking', 'restart'],
      ['Connected', 'nominated'],
      ['Completed', 'checks-completed'],
    ],
  },
  {
    name: 'completed → connected by restart (old pair keeps carrying data) → completed',
    drive: async (w) => {
      await w.clock.runUntil(
        () => w.a.agent.state === S.Completed && w.b.agent.state === S.Completed,
        { timeoutMs: 5000 },
      );
      const old = w.a.agent.selectedPair;
      await restartBoth(w);
      expect(w.a.agent.selectedPair).toBe(old);
      expect(w.a.agent.send(Buffer.from('during restart'))).toBe(true);
      await w.clock.runUntil(() => w.a.agent.state === S.Completed, { timeoutMs: 5000 });
      await w.clock.advance(10);
      expect(w.b.received.map(String)).toContain('during restart');
    },
    a: [
      ['Checking', 'checks-started'],
      ['Connected', 'pair-valid'],
      ['Completed', 'checks-completed'],
      ['Connected', 'restart'],
      ['Completed', 'checks-completed'],
    ],
  },
  {
    name: 'checking → failed when no pair works',
    partitioned: true,
    drive: async (w) => {
      await w.clock.runUntil(() => w.a.agent.state === S.Failed, { timeoutMs: 60_000 });
    },
    a: [
      ['Checking', 'checks-started'],
      ['Failed', 'all-pairs-failed'],
    ],
  },
  {
    name: 'checking → closed',
    partitioned: true,
    drive: async (w) => {
      await w.clock.advance(100);
      await w.a.agent.close();
    },
    a: [
      ['Checking', 'checks-started'],
      ['Closed', 'closed-by-user'],
    ],
  },
];

describe('ICE state graph', () => {
  for (const row of rows) {
    it(row.name, async () => {
      const w = await setup({ noEnd: row.noEnd ?? false, partitioned: row.partitioned ?? false });
      await row.drive(w);
      expect(seq(w.a)).toEqual(row.a);
      if (row.b) expect(seq(w.b)).toEqual(row.b);
      // Notifications are in clock order and never repeat a state.
      for (let i = 1; i < w.a.states.length; i++) {
        expect(w.a.states[i]!.at).toBeGreaterThanOrEqual(w.a.states[i - 1]!.at);
        expect(w.a.states[i]!.state).not.toBe(w.a.states[i - 1]!.state);
      }
    });
  }
});
