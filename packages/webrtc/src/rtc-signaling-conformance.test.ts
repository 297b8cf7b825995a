/**
 * Offer/answer as webrtc-pc and its web-platform-tests (RTCPeerConnection-setRemoteDescription-
 * offer, -setLocalDescription*, RTCSessionDescription) say: errors, the implicit rollback of
 * a local offer by a remote one (glare), and the descriptions setLocalDescription() accepts.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RTCError } from './rtc-error.js';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import { RTCSessionDescription, type RTCSessionDescriptionInit } from './rtc-types.js';
import { closeAll, negotiate, type VirtualPeers, virtualPeers } from './testing-peers.js';

let peers: VirtualPeers | undefined;
afterEach(async () => {
  await closeAll(peers?.a, peers?.b);
  peers = undefined;
});

/** The error a promise rejects with (or 'ok'), as `name` and the error itself. */
async function rejection(p: Promise<unknown>): Promise<{ name: string; error?: unknown }> {
  try {
    await p;
    return { name: 'ok' };
  } catch (error) {
    return { name: (error as Error).name, error };
  }
}

function signalingLog(pc: RTCPeerConnection): string[] {
  const states: string[] = [];
  pc.addEventListener('signalingstatechange', () => states.push(pc.signalingState));
  return states;
}

describe('setRemoteDescription()', () => {
  it('rejects text that is not SDP with an RTCError (sdp-syntax-error, with the line)', async () => {
    peers = virtualPeers({ seed: 1 });
    const { name, error } = await rejection(
      peers.a.setRemoteDescription({ type: 'offer', sdp: 'v=0\r\nbogus\r\n' }),
    );
    expect(name).toBe('OperationError');
    expect(error).toBeInstanceOf(RTCError);
    expect(error).toBeInstanceOf(DOMException);
    expect(error).toMatchObject({ errorDetail: 'sdp-syntax-error', sdpLineNumber: 2 });
    expect(peers.a.signalingState).toBe('stable');
  });

  it('rejects SDP that cannot be used with InvalidAccessError', async () => {
    peers = virtualPeers({ seed: 1 });
    peers.b.createDataChannel('x');
    const offer = await peers.b.createOffer();
    const sdp = offer.sdp!.replace(/a=fingerprint:[^\r\n]*\r\n/g, '');
    expect((await rejection(peers.a.setRemoteDescription({ type: 'offer', sdp }))).name).toBe(
      'InvalidAccessError',
    );
    expect(peers.a.remoteDescription).toBeNull();
  });

  it.each([
    ['no description', undefined],
    ['no type', { sdp: '' }],
    ['an unknown type', { type: 'bogus', sdp: '' }],
  ])('rejects %s with a TypeError', async (_what, description) => {
    peers = virtualPeers({ seed: 1 });
    const d = description as unknown as RTCSessionDescriptionInit;
    expect((await rejection(peers.a.setRemoteDescription(d))).name).toBe('TypeError');
    expect((await rejection(peers.a.setLocalDescription({ type: 'bogus' } as never))).name).toBe(
      'TypeError',
    );
  });

  it('answers a remote offer in have-local-offer: our offer is rolled back first (glare), and the connection comes up', async () => {
    peers = virtualPeers({ seed: 4 });
    const { a, b, clock } = peers;
    const aChannel = a.createDataChannel('from-a');
    b.createDataChannel('from-b');
    const states = signalingLog(a);
    // Both offer at once; a is the "polite" peer of perfect negotiation and takes b's offer.
    await a.setLocalDescription();
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    expect(states).toEqual(['have-local-offer', 'stable', 'have-remote-offer']);
    expect(a.pendingLocalDescription).toBeNull();
    expect(a.pendingRemoteDescription?.type).toBe('offer');
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    expect([a.signalingState, b.signalingState]).toEqual(['stable', 'stable']);
    await clock.runUntil(() => aChannel.readyState === 'open', { timeoutMs: 10_000 });
    expect([a.connectionState, b.connectionState]).toEqual(['connected', 'connected']);
    // a answered: it is the controlled ICE agent, though it gathered as an offerer.
    expect(a.sctp?.transport.iceTransport.role).toBe('controlled');
    expect(b.sctp?.transport.iceTransport.role).toBe('controlling');
    // The agent itself switched (no role conflict needed): reached here, tests only.
    type Internals = { manager: { agentInstance?: { controlling: boolean } } };
    expect((a as unknown as Internals).manager.agentInstance?.controlling).toBe(false);
  });

  it('keeps the rollback when the remote offer then fails', async () => {
    peers = virtualPeers({ seed: 1 });
    const { a } = peers;
    a.createDataChannel('x');
    await a.setLocalDescription();
    const states = signalingLog(a);
    const { name } = await rejection(a.setRemoteDescription({ type: 'offer', sdp: 'Invalid SDP' }));
    expect(name).toBe('OperationError');
    expect(states).toEqual(['stable']);
    expect([a.signalingState, a.pendingLocalDescription]).toEqual(['stable', null]);
  });
});

describe('setLocalDescription() and createOffer()', () => {
  it('takes only the description createOffer()/createAnswer() made last, unchanged', async () => {
    peers = virtualPeers({ seed: 1 });
    const { a, b } = peers;
    a.createDataChannel('x');
    const first = await a.createOffer();
    const munged = { type: 'offer' as const, sdp: first.sdp!.replace('a=mid:0', 'a=mid:data') };
    expect((await rejection(a.setLocalDescription(munged))).name).toBe('InvalidModificationError');
    const second = await a.createOffer();
    expect((await rejection(a.setLocalDescription(first))).name).toBe('InvalidModificationError');
    expect(a.signalingState).toBe('stable');
    await a.setLocalDescription(second);
    expect(a.localDescription?.sdp.startsWith(second.sdp!.slice(0, 40))).toBe(true);
    await b.setRemoteDescription(a.localDescription!);
    const answer = await b.createAnswer();
    const mungedAnswer = { type: 'answer' as const, sdp: `${answer.sdp}a=x-extra\r\n` };
    expect((await rejection(b.setLocalDescription(mungedAnswer))).name).toBe(
      'InvalidModificationError',
    );
    await b.setLocalDescription(answer);
    expect(b.signalingState).toBe('stable');
  });

  it('refuses createOffer() while a remote offer waits for an answer', async () => {
    peers = virtualPeers({ seed: 1 });
    const { a, b } = peers;
    b.createDataChannel('x');
    await a.setRemoteDescription(await b.createOffer());
    expect((await rejection(a.createOffer())).name).toBe('InvalidStateError');
  });
});

describe('RTCSessionDescription and RTCError', () => {
  it('needs a known type', () => {
    expect(() => new RTCSessionDescription({ sdp: '' } as never)).toThrow(TypeError);
    expect(() => new RTCSessionDescription({ type: 'bogus' } as never)).toThrow(TypeError);
    expect(new RTCSessionDescription({ type: 'rollback' }).toJSON()).toEqual({
      type: 'rollback',
      sdp: '',
    });
  });

  it('is an OperationError with the fields of its detail', () => {
    const e = new RTCError({ errorDetail: 'sctp-failure', sctpCauseCode: 12 }, 'why');
    expect([e.name, e.message, e.errorDetail, e.sctpCauseCode, e.sdpLineNumber]).toEqual([
      'OperationError',
      'why',
      'sctp-failure',
      12,
      null,
    ]);
    expect(() => new RTCError({ errorDetail: 'nope' } as never)).toThrow(TypeError);
  });

  it('converts the RTCErrorInit members as WebIDL long and unsigned long', () => {
    const e = new RTCError({
      errorDetail: 'dtls-failure',
      sdpLineNumber: '7' as never,
      receivedAlert: 42.9,
      sentAlert: -1,
    });
    expect([e.sdpLineNumber, e.receivedAlert, e.sentAlert, e.sctpCauseCode]).toEqual([
      7,
      42,
      4_294_967_295,
      null,
    ]);
    expect(
      new RTCError({ errorDetail: 'sctp-failure', sctpCauseCode: 2 ** 31 }).sctpCauseCode,
    ).toBe(-(2 ** 31));
    expect(new RTCError({ errorDetail: 'sctp-failure' }).message).toBe('');
  });
});

describe('the operations chain (webrtc-pc "chain an operation", WPT RTCPeerConnection-operations)', () => {
  /** Whether `p` has settled once the microtasks and the clock have run. */
  async function settles(w: VirtualPeers, p: Promise<unknown>): Promise<boolean> {
    let settled = false;
    p.then(
      () => void (settled = true),
      () => void (settled = true),
    );
    await w.clock.advance(1000);
    return settled;
  }

  it('runs chained operations in call order, and getStats() without waiting for them', async () => {
    peers = virtualPeers({ seed: 3 });
    const { a, b } = peers;
    a.createDataChannel('order');
    const order: string[] = [];
    const offer = a.createOffer().then((o) => {
      order.push('createOffer');
      return o;
    });
    const local = a.setLocalDescription().then(() => order.push('setLocalDescription'));
    const stats = a.getStats().then(() => order.push('getStats'));
    await Promise.all([offer, local, stats]);
    // getStats() is not chained: it does not wait for the operations before it.
    expect(order).toEqual(['getStats', 'createOffer', 'setLocalDescription']);
    await b.setRemoteDescription(a.localDescription!);
    const answer = b.createAnswer();
    const set = b.setLocalDescription();
    expect(await answer).toMatchObject({ type: 'answer' });
    await set;
    expect(b.signalingState).toBe('stable');
  });

  it('leaves chained operations unsettled once close() is called, and rejects new ones with InvalidStateError', async () => {
    peers = virtualPeers({ seed: 3 });
    const { a, b } = peers;
    a.createDataChannel('close');
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    const pending = [
      b.createAnswer(),
      b.setLocalDescription(),
      b.setRemoteDescription({ type: 'rollback' }),
      b.addIceCandidate({ candidate: '', sdpMid: '0' }),
      // One that would have failed: it does not reject either.
      b.setRemoteDescription({ type: 'answer', sdp: 'not sdp' }),
    ];
    b.close();
    for (const p of pending) expect(await settles(peers, p)).toBe(false);
    for (const late of [
      () => b.createOffer(),
      () => b.createAnswer(),
      () => b.setLocalDescription(),
      () => b.setRemoteDescription(a.localDescription!),
      () => b.addIceCandidate({ candidate: '', sdpMid: '0' }),
    ])
      expect((await rejection(late())).name).toBe('InvalidStateError');
    // Not chained, not refused: the stats of a closed connection (webrtc-pc §8.1).
    expect((await b.getStats()).size).toBeGreaterThan(0);
  });
});

describe('RTCCertificate and the SDP fingerprint (webrtc-pc §4.9.2, RFC 8122 §5)', () => {
  it('gives getFingerprints() in lower-case hex, the same digests as a=fingerprint in upper case', async () => {
    const certificate = await RTCPeerConnection.generateCertificate({
      name: 'ECDSA',
      namedCurve: 'P-256',
    });
    const fingerprints = certificate.getFingerprints();
    // IANA "Hash Function Textual Names"; sha-256 is the digest of the ECDSA signature.
    expect(fingerprints.map((f) => f.algorithm)).toEqual(['sha-256', 'sha-384', 'sha-512']);
    for (const { value } of fingerprints) expect(value).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2})+$/);
    peers = virtualPeers({ seed: 3 });
    const pc = new RTCPeerConnection({ certificates: [certificate], clock: peers.clock });
    try {
      pc.createDataChannel('x');
      const { sdp } = await pc.createOffer();
      // RFC 8122 §5: fingerprint-attribute = "fingerprint" ":" hash-func SP fingerprint, with
      // fingerprint = 2UHEX *(":" 2UHEX).
      const lines = sdp!.split('\r\n').filter((l) => l.startsWith('a=fingerprint:'));
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) {
        const m = /^a=fingerprint:([a-z0-9-]+) ([0-9A-F]{2}(?::[0-9A-F]{2})+)$/.exec(l);
        expect(m).not.toBeNull();
        const mine = fingerprints.find((f) => f.algorithm === m![1]);
        expect(mine?.value.toUpperCase()).toBe(m![2]);
      }
      // The digest is of the DER the DTLS handshake presents.
      const der = (certificate as unknown as { certificate: { der: Buffer } }).certificate.der;
      const digest = createHash('sha256').update(der).digest('hex');
      expect(fingerprints[0]!.value.replace(/:/g, '')).toBe(digest);
    } finally {
      pc.close();
      await pc.released;
    }
  });

  it('has a read-only expires, a time in ms since the epoch', async () => {
    const certificate = await RTCPeerConnection.generateCertificate({
      name: 'ECDSA',
      namedCurve: 'P-256',
      expires: 3_600_000,
    });
    const { expires } = certificate;
    expect(expires).toBeGreaterThan(Date.now());
    expect(expires).toBeLessThanOrEqual(Date.now() + 3_600_000 + 1000);
    expect(() => {
      (certificate as { expires: number }).expires = 0;
    }).toThrow(TypeError);
    expect(certificate.expires).toBe(expires);
  });
});

describe('createOffer() and createAnswer() options (webrtc-pc RTCOfferOptions, RTCAnswerOptions)', () => {
  const ufragOf = (sdp: string | undefined): string | undefined =>
    /^a=ice-ufrag:(\S+)\r?$/m.exec(sdp ?? '')?.[1];

  it('gives an offer new ICE credentials with iceRestart, which restarts ICE when applied', async () => {
    peers = virtualPeers({ seed: 3 });
    const { a, b, clock } = peers;
    a.createDataChannel('restart');
    await negotiate(a, b);
    await clock.runUntil(() => a.connectionState === 'connected', { timeoutMs: 10_000 });
    const current = ufragOf(a.currentLocalDescription?.sdp);
    expect(ufragOf((await a.createOffer()).sdp)).toBe(current);
    expect(ufragOf((await a.createOffer({})).sdp)).toBe(current);
    const restart = await a.createOffer({ iceRestart: true });
    expect(ufragOf(restart.sdp)).not.toBe(current);
    // It is not restartIce(): a later offer without the option keeps the credentials.
    expect(ufragOf((await a.createOffer()).sdp)).toBe(current);
    await a.setLocalDescription(await a.createOffer({ iceRestart: true }));
    const restarted = ufragOf(a.localDescription?.sdp);
    expect(restarted).not.toBe(current);
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    expect(ufragOf(a.currentLocalDescription?.sdp)).toBe(restarted);
    expect(ufragOf(b.currentLocalDescription?.sdp)).not.toBe(ufragOf(b.remoteDescription?.sdp));
    const ice = a.sctp!.transport.iceTransport;
    expect(ice.getLocalParameters()?.usernameFragment).toBe(restarted);
    await clock.runUntil(() => a.connectionState === 'connected', { timeoutMs: 10_000 });
    expect(a.connectionState).toBe('connected');
  });

  it('rejects options that are not a dictionary with TypeError, and takes null', async () => {
    peers = virtualPeers({ seed: 3 });
    const { a } = peers;
    for (const bad of [42, 'iceRestart', true])
      expect((await rejection(a.createOffer(bad as never))).name).toBe('TypeError');
    expect((await a.createOffer(null as never)).type).toBe('offer');
    expect((await rejection(a.createAnswer(7 as never))).name).toBe('TypeError');
    // A dictionary is converted first: in stable, the answer is refused for the state.
    expect((await rejection(a.createAnswer({}))).name).toBe('InvalidStateError');
  });
});
