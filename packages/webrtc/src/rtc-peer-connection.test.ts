import { VirtualClock, VirtualNetwork, seededDraws } from '@x/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { RTCDataChannel } from './rtc-data-channel.js';
import type { RTCIceCandidateInit } from './rtc-ice-candidate.js';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCDataChannelEvent, RTCPeerConnectionIceEvent } from './rtc-types.js';

interface World {
  clock: VirtualClock;
  a: RTCPeerConnection;
  b: RTCPeerConnection;
  log: string[];
}

let world: World | undefined;
afterEach(async () => {
  if (!world) return;
  world.a.close();
  await world.a.released;
  world.b.close();
  await world.b.released;
  world = undefined;
});

function build(): World {
  const clock = new VirtualClock();
  const net = new VirtualNetwork({ clock, seed: 2 });
  const wan = net.addRouter({ name: 'wan', cidr: '192.0.2.0/24' });
  const hostA = net.addHost({ name: 'a', router: wan, link: { delayMs: 10 } });
  const hostB = net.addHost({ name: 'b', router: wan, link: { delayMs: 10 } });
  const log: string[] = [];
  const a = new RTCPeerConnection({ net: hostA, clock, random: seededDraws(21), mdns: 'off' });
  const b = new RTCPeerConnection({ net: hostB, clock, random: seededDraws(22), mdns: 'off' });
  for (const [name, pc, other] of [
    ['a', a, b],
    ['b', b, a],
  ] as const) {
    // Signaling delivers candidates in order, after the description they follow.
    const queue: RTCIceCandidateInit[] = [];
    const flush = (): void => {
      while (queue.length > 0 && other.remoteDescription) {
        void other
          .addIceCandidate(queue.shift())
          .catch((err) => log.push(`${name} addIceCandidate failed: ${err}`));
      }
    };
    other.addEventListener('signalingstatechange', flush);
    pc.addEventListener('icecandidate', (e) => {
      const { candidate } = e as RTCPeerConnectionIceEvent;
      if (candidate) {
        queue.push(candidate.toJSON());
        flush();
      }
    });
    pc.addEventListener('iceconnectionstatechange', () =>
      log.push(`${name} ice ${pc.iceConnectionState} (${pc.iceConnectionStateCause})`),
    );
    pc.addEventListener('connectionstatechange', () =>
      log.push(`${name} pc ${pc.connectionState} (${pc.connectionStateCause})`),
    );
    pc.addEventListener('signalingstatechange', () =>
      log.push(`${name} signaling ${pc.signalingState}`),
    );
  }
  return (world = { clock, a, b, log });
}

async function negotiate(w: World): Promise<void> {
  const offer = await w.a.createOffer();
  await w.a.setLocalDescription(offer);
  await w.b.setRemoteDescription(offer);
  const answer = await w.b.createAnswer();
  await w.b.setLocalDescription(answer);
  await w.a.setRemoteDescription(answer);
}

describe('RTCPeerConnection on the virtual network', () => {
  it('connects, opens a data channel both ways and echoes text and binary', async () => {
    const w = build();
    const channel = w.a.createDataChannel('chat', { protocol: 'json' });
    let remote: RTCDataChannel | undefined;
    w.b.ondatachannel = (e: RTCDataChannelEvent) => {
      remote = e.channel;
      remote.onmessage = (m: MessageEvent) => remote!.send(m.data as string | ArrayBuffer);
    };
    await negotiate(w);
    expect(w.a.signalingState).toBe('stable');
    expect(w.a.localDescription?.sdp).toMatch(/m=application 9 UDP\/DTLS\/SCTP webrtc-datachannel/);
    expect(w.b.localDescription?.sdp).toMatch(/a=setup:active/);
    const got: unknown[] = [];
    channel.onmessage = (m: MessageEvent) => got.push(m.data);
    await w.clock.runUntil(() => channel.readyState === 'open', { timeoutMs: 10_000 });
    expect(w.a.connectionState).toBe('connected');
    expect(w.b.connectionState).toBe('connected');
    expect(remote?.label).toBe('chat');
    expect(remote?.protocol).toBe('json');
    channel.send('hello');
    channel.send(new Uint8Array([1, 2, 3]));
    await w.clock.runUntil(() => got.length === 2, { timeoutMs: 5000 });
    expect(got[0]).toBe('hello');
    expect(new Uint8Array(got[1] as ArrayBuffer)).toEqual(new Uint8Array([1, 2, 3]));
    const aLog = w.log.filter((l) => l.startsWith('a '));
    expect(aLog).toEqual([
      'a signaling have-local-offer',
      'a signaling stable',
      'a ice checking (connectivity checks started)',
      'a pc connecting (connectivity checks started)',
      expect.stringMatching(
        /^a ice connected \(192\.0\.2\.\d+:\d+ <-> 192\.0\.2\.\d+:\d+ \(host\/host\) works \(valid, not nominated yet\)\)$/,
      ),
      expect.stringMatching(/^a ice completed \(checks done/),
      expect.stringMatching(/^a pc connected \(DTLS handshake complete/),
    ]);
    const stats = await w.a.getStats();
    expect([...stats.values()].map((s) => s.type)).toEqual(
      expect.arrayContaining([
        'transport',
        'candidate-pair',
        'local-candidate',
        'remote-candidate',
        'data-channel',
        'peer-connection',
      ]),
    );
  });

  it('rejects what webrtc-pc says it rejects', async () => {
    const w = build();
    await expect(w.a.createAnswer()).rejects.toMatchObject({ name: 'InvalidStateError' });
    await expect(w.a.setRemoteDescription({ type: 'answer', sdp: 'v=0' })).rejects.toMatchObject({
      name: 'InvalidStateError',
    });
    // Not SDP: an RTCError (OperationError) with errorDetail sdp-syntax-error.
    await expect(w.a.setRemoteDescription({ type: 'offer', sdp: 'garbage' })).rejects.toMatchObject(
      { name: 'OperationError', errorDetail: 'sdp-syntax-error' },
    );
    expect(w.a.signalingState).toBe('stable');
    await expect(
      w.a.addIceCandidate({ candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host', sdpMid: '0' }),
    ).rejects.toMatchObject({ name: 'InvalidStateError' });
    expect(() => w.a.createDataChannel('x', { maxRetransmits: 1, maxPacketLifeTime: 1 })).toThrow(
      TypeError,
    );
    const c = w.a.createDataChannel('y');
    expect(() => c.send('x')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
    w.a.close();
    await w.a.released;
    expect(w.a.signalingState).toBe('closed');
    expect(w.a.connectionState).toBe('closed');
    await expect(w.a.createOffer()).rejects.toMatchObject({ name: 'InvalidStateError' });
    expect(() => w.a.createDataChannel('z')).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );
  });

  it('rejects a candidate whose ufrag no applied remote description has (OperationError)', async () => {
    const w = build();
    w.a.createDataChannel('x');
    await w.a.setLocalDescription(await w.a.createOffer());
    await w.b.setRemoteDescription(w.a.localDescription!);
    const ufrag = /a=ice-ufrag:(\S+)/.exec(w.a.localDescription!.sdp)![1]!;
    const host = 'candidate:1 1 udp 2130706431 10.0.0.9 5000 typ host';
    await expect(
      w.b.addIceCandidate({ candidate: `${host} ufrag nope`, sdpMid: '0' }),
    ).rejects.toMatchObject({ name: 'OperationError' });
    await expect(
      w.b.addIceCandidate({ candidate: host, sdpMid: '0', usernameFragment: 'nope' }),
    ).rejects.toMatchObject({ name: 'OperationError' });
    await w.b.addIceCandidate({ candidate: `${host} ufrag ${ufrag}`, sdpMid: '0' });
    await w.b.addIceCandidate({ candidate: host, sdpMid: '0', usernameFragment: ufrag });
    await w.b.addIceCandidate({ candidate: host, sdpMid: '0' });
    w.a.close();
    await w.a.released;
    w.b.close();
    await w.b.released;
  });

  it('surfaces gathered candidates in the local description: non-trickle signaling connects', async () => {
    const clock = new VirtualClock();
    const net = new VirtualNetwork({ clock, seed: 5 });
    const wan = net.addRouter({ name: 'wan', cidr: '192.0.2.0/24' });
    const hostA = net.addHost({ name: 'a', router: wan, link: { delayMs: 10 } });
    const hostB = net.addHost({ name: 'b', router: wan, link: { delayMs: 10 } });
    const a = new RTCPeerConnection({ net: hostA, clock, random: seededDraws(21), mdns: 'off' });
    const b = new RTCPeerConnection({ net: hostB, clock, random: seededDraws(22), mdns: 'off' });
    world = { clock, a, b, log: [] };
    const seen: string[] = [];
    a.onicecandidate = (e) => {
      // The description already holds the candidate when its event fires.
      if (e.candidate?.candidate) {
        seen.push(e.candidate.candidate);
        expect(a.localDescription!.sdp).toContain(`a=${e.candidate.candidate}`);
      }
    };
    a.createDataChannel('x');
    await a.setLocalDescription();
    await clock.runUntil(() => a.iceGatheringState === 'complete', { timeoutMs: 5000 });
    const offer = a.localDescription!.sdp;
    expect(seen.length).toBeGreaterThan(0);
    for (const c of seen) expect(offer).toContain(`a=${c}\r\n`);
    expect(offer.trimEnd().endsWith('a=end-of-candidates')).toBe(true);
    expect(a.pendingLocalDescription!.sdp).toBe(offer);
    // One description each way, no trickle: the candidates travel inside them.
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await clock.runUntil(() => b.iceGatheringState === 'complete', { timeoutMs: 5000 });
    expect(b.localDescription!.sdp).toContain('a=end-of-candidates');
    await a.setRemoteDescription(b.localDescription!);
    expect(a.currentLocalDescription!.sdp).toBe(offer);
    const up = await clock.runUntil(
      () => a.connectionState === 'connected' && b.connectionState === 'connected',
      { timeoutMs: 10_000 },
    );
    expect(up).toBe(true);
  });

  it('rolls back a local offer', async () => {
    const w = build();
    w.a.createDataChannel('x');
    await w.a.setLocalDescription();
    expect(w.a.signalingState).toBe('have-local-offer');
    expect(w.a.localDescription?.type).toBe('offer');
    await w.a.setLocalDescription({ type: 'rollback' });
    expect(w.a.signalingState).toBe('stable');
    expect(w.a.localDescription).toBeNull();
  });

  it('asks for a negotiation for restartIce() once signaling is stable again', async () => {
    const w = build();
    w.a.createDataChannel('x');
    await negotiate(w);
    await w.clock.runUntil(() => w.a.connectionState === 'connected', { timeoutMs: 10_000 });
    const needed: string[] = [];
    w.a.onnegotiationneeded = () => needed.push(w.a.signalingState);
    // An offer without a restart is out: the restart must wait for the next one.
    await w.a.setLocalDescription();
    const ufrag = w.a.localDescription!.sdp.match(/a=ice-ufrag:(\S+)/)![1];
    w.a.restartIce();
    // The event comes from a queued task (webrtc-pc "update the negotiation-needed flag").
    const task = (): Promise<void> => new Promise((r) => setImmediate(r));
    await task();
    expect(needed).toEqual([]);
    await w.b.setRemoteDescription(w.a.localDescription!);
    await w.b.setLocalDescription();
    await w.a.setRemoteDescription(w.b.localDescription!);
    await task();
    expect(needed).toEqual(['stable']);
    await w.a.setLocalDescription();
    expect(w.a.localDescription!.sdp).not.toContain(`a=ice-ufrag:${ufrag}\r\n`);
  });
});
