import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from './agent.js';
import { IceConfigError } from './errors.js';
import { ConnectionState as S } from './state.js';
import { connectPair } from './testing-pair.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function lan() {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 1 });
  const r = world.addRouter({ name: 'lan', cidr: '10.0.0.0/24' });
  const ha = world.addHost({ name: 'a', router: r });
  const hb = world.addHost({ name: 'b', router: r });
  cleanup.push(() => world.close());
  return { clock, world, r, ha, hb };
}

describe('Agent on one LAN', () => {
  it('reaches connected, then completed, and carries data both ways', async () => {
    const { clock, ha, hb } = lan();
    const { a, b } = await connectPair({ clock, netA: ha, netB: hb });
    cleanup.push(async () => {
      await a.agent.close();
      await b.agent.close();
    });
    await clock.runUntil(() => a.agent.state === S.Completed && b.agent.state === S.Completed, {
      timeoutMs: 5000,
    });
    expect(a.states.map((s) => s.state)).toEqual([S.Checking, S.Connected, S.Completed]);
    expect(b.states.map((s) => s.state)).toEqual([S.Checking, S.Connected, S.Completed]);
    expect(a.states[1]!.cause.kind).toBe('nominated');
    expect(a.selected[0]!.cause.kind).toBe('nominated');
    expect(a.agent.send(Buffer.from('hello'))).toBe(true);
    expect(b.agent.send(Buffer.from('world'))).toBe(true);
    await clock.advance(10);
    expect(b.received.map(String)).toEqual(['hello']);
    expect(a.received.map(String)).toEqual(['world']);
    await a.agent.close();
    expect(a.agent.state).toBe(S.Closed);
    expect(a.states.at(-1)!.cause.kind).toBe('closed-by-user');
  });
});

describe('configuration errors', () => {
  it('throws typed errors for an empty ufrag, a short pwd and a bad URL', () => {
    expect(() => new Agent({ ufrag: '' }, () => {})).toThrow(IceConfigError);
    expect(() => new Agent({ pwd: 'short' }, () => {})).toThrow(/22/);
    expect(() => new Agent({ iceServers: [{ urls: 'http://x' }] }, () => {})).toThrow(
      IceConfigError,
    );
    expect(() => new Agent({ iceServers: [{ urls: 'turn:x' }] }, () => {})).toThrow(/username/);
  });
});
