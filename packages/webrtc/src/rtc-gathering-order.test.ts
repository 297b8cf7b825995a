/**
 * webrtc-pc and JSEP §5.2.1: gathering follows the local description, so the promise of
 * `setLocalDescription()` resolves before its first `icecandidate` (browsers always do).
 * Code written for browsers hands each candidate to the peer at once; a candidate that came
 * first would reach a peer that has no remote description yet, and its addIceCandidate()
 * would reject with InvalidStateError. Checked on real loopback sockets, where a socket may
 * be bound before the promise's reactions ran, and on the virtual network.
 */
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCConfiguration } from './rtc-types.js';
import { closeAll } from './testing-peers.js';

const open: RTCPeerConnection[] = [];
afterEach(async () => {
  await closeAll(...open.splice(0));
});

const loopback: RTCConfiguration = {
  mdns: 'off',
  gather: { includeLoopback: true, ipv6: false, addressFilter: (a) => a === '127.0.0.1' },
};

/** What happened, in order, while `pc` set its offer (and, if given, `answerer` its answer). */
async function orderOfEvents(
  offerer: RTCPeerConnection,
  settle: () => Promise<void>,
): Promise<string[]> {
  const seen: string[] = [];
  offerer.onicecandidate = (e) => {
    seen.push(e.candidate ? 'candidate' : 'end');
  };
  offerer.createDataChannel('x');
  await offerer.setLocalDescription();
  seen.push('resolved');
  await settle();
  return seen;
}

describe('setLocalDescription() resolves before its first icecandidate', () => {
  it('on real sockets, in 20 connections out of 20', async () => {
    for (let i = 0; i < 20; i++) {
      const pc = new RTCPeerConnection(loopback);
      open.push(pc);
      const seen = await orderOfEvents(pc, async () => {
        while (pc.iceGatheringState !== 'complete') await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setTimeout(r, 5));
      });
      expect(seen[0]).toBe('resolved');
      expect(seen.filter((s) => s === 'candidate').length).toBeGreaterThan(0);
      expect(seen.at(-1)).toBe('end');
    }
  });

  it('on the virtual network, for the answerer too: browser-style signaling never meets InvalidStateError', async () => {
    const clock = new VirtualClock();
    const net = new VirtualNetwork({ clock, seed: 3 });
    const wan = net.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
    const a = new RTCPeerConnection({
      net: net.addHost({ name: 'a', router: wan }),
      clock,
      mdns: 'off',
    });
    const b = new RTCPeerConnection({
      net: net.addHost({ name: 'b', router: wan }),
      clock,
      mdns: 'off',
    });
    open.push(a, b);
    // As code written for browsers does: each candidate straight to the other side.
    const errors: unknown[] = [];
    a.onicecandidate = (e) => {
      if (e.candidate) b.addIceCandidate(e.candidate).catch((x: unknown) => errors.push(x));
    };
    b.onicecandidate = (e) => {
      if (e.candidate) a.addIceCandidate(e.candidate).catch((x: unknown) => errors.push(x));
    };
    const channel = a.createDataChannel('x');
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    await clock.runUntil(() => channel.readyState === 'open', { timeoutMs: 10_000 });
    expect(errors).toEqual([]);
  });
});
