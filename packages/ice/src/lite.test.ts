// ICE-lite (RFC 8445 §2.5): a full agent against a lite one on the virtual network. The lite
// agent gathers host candidates only, sends no check and no consent request, is controlled
// whatever it is told, becomes usable on the peer's checks and selected on its nomination,
// and notices the peer gone from the silence of its checks.
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { ConnectionState as S } from './state.js';
import { cleanupAfterEach } from './testing-lan.js';
import { connectPair } from './testing-pair.js';
import { startStunServer } from './testing-stun-server.js';

const cleanup = cleanupAfterEach();

async function world() {
  const clock = new VirtualClock();
  const net = new VirtualNetwork({ clock, seed: 21 });
  const lan = net.addRouter({ name: 'lan', cidr: '10.0.0.0/24' });
  const full = net.addHost({ name: 'full', router: lan });
  const lite = net.addHost({ name: 'lite', router: lan });
  const stunHost = net.addHost({ name: 'stun', router: lan, ip: '10.0.0.200' });
  cleanup.push(() => net.close());
  return { clock, net, lan, full, lite, stunHost };
}

describe('ICE-lite', () => {
  it('connects to a full agent, answering its checks and sending none, and carries data both ways', async () => {
    const w = await world();
    const stun = await startStunServer(w.stunHost, '10.0.0.200');
    cleanup.push(() => stun.close());
    const { a, b } = await connectPair({
      clock: w.clock,
      netA: w.full,
      netB: w.lite,
      a: { controlling: true },
      // Told to control (as an offerer would be): a lite agent stays controlled.
      b: { lite: true, controlling: true, iceServers: [{ urls: 'stun:10.0.0.200' }] },
    });
    cleanup.push(async () => {
      await a.agent.close();
      await b.agent.close();
    });
    expect(b.agent.controlling).toBe(false);
    expect(
      await w.clock.runUntil(
        () => a.agent.state === S.Completed && b.agent.selectedPair?.nominated === true,
        { timeoutMs: 10_000 },
      ),
    ).toBe(true);
    // Host candidates only, although a STUN server was configured.
    expect(b.candidates.filter((c) => c !== null).every((c) => c!.type === 'host')).toBe(true);
    expect(b.states.map((x) => S[x.state])).toEqual(['Checking', 'Connected', 'Completed']);
    a.agent.send(Buffer.from('to lite'));
    b.agent.send(Buffer.from('to full'));
    await w.clock.advance(20_000); // long enough for consent checks of the full agent
    expect(b.received.map(String)).toContain('to lite');
    expect(a.received.map(String)).toContain('to full');
    // No check, no consent request; every check of the full agent answered.
    expect(b.agent.stats).toMatchObject({ checksSent: 0, consentRequestsSent: 0 });
    expect(b.agent.stats.checksReceived).toBeGreaterThan(2);
    // The full agent's consent checks keep the lite agent's consent fresh.
    expect(b.agent.state).toBe(S.Completed);
  });

  it('notices the full peer gone: disconnected on silence, failed when its checks stop', async () => {
    const w = await world();
    const { a, b } = await connectPair({
      clock: w.clock,
      netA: w.full,
      netB: w.lite,
      a: { controlling: true },
      b: { lite: true },
    });
    cleanup.push(async () => {
      await a.agent.close();
      await b.agent.close();
    });
    await w.clock.runUntil(() => b.agent.state === S.Completed, { timeoutMs: 10_000 });
    const gone = w.clock.now();
    w.full.link.partition();
    await w.clock.runUntil(() => b.agent.state === S.Failed, { timeoutMs: 60_000 });
    const seq = b.states.map((x) => [S[x.state], x.cause.kind]);
    expect(seq.slice(-2)).toEqual([
      ['Disconnected', 'no-packets'],
      ['Failed', 'consent-expired'],
    ]);
    // RFC 7675's 30 s default, here the agent's failedAfterMs (12 s) after the last check.
    expect(w.clock.now() - gone).toBeLessThan(20_000);
    expect(b.agent.stats).toMatchObject({ checksSent: 0, consentRequestsSent: 0 });
  });
});
