/**
 * The media section of our candidates (webrtc-pc `RTCIceCandidate.sdpMid`/`sdpMLineIndex`,
 * JSEP §5.2.1, §5.3.1, RFC 8843 §7): the one that carries the transport, the BUNDLE tag of the
 * description being negotiated, read from that description. With audio and video sections
 * before the data section, with an answer that rejects the offer's first section (the tag moves)
 * and with mids that are not numbers, the `icecandidate` events, the local description's
 * candidate lines, `RTCIceTransport.getLocalCandidates()`/`getRemoteCandidates()` and the
 * selected pair name the same section.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCIceCandidate } from './rtc-ice-candidate.js';
import type { RTCPeerConnectionIceEvent } from './rtc-types.js';
import { sections } from './testing-media.js';
import { closeAll, negotiate, type VirtualPeers, virtualPeers } from './testing-peers.js';

let opened: RTCPeerConnection[] = [];
afterEach(async () => {
  await closeAll(...opened);
  opened = [];
});

function world(seed: number): VirtualPeers {
  const w = virtualPeers({ seed });
  opened.push(w.a, w.b);
  return w;
}

/** The `icecandidate` events of `pc` that carry a candidate (not end-of-candidates). */
function candidatesOf(pc: RTCPeerConnection): RTCIceCandidate[] {
  const seen: RTCIceCandidate[] = [];
  pc.addEventListener('icecandidate', (e) => {
    const c = (e as RTCPeerConnectionIceEvent).candidate;
    if (c !== null && c.candidate !== '') seen.push(c);
  });
  return seen;
}

/** The index and mid of the first section of the description's BUNDLE group (the tag). */
function bundleTag(sdp: string): { index: number; mid: string } {
  const group = /^a=group:BUNDLE ([^\r\n]+)/m.exec(sdp)?.[1]?.split(' ') ?? [];
  const media = sections(sdp);
  const index = media.findIndex((m) => m.mid === group[0]);
  return { index, mid: media[index]?.mid ?? '' };
}

/** Where each candidate line of a description is: `index mid` of its section. */
function candidateSectionsOf(sdp: string): string[] {
  return sections(sdp).flatMap((m, i) => m.candidates.map(() => `${i} ${m.mid}`));
}

describe('local candidates carry the index of the section that carries the transport', () => {
  it('audio and video before the data section: the BUNDLE tag, on events, transports and the pair', async () => {
    const w = world(61);
    const { a, b } = w;
    a.addTransceiver('audio');
    a.addTransceiver('video');
    a.createDataChannel('after-media');
    const fromA = candidatesOf(a);
    const fromB = candidatesOf(b);
    await negotiate(a, b);
    await w.clock.runUntil(
      () => a.connectionState === 'connected' && b.connectionState === 'connected',
      { timeoutMs: 10_000 },
    );
    await w.clock.runUntil(
      () => a.iceGatheringState === 'complete' && b.iceGatheringState === 'complete',
      { timeoutMs: 10_000 },
    );
    const offer = a.localDescription!.sdp;
    expect(sections(offer).map((m) => m.kind)).toEqual(['audio', 'video', 'application']);
    const tag = bundleTag(offer);
    expect(tag.index).toBe(0);
    for (const [pc, seen] of [
      [a, fromA],
      [b, fromB],
    ] as const) {
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen.map((c) => `${c.sdpMLineIndex} ${c.sdpMid}`))).toEqual(
        new Set([`${tag.index} ${tag.mid}`]),
      );
      // Surfaced into that section of the local description, and nowhere else.
      expect(new Set(candidateSectionsOf(pc.localDescription!.sdp))).toEqual(
        new Set([`${tag.index} ${tag.mid}`]),
      );
      const ice = pc.sctp!.transport.iceTransport;
      expect(ice.getLocalCandidates().map((c) => `${c.sdpMLineIndex} ${c.sdpMid}`)).toEqual(
        seen.map((c) => `${c.sdpMLineIndex} ${c.sdpMid}`),
      );
      const pair = ice.getSelectedCandidatePair()!;
      expect(`${pair.local.sdpMLineIndex} ${pair.local.sdpMid}`).toBe(`${tag.index} ${tag.mid}`);
      expect(`${pair.remote.sdpMLineIndex} ${pair.remote.sdpMid}`).toBe(`${tag.index} ${tag.mid}`);
    }
  });

  it('an answer that rejects the first section moves the tag: the answerer names the next one', async () => {
    const w = world(62);
    const { a, b } = w;
    a.addTransceiver('audio');
    a.addTransceiver('video');
    const channel = a.createDataChannel('after-media');
    const fromA = candidatesOf(a);
    const fromB = candidatesOf(b);
    await a.setLocalDescription();
    // Signaling takes a millisecond: the offerer's first candidates are announced meanwhile.
    await w.clock.advance(1);
    await b.setRemoteDescription(a.localDescription!);
    // The answerer declines the audio section (port 0): its BUNDLE group starts at video.
    b.getTransceivers()[0]!.stop();
    await b.setLocalDescription();
    await w.clock.advance(1);
    await a.setRemoteDescription(b.localDescription!);
    const answer = b.localDescription!.sdp;
    expect(sections(answer).map((m) => m.port === 0)).toEqual([true, false, false]);
    const offerTag = bundleTag(a.localDescription!.sdp);
    const answerTag = bundleTag(answer);
    expect(offerTag.index).toBe(0);
    expect(answerTag.index).toBe(1);
    expect(answerTag.mid).not.toBe(offerTag.mid);
    await w.clock.runUntil(() => channel.readyState === 'open', { timeoutMs: 10_000 });
    await w.clock.runUntil(
      () => a.iceGatheringState === 'complete' && b.iceGatheringState === 'complete',
      { timeoutMs: 10_000 },
    );
    // The offerer gathered while its offer was the description: the offer's tag.
    expect(fromA.length).toBeGreaterThan(0);
    for (const c of fromA) expect(`${c.sdpMLineIndex} ${c.sdpMid}`).toBe(`0 ${offerTag.mid}`);
    // The answerer's candidates belong to its answer's tag, not to the rejected section.
    expect(fromB.length).toBeGreaterThan(0);
    for (const c of fromB) expect(`${c.sdpMLineIndex} ${c.sdpMid}`).toBe(`1 ${answerTag.mid}`);
    expect(new Set(candidateSectionsOf(b.localDescription!.sdp))).toEqual(
      new Set([`1 ${answerTag.mid}`]),
    );
    // Trickled to the offerer, they reach its ICE agent and its remote description.
    const remoteAtA = a.sctp!.transport.iceTransport.getRemoteCandidates();
    expect(remoteAtA.map((c) => c.candidate)).toEqual(fromB.map((c) => c.candidate));
    for (const c of remoteAtA) expect(`${c.sdpMLineIndex} ${c.sdpMid}`).toBe(`1 ${answerTag.mid}`);
    expect(new Set(candidateSectionsOf(a.remoteDescription!.sdp))).toEqual(
      new Set([`1 ${answerTag.mid}`]),
    );
    // After the answer, both sides' selected pair names the answer's tag for our side.
    const pairB = b.sctp!.transport.iceTransport.getSelectedCandidatePair()!;
    expect(`${pairB.local.sdpMLineIndex} ${pairB.local.sdpMid}`).toBe(`1 ${answerTag.mid}`);
    const pairA = a.sctp!.transport.iceTransport.getSelectedCandidatePair()!;
    expect(`${pairA.remote.sdpMLineIndex} ${pairA.remote.sdpMid}`).toBe(`1 ${answerTag.mid}`);
    expect(fromB.map((c) => c.candidate)).toContain(pairA.remote.candidate);
  });

  it('candidates pooled before the offer arrives take its mids when they are announced', async () => {
    const w = world(63);
    const { a } = w;
    const pooled = new RTCPeerConnection({
      net: w.hostB,
      clock: w.clock,
      mdns: 'off',
      iceCandidatePoolSize: 1,
    });
    opened.push(pooled);
    const seen = candidatesOf(pooled);
    await w.clock.advance(100); // the pool gathers, its events held
    expect(seen).toEqual([]);
    a.addTransceiver('audio');
    a.addTransceiver('video');
    a.createDataChannel('after-media');
    await a.setLocalDescription();
    // A peer whose mids are tokens, not numbers (RFC 5888 §4).
    const names = ['sound', 'picture', 'data'];
    let offer = a.localDescription!.sdp;
    sections(offer).forEach((m, i) => {
      offer = offer.replace(`a=mid:${m.mid}\r\n`, `a=mid:${names[i]}\r\n`);
    });
    offer = offer.replace(/^a=group:BUNDLE [^\r\n]+/m, `a=group:BUNDLE ${names.join(' ')}`);
    await pooled.setRemoteDescription({ type: 'offer', sdp: offer });
    await pooled.setLocalDescription();
    await w.clock.runUntil(() => pooled.iceGatheringState === 'complete', { timeoutMs: 10_000 });
    expect(seen.length).toBeGreaterThan(0);
    for (const c of seen) expect(`${c.sdpMLineIndex} ${c.sdpMid}`).toBe('0 sound');
    // The answer, written once the pool had gathered, lists them; the tag's section has each.
    const tagSection = sections(pooled.localDescription!.sdp)[0]!;
    expect(tagSection.mid).toBe('sound');
    for (const c of seen) expect(tagSection.candidates).toContain(c.candidate);
    expect(pooled.sctp!.transport.iceTransport.getLocalCandidates().map((c) => c.sdpMid)).toEqual(
      seen.map(() => 'sound'),
    );
  });
});
