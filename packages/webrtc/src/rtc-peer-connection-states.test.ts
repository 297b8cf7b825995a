// Every RTCPeerConnectionState and RTCIceConnectionState a data-channel connection goes
// through on the virtual network, with the order of events and the cause of each change:
// new → connecting/checking → connected → (partition) disconnected → (heal) connected →
// (partition) failed, and closed by close() with no event. Then the typed causes
// (RTCStateCause) the events and attributes carry on the main paths to failure or closure: a
// consent expiry, a fingerprint mismatch, the peer's SCTP ABORT, a close by the user.
import type { VirtualClock, VirtualHost } from '@x/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { openChannelPair, virtualPeers } from './testing-peers.js';
import type { RTCErrorEvent } from './rtc-data-channel.js';
import type { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCStateChangeEvent } from './rtc-state-change-event.js';
import type { RTCStateCause } from './state/causes.js';

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
  /** The cause of each event of `events`, in the same order. */
  causes: RTCStateCause[];
}> {
  const { clock, a, b, hostB } = virtualPeers({ seed: 9, cidr: '198.51.100.0/24' });
  pcs = [a, b];
  const events: string[] = [];
  const causes: RTCStateCause[] = [];
  const iceA = () => a.sctp!.transport.iceTransport;
  // `${cause}` is its message: the sentence the string causes were.
  a.addEventListener('iceconnectionstatechange', (e) => {
    const { cause } = e as RTCStateChangeEvent;
    events.push(`ice ${a.iceConnectionState}: ${cause}`);
    causes.push(cause);
  });
  a.addEventListener('connectionstatechange', (e) => {
    const { cause } = e as RTCStateChangeEvent;
    events.push(`pc ${a.connectionState}: ${cause}`);
    causes.push(cause);
  });
  a.createDataChannel('x');
  const offer = await a.createOffer();
  await b.setRemoteDescription(offer);
  await a.setLocalDescription(offer);
  // The answer as created, before b's candidates surface in b.localDescription: they arrive
  // by trickle, after the listener below is in place.
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  await a.setRemoteDescription(answer);
  iceA().addEventListener('statechange', (e) => {
    events.push(`transport ${iceA().state}`);
    causes.push((e as RTCStateChangeEvent).cause);
  });
  await clock.runUntil(() => a.connectionState === 'connected', { timeoutMs: 10_000 });
  return { clock, a, b, hostB, events, causes };
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
    const { clock, a, hostB, events, causes } = await connectedPair();
    const iceA = a.sctp!.transport.iceTransport;
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
    // As data: the layer and kind of each event's cause.
    expect(causes.map((c) => `${c.layer}:${c.kind}`)).toEqual([
      'ice:checks-started',
      'ice:checks-started',
      'ice:checks-started',
      expect.stringMatching(/^ice:(pair-valid|nominated)$/),
      expect.stringMatching(/^ice:(pair-valid|nominated)$/),
      'ice:checks-completed',
      'ice:checks-completed',
      'dtls:handshake-complete',
    ]);
    expect(a.connectionStateCause).toMatchObject({
      layer: 'dtls',
      kind: 'handshake-complete',
      cipherSuite: 'EcdheEcdsaAes128GcmSha256',
      srtpProfile: 'AeadAes128Gcm',
    });
    expect(a.connectionStateCause).toBe(causes.at(-1));
    expect(a.iceConnectionStateCause).toBe(iceA.stateCause);
    expect(a.sctp!.transport.stateCause).toBe(a.connectionStateCause);
    events.length = 0;
    causes.length = 0;

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
    expect(String(a.connectionStateCause)).toMatch(/^nothing heard on /);
    // The same cause object on the three events and the three attributes.
    const silent = a.connectionStateCause;
    expect(causes).toEqual([silent, silent, silent]);
    for (const cause of causes) expect(cause).toBe(silent);
    expect([a.iceConnectionStateCause, iceA.stateCause]).toEqual([silent, silent]);
    if (silent.kind !== 'no-packets') throw new Error(`not a no-packets cause: ${silent}`);
    expect(silent.layer).toBe('ice');
    expect(silent.silentMs).toBeGreaterThanOrEqual(2500);
    expect(silent.silentMs).toBeLessThanOrEqual(clock.now() - cutAt + 100);
    expect(silent.pair.remote.address).toBe(hostB.addresses[0]);
    expect(silent.pair.local.address).not.toBe(hostB.addresses[0]);
    expect(silent.message).toBe(
      `nothing heard on ${silent.pair.label} for ${Math.round(silent.silentMs)} ms`,
    );
    events.length = 0;
    causes.length = 0;
    hostB.link.heal();
    await clock.runUntil(() => a.connectionState === 'connected', { timeoutMs: 10_000 });
    expect(events.map((e) => e.split(':')[0])).toEqual([
      'transport completed',
      'ice completed',
      'pc connected',
    ]);
    expect(events[2]).toMatch(/^pc connected: packets again on /);
    expect(causes.map((c) => `${c.layer}:${c.kind}`)).toEqual([
      'ice:packets-resumed',
      'ice:packets-resumed',
      'ice:packets-resumed',
    ]);
    events.length = 0;
    causes.length = 0;

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
    // RFC 7675 §5.1: consent expired, with the pair and how long it had been silent.
    const expired = a.connectionStateCause;
    expect(causes.slice(3)).toEqual([expired, expired, expired]);
    expect(iceA.stateCause).toBe(expired);
    if (expired.kind !== 'consent-expired') throw new Error(`not a consent expiry: ${expired}`);
    expect(expired.layer).toBe('ice');
    expect(expired.pair.remote.address).toBe(hostB.addresses[0]);
    expect(expired.pair.label).toBe(silent.pair.label);
    // Silent since shortly before the cut (the last consent response), 12 s at most.
    expect(expired.silentMs).toBeGreaterThan(clock.now() - lostAt - 1000);
    expect(expired.silentMs).toBeLessThanOrEqual(12_100);
    expect(a.sctp!.transport.stateCause).toMatchObject({ kind: 'handshake-complete' });
    // The pair whose consent expired shows as failed in getStats (webrtc-stats).
    const report = await a.getStats();
    const pairs = [...report.values()].filter((r) => r.type === 'candidate-pair');
    expect(pairs.length).toBeGreaterThan(0);
    expect(pairs.every((p) => (p as { state?: string }).state === 'failed')).toBe(true);
    expect(a.iceConnectionStateCause).toBe(a.connectionStateCause);

    // close(): everything is closed at once, and no event fires.
    events.length = 0;
    const sctp = a.sctp!;
    a.close();
    await a.released;
    expect([a.connectionState, a.iceConnectionState, a.signalingState]).toEqual([
      'closed',
      'closed',
      'closed',
    ]);
    expect(events).toEqual([]);
    // Every state says why: the user closed the peer connection.
    for (const cause of [
      a.connectionStateCause,
      a.iceConnectionStateCause,
      iceA.stateCause,
      sctp.transport.stateCause,
      sctp.stateCause,
    ]) {
      expect(cause).toEqual({
        layer: 'peer-connection',
        kind: 'closed-by-user',
        message: 'closed by the user',
      });
    }
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
    await clock.runUntil(() => a.iceConnectionState === 'completed', { timeoutMs: 10_000 });
    const ufrag = ufragOf(a);
    const pairBefore = (await transportStats(a)).selectedCandidatePairId;
    const pairsBefore = [...(await a.getStats()).values()].filter(
      (s) => s.type === 'candidate-pair',
    ).length;
    events.length = 0;
    a.restartIce();
    await a.setLocalDescription();
    expect(ufragOf(a)).not.toBe(ufrag);
    await a.setLocalDescription({ type: 'rollback' });
    expect(a.signalingState).toBe('stable');
    expect(ufragOf(a)).toBe(ufrag);
    // Consent keeps being asked and answered with the credentials both sides still hold. The
    // rollback abandoned the generation the offer began: the current one was never touched
    // (no state moved, the same pair, the same checks).
    await clock.advance(40_000);
    expect(events).toEqual([]);
    expect(a.iceConnectionState).toBe('completed');
    expect([a.connectionState, b.connectionState]).toEqual(['connected', 'connected']);
    expect((await transportStats(a)).iceLocalUsernameFragment).toBe(ufrag);
    expect((await transportStats(a)).selectedCandidatePairId).toBe(pairBefore);
    expect(
      [...(await a.getStats()).values()].filter((s) => s.type === 'candidate-pair').length,
    ).toBe(pairsBefore);
    // restartIce() still asks for its restart: the next offer has new credentials (webrtc-pc
    // [[LocalIceCredentialsToReplace]] is kept by a rollback).
    expect((await a.createOffer()).sdp).not.toContain(`a=ice-ufrag:${ufrag}`);
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

/** The cause of every state event of `pc`, its transports and `channel`, as `target type: kind`. */
function causeLog(
  pc: RTCPeerConnection,
  channel?: { addEventListener: RTCPeerConnection['addEventListener'] },
): { log: string[]; causes: Map<string, RTCStateCause> } {
  const log: string[] = [];
  const causes = new Map<string, RTCStateCause>();
  const record = (name: string, cause: RTCStateCause | null) => {
    log.push(`${name}: ${cause === null ? 'null' : `${cause.layer}/${cause.kind}`}`);
    if (cause) causes.set(name, cause);
  };
  const sctp = pc.sctp!;
  const targets = [
    ['pc', pc],
    ['ice', sctp.transport.iceTransport],
    ['dtls', sctp.transport],
    ['sctp', sctp],
    ['dc', channel],
  ] as const;
  for (const [name, target] of targets) {
    for (const type of [
      'statechange',
      'iceconnectionstatechange',
      'connectionstatechange',
      'error',
      'closing',
      'close',
    ]) {
      target?.addEventListener(type, (e) =>
        record(`${name} ${type}`, (e as RTCStateChangeEvent | RTCErrorEvent).cause),
      );
    }
  }
  return { log, causes };
}

describe('RTCStateCause on the events and attributes', () => {
  it('a fingerprint mismatch: the fingerprints on both sides, the alert the peer got, SCTP and the channel ended by it', async () => {
    const { clock, a, b } = virtualPeers({ seed: 11, cidr: '198.51.100.0/24' });
    pcs = [a, b];
    const channel = a.createDataChannel('x');
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    const mine = causeLog(a, channel);
    const theirs = causeLog(b);
    // The answer's fingerprint is changed in transit: a refuses b's certificate.
    const signaled = /a=fingerprint:sha-256 (\S+)/.exec(b.localDescription!.sdp)![1]!;
    const forged = signaled.split(':').reverse().join(':');
    await a.setRemoteDescription({
      type: 'answer',
      sdp: b.localDescription!.sdp.replace(signaled, forged),
    });
    await clock.runUntil(() => a.connectionState === 'failed' && b.connectionState === 'failed', {
      timeoutMs: 10_000,
    });
    await clock.runUntil(() => channel.readyState === 'closed', { timeoutMs: 1000 });
    expect(mine.log.filter((l) => !/^(ice|pc ice)/.test(l))).toEqual([
      'pc connectionstatechange: ice/checks-started',
      'dtls statechange: dtls/started',
      'dtls error: dtls/fingerprint-mismatch',
      'dtls statechange: dtls/fingerprint-mismatch',
      'pc connectionstatechange: dtls/fingerprint-mismatch',
      'sctp statechange: sctp/aborted-locally',
      'dc error: sctp/aborted-locally',
      'dc close: sctp/aborted-locally',
    ]);
    const mismatch = a.connectionStateCause;
    if (mismatch.kind !== 'fingerprint-mismatch') throw new Error(`not a mismatch: ${mismatch}`);
    // What was signaled (forged), and what the peer's certificate really is.
    expect(mismatch.expected).toEqual([`sha-256 ${forged}`]);
    expect(mismatch.actual).toBe(`sha-256 ${signaled}`);
    for (const name of ['dtls error', 'dtls statechange', 'pc connectionstatechange'])
      expect(mine.causes.get(name)).toBe(mismatch);
    expect(a.sctp!.transport.stateCause).toBe(mismatch);
    expect(a.iceConnectionStateCause.layer).toBe('ice'); // ICE itself is fine
    // SCTP never ran: it ends because DTLS failed, and the channel with it.
    const sctpEnd = mine.causes.get('sctp statechange')!;
    expect(sctpEnd).toEqual({
      layer: 'sctp',
      kind: 'aborted-locally',
      reason: 'DTLS failed',
      message: 'SCTP aborted: DTLS failed',
    });
    expect(a.sctp!.stateCause).toBe(sctpEnd);
    expect(mine.causes.get('dc error')).toEqual(sctpEnd);
    expect(mine.causes.get('dc close')).toBe(mine.causes.get('dc error'));
    // The peer learns it from our fatal bad_certificate alert (RFC 5246 §7.2: 42).
    expect(b.connectionStateCause).toEqual({
      layer: 'dtls',
      kind: 'alert-received',
      alert: 'badCertificate',
      alertCode: 42,
      fatal: true,
      message: 'the peer sent a fatal badCertificate alert',
    });
    expect(theirs.causes.get('dtls error')).toBe(b.connectionStateCause);
  });

  it("the peer's close(): its ABORT (cause 12) closes SCTP and the channel, its close_notify DTLS", async () => {
    const w = virtualPeers({ seed: 12, cidr: '198.51.100.0/24' });
    pcs = [w.a, w.b];
    const { c2 } = await openChannelPair(w);
    const theirs = causeLog(w.b, c2);
    const closedAt = w.clock.now();
    w.a.close();
    await w.clock.runUntil(() => w.b.sctp!.transport.state === 'closed', { timeoutMs: 1000 });
    expect(w.clock.now() - closedAt).toBeLessThan(50); // a one-way trip, not a timeout
    expect(theirs.log).toEqual([
      'sctp statechange: sctp/aborted-by-peer',
      'dc error: sctp/aborted-by-peer',
      'dc close: sctp/aborted-by-peer',
      'dtls statechange: dtls/close-notify-received',
    ]);
    const abort = w.b.sctp!.stateCause;
    // RFC 9260 §3.3.10.12: User-Initiated Abort, what close() sends (webrtc-pc).
    expect(abort).toEqual({
      layer: 'sctp',
      kind: 'aborted-by-peer',
      causes: [12],
      message: 'the peer aborted SCTP (causes 12)',
    });
    expect(theirs.causes.get('sctp statechange')).toBe(abort);
    expect(theirs.causes.get('dc error')).toEqual(abort);
    expect(theirs.causes.get('dc close')).toEqual(abort);
    expect(w.b.sctp!.transport.stateCause).toMatchObject({
      layer: 'dtls',
      kind: 'close-notify-received',
    });
    // webrtc-pc: DTLS closed counts as connected; the last change was the handshake.
    expect(w.b.connectionState).toBe('connected');
    expect(w.b.connectionStateCause).toMatchObject({ kind: 'handshake-complete' });
    // The side that closed says so, with no event.
    expect(w.a.connectionStateCause).toMatchObject({
      layer: 'peer-connection',
      kind: 'closed-by-user',
    });
  });

  it('a channel closed by the user: closed-by-user here, closed-by-peer (closing, close) there', async () => {
    const w = virtualPeers({ seed: 13, cidr: '198.51.100.0/24' });
    pcs = [w.a, w.b];
    const { c1, c2 } = await openChannelPair(w);
    const mine = causeLog(w.a, c1);
    const theirs = causeLog(w.b, c2);
    c1.close();
    await w.clock.runUntil(() => c1.readyState === 'closed' && c2.readyState === 'closed', {
      timeoutMs: 1000,
    });
    expect(mine.log).toEqual(['dc close: data-channel/closed-by-user']);
    expect(theirs.log).toEqual([
      'dc closing: data-channel/closed-by-peer',
      'dc close: data-channel/closed-by-peer',
    ]);
    expect(`${mine.causes.get('dc close')}`).toBe('the channel was closed by close()');
    expect(`${theirs.causes.get('dc close')}`).toBe(
      'the peer closed the channel (it reset its stream, RFC 8831 §6.7)',
    );
    // The transports are untouched.
    expect([w.a.connectionState, w.b.sctp!.state]).toEqual(['connected', 'connected']);
  });

  it('starts as created: every attribute has a cause before anything happened', async () => {
    const { a, b } = virtualPeers({ seed: 14 });
    pcs = [a, b];
    a.createDataChannel('x');
    await a.setLocalDescription();
    const sctp = a.sctp!;
    for (const cause of [
      a.connectionStateCause,
      a.iceConnectionStateCause,
      sctp.stateCause,
      sctp.transport.stateCause,
      sctp.transport.iceTransport.stateCause,
    ])
      expect(cause).toEqual({
        layer: 'peer-connection',
        kind: 'created',
        message: 'nothing has happened yet',
      });
  });
});
