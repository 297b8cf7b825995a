/**
 * webrtc-pc `iceCandidatePoolSize` (JSEP §3.5.4): gathering starts before
 * `setLocalDescription()`, whose candidates are then ready; events wait for it.
 */
import type { UdpSocket } from '@x/transport';
import { VirtualClock, type VirtualHost, VirtualNetwork } from '@x/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCConfiguration } from './rtc-types.js';
import { negotiate, trickle } from './testing-peers.js';

const MAGIC = 0x2112a442;

/** A STUN server (RFC 8489 Binding, XOR-MAPPED-ADDRESS only) on `host`. */
async function stunServer(host: VirtualHost): Promise<UdpSocket> {
  const socket: UdpSocket = await host.bindUdp({
    port: 3478,
    onMessage: (data, from) => {
      if (data.length < 20 || data.readUInt16BE(0) !== 0x0001) return;
      const response = Buffer.alloc(32);
      response.writeUInt16BE(0x0101, 0);
      response.writeUInt16BE(12, 2);
      response.writeUInt32BE(MAGIC, 4);
      data.copy(response, 8, 8, 20);
      response.writeUInt16BE(0x0020, 20); // XOR-MAPPED-ADDRESS
      response.writeUInt16BE(8, 22);
      response.writeUInt8(0x01, 25); // IPv4
      response.writeUInt16BE(from.port ^ (MAGIC >>> 16), 26);
      const ip = from.address.split('.').map(Number);
      response.writeUInt32BE(
        (((ip[0]! << 24) | (ip[1]! << 16) | (ip[2]! << 8) | ip[3]!) ^ MAGIC) >>> 0,
        28,
      );
      socket.send(response, from.port, from.address);
    },
  });
  return socket;
}

const open: { close(): unknown; released?: Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) {
    await x.close();
    await x.released;
  }
});

/** A world whose STUN server is 50 ms away each way. */
async function world(): Promise<{
  clock: VirtualClock;
  make: (c?: RTCConfiguration, name?: 'a' | 'b') => RTCPeerConnection;
}> {
  const clock = new VirtualClock();
  const net = new VirtualNetwork({ clock, seed: 5 });
  const wan = net.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
  const hosts = {
    a: net.addHost({ name: 'a', router: wan, link: { delayMs: 25 } }),
    b: net.addHost({ name: 'b', router: wan, link: { delayMs: 25 } }),
  };
  const server = net.addHost({
    name: 'stun',
    router: wan,
    ip: '203.0.113.99',
    link: { delayMs: 25 },
  });
  open.push(await stunServer(server));
  const make = (c: RTCConfiguration = {}, name: 'a' | 'b' = 'a'): RTCPeerConnection => {
    const pc = new RTCPeerConnection({
      net: hosts[name],
      clock,
      mdns: 'off',
      iceServers: [{ urls: 'stun:203.0.113.99' }],
      ...c,
    });
    open.push(pc);
    return pc;
  };
  return { clock, make };
}

/** Virtual ms from setLocalDescription() to iceGatheringState `complete`, and the events. */
async function gatheringAfterSld(
  clock: VirtualClock,
  pc: RTCPeerConnection,
): Promise<{ ms: number; events: string[] }> {
  const events: string[] = [];
  pc.addEventListener('icecandidate', (e) => {
    const c = (e as Event & { candidate: { candidate: string } | null }).candidate;
    events.push(c === null ? 'null' : c.candidate === '' ? 'end' : c.candidate.split(' ')[7]!);
  });
  pc.createDataChannel('x');
  await pc.setLocalDescription();
  const start = clock.now();
  await clock.runUntil(() => pc.iceGatheringState === 'complete', { timeoutMs: 5000 });
  return { ms: clock.now() - start, events };
}

describe('iceCandidatePoolSize', () => {
  it('gathers ahead: setLocalDescription() finds the candidates and the STUN round trip done', async () => {
    const { clock, make } = await world();
    const pooled = make({ iceCandidatePoolSize: 1 });
    const before: string[] = [];
    pooled.addEventListener('icecandidate', () => before.push('event'));
    pooled.addEventListener('icegatheringstatechange', () => before.push('state'));
    await clock.advance(500);
    // Nothing is shown before setLocalDescription().
    expect(before).toEqual([]);
    expect(pooled.iceGatheringState).toBe('new');
    const withPool = await gatheringAfterSld(clock, pooled);
    const withoutPool = await gatheringAfterSld(clock, make({}, 'b'));
    expect(withPool.ms).toBe(0);
    // Without a pool: the STUN query takes its 100 ms round trip after setLocalDescription().
    expect(withoutPool.ms).toBeGreaterThanOrEqual(100);
    expect(withPool.events).toEqual(['host', 'end', 'null']);
    expect(withPool.events).toEqual(withoutPool.events);
    expect(pooled.localDescription!.sdp).toMatch(/a=candidate:.* typ host/);
  });

  it('starts gathering when setConfiguration() asks for a pool before setLocalDescription()', async () => {
    const { clock, make } = await world();
    const pc = make();
    pc.setConfiguration({ iceServers: [{ urls: 'stun:203.0.113.99' }], iceCandidatePoolSize: 2 });
    await clock.advance(500);
    expect((await gatheringAfterSld(clock, pc)).ms).toBe(0);
  });

  it('answers with a pool: the agent gathered as the offerer becomes controlled and connects', async () => {
    const { clock, make } = await world();
    const answerer = make({ iceCandidatePoolSize: 1 }, 'a');
    const offerer = make({}, 'b');
    trickle(offerer, answerer);
    trickle(answerer, offerer);
    await clock.advance(300);
    const channel = offerer.createDataChannel('x');
    await negotiate(offerer, answerer);
    await clock.runUntil(() => channel.readyState === 'open', { timeoutMs: 10_000 });
    expect(answerer.sctp?.transport.iceTransport.role).toBe('controlled');
    type Internals = { manager: { agentInstance?: { controlling: boolean } } };
    expect((answerer as unknown as Internals).manager.agentInstance?.controlling).toBe(false);
  });
});

describe('local candidates name their server (webrtc-pc RTCIceCandidate url)', () => {
  it('a server-reflexive candidate carries the STUN URL, in the event too; a host one none', async () => {
    const clock = new VirtualClock();
    const net = new VirtualNetwork({ clock, seed: 6 });
    const wan = net.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
    const lan = net.addRouter({
      name: 'lan',
      cidr: '192.168.5.0/24',
      parent: wan,
      nat: { mapping: 'endpoint-independent', filtering: 'endpoint-independent' },
    });
    const host = net.addHost({ name: 'a', router: lan });
    open.push(await stunServer(net.addHost({ name: 'stun', router: wan, ip: '203.0.113.99' })));
    const pc = new RTCPeerConnection({
      net: host,
      clock,
      mdns: 'off',
      iceServers: [{ urls: 'stun:203.0.113.99' }],
    });
    open.push(pc);
    const seen: string[] = [];
    pc.addEventListener('icecandidate', (e) => {
      const event = e as Event & {
        candidate: { candidate: string; type: string | null; url: string | null } | null;
        url: string | null;
      };
      if (event.candidate?.candidate)
        seen.push(`${event.candidate.type} ${event.candidate.url} ${event.url}`);
    });
    pc.createDataChannel('x');
    await pc.setLocalDescription();
    await clock.runUntil(() => pc.iceGatheringState === 'complete', { timeoutMs: 5000 });
    expect(seen).toEqual(['host null null', 'srflx stun:203.0.113.99:3478 stun:203.0.113.99:3478']);
  });
});
