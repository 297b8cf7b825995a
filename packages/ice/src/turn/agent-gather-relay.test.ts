// The agent gathers relay candidates itself from `turn:` URLs in `iceServers`: with the relay
// policy two agents behind symmetric NATs reveal and pair only relay candidates and connect;
// a server with wrong credentials gives a candidate error (401) while gathering completes.
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { afterEach, expect, it } from 'vitest';
import { Agent } from '../agent.js';
import type { Candidate } from '../candidate.js';
import type { CandidateSource } from '../config.js';
import { ConnectionState } from '../state.js';
import type { TurnCandidateError } from './errors.js';
import { TestTurnServer } from './testing-server.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function drive<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  let done = false;
  const q = p.finally(() => {
    done = true;
  });
  await clock.runUntil(() => done, { timeoutMs: 60_000 });
  return q;
}

it('gathers only relay candidates with the relay policy, reports a bad server, and connects', async () => {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 5 });
  cleanups.push(() => world.close());
  const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
  const nat = {
    mapping: 'address-and-port-dependent',
    filtering: 'address-and-port-dependent',
    hairpinning: false,
  } as const;
  const lans = [
    world.addRouter({ name: 'lan-a', cidr: '192.168.1.0/24', parent: wan, nat }),
    world.addRouter({ name: 'lan-b', cidr: '192.168.2.0/24', parent: wan, nat }),
  ];
  const turnHost = world.addHost({
    name: 'turn',
    router: wan,
    ip: '203.0.113.10',
    link: { delayMs: 10 },
  });
  const turn = await new TestTurnServer({
    net: turnHost,
    clock,
    address: '203.0.113.10',
    users: { alice: 'secret' },
  }).start();
  cleanups.push(() => drive(clock, turn.close()));

  const sides = lans.map((lan, i) => {
    const net = world.addHost({ name: `h${i}`, router: lan, link: { delayMs: 10 } });
    const candidates: Candidate[] = [];
    const sources: (CandidateSource | undefined)[] = [];
    const errors: TurnCandidateError[] = [];
    const states: ConnectionState[] = [];
    const received: string[] = [];
    let done = false;
    const agent = new Agent(
      {
        net,
        clock,
        controlling: i === 0,
        mdns: 'off',
        transportPolicy: 'relay',
        iceServers: [
          { urls: 'turn:203.0.113.10:3478', username: 'alice', credential: 'secret' },
          { urls: 'turn:203.0.113.10:3478?transport=udp', username: 'alice', credential: 'wrong' },
        ],
        onCandidate: (c, source) => {
          if (c === null) done = true;
          else {
            candidates.push(c);
            sources.push(source);
          }
        },
        onCandidateError: (e) => errors.push(e),
        onData: (d) => received.push(d.toString()),
      },
      (state) => states.push(state),
    );
    cleanups.push(() => drive(clock, agent.close()));
    return { agent, candidates, sources, errors, states, received, done: () => done };
  });
  const [a, b] = sides as [(typeof sides)[0], (typeof sides)[0]];
  await drive(clock, Promise.all([a.agent.gather(), b.agent.gather()]));
  for (const side of sides) {
    expect(side.done()).toBe(true);
    expect(side.candidates.map((c) => c.type)).toEqual(['relay']);
    expect(side.candidates[0]!.address).toBe('203.0.113.10');
    // W3C RTCIceCandidate url and relayProtocol: the TURN server as configured, over UDP.
    expect(side.sources).toEqual([
      { url: 'turn:203.0.113.10:3478?transport=udp', relayProtocol: 'udp' },
    ]);
    expect(side.errors).toEqual([
      expect.objectContaining({ url: 'turn:203.0.113.10:3478?transport=udp', errorCode: 401 }),
    ]);
  }
  a.agent.setRemoteCredentials(b.agent.localCredentials.ufrag, b.agent.localCredentials.pwd);
  b.agent.setRemoteCredentials(a.agent.localCredentials.ufrag, a.agent.localCredentials.pwd);
  for (const c of a.candidates) b.agent.addRemoteCandidate(c);
  for (const c of b.candidates) a.agent.addRemoteCandidate(c);
  a.agent.endOfRemoteCandidates();
  b.agent.endOfRemoteCandidates();
  expect(
    await clock.runUntil(
      () =>
        a.agent.state === ConnectionState.Completed && b.agent.state === ConnectionState.Completed,
      { timeoutMs: 30_000 },
    ),
  ).toBe(true);
  expect(a.agent.selectedPair?.local.type).toBe('relay');
  // The pair says which server relays it (webrtc-stats `url`), and its STUN traffic.
  const selected = a.agent.getPairs().find((p) => p.local.type === 'relay' && p.nominated)!;
  expect(selected.localUrl).toMatch(/^turn:203\.0\.113\.\d+:3478\?transport=udp$/);
  expect(selected.localRelayProtocol).toBe('udp');
  expect(selected.stun.requestsSent).toBeGreaterThanOrEqual(1);
  expect(selected.stun.responsesReceived).toBeGreaterThanOrEqual(1);
  expect(selected.stun.totalRoundTripTimeMs).toBeGreaterThan(0);
  expect(a.agent.send(Buffer.from('through the relay'))).toBe(true);
  await clock.runUntil(() => b.received.length > 0, { timeoutMs: 5000 });
  expect(b.received).toEqual(['through the relay']);
});

/** A wan with a TURN server (users alice/secret and bob/fresh) at 203.0.113.10. */
async function turnWorld(seed: number) {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed });
  cleanups.push(() => world.close());
  const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
  const turn = await new TestTurnServer({
    net: world.addHost({ name: 'turn', router: wan, ip: '203.0.113.10' }),
    clock,
    address: '203.0.113.10',
    users: { alice: 'secret', bob: 'fresh' },
  }).start();
  cleanups.push(() => drive(clock, turn.close()));
  return { clock, world, wan, turn };
}

it('gathers from servers set since, at an ICE restart: fresh TURN credentials give a new allocation', async () => {
  const { clock, world, wan, turn } = await turnWorld(8);
  const announced: string[] = [];
  const agent = new Agent(
    {
      net: world.addHost({ name: 'a', router: wan }),
      clock,
      mdns: 'off',
      onCandidate: (c, source) => {
        announced.push(c === null ? 'end' : `${c.type}${source ? ` ${source.url}` : ''}`);
      },
    },
    () => {},
  );
  cleanups.push(() => drive(clock, agent.close()));
  await drive(clock, agent.gather());
  expect(announced.splice(0)).toEqual(['host', 'end']);

  // New servers apply at the next restart (JSEP §4.1.18): a TURN allocation, then the end.
  const turnUrl = 'turn:203.0.113.10:3478?transport=udp';
  agent.setServers([{ urls: 'turn:203.0.113.10', username: 'alice', credential: 'secret' }]);
  agent.beginGeneration();
  await clock.runUntil(() => announced.includes('end'), { timeoutMs: 5000 });
  expect(announced.splice(0)).toEqual(['host', `relay ${turnUrl}`, 'end']);
  expect(turn.allocationCount).toBe(1);

  // Nothing new: the candidates again (the relay's too), and no new allocation.
  agent.beginGeneration();
  await clock.runUntil(() => announced.includes('end'), { timeoutMs: 5000 });
  expect(announced.splice(0)).toEqual(['host', `relay ${turnUrl}`, 'end']);
  expect(turn.allocationCount).toBe(1);

  // Fresh credentials (as a TURN REST service hands out): a new allocation.
  agent.setServers([{ urls: 'turn:203.0.113.10', username: 'bob', credential: 'fresh' }]);
  agent.beginGeneration();
  await clock.runUntil(() => announced.includes('end'), { timeoutMs: 5000 });
  expect(announced.filter((a) => a.startsWith('relay'))).toHaveLength(2);
  expect(turn.allocationCount).toBe(2);
  expect(() => agent.setServers([{ urls: 'turn:x' }])).toThrow(/username and credential/);

  // A relay-only policy from then on: the host candidate is no longer announced (nor paired).
  announced.length = 0;
  agent.setServers([{ urls: 'turn:203.0.113.10', username: 'bob', credential: 'fresh' }], 'relay');
  agent.beginGeneration();
  await clock.runUntil(() => announced.includes('end'), { timeoutMs: 5000 });
  expect(announced.every((a) => a.startsWith('relay') || a === 'end')).toBe(true);
  expect(announced.at(-1)).toBe('end');
});

it('releases the allocation of replaced credentials once the restart selects a pair', async () => {
  const { clock, world, wan, turn } = await turnWorld(9);
  const make = (
    name: string,
    controlling: boolean,
    servers: { username: string; credential: string }[],
  ) => {
    const found: Candidate[] = [];
    const agent = new Agent(
      {
        net: world.addHost({ name, router: wan }),
        clock,
        controlling,
        mdns: 'off',
        iceServers: servers.map((c) => ({ urls: 'turn:203.0.113.10', ...c })),
        onCandidate: (c) => {
          if (c) found.push(c);
        },
      },
      () => {},
    );
    cleanups.push(() => drive(clock, agent.close()));
    return { agent, found };
  };
  const a = make('a', true, [{ username: 'alice', credential: 'secret' }]);
  const b = make('b', false, []);
  const exchange = () => {
    // b first: a's new credentials make b restart too (RFC 8445 §9), with credentials of its own.
    b.agent.setRemoteCredentials(a.agent.localCredentials.ufrag, a.agent.localCredentials.pwd);
    a.agent.setRemoteCredentials(b.agent.localCredentials.ufrag, b.agent.localCredentials.pwd);
    for (const c of a.found.splice(0)) b.agent.addRemoteCandidate(c);
    for (const c of b.found.splice(0)) a.agent.addRemoteCandidate(c);
  };
  await drive(clock, Promise.all([a.agent.gather(), b.agent.gather()]));
  exchange();
  await clock.runUntil(() => a.agent.selectedPair?.nominated === true, { timeoutMs: 10_000 });
  expect(turn.allocationCount).toBe(1);

  a.agent.setServers([{ urls: 'turn:203.0.113.10', username: 'bob', credential: 'fresh' }]);
  const before = a.agent.selectedPair;
  a.agent.beginGeneration();
  await clock.runUntil(() => turn.allocationCount === 2, { timeoutMs: 5000 });
  expect(turn.allocationCount).toBe(2);
  await clock.advance(50);
  exchange();
  // The restart's selected pair (a host pair here) releases alice's allocation; bob's stays.
  expect(await clock.runUntil(() => turn.allocationCount === 1, { timeoutMs: 10_000 })).toBe(true);
  expect(turn.counts.deallocations).toBe(1);
  expect(a.agent.selectedPair).not.toBe(before);
  expect(a.agent.selectedPair?.local.type).toBe('host');
  expect(a.agent.send(Buffer.from('still up'))).toBe(true);
});
