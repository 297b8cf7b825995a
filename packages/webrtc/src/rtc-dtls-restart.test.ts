/**
 * A DTLS restart through the W3C API (RFC 8842 §5, RFC 9429 §5.3): the peer comes back as a new
 * RTCPeerConnection (a new certificate) and our connection restarts ICE toward it. A new DTLS
 * association starts, SRTP is keyed again, media flows on the same tracks, a new SCTP
 * association carries new channels, and the old channels close. Another fingerprint without an
 * ICE restart is refused.
 */
import { seededDraws } from '@x/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStreamTrack } from './media-stream-track.js';
import type { RTCDataChannel } from './rtc-data-channel.js';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import { closeAll, negotiate, openChannelPair, trickle, virtualPeers } from './testing-peers.js';

const opened: RTCPeerConnection[] = [];
afterEach(async () => {
  await closeAll(...opened.splice(0));
});

const OPUS_FRAME = new Uint8Array([0x78, 1, 2, 3, 4, 5]);

describe('DTLS restart', () => {
  it('a peer back with a new certificate after an ICE restart: SRTP keyed again, the same track flows, a new SCTP association', async () => {
    const peers = virtualPeers({ seed: 41 });
    const { a, b, clock, hostB } = peers;
    opened.push(a, b);
    const audio = MediaStreamTrack.create('audio');
    a.addTrack(audio);
    const { c1: old } = await openChannelPair(peers, 'before');
    const oldEvents: string[] = [];
    old.onerror = () => oldEvents.push('error');
    old.onclose = () => oldEvents.push('close');
    const fingerprintOf = (sdp: string) => /a=fingerprint:(\S+ \S+)/.exec(sdp)?.[1];
    const firstFingerprint = fingerprintOf(a.remoteDescription!.sdp);

    // b's process restarts: a new connection on the same host, with its own certificate.
    b.close();
    const c = new RTCPeerConnection({ net: hostB, clock, random: seededDraws(33), mdns: 'off' });
    opened.push(c);
    trickle(a, c);
    trickle(c, a);
    const received: number[] = [];
    c.ontrack = ({ track }) => {
      void (async () => {
        for await (const frame of track.frames()) received.push(frame.timestamp);
      })();
    };
    let newChannel: RTCDataChannel | undefined;
    c.ondatachannel = ({ channel }) => {
      newChannel = channel;
    };
    const dtlsStates: string[] = [];
    a.sctp!.transport.onstatechange = () => dtlsStates.push(a.sctp!.transport.state);
    a.restartIce();
    await negotiate(a, c);
    expect(fingerprintOf(a.remoteDescription!.sdp)).not.toBe(firstFingerprint);
    // The data section stays: a channel made now opens on the new association.
    const fresh = a.createDataChannel('after');
    expect(
      await clock.runUntil(
        () =>
          a.connectionState === 'connected' &&
          fresh.readyState === 'open' &&
          newChannel?.readyState === 'open',
        { timeoutMs: 20_000 },
      ),
    ).toBe(true);
    expect(dtlsStates).toEqual(['connecting', 'connected']);
    expect(a.sctp!.state).toBe('connected');
    // The channel of the old association closed, with an error first (webrtc-pc).
    expect(oldEvents).toEqual(['error', 'close']);
    expect(old.readyState).toBe('closed');

    // The same local track, now keyed with the new association's SRTP.
    for (let i = 0; i < 10; i++) {
      expect(audio.writeFrame(OPUS_FRAME, { timestamp: i * 20_000 })).toBe(true);
      await clock.advance(20);
    }
    expect(await clock.runUntil(() => received.length === 10, { timeoutMs: 2000 })).toBe(true);
    fresh.send('hello again');
    const message = await new Promise<unknown>((resolve) => {
      newChannel!.onmessage = (e) => resolve(e.data);
      void clock.advance(50);
    });
    expect(message).toBe('hello again');
  });

  it('refuses another fingerprint without an ICE restart with InvalidAccessError, changing nothing', async () => {
    const peers = virtualPeers({ seed: 42 });
    const { a, b } = peers;
    opened.push(a, b);
    await openChannelPair(peers);
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    const answer = b.localDescription!.sdp.replace(
      /a=fingerprint:sha-256 [0-9A-F:]+/gi,
      `a=fingerprint:sha-256 ${Array.from({ length: 32 }, () => 'AB').join(':')}`,
    );
    const before = a.currentRemoteDescription!.sdp;
    await expect(a.setRemoteDescription({ type: 'answer', sdp: answer })).rejects.toMatchObject({
      name: 'InvalidAccessError',
    });
    expect(a.signalingState).toBe('have-local-offer');
    expect(a.currentRemoteDescription!.sdp).toBe(before);
    expect(a.connectionState).toBe('connected');
  });
});
