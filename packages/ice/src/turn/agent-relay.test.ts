// Two Agents behind symmetric NATs (address-and-port-dependent mapping and filtering, no
// hairpinning) on the virtual network: host candidates cannot reach each other, so ICE must
// select the relay-to-relay pair that TurnClient allocations on the test TURN server give.
// This is the wiring the agent's TURN gathering does: allocate, addRelayCandidate, feed the
// returned handler from the client's onMessage.
import type { SocketAddress } from '@x/transport';
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { afterEach, expect, it } from 'vitest';
import { Agent } from '../agent.js';
import type { Candidate } from '../candidate.js';
import { ConnectionState } from '../state.js';
import { TurnClient } from './client.js';
import { TestTurnServer } from './testing-server.js';

const cleanups: Array<() => Promise<unknown>> = [];

/** Runs the virtual clock until `p` settles. */
async function drive<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  let done = false;
  const q = p.finally(() => {
    done = true;
  });
  await clock.runUntil(() => done, { timeoutMs: 60_000 });
  return q;
}
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('two agents behind symmetric NATs connect through TURN relays and exchange data', async () => {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 3 });
  cleanups.push(() => world.close());
  const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
  const nat = {
    mapping: 'address-and-port-dependent',
    filtering: 'address-and-port-dependent',
    mappingTimeoutMs: 120_000,
    hairpinning: false,
  } as const;
  const lans = [
    world.addRouter({ name: 'lan-a', cidr: '192.168.1.0/24', parent: wan, nat }),
    world.addRouter({ name: 'lan-b', cidr: '192.168.2.0/24', parent: wan, nat }),
  ];
  for (const lan of lans) lan.uplink.set({ delayMs: 10 });
  const turnHost = world.addHost({ name: 'turn', router: wan, ip: '203.0.113.10' });
  const turn = await new TestTurnServer({
    net: turnHost,
    clock,
    address: '203.0.113.10',
    users: { alice: 'secret' },
  }).start();
  cleanups.push(() => drive(clock, turn.close()));

  const sides = lans.map((lan, i) => {
    const net = world.addHost({ name: `h${i}`, router: lan });
    const candidates: Candidate[] = [];
    const received: string[] = [];
    const agent = new Agent(
      {
        net,
        clock,
        controlling: i === 0,
        mdns: 'off',
        onCandidate: (c) => {
          if (c !== null) candidates.push(c);
        },
        onData: (d) => received.push(d.toString()),
      },
      () => {},
    );
    let deliver: ((d: Buffer, from: SocketAddress) => void) | undefined;
    const client = new TurnClient({
      url: 'turn:203.0.113.10',
      username: 'alice',
      credential: 'secret',
      net,
      clock,
      onMessage: (d, from) => deliver?.(d, from),
    });
    cleanups.push(() => drive(clock, Promise.all([agent.close(), client.close()])));
    return {
      agent,
      client,
      candidates,
      received,
      async start() {
        const [, r] = await Promise.all([agent.gather(), client.allocate()]);
        if (!r.ok) throw new Error(r.error.errorText);
        deliver = agent.addRelayCandidate({
          socket: r.socket,
          ...(r.mappedAddress !== undefined ? { mappedAddress: r.mappedAddress } : {}),
          server: '203.0.113.10:3478',
        });
      },
    };
  });
  const [a, b] = sides as [(typeof sides)[0], (typeof sides)[0]];
  let started = false;
  void Promise.all([a.start(), b.start()]).then(() => {
    started = true;
  });
  await clock.runUntil(() => started, { timeoutMs: 10_000 });
  expect(a.candidates.map((c) => c.type).sort()).toEqual(['host', 'relay']);
  a.agent.setRemoteCredentials(b.agent.localCredentials.ufrag, b.agent.localCredentials.pwd);
  b.agent.setRemoteCredentials(a.agent.localCredentials.ufrag, a.agent.localCredentials.pwd);
  for (const c of b.candidates) a.agent.addRemoteCandidate(c);
  for (const c of a.candidates) b.agent.addRemoteCandidate(c);
  a.agent.endOfRemoteCandidates();
  b.agent.endOfRemoteCandidates();
  const up = (x: Agent) =>
    x.state === ConnectionState.Connected || x.state === ConnectionState.Completed;
  await clock.runUntil(() => up(a.agent) && up(b.agent), { timeoutMs: 30_000 });
  expect(a.agent.selectedPair?.local.type).toBe('relay');
  expect(a.agent.selectedPair?.remote.type).toBe('relay');
  a.agent.send(Buffer.from('through the relay'));
  await clock.runUntil(() => b.received.length === 1, { timeoutMs: 1000 });
  expect(b.received).toEqual(['through the relay']);
  expect(turn.counts.channelData + turn.counts.sendIndications).toBeGreaterThan(0);
});
