/**
 * Offer/answer as webrtc-pc and its web-platform-tests (RTCPeerConnection-setRemoteDescription-
 * offer, -setLocalDescription*, RTCSessionDescription) say: errors, the implicit rollback of
 * a local offer by a remote one (glare), and the descriptions setLocalDescription() accepts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RTCError } from './rtc-error.js';
import type { RTCPeerConnection } from './rtc-peer-connection.js';
import { RTCSessionDescription, type RTCSessionDescriptionInit } from './rtc-types.js';
import { type VirtualPeers, virtualPeers } from './testing-peers.js';

let peers: VirtualPeers | undefined;
afterEach(async () => {
  peers?.a.close();
  await peers?.a.released;
  peers?.b.close();
  await peers?.b.released;
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
});
