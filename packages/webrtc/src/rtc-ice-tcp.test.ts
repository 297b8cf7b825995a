/**
 * `RTCConfiguration.tcpMux` (issue 21): a server's connections offer a passive ICE-TCP
 * candidate on one shared listening port. On the virtual network: the candidate in the
 * description and the `icecandidate` events, UDP kept when it works, the option fixed at
 * construction, and the mux's connections released with the peer connection. A browser
 * connecting over TCP is tools/interop/webrtc/chromium-ice-tcp.test.ts.
 */
import { TcpMux } from '@x/network';
import { VirtualClock, VirtualNetwork, seededDraws } from '@x/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { RTCIceCandidate } from './rtc-ice-candidate.js';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCPeerConnectionIceEvent } from './rtc-types.js';
import { closeAll, openChannelPair, trickle } from './testing-peers.js';

const open: RTCPeerConnection[] = [];
afterEach(() => closeAll(...open.splice(0)));

describe('tcpMux', () => {
  it('offers a passive TCP candidate on the mux port, and prefers UDP when the peer has it', async () => {
    const clock = new VirtualClock();
    const net = new VirtualNetwork({ clock, seed: 211 });
    const wan = net.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
    const server = net.addHost({ name: 'server', router: wan, link: { delayMs: 5 } });
    const client = net.addHost({ name: 'client', router: wan, link: { delayMs: 5 } });
    const mux = await TcpMux.listen({ port: 443, net: server, clock });
    try {
      await offerTcp(clock, client, server, mux);
    } finally {
      await closeAll(...open.splice(0));
      await mux.close();
    }
    expect(clock.describeLeaks()).toEqual([]);
  });
});

async function offerTcp(
  clock: VirtualClock,
  client: ReturnType<VirtualNetwork['addHost']>,
  server: ReturnType<VirtualNetwork['addHost']>,
  mux: TcpMux,
): Promise<void> {
  const a = new RTCPeerConnection({ net: client, clock, random: seededDraws(41), mdns: 'off' });
  const b = new RTCPeerConnection({
    net: server,
    clock,
    random: seededDraws(42),
    mdns: 'off',
    tcpMux: mux,
  });
  open.push(a, b);
  const gathered: RTCIceCandidate[] = [];
  b.addEventListener('icecandidate', (e) => {
    const { candidate } = e as RTCPeerConnectionIceEvent;
    if (candidate) gathered.push(candidate);
  });
  trickle(a, b);
  trickle(b, a);
  expect(b.getConfiguration().tcpMux).toBe(mux);
  const { c1, c2 } = await openChannelPair({ clock, a, b }, 'tcp-mux');
  const tcp = gathered.filter((c) => c.protocol === 'tcp');
  expect(tcp.map((c) => [c.type, c.tcpType, c.port, c.address])).toEqual([
    ['host', 'passive', 443, '203.0.113.1'],
  ]);
  expect(b.localDescription!.sdp).toMatch(
    /^a=candidate:\S+ 1 tcp \d+ \S+ 443 typ host tcptype passive/m,
  );
  // The client has UDP: the pair is UDP (TCP candidates rank below every UDP one).
  const pair = b.sctp!.transport.iceTransport.getSelectedCandidatePair()!;
  expect(pair.local.protocol).toBe('udp');
  const got = new Promise<string>((resolve) => {
    c2.onmessage = (e) => resolve(String(e.data));
  });
  c1.send('over udp');
  await clock.runUntil(() => false, { timeoutMs: 100 });
  expect(await got).toBe('over udp');
  // Fixed at construction.
  expect(() => b.setConfiguration({ tcpMux: undefined })).not.toThrow();
  expect(b.getConfiguration().tcpMux).toBe(mux);
  await closeAll(...open.splice(0));
  expect(mux.connectionCounts).toEqual({ pending: 0, routed: 0, agents: 0 });
}
