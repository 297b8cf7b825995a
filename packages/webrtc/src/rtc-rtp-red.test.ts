/**
 * RED (RFC 2198) around Opus, received (issue 20 item 4): we offer and answer `red/48000/2`
 * with `a=fmtp:63 111/111` as Chromium does; a RED packet's primary frame is the frame of its
 * own packet, and its redundant copy of the previous frame fills a loss. The track's `frames()`
 * give every frame once, `rtp()` gives plain Opus packets (never the RED wrapping), and a
 * malformed RED payload is dropped and counted.
 */
import type { Manager } from '@x/network';
import { buildRedPayload } from '@x/rtp';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStreamTrack } from './media-stream-track.js';
import type { RTCPeerConnection } from './rtc-peer-connection.js';
import { rtpPacket, sections, tasks } from './testing-media.js';
import { closeAll, openChannelPair, type VirtualPeers, virtualPeers } from './testing-peers.js';

let peers: VirtualPeers | undefined;
afterEach(async () => {
  await closeAll(peers?.a, peers?.b);
  peers = undefined;
});

const managerOf = (pc: RTCPeerConnection): Manager =>
  (pc as unknown as { manager: Manager }).manager;
const opus = (n: number) => Uint8Array.from([0x78, n, n, n]);

describe('RED around Opus (RFC 2198), received', () => {
  it('negotiates red/48000/2 111/111 and repairs a lost packet from the next one’s redundant block', async () => {
    peers = virtualPeers({ seed: 71 });
    const { a, b, clock } = peers;
    a.addTrack(MediaStreamTrack.create('audio'));
    let remote: MediaStreamTrack | undefined;
    b.ontrack = (e) => {
      remote = e.track;
    };
    await openChannelPair(peers, 'side');
    const audio = sections(b.localDescription!.sdp)[0]!;
    expect(audio.formats.slice(0, 2)).toEqual(['111', '63']);
    expect(b.localDescription!.sdp).toContain('a=fmtp:63 111/111');
    const frames: number[] = [];
    const packets: [number, number][] = [];
    void (async () => {
      for await (const f of remote!.frames()) frames.push(f.data[1]!);
    })();
    void (async () => {
      for await (const p of remote!.rtp()) packets.push([p[1]! & 0x7f, (p[2]! << 8) | p[3]!]);
    })();
    const midId = Number(
      sections(a.localDescription!.sdp)[0]!
        .attributes.find((x) => x.name === 'extmap' && x.value!.endsWith('sdes:mid'))!
        .value!.split(' ')[0],
    );
    // Ten 20 ms frames as RED, each with the previous frame as redundancy; packet 5 is lost.
    for (let i = 0; i < 10; i++) {
      const payload = buildRedPayload(
        { payloadType: 111, payload: opus(i) },
        i > 0 ? [{ payloadType: 111, timestampOffset: 960, payload: opus(i - 1) }] : [],
      );
      if (i !== 5)
        managerOf(a).sendRtp(
          rtpPacket({
            payloadType: 63,
            sequenceNumber: 100 + i,
            timestamp: 960 * i,
            ssrc: 0x7777,
            mid: '0',
            midId,
            payload,
          }),
        );
      await clock.advance(20);
    }
    // A malformed RED payload (a header block running past the end): dropped, counted.
    managerOf(a).sendRtp(
      rtpPacket({
        payloadType: 63,
        sequenceNumber: 110,
        timestamp: 9600,
        ssrc: 0x7777,
        mid: '0',
        midId,
        payload: Uint8Array.from([0x80, 0, 0]),
      }),
    );
    await clock.advance(100);
    await tasks();
    expect(frames).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // rtp(): Opus packets only, the repaired one (105) right after the packet that carried it.
    expect(packets.every(([pt]) => pt === 111)).toBe(true);
    expect(packets.map(([, seq]) => seq)).toEqual([
      100, 101, 102, 103, 104, 106, 105, 107, 108, 109,
    ]);
    expect(
      (b as unknown as { media: { drops: { malformed: number } } }).media.drops.malformed,
    ).toBe(1);
    expect(remote!.readyState).toBe('live');
  });
});
