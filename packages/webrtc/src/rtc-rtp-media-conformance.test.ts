/**
 * Media through two of our peers: audio, video and a data channel negotiated on one BUNDLE
 * transport, RTP handed to the sending side's Manager directly (below the frame API of
 * `rtc-rtp-frames.test.ts`, to control every header field), and the receiving side's
 * generator giving each stream to the receiver of its mid (RFC 8843 §9.2), which counts it,
 * reports its source, and unmutes its track (webrtc-pc §5.3).
 */
import type { Manager } from '@x/network';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStream } from './media-stream.js';
import { MediaStreamTrack } from './media-stream-track.js';
import type { RTCDataChannel } from './rtc-data-channel.js';
import type { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCTrackEvent } from './rtc-track-event.js';
import { rtpPacket, sections, tasks } from './testing-media.js';
import {
  closeAll,
  negotiate,
  openChannelPair,
  type VirtualPeers,
  virtualPeers,
} from './testing-peers.js';

let peers: VirtualPeers | undefined;
afterEach(async () => {
  await closeAll(peers?.a, peers?.b);
  peers = undefined;
});

/** The Manager under a peer connection (test-only access to sending RTP below the API). */
const managerOf = (pc: RTCPeerConnection): Manager =>
  (pc as unknown as { manager: Manager }).manager;

/** The first SSRC of section `index` of a description. */
function ssrcOf(sdp: string, index: number): number {
  const a = sections(sdp)[index]!.attributes.find((x) => x.name === 'ssrc');
  return Number(a!.value!.split(' ')[0]);
}

describe('RTP between two peers', () => {
  it('negotiates audio, video and data on one transport; RTP reaches the receiver of its mid, which counts it and unmutes its track', async () => {
    peers = virtualPeers({ seed: 31 });
    const { a, b, clock } = peers;
    const stream = new MediaStream();
    a.addTrack(MediaStreamTrack.create('audio'), stream);
    a.addTrack(MediaStreamTrack.create('video'), stream);
    const tracks: RTCTrackEvent[] = [];
    b.ontrack = (e) => tracks.push(e);
    const { c1, c2 } = await openChannelPair(peers, 'side');
    expect(sections(a.localDescription!.sdp).map((m) => [m.kind, m.mid])).toEqual([
      ['audio', '0'],
      ['video', '1'],
      ['application', '2'],
    ]);
    expect(a.getTransceivers().map((t) => t.currentDirection)).toEqual(['sendonly', 'sendonly']);
    expect(b.getTransceivers().map((t) => t.currentDirection)).toEqual(['recvonly', 'recvonly']);
    expect(tracks.map((e) => e.track.kind)).toEqual(['audio', 'video']);
    const up = await clock.runUntil(() => managerOf(a).mediaReady && managerOf(b).mediaReady, {
      timeoutMs: 5000,
    });
    expect(up).toBe(true);

    const [audioTrack, videoTrack] = tracks.map((e) => e.track);
    const unmuted: string[] = [];
    audioTrack!.onunmute = () => unmuted.push('audio');
    videoTrack!.onunmute = () => unmuted.push('video');
    const audioSsrc = ssrcOf(a.localDescription!.sdp, 0);
    const videoSsrc = ssrcOf(a.localDescription!.sdp, 1);
    for (let seq = 1; seq <= 20; seq++) {
      const audio = rtpPacket({
        payloadType: 111,
        sequenceNumber: seq,
        timestamp: seq * 960,
        ssrc: audioSsrc,
        payload: Buffer.alloc(40, seq),
        mid: '0',
      });
      expect(managerOf(a).sendRtp(audio)).toBe(true);
    }
    for (let seq = 1; seq <= 5; seq++) {
      const video = rtpPacket({
        payloadType: 96,
        sequenceNumber: seq,
        timestamp: seq * 3000,
        ssrc: videoSsrc,
        payload: Buffer.alloc(1000, seq),
        mid: '1',
      });
      expect(managerOf(a).sendRtp(video)).toBe(true);
    }
    const [audioReceiver, videoReceiver] = b.getReceivers();
    const counted = async (): Promise<Record<string, unknown>[]> => {
      const report = await b.getStats();
      return [...report.values()].filter((e) => e.type === 'inbound-rtp');
    };
    await clock.runUntil(() => audioReceiver!.getSynchronizationSources().length > 0, {
      timeoutMs: 1000,
    });
    await clock.advance(50);
    await tasks();
    expect(unmuted.sort()).toEqual(['audio', 'video']);
    expect([audioTrack!.muted, videoTrack!.muted]).toEqual([false, false]);
    const inbound = await counted();
    expect(inbound).toHaveLength(2);
    expect(inbound.find((e) => e.kind === 'audio')).toMatchObject({
      ssrc: audioSsrc,
      mid: '0',
      packetsReceived: 20,
      bytesReceived: 20 * 40,
      trackIdentifier: audioTrack!.id,
    });
    const audioCodec = (await b.getStats()).get(
      inbound.find((e) => e.kind === 'audio')!.codecId as string,
    );
    expect(audioCodec).toMatchObject({
      type: 'codec',
      payloadType: 111,
      mimeType: 'audio/opus',
      clockRate: 48000,
      channels: 2,
      sdpFmtpLine: 'minptime=10;useinbandfec=1',
    });
    expect(inbound.find((e) => e.kind === 'video')).toMatchObject({
      ssrc: videoSsrc,
      mid: '1',
      packetsReceived: 5,
      bytesReceived: 5 * 1000,
    });
    const [source] = audioReceiver!.getSynchronizationSources();
    expect(source).toMatchObject({ source: audioSsrc, rtpTimestamp: 20 * 960 });
    expect(videoReceiver!.getSynchronizationSources()[0]!.source).toBe(videoSsrc);
    expect(audioReceiver!.getContributingSources()).toEqual([]);
    const selected = [...(await b.getStats(videoTrack)).values()].map((e) => e.type).sort();
    expect(selected).toEqual(['codec', 'inbound-rtp']);
    expect(managerOf(b).mediaStats.streams).toBe(2);
    // The data channel still works beside the media.
    const got: unknown[] = [];
    c2.onmessage = (e) => got.push(e.data);
    c1.send('still here');
    await clock.runUntil(() => got.length === 1, { timeoutMs: 1000 });
    expect(got).toEqual(['still here']);
  });

  it('routes a stream without the MID extension by its signaled SSRC, and drops one no receiver takes', async () => {
    peers = virtualPeers({ seed: 32 });
    const { a, b, clock } = peers;
    a.addTrack(MediaStreamTrack.create('audio'));
    await negotiate(a, b);
    await clock.runUntil(() => managerOf(a).mediaReady && managerOf(b).mediaReady, {
      timeoutMs: 5000,
    });
    const ssrc = ssrcOf(a.localDescription!.sdp, 0);
    const packet = (s: number, seq: number) =>
      rtpPacket({
        payloadType: 111,
        sequenceNumber: seq,
        timestamp: 0,
        ssrc: s,
        payload: Buffer.alloc(10),
      });
    managerOf(a).sendRtp(packet(ssrc, 1));
    managerOf(a).sendRtp(packet(ssrc, 2));
    // An SSRC that was not signaled, without a MID: the payload type is unique to mid 0, so
    // RFC 8843 §9.2 gives it to that receiver too.
    managerOf(a).sendRtp(packet(0x5eed, 1));
    await clock.advance(50);
    const receiver = b.getReceivers()[0]!;
    expect(
      receiver
        .getSynchronizationSources()
        .map((s) => s.source)
        .sort(),
    ).toEqual([ssrc, 0x5eed].sort());
    // A payload type no section has: no receiver takes it.
    managerOf(a).sendRtp(
      rtpPacket({
        payloadType: 77,
        sequenceNumber: 1,
        timestamp: 0,
        ssrc: 0xbad,
        payload: Buffer.alloc(10),
      }),
    );
    await clock.advance(50);
    expect(receiver.getSynchronizationSources()).toHaveLength(2);
    expect(managerOf(b).mediaStats.dropped.unwanted).toBe(1);
  });

  it("gives a stopped transceiver's streams to no one, those it had and new ones", async () => {
    peers = virtualPeers({ seed: 33 });
    const { a, b, clock } = peers;
    a.addTrack(MediaStreamTrack.create('audio'));
    a.createDataChannel('keep');
    await negotiate(a, b);
    await clock.runUntil(() => managerOf(a).mediaReady && managerOf(b).mediaReady, {
      timeoutMs: 5000,
    });
    const ssrc = ssrcOf(a.localDescription!.sdp, 0);
    const send = (s: number, seq: number) =>
      managerOf(a).sendRtp(
        rtpPacket({
          payloadType: 111,
          sequenceNumber: seq,
          timestamp: 0,
          ssrc: s,
          payload: Buffer.alloc(10),
          mid: '0',
        }),
      );
    send(ssrc, 1);
    await clock.advance(50);
    const [t] = b.getTransceivers();
    const receiver = t!.receiver;
    expect(managerOf(b).mediaStats.streams).toBe(1);
    t!.stop();
    send(ssrc, 2);
    send(7, 1);
    await clock.advance(50);
    const inbound = [...(await receiver.getStats()).values()].filter(
      (e) => e.type === 'inbound-rtp',
    );
    expect(inbound.map((e) => e.packetsReceived)).toEqual([1]);
    expect(managerOf(b).mediaStats.streams).toBe(0);
    expect(managerOf(b).mediaStats.dropped.unwanted).toBe(2);
  });

  it('starts no SCTP for audio and video alone, and starts it when a renegotiation adds a data channel', async () => {
    peers = virtualPeers({ seed: 34 });
    const { a, b, clock } = peers;
    a.addTransceiver('audio');
    await negotiate(a, b);
    await clock.runUntil(() => managerOf(a).mediaReady && managerOf(b).mediaReady, {
      timeoutMs: 5000,
    });
    await clock.advance(1000);
    expect([managerOf(a).getSctpStats(), managerOf(b).getSctpStats()]).toEqual([
      undefined,
      undefined,
    ]);
    expect(a.sctp).toBeNull();
    const c1 = a.createDataChannel('late');
    let c2: RTCDataChannel | undefined;
    b.ondatachannel = (e) => {
      c2 = e.channel;
    };
    await negotiate(a, b);
    const open = await clock.runUntil(() => c1.readyState === 'open' && c2?.readyState === 'open', {
      timeoutMs: 5000,
    });
    expect(open).toBe(true);
    expect(sections(a.localDescription!.sdp).map((m) => m.kind)).toEqual(['audio', 'application']);
  });

  it('mutes the remote track when the peer stops sending, and unmutes it when RTP comes again after it resumed', async () => {
    peers = virtualPeers({ seed: 35 });
    const { a, b, clock } = peers;
    const sender = a.addTrack(MediaStreamTrack.create('audio'));
    await negotiate(a, b);
    await clock.runUntil(() => managerOf(a).mediaReady && managerOf(b).mediaReady, {
      timeoutMs: 5000,
    });
    const ssrc = ssrcOf(a.localDescription!.sdp, 0);
    let seq = 0;
    const send = () =>
      managerOf(a).sendRtp(
        rtpPacket({
          payloadType: 111,
          sequenceNumber: ++seq,
          timestamp: seq * 960,
          ssrc,
          payload: Buffer.alloc(20),
          mid: '0',
        }),
      );
    const track = b.getReceivers()[0]!.track;
    const events: string[] = [];
    track.onmute = () => events.push('mute');
    track.onunmute = () => events.push('unmute');
    send();
    await clock.advance(20);
    await tasks();
    expect(events).toEqual(['unmute']);
    const [t] = a.getTransceivers();
    a.removeTrack(sender);
    await negotiate(a, b);
    await tasks();
    expect(events).toEqual(['unmute', 'mute']);
    send(); // a stray packet while the description says a does not send: still muted
    await clock.advance(20);
    await tasks();
    expect(track.muted).toBe(true);
    await sender.replaceTrack(MediaStreamTrack.create('audio'));
    t!.direction = 'sendrecv';
    await negotiate(a, b);
    send();
    await clock.advance(20);
    await tasks();
    expect(events).toEqual(['unmute', 'mute', 'unmute']);
  });

  it('counts an RTX stream as retransmissions of its media stream, not as a source or an inbound-rtp of its own', async () => {
    peers = virtualPeers({ seed: 36 });
    const { a, b, clock } = peers;
    a.addTrack(MediaStreamTrack.create('video'));
    await negotiate(a, b);
    await clock.runUntil(() => managerOf(a).mediaReady && managerOf(b).mediaReady, {
      timeoutMs: 5000,
    });
    const group = sections(a.localDescription!.sdp)[0]!.attributes.find(
      (x) => x.name === 'ssrc-group',
    );
    const [media, rtx] = group!.value!.split(' ').slice(1).map(Number);
    const send = (ssrc: number, payloadType: number, seq: number) =>
      managerOf(a).sendRtp(
        rtpPacket({
          payloadType,
          sequenceNumber: seq,
          timestamp: 0,
          ssrc,
          payload: Buffer.alloc(100),
          mid: '0',
        }),
      );
    for (let seq = 1; seq <= 6; seq++) send(media!, 96, seq);
    for (let seq = 1; seq <= 2; seq++) send(rtx!, 97, seq);
    await clock.advance(50);
    const receiver = b.getReceivers()[0]!;
    expect(receiver.getSynchronizationSources().map((s) => s.source)).toEqual([media]);
    const inbound = [...(await receiver.getStats()).values()].filter(
      (e) => e.type === 'inbound-rtp',
    );
    expect(inbound).toHaveLength(1);
    expect(inbound[0]).toMatchObject({
      ssrc: media,
      packetsReceived: 6,
      retransmittedPacketsReceived: 2,
      retransmittedBytesReceived: 200,
    });
  });

  it('receives simulcast: the answer takes the offered rids, and each layer (by its RID extension) reaches the one receiver as its own stream', async () => {
    peers = virtualPeers({ seed: 37 });
    const { a, b, clock } = peers;
    a.addTransceiver(MediaStreamTrack.create('video'), {
      direction: 'sendonly',
      sendEncodings: [{ rid: 'q' }, { rid: 'h' }, { rid: 'f' }],
    });
    await negotiate(a, b);
    expect(b.localDescription!.sdp).toContain('a=simulcast:recv q;h;f');
    await clock.runUntil(() => managerOf(a).mediaReady && managerOf(b).mediaReady, {
      timeoutMs: 5000,
    });
    // Unsignaled SSRCs (RFC 8853: simulcast layers are found by their rid).
    ['q', 'h', 'f'].forEach((rid, i) => {
      for (let seq = 1; seq <= i + 1; seq++)
        managerOf(a).sendRtp(
          rtpPacket({
            payloadType: 96,
            sequenceNumber: seq,
            timestamp: 0,
            ssrc: 0x100 + i,
            payload: Buffer.alloc(50),
            mid: '0',
            rid,
          }),
        );
    });
    await clock.advance(50);
    const receiver = b.getReceivers()[0]!;
    const inbound = [...(await receiver.getStats()).values()].filter(
      (e) => e.type === 'inbound-rtp',
    );
    expect(inbound.map((e) => [e.rid, e.ssrc, e.packetsReceived]).sort()).toEqual([
      ['f', 0x102, 3],
      ['h', 0x101, 2],
      ['q', 0x100, 1],
    ]);
    expect(receiver.getSynchronizationSources()).toHaveLength(3);
  });

  it('can be closed from inside track, unmute and ended listeners: nothing follows, nothing throws', async () => {
    peers = virtualPeers({ seed: 38 });
    const { a, b, clock } = peers;
    a.addTrack(MediaStreamTrack.create('audio'));
    a.addTrack(MediaStreamTrack.create('video'));
    const seen: string[] = [];
    b.ontrack = (e) => {
      seen.push(`track ${e.track.kind}`);
      e.track.onunmute = () => {
        seen.push(`unmute ${e.track.kind}`);
        b.close(); // from inside the first unmute
      };
      e.track.onended = () => seen.push('ended');
    };
    await negotiate(a, b);
    await clock.runUntil(() => managerOf(a).mediaReady && managerOf(b).mediaReady, {
      timeoutMs: 5000,
    });
    const ssrcs = [0, 1].map((i) => ssrcOf(a.localDescription!.sdp, i));
    for (const [i, ssrc] of ssrcs.entries())
      managerOf(a).sendRtp(
        rtpPacket({
          payloadType: i === 0 ? 111 : 96,
          sequenceNumber: 1,
          timestamp: 0,
          ssrc,
          payload: Buffer.alloc(10),
          mid: String(i),
        }),
      );
    await clock.advance(50);
    await tasks();
    // Both packets may arrive in one turn: the second unmute, queued before close(), is dropped.
    expect(seen).toEqual(['track audio', 'track video', 'unmute audio']);
    expect(seen.filter((s) => s === 'ended')).toEqual([]); // close() fires nothing
    expect(b.getTransceivers().map((t) => t.currentDirection)).toEqual(['stopped', 'stopped']);

    // Closed from inside ontrack: the description's promise never settles (webrtc-pc), and
    // no other track event follows.
    const c = virtualPeers({ seed: 39 });
    try {
      c.a.addTrack(MediaStreamTrack.create('audio'));
      c.a.addTrack(MediaStreamTrack.create('video'));
      let tracks = 0;
      c.b.ontrack = () => {
        tracks++;
        c.b.close();
      };
      await c.a.setLocalDescription();
      let settled = false;
      c.b.setRemoteDescription(c.a.localDescription!).then(
        () => (settled = true),
        () => (settled = true),
      );
      await tasks();
      expect([tracks, settled]).toEqual([1, false]);
    } finally {
      c.a.close();
      c.b.close();
      await c.a.released;
      await c.b.released;
    }
  });
});
