/**
 * Two extensions of RTCConfiguration for servers (issue 21): `iceLite` (RFC 8445 §2.5) and
 * `udpMux` (every connection on one UDP port). On the virtual network with the virtual clock.
 */
import { UdpMux } from '@x/network';
import { VirtualClock, VirtualNetwork, seededDraws } from '@x/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import { closeAll, openChannelPair, trickle } from './testing-peers.js';

const open: RTCPeerConnection[] = [];
afterEach(() => closeAll(...open.splice(0)));
const track = <T extends RTCPeerConnection>(...pcs: T[]): T[] => {
  open.push(...pcs);
  return pcs;
};

/** Two peers on one virtual network; `b` built with `extra` in its configuration. */
function world(seed: number, extra: { iceLite?: boolean }, aExtra: { iceLite?: boolean } = {}) {
  const clock = new VirtualClock();
  const net = new VirtualNetwork({ clock, seed });
  const wan = net.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
  const hostA = net.addHost({ name: 'a', router: wan, link: { delayMs: 5 } });
  const hostB = net.addHost({ name: 'b', router: wan, link: { delayMs: 5 } });
  const [a, b] = track(
    new RTCPeerConnection({
      net: hostA,
      clock,
      random: seededDraws(seed * 2 + 1),
      mdns: 'off',
      ...aExtra,
    }),
    new RTCPeerConnection({
      net: hostB,
      clock,
      random: seededDraws(seed * 2 + 2),
      mdns: 'off',
      ...extra,
    }),
  );
  trickle(a!, b!);
  trickle(b!, a!);
  return { clock, a: a!, b: b! };
}

describe('iceLite', () => {
  it('a lite answerer says a=ice-lite, is controlled, and connects with a full offerer', async () => {
    const w = world(101, { iceLite: true });
    expect(w.b.getConfiguration().iceLite).toBe(true);
    const { c1, c2 } = await openChannelPair(w, 'lite');
    expect(w.b.localDescription!.sdp).toMatch(/^a=ice-lite\r$/m);
    expect(w.a.localDescription!.sdp).not.toMatch(/^a=ice-lite/m);
    const [aIce, bIce] = [w.a, w.b].map((pc) => pc.sctp!.transport.iceTransport);
    expect([aIce!.role, bIce!.role]).toEqual(['controlling', 'controlled']);
    // Lite gathers host candidates only.
    expect(w.b.localDescription!.sdp).not.toMatch(/typ (srflx|relay)/);
    const got = new Promise<string>((resolve) => {
      c2.onmessage = (e) => resolve(String(e.data));
    });
    c1.send('through a lite server');
    await w.clock.runUntil(() => false, { timeoutMs: 100 });
    expect(await got).toBe('through a lite server');
  });

  it('a lite offerer is controlled too; two lite agents: the offerer controls', async () => {
    const w = world(102, {}, { iceLite: true });
    await openChannelPair(w, 'lite-offer');
    expect(w.a.localDescription!.sdp).toMatch(/^a=ice-lite\r$/m);
    expect(w.a.sctp!.transport.iceTransport.role).toBe('controlled');
    expect(w.b.sctp!.transport.iceTransport.role).toBe('controlling');
  });

  it('is fixed at construction: setConfiguration() may leave it out, not change it', () => {
    const [pc] = track(new RTCPeerConnection({ iceLite: true }));
    pc!.setConfiguration({});
    expect(pc!.getConfiguration().iceLite).toBe(true);
    expect(() => pc!.setConfiguration({ iceLite: false })).toThrow(
      expect.objectContaining({ name: 'InvalidModificationError' }),
    );
  });
});

describe('udpMux', () => {
  it('serves two connections on one port, each with its own peer and data, and close() leaves the mux to the others', async () => {
    const clock = new VirtualClock();
    const net = new VirtualNetwork({ clock, seed: 103 });
    const wan = net.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
    const server = net.addHost({ name: 'server', router: wan, link: { delayMs: 5 } });
    const mux = await UdpMux.bind({ port: 3478, net: server, clock });
    const pairs = [1, 2].map((i) => {
      const host = net.addHost({ name: `client${i}`, router: wan, link: { delayMs: 5 } });
      const [client, pc] = track(
        new RTCPeerConnection({ net: host, clock, mdns: 'off' }),
        new RTCPeerConnection({ net: server, clock, mdns: 'off', udpMux: mux }),
      );
      trickle(client!, pc!);
      trickle(pc!, client!);
      return { clock, a: client!, b: pc! };
    });
    const channels: Awaited<ReturnType<typeof openChannelPair>>[] = [];
    for (const w of pairs) channels.push(await openChannelPair(w, 'mux'));
    for (const w of pairs) {
      const pair = w.b.sctp!.transport.iceTransport.getSelectedCandidatePair()!;
      expect(pair.local.port).toBe(3478);
    }
    // The first closes; the second still carries data on the same port.
    pairs[0]!.b.close();
    await pairs[0]!.b.released;
    const got = new Promise<string>((resolve) => {
      channels[1]!.c2.onmessage = (e) => resolve(String(e.data));
    });
    channels[1]!.c1.send('still here');
    await clock.runUntil(() => false, { timeoutMs: 100 });
    expect(await got).toBe('still here');
    await closeAll(...open.splice(0));
    await mux.close();
    expect(clock.describeLeaks()).toEqual([]);
  });
});
