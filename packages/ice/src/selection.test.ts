/**
 * The selection tests of SELECTION.md: NAT traversal without TURN, loss, several interfaces
 * and a switch when the selected path is partitioned.
 */
import type { NatBehavior } from '@x/transport/testing';
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { ConnectionState as S } from './state.js';
import { cleanupAfterEach } from './testing-lan.js';
import { connectPair } from './testing-pair.js';
import { startStunServer } from './testing-stun-server.js';

const cleanup = cleanupAfterEach();

type Nat = { mapping: NatBehavior; filtering: NatBehavior } | undefined;
const EIM = 'endpoint-independent' as const;
const ADM = 'address-dependent' as const;
const APDM = 'address-and-port-dependent' as const;

async function natWorld(natA: Nat, natB: Nat) {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 3 });
  cleanup.push(() => world.close());
  const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
  const mk = (name: string, cidr: string, nat: Nat) =>
    nat === undefined
      ? wan
      : world.addRouter({
          name,
          cidr,
          parent: wan,
          nat: { ...nat, mappingTimeoutMs: 120_000, hairpinning: false },
        });
  const ra = mk('lan-a', '192.168.1.0/24', natA);
  const rb = mk('lan-b', '192.168.2.0/24', natB);
  const ha = world.addHost({ name: 'a', router: ra });
  const hb = world.addHost({ name: 'b', router: rb });
  const sh = world.addHost({ name: 'stun', router: wan, ip: '203.0.113.10' });
  const server = await startStunServer(sh, '203.0.113.10');
  cleanup.push(() => server.close());
  const iceServers = [{ urls: 'stun:203.0.113.10:3478' }];
  const { a, b } = await connectPair({
    clock,
    netA: ha,
    netB: hb,
    a: { iceServers },
    b: { iceServers },
  });
  cleanup.push(async () => {
    await a.agent.close();
    await b.agent.close();
  });
  return { clock, world, a, b };
}

describe('NAT types crossable without TURN (RFC 4787)', () => {
  const cases: [string, Nat, Nat][] = [
    ['full cone ↔ full cone', { mapping: EIM, filtering: EIM }, { mapping: EIM, filtering: EIM }],
    [
      'restricted cone ↔ restricted cone',
      { mapping: EIM, filtering: ADM },
      { mapping: EIM, filtering: ADM },
    ],
    [
      'port-restricted ↔ port-restricted',
      { mapping: EIM, filtering: APDM },
      { mapping: EIM, filtering: APDM },
    ],
    ['symmetric ↔ full cone', { mapping: APDM, filtering: APDM }, { mapping: EIM, filtering: EIM }],
    ['symmetric ↔ public address', { mapping: APDM, filtering: APDM }, undefined],
    [
      'address-dependent mapping ↔ restricted cone',
      { mapping: ADM, filtering: ADM },
      { mapping: EIM, filtering: ADM },
    ],
  ];
  for (const [name, natA, natB] of cases) {
    it(`${name}: both reach completed over a reflexive path and exchange data`, async () => {
      const { clock, a, b } = await natWorld(natA, natB);
      expect(a.agent.getLocalCandidates().some((c) => c.type === 'srflx')).toBe(true);
      await clock.runUntil(() => a.agent.state === S.Completed && b.agent.state === S.Completed, {
        timeoutMs: 10_000,
      });
      expect([S[a.agent.state], S[b.agent.state]]).toEqual(['Completed', 'Completed']);
      expect(['srflx', 'prflx', 'host']).toContain(a.agent.selectedPair!.remote.type);
      expect(a.agent.selectedPair!.remote.address.startsWith('192.168.')).toBe(false);
      a.agent.send(Buffer.from('through the NAT'));
      await clock.advance(50);
      expect(b.received.map(String)).toEqual(['through the NAT']);
    });
  }

  it('symmetric ↔ port-restricted is not crossable without TURN: checking → failed', async () => {
    const { clock, a } = await natWorld(
      { mapping: APDM, filtering: APDM },
      { mapping: EIM, filtering: APDM },
    );
    await clock.runUntil(() => a.agent.state === S.Failed, { timeoutMs: 60_000 });
    expect(a.states.map((s) => s.cause.kind)).toEqual(['checks-started', 'all-pairs-failed']);
  });
});

describe('loss and several interfaces', () => {
  it('connects through 10 % loss both ways and stays connected for a minute', async () => {
    const clock = new VirtualClock();
    const world = new VirtualNetwork({ clock, seed: 11 });
    cleanup.push(() => world.close());
    const r = world.addRouter({ name: 'lan', cidr: '10.0.0.0/24' });
    const ha = world.addHost({ name: 'a', router: r, link: { lossRate: 0.1, delayMs: 5 } });
    const hb = world.addHost({ name: 'b', router: r, link: { lossRate: 0.1, delayMs: 5 } });
    const { a, b } = await connectPair({ clock, netA: ha, netB: hb });
    cleanup.push(async () => {
      await a.agent.close();
      await b.agent.close();
    });
    await clock.runUntil(() => a.agent.state === S.Completed && b.agent.state === S.Completed, {
      timeoutMs: 20_000,
    });
    expect(S[a.agent.state]).toBe('Completed');
    let delivered = 0;
    for (let i = 0; i < 600; i++) {
      a.agent.send(Buffer.from([0x80, i & 0xff]));
      await clock.advance(100);
    }
    delivered = b.received.length;
    // ~81 % of datagrams cross two 10 % lossy links.
    expect(delivered).toBeGreaterThan(420);
    expect(a.states.some((s) => s.state === S.Failed)).toBe(false);
  });

  it('selects the first interface and switches to the second when the first is partitioned, without failing', async () => {
    const clock = new VirtualClock();
    const world = new VirtualNetwork({ clock, seed: 5 });
    cleanup.push(() => world.close());
    // Two separate networks (say Ethernet and Wi-Fi); each host is on both.
    const eth = world.addRouter({ name: 'eth', cidr: '10.1.0.0/24' });
    const wifi = world.addRouter({ name: 'wifi', cidr: '10.2.0.0/24' });
    const ha = world.addHost({ name: 'a', interfaces: [{ router: eth }, { router: wifi }] });
    const hb = world.addHost({ name: 'b', interfaces: [{ router: eth }, { router: wifi }] });
    const { a, b } = await connectPair({ clock, netA: ha, netB: hb });
    cleanup.push(async () => {
      await a.agent.close();
      await b.agent.close();
    });
    await clock.runUntil(() => a.agent.state === S.Completed && b.agent.state === S.Completed, {
      timeoutMs: 10_000,
    });
    expect(a.agent.selectedPair!.local.address.startsWith('10.1.')).toBe(true);
    expect(b.agent.selectedPair!.local.address.startsWith('10.1.')).toBe(true);
    ha.links[0]!.partition();
    const cut = clock.now();
    await clock.runUntil(
      () =>
        a.agent.selectedPair!.local.address.startsWith('10.2.') &&
        b.agent.selectedPair!.local.address.startsWith('10.2.'),
      { timeoutMs: 10_000 },
    );
    expect(clock.now() - cut).toBeLessThan(2500);
    // The first pair carried data from its first success (RFC 8445 §12.1): its nomination
    // changed no route, so the next change is the switch.
    expect(a.selected.map((s) => s.cause.kind)).toEqual(['valid', 'previous-pair-silent']);
    expect(b.selected.at(-1)!.cause.kind).toBe('previous-pair-silent');
    expect(a.states.some((s) => s.state === S.Failed || s.state === S.Disconnected)).toBe(false);
    a.agent.send(Buffer.from('via wifi'));
    await clock.advance(10);
    expect(b.received.map(String)).toEqual(['via wifi']);
    // Nothing goes wrong later: consent keeps flowing on the new path.
    await clock.advance(30_000);
    expect(S[a.agent.state]).not.toBe('Failed');
    expect(S[b.agent.state]).not.toBe('Failed');
  });

  it('leaves disconnected for connected when a spare path is found after the threshold', async () => {
    const clock = new VirtualClock();
    const world = new VirtualNetwork({ clock, seed: 6 });
    cleanup.push(() => world.close());
    const eth = world.addRouter({ name: 'eth', cidr: '10.1.0.0/24' });
    const wifi = world.addRouter({ name: 'wifi', cidr: '10.2.0.0/24' });
    const ha = world.addHost({ name: 'a', interfaces: [{ router: eth }, { router: wifi }] });
    const hb = world.addHost({ name: 'b', interfaces: [{ router: eth }, { router: wifi }] });
    // Probe only after the disconnected threshold, to walk disconnected -> connected.
    const consent = { disconnectedAfterMs: 2000, probeAfterMs: 3000 };
    const { a, b } = await connectPair({
      clock,
      netA: ha,
      netB: hb,
      a: { consent },
      b: { consent },
    });
    cleanup.push(async () => {
      await a.agent.close();
      await b.agent.close();
    });
    await clock.runUntil(() => a.agent.state === S.Completed, { timeoutMs: 10_000 });
    ha.links[0]!.partition();
    await clock.runUntil(() => a.agent.selectedPair!.local.address.startsWith('10.2.'), {
      timeoutMs: 10_000,
    });
    await clock.advance(100);
    expect(a.states.map((x) => [S[x.state], x.cause.kind])).toEqual([
      ['Checking', 'checks-started'],
      ['Connected', 'pair-valid'],
      ['Completed', 'checks-completed'],
      ['Disconnected', 'no-packets'],
      ['Connected', 'nominated'],
      ['Completed', 'checks-completed'],
    ]);
    expect(a.selected.at(-1)!.cause.kind).toBe('previous-pair-silent');
  });
});
