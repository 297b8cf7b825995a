// Every RTCPeerConnectionState and RTCIceConnectionState a data-channel connection goes
// through on the virtual network, with the order of events and the cause of each change:
// new → connecting/checking → connected → (partition) disconnected → (heal) connected →
// (partition) failed, and closed by close() with no event.
import type { VirtualClock, VirtualHost } from '@x/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { virtualPeers } from './testing-peers.js';
import type { RTCPeerConnection } from './rtc-peer-connection.js';

let pcs: RTCPeerConnection[] = [];
afterEach(async () => {
  for (const pc of pcs) {
    pc.close();
    await pc.released;
  }
  pcs = [];
});

async function connectedPair(): Promise<{
  clock: VirtualClock;
  a: RTCPeerConnection;
  b: RTCPeerConnection;
  hostB: VirtualHost;
  events: string[];
}> {
  const { clock, a, b, hostB } = virtualPeers({ seed: 9, cidr: '198.51.100.0/24' });
  pcs = [a, b];
  const events: string[] = [];
  const iceA = () => a.sctp!.transport.iceTransport;
  a.addEventListener('iceconnectionstatechange', (e) =>
    events.push(`ice ${a.iceConnectionState}: ${(e as Event & { cause: string }).cause}`),
  );
  a.addEventListener('connectionstatechange', (e) =>
    events.push(`pc ${a.connectionState}: ${(e as Event & { cause: string }).cause}`),
  );
  a.createDataChannel('x');
  const offer = await a.createOffer();
  await b.setRemoteDescription(offer);
  await a.setLocalDescription(offer);
  // The answer as created, before b's candidates surface in b.localDescription: they arrive
  // by trickle, after the listener below is in place.
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  await a.setRemoteDescription(answer);
  iceA().addEventListener('statechange', () => events.push(`transport ${iceA().state}`));
  await clock.runUntil(() => a.connectionState === 'connected', { timeoutMs: 10_000 });
  return { clock, a, b, hostB, events };
}

/** A second offer/answer round, a offering (what `negotiationneeded` asks for). */
async function renegotiate(a: RTCPeerConnection, b: RTCPeerConnection): Promise<void> {
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription!);
}

const ufragOf = (pc: RTCPeerConnection): string =>
  pc.localDescription!.sdp.match(/a=ice-ufrag:(\S+)/)![1]!;

/** The `transport` entry of `pc.getStats()`. */
const transportStats = async (pc: RTCPeerConnection) =>
  [...(await pc.getStats()).values()].find((s) => s.type === 'transport')!;

/**
 * The events of a restart while the old pair works: the transport stays connected (not
 * checking), connectionState stays connected and fires nothing.
 */
const RESTART_EVENTS = [
  'transport connected',
  'ice connected: ICE restart',
  'transport completed',
  expect.stringMatching(/^ice completed: checks done/),
];

describe('RTCPeerConnection states on the virtual network', () => {
  it('goes through every state, in the W3C order of events, with a cause each time', async () => {
    const { clock, a, hostB, events } = await connectedPair();
    expect(events.map((e) => e.split(':')[0])).toEqual([
      'transport checking',
      'ice checking',
      'pc connecting',
      'transport connected',
      'ice connected',
      'transport completed',
      'ice completed',
      'pc connected',
    ]);
    expect(events).toContain(
      'pc connected: DTLS handshake complete (EcdheEcdsaAes128GcmSha256, AeadAes128Gcm)',
    );
    events.length = 0;

    // The path goes silent: disconnected within 2.5 s, then back when it heals.
    const cutAt = clock.now();
    hostB.link.partition();
    await clock.runUntil(() => a.connectionState === 'disconnected', { timeoutMs: 10_000 });
    expect(clock.now() - cutAt).toBeLessThanOrEqual(2600);
    expect(events).toEqual([
      'transport disconnected',
      expect.stringMatching(
        /^ice disconnected: nothing heard on 198\.51\.100\.\d+:\d+ <-> 198\.51\.100\.\d+:\d+ \(host\/host\) for 25\d\d ms$/,
      ),
      expect.stringMatching(/^pc disconnected: nothing heard on /),
    ]);
    expect(a.connectionStateCause).toMatch(/^nothing heard on /);
    events.length = 0;
    hostB.link.heal();
    await clock.runUntil(() => a.connectionState === 'connected', { timeoutMs: 10_000 });
    expect(events.map((e) => e.split(':')[0])).toEqual([
      'transport completed',
      'ice completed',
      'pc connected',
    ]);
    expect(events[2]).toMatch(/^pc connected: packets again on /);
    events.length = 0;

    // Silent for good: failed when consent expires (RFC 7675), within 12 s of the last reply.
    const lostAt = clock.now();
    hostB.link.partition();
    await clock.runUntil(() => a.connectionState === 'failed', { timeoutMs: 30_000 });
    expect(clock.now() - lostAt).toBeLessThanOrEqual(12_100);
    expect(events.map((e) => e.split(':')[0])).toEqual([
      'transport disconnected',
      'ice disconnected',
      'pc disconnected',
      'transport failed',
      'ice failed',
      'pc failed',
    ]);
    expect(events[5]).toMatch(/^pc failed: consent expired on .* without a response \(RFC 7675\)$/);
    // The pair whose consent expired shows as failed in getStats (webrtc-stats).
    const report = await a.getStats();
    const pairs = [...report.values()].filter((r) => r.type === 'candidate-pair');
    expect(pairs.length).toBeGreaterThan(0);
    expect(pairs.every((p) => (p as { state?: string }).state === 'failed')).toBe(true);
    expect(a.iceConnectionStateCause).toBe(a.connectionStateCause);

    // close(): everything is closed at once, and no event fires.
    events.length = 0;
    a.close();
    await a.released;
    expect([a.connectionState, a.iceConnectionState, a.signalingState]).toEqual([
      'closed',
      'closed',
      'closed',
    ]);
    expect(events).toEqual([]);
  }, 30_000);

  it('restarts ICE: new credentials, checks again, connected again, with the W3C states and causes', async () => {
    const { clock, a, b, hostB, events } = await connectedPair();
    const iceA = a.sctp!.transport.iceTransport;
    const pairChanges: string[] = [];
    iceA.onselectedcandidatepairchange = () => {
      const p = iceA.getSelectedCandidatePair()!;
      pairChanges.push(
        `${p.local.address}:${p.local.port} <-> ${p.remote.address}:${p.remote.port}`,
      );
    };
    const bStates: string[] = [];
    b.onconnectionstatechange = (e) => bStates.push(`${b.connectionState}: ${e.cause}`);
    const gathering: string[] = [];
    a.onicegatheringstatechange = () => gathering.push(a.iceGatheringState);
    const channel = a.createDataChannel('after-restart', { negotiated: true, id: 100 });
    const remote = b.createDataChannel('after-restart', { negotiated: true, id: 100 });
    const got: string[] = [];
    remote.onmessage = (m: MessageEvent) => got.push(m.data as string);
    await clock.runUntil(() => channel.readyState === 'open', { timeoutMs: 1000 });
    expect(b.connectionState).toBe('connected');
    events.length = 0;
    bStates.length = 0;

    // 1. From a healthy connection. restartIce() only asks for a negotiation.
    const oldA = ufragOf(a);
    const oldB = ufragOf(b);
    let needed = 0;
    a.onnegotiationneeded = () => needed++;
    a.restartIce();
    expect(needed).toBe(0); // fired from a queued task (webrtc-pc "update the negotiation-needed flag")
    await Promise.resolve();
    expect(needed).toBe(1);
    await clock.advance(1000);
    expect(events).toEqual([]);
    await renegotiate(a, b);
    // JSEP §5.2.1 / §5.3.1: both sides offer and answer new credentials.
    expect(ufragOf(a)).not.toBe(oldA);
    expect(ufragOf(b)).not.toBe(oldB);
    expect(a.localDescription!.sdp).not.toMatch(/a=candidate/); // no old-generation candidate
    expect((await transportStats(a)).iceLocalUsernameFragment).toBe(ufragOf(a));
    await clock.runUntil(() => a.iceConnectionState === 'completed' && pairChanges.length === 1, {
      timeoutMs: 10_000,
    });
    // webrtc-pc RTCIceTransportState: while the old pair still works the transport is
    // connected (not checking); connectionState stays connected and fires nothing.
    expect(events).toEqual(RESTART_EVENTS);
    expect(a.connectionState).toBe('connected');
    expect(gathering).toEqual(['gathering', 'complete']);
    expect(pairChanges).toHaveLength(1);
    // The new generation's pair carries the data.
    channel.send('over the restarted path');
    await clock.runUntil(() => got.length === 1, { timeoutMs: 1000 });
    expect(got).toEqual(['over the restarted path']);
    expect(bStates).toEqual([]);

    // 2. From failed: the path dies, consent expires, the network heals, but ICE stays
    // failed until a restart (RFC 7675 §5.1: no more sending on that pair).
    hostB.link.partition();
    await clock.runUntil(() => a.connectionState === 'failed' && b.connectionState === 'failed', {
      timeoutMs: 30_000,
    });
    hostB.link.heal();
    await clock.advance(5000);
    expect(a.connectionState).toBe('failed');
    events.length = 0;
    bStates.length = 0;
    const failedUfrag = ufragOf(a);
    a.restartIce();
    await renegotiate(a, b);
    expect(ufragOf(a)).not.toBe(failedUfrag);
    await clock.runUntil(
      () => a.iceConnectionState === 'completed' && b.connectionState === 'connected',
      { timeoutMs: 10_000 },
    );
    // checking (cause: the restart) → connected (cause: the nominated pair) → completed.
    // connectionState: failed → connecting → connected ("update the connection state":
    // checking with DTLS still connected is none of the earlier rows, so connecting).
    expect(events.map((e) => e.split(':')[0])).toEqual([
      'transport checking',
      'ice checking',
      'pc connecting',
      'transport connected',
      'ice connected',
      'pc connected',
      'transport completed',
      'ice completed',
    ]);
    expect(events[1]).toBe('ice checking: ICE restart');
    expect(events[2]).toBe('pc connecting: ICE restart');
    expect(events[4]).toMatch(/^ice connected: nominated 198\.51\.100\.\d+:\d+ <-> /);
    expect(events[5]).toBe(events[4]!.replace('ice connected', 'pc connected'));
    expect(bStates.map((s) => s.split(':')[0])).toEqual(['connecting', 'connected']);
    expect(pairChanges).toHaveLength(2);
    channel.send('after the failure');
    await clock.runUntil(() => got.length === 2, { timeoutMs: 1000 });
    expect(got[1]).toBe('after the failure');
  }, 30_000);

  it('restarts ICE when the answerer asks for it, keeping the ICE roles (RFC 8445 §9)', async () => {
    const { clock, a, b, events } = await connectedPair();
    await clock.runUntil(() => b.connectionState === 'connected', { timeoutMs: 1000 });
    events.length = 0;
    const oldA = ufragOf(a);
    let pairChanges = 0;
    a.sctp!.transport.iceTransport.onselectedcandidatepairchange = () => pairChanges++;
    b.restartIce();
    await renegotiate(b, a); // b offers this time
    expect(ufragOf(a)).not.toBe(oldA);
    expect(a.signalingState).toBe('stable');
    // b's re-offer says actpass; a stays the DTLS server it is (RFC 8842 §5.5).
    expect(b.localDescription!.sdp).toContain('a=setup:actpass');
    expect(a.localDescription!.sdp).toContain('a=setup:passive');
    // b's candidates of the new generation are announced once its offer is out
    // (setLocalDescription resolved), so a knows their generation when they arrive.
    await clock.runUntil(() => a.iceConnectionState === 'completed' && pairChanges === 1, {
      timeoutMs: 10_000,
    });
    expect(events).toEqual(RESTART_EVENTS);
    expect(pairChanges).toBe(1);
    expect(a.connectionState).toBe('connected');
    expect([(await transportStats(a)).iceRole, (await transportStats(b)).iceRole]).toEqual([
      'controlling',
      'controlled',
    ]);
  });

  it('keeps the connection when an offer that restarts ICE is rolled back, on either side', async () => {
    const { clock, a, b, events } = await connectedPair();
    await clock.runUntil(() => b.connectionState === 'connected', { timeoutMs: 1000 });
    const ufrag = ufragOf(a);
    a.restartIce();
    await a.setLocalDescription();
    expect(ufragOf(a)).not.toBe(ufrag);
    await a.setLocalDescription({ type: 'rollback' });
    expect(a.signalingState).toBe('stable');
    expect(ufragOf(a)).toBe(ufrag);
    events.length = 0;
    // Consent keeps being asked and answered with the credentials both sides still hold.
    await clock.advance(40_000);
    expect([a.connectionState, b.connectionState]).toEqual(['connected', 'connected']);
    expect((await transportStats(a)).iceLocalUsernameFragment).toBe(ufrag);
    // The same when the peer's restart offer was applied here, then both sides roll back.
    const ufragB = ufragOf(b);
    b.restartIce();
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    expect(a.signalingState).toBe('have-remote-offer');
    await a.setRemoteDescription({ type: 'rollback' });
    await b.setLocalDescription({ type: 'rollback' });
    expect([ufragOf(a), ufragOf(b)]).toEqual([ufrag, ufragB]);
    await clock.advance(40_000);
    expect([a.connectionState, b.connectionState]).toEqual(['connected', 'connected']);
    // The restart can still be done properly afterwards.
    a.restartIce();
    await renegotiate(a, b);
    expect(ufragOf(a)).not.toBe(ufrag);
    await clock.runUntil(() => a.iceConnectionState === 'completed', { timeoutMs: 10_000 });
    expect(a.connectionState).toBe('connected');
  }, 30_000);
});
