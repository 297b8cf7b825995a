/**
 * Test helper: two RTCPeerConnections on two hosts of a VirtualNetwork (virtual clock), with
 * trickle signaling that delivers each candidate in order, after the description it follows.
 */

import { seededDraws, VirtualClock, type VirtualHost, VirtualNetwork } from '@x/transport/testing';
import { expect } from 'vitest';
import type { RTCDataChannel } from './rtc-data-channel.js';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCDataChannelInit } from './rtc-types.js';
import type { RTCIceCandidateInit } from './rtc-ice-candidate.js';
import { tapNet } from './testing-media.js';

/** Two peers and their world. */
export interface VirtualPeers {
  readonly clock: VirtualClock;
  readonly net: VirtualNetwork;
  readonly hostA: VirtualHost;
  readonly hostB: VirtualHost;
  readonly a: RTCPeerConnection;
  readonly b: RTCPeerConnection;
}

/** Builds the pair: one router of `cidr`, links of `delayMs` one way, seeded network. */
export function virtualPeers(options: {
  seed: number;
  cidr?: string;
  delayMs?: number;
  /** Called when addIceCandidate() rejects (default: ignored). */
  onCandidateError?: (peer: 'a' | 'b', error: unknown) => void;
  /** False: no candidate is signaled (each side learns the other from its checks only). */
  trickle?: boolean;
  /** Sees each datagram A sends first (`tapNet`), at `atMs` on the clock, and may drop it (false). */
  tapA?: (data: Uint8Array, port: number, address: string, atMs: number) => boolean;
}): VirtualPeers {
  const clock = new VirtualClock();
  const net = new VirtualNetwork({ clock, seed: options.seed });
  const wan = net.addRouter({ name: 'wan', cidr: options.cidr ?? '203.0.113.0/24' });
  const link = { delayMs: options.delayMs ?? 5 };
  const hostA = net.addHost({ name: 'a', router: wan, link });
  const hostB = net.addHost({ name: 'b', router: wan, link });
  const tapA = options.tapA;
  const netA =
    tapA === undefined
      ? hostA
      : tapNet(hostA, (data, port, address) => tapA(data, port, address, clock.now()));
  // Seeded draws for the randomized intervals (RTCP reports, consent): the same run each time.
  const a = new RTCPeerConnection({
    net: netA,
    clock,
    random: seededDraws(options.seed * 2 + 1),
    mdns: 'off',
  });
  const b = new RTCPeerConnection({
    net: hostB,
    clock,
    random: seededDraws(options.seed * 2 + 2),
    mdns: 'off',
  });
  if (options.trickle !== false) {
    trickle(a, b, (e) => options.onCandidateError?.('a', e));
    trickle(b, a, (e) => options.onCandidateError?.('b', e));
  }
  return { clock, net, hostA, hostB, a, b };
}

/**
 * Closes each connection and waits until it has released its sockets and timers, in order
 * (the `afterEach` of the tests that build peers).
 */
export async function closeAll(...pcs: (RTCPeerConnection | undefined)[]): Promise<void> {
  for (const pc of pcs) {
    if (pc === undefined) continue;
    pc.close();
    await pc.released;
  }
}

/** Forwards `from`'s candidates to `to`, in order, once `to` has a remote description. */
export function trickle(
  from: RTCPeerConnection,
  to: RTCPeerConnection,
  onError: (error: unknown) => void = () => {},
): void {
  const queue: RTCIceCandidateInit[] = [];
  const flush = (): void => {
    while (queue.length > 0 && to.remoteDescription) {
      to.addIceCandidate(queue.shift()).catch(onError);
    }
  };
  to.addEventListener('signalingstatechange', flush);
  from.addEventListener('icecandidate', (e) => {
    const { candidate } = e as Event & { candidate: { toJSON(): RTCIceCandidateInit } | null };
    if (candidate) {
      queue.push(candidate.toJSON());
      flush();
    }
  });
}

/**
 * One offer/answer from `offerer` to `answerer`, each side's description set in turn.
 * `mungeAnswer` edits the answer's text first, as a peer could have written it differently.
 */
export async function negotiate(
  offerer: RTCPeerConnection,
  answerer: RTCPeerConnection,
  mungeAnswer?: (sdp: string) => string,
): Promise<void> {
  await offerer.setLocalDescription();
  await answerer.setRemoteDescription(offerer.localDescription!);
  await answerer.setLocalDescription();
  const answer = answerer.localDescription!;
  await offerer.setRemoteDescription(
    mungeAnswer ? { type: 'answer', sdp: mungeAnswer(answer.sdp) } : answer,
  );
}

/** A channel from a, announced in-band to b, open on both sides after one negotiation. */
export async function openChannelPair(
  w: Pick<VirtualPeers, 'a' | 'b' | 'clock'>,
  label = 'pair',
  init: RTCDataChannelInit = {},
): Promise<{ c1: RTCDataChannel; c2: RTCDataChannel }> {
  const c1 = w.a.createDataChannel(label, init);
  let c2: RTCDataChannel | undefined;
  w.b.ondatachannel = (e) => {
    c2 = e.channel;
  };
  await negotiate(w.a, w.b);
  const up = await w.clock.runUntil(() => c1.readyState === 'open' && c2?.readyState === 'open', {
    timeoutMs: 10_000,
  });
  expect(up).toBe(true);
  return { c1, c2: c2! };
}
