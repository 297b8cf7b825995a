import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { expect, it } from 'vitest';
import { Agent } from './agent.js';
import { resolveConfig } from './config.js';
import { hostAddresses } from './gather.js';
import { ConnectionState as S } from './state.js';
import { cleanupAfterEach } from './testing-lan.js';
import { connectPair } from './testing-pair.js';
import { startStunServer } from './testing-stun-server.js';

const cleanup = cleanupAfterEach();

function dualStack() {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 9 });
  cleanup.push(() => world.close());
  const r = world.addRouter({ name: 'lan', cidr: '10.0.0.0/24', cidr6: 'fd00:1::/64' });
  const r2 = world.addRouter({ name: 'wifi', cidr: '10.9.0.0/24' });
  const ha = world.addHost({ name: 'a', interfaces: [{ router: r }, { router: r2 }] });
  const hb = world.addHost({ name: 'b', router: r });
  return { clock, ha, hb };
}

it('lists host addresses with filters, loopback on request and RFC 8421 preferences', () => {
  const { ha } = dualStack();
  const all = hostAddresses(ha, resolveConfig({}).gather);
  expect(all.map((a) => a.family)).toEqual(['IPv4', 'IPv6', 'IPv4']);
  // IPv6 first within the first interface, then IPv4, then the second interface.
  const byPref = [...all]
    .sort((x, y) => y.localPreference - x.localPreference)
    .map((a) => a.address);
  expect(byPref[0]).toMatch(/^fd00:1::/);
  expect(byPref[1]).toMatch(/^10\.0\.0\./);
  expect(byPref[2]).toMatch(/^10\.9\.0\./);
  expect(all.some((a) => a.address === '127.0.0.1')).toBe(false);
  const withLo = hostAddresses(ha, resolveConfig({ gather: { includeLoopback: true } }).gather);
  expect(withLo.some((a) => a.address === '127.0.0.1')).toBe(true);
  const v4 = hostAddresses(ha, resolveConfig({ gather: { ipv6: false } }).gather);
  expect(v4.every((a) => a.family === 'IPv4')).toBe(true);
  const filtered = hostAddresses(
    ha,
    resolveConfig({
      gather: {
        interfaceFilter: (i) => i.addresses.some((x) => x.address.startsWith('fd00:')),
        addressFilter: (_a, f) => f === 'IPv6',
      },
    }).gather,
  );
  expect(filtered.map((a) => a.family)).toEqual(['IPv6']);
});

it('connects over IPv6 and prefers it on a dual-stack LAN', async () => {
  const { clock, ha, hb } = dualStack();
  const { a, b } = await connectPair({ clock, netA: ha, netB: hb });
  cleanup.push(async () => {
    await a.agent.close();
    await b.agent.close();
  });
  await clock.runUntil(() => a.agent.state === S.Completed && b.agent.state === S.Completed, {
    timeoutMs: 5000,
  });
  expect(a.agent.selectedPair!.remote.address).toMatch(/^fd00:1::/);
  a.agent.send(Buffer.from('v6'));
  await clock.advance(5);
  expect(b.received.map(String)).toEqual(['v6']);
});

it('tells which STUN server a server-reflexive candidate came from (W3C RTCIceCandidate url)', async () => {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 4 });
  cleanup.push(() => world.close());
  const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
  const lan = world.addRouter({
    name: 'lan',
    cidr: '192.168.7.0/24',
    parent: wan,
    nat: { mapping: 'endpoint-independent', filtering: 'endpoint-independent' },
  });
  const host = world.addHost({ name: 'a', router: lan });
  const stun = world.addHost({ name: 'stun', router: wan, ip: '203.0.113.10' });
  const server = await startStunServer(stun, '203.0.113.10');
  cleanup.push(() => server.close());
  const seen: string[] = [];
  const agent = new Agent(
    {
      net: host,
      clock,
      mdns: 'off',
      iceServers: [{ urls: 'stun:203.0.113.10' }],
      onCandidate: (c, source) => {
        if (c) seen.push(`${c.type} ${source === undefined ? '-' : JSON.stringify(source)}`);
      },
    },
    () => {},
  );
  cleanup.push(() => agent.close());
  const gathered = agent.gather();
  await clock.runUntil(() => agent.gatheringState === 'complete', { timeoutMs: 5000 });
  await gathered;
  expect(seen).toEqual(['host -', 'srflx {"url":"stun:203.0.113.10:3478"}']);
});

it('fails with a cause that says why when nothing was gathered: loopback left out on a loopback-only host', async () => {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 4 });
  cleanup.push(() => world.close());
  const lan = world.addRouter({ name: 'lan', cidr: '10.0.0.0/24' });
  const host = world.addHost({ name: 'a', router: lan });
  // The host as a machine with no network but lo: only its loopback interface is listed.
  const loopbackOnly = new Proxy(host, {
    get(target, key) {
      if (key === 'interfaces') return () => target.interfaces().filter((i) => i.name === 'lo');
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const causes: unknown[] = [];
  const agent = new Agent({ net: loopbackOnly, clock, controlling: true }, (state, cause) =>
    causes.push([state, cause]),
  );
  cleanup.push(() => agent.close());
  await agent.gather();
  expect(agent.getLocalCandidates()).toEqual([]);
  agent.setRemoteCredentials('peer', 'peerpasswordpeerpassword');
  agent.addRemoteCandidate('candidate:1 1 udp 2130706431 10.0.0.9 5000 typ host');
  agent.addRemoteCandidate(null);
  expect(await clock.runUntil(() => agent.state === S.Failed, { timeoutMs: 5000 })).toBe(true);
  expect(causes.at(-1)).toEqual([
    S.Failed,
    { kind: 'all-pairs-failed', pairs: 0, localCandidates: 0, loopbackExcluded: 2 },
  ]);
});
