/**
 * The audio and video offers that Chromium, Firefox, libwebrtc, pion and werift really make
 * (`sdp/fixtures`), answered by `RTCPeerConnection`: `setRemoteDescription()` (track events,
 * transceivers) and `createAnswer()` (accepted sections in one BUNDLE group, the offer's
 * payload types for the codecs we share, directions, simulcast receive layers).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStreamTrack } from './media-stream-track.js';
import type { RTCTrackEvent } from './rtc-track-event.js';
import { readRtpMedia, type RtpMedia } from './sdp/rtp-media.js';
import { sections } from './testing-media.js';
import { closeAll, type VirtualPeers, virtualPeers } from './testing-peers.js';

let peers: VirtualPeers | undefined;
afterEach(async () => {
  await closeAll(peers?.a, peers?.b);
  peers = undefined;
});

const fixture = (name: string): string =>
  readFileSync(new URL(`./sdp/fixtures/${name}.sdp`, import.meta.url), 'utf8');

interface Answered {
  readonly sdp: string;
  readonly tracks: RTCTrackEvent[];
  readonly media: (RtpMedia | undefined)[];
}

async function answer(name: string, before?: (p: VirtualPeers) => void): Promise<Answered> {
  peers = virtualPeers({ seed: 41 });
  const { b } = peers;
  const tracks: RTCTrackEvent[] = [];
  b.ontrack = (e) => tracks.push(e);
  await b.setRemoteDescription({ type: 'offer', sdp: fixture(name) });
  before?.(peers);
  const { sdp } = await b.createAnswer();
  await b.setLocalDescription({ type: 'answer', sdp: sdp! });
  const media = sections(sdp!).map((m) => {
    if (m.kind === 'application' || m.port === 0) return undefined;
    const r = readRtpMedia(m);
    return 'codecs' in r ? r : undefined;
  });
  return { sdp: sdp!, tracks, media };
}

const summary = (sdp: string) =>
  sections(sdp).map((m) => [m.kind, m.mid, m.port === 0 ? 'rejected' : (m.direction ?? '-')]);
const names = (m: RtpMedia | undefined) => m?.codecs.map((c) => `${c.payloadType} ${c.name}`);

describe('answering captured offers', () => {
  it("Chromium (addTrack of camera and microphone): recvonly audio and video with Chromium's payload types, tracks in its stream", async () => {
    const { sdp, tracks, media } = await answer('chromium-track-offer');
    expect(summary(sdp)).toEqual([
      ['audio', '0', 'recvonly'],
      ['video', '1', 'recvonly'],
      ['application', '2', '-'],
    ]);
    expect(sdp).toContain('a=group:BUNDLE 0 1 2');
    // Chromium's RED around Opus and telephone events (no a=fmtp: events 0-15) answered with
    // its payload types.
    expect(names(media[0])).toEqual([
      '111 opus',
      '63 red',
      '0 PCMU',
      '8 PCMA',
      '110 telephone-event',
      '126 telephone-event',
    ]);
    expect(names(media[1])!.slice(0, 2)).toEqual(['96 VP8', '97 rtx']);
    expect(names(media[1])).toContain('98 VP9');
    expect(media[1]!.msids).toEqual([]); // nothing sent: no a=msid
    expect(tracks.map((e) => [e.track.kind, e.streams[0]?.id])).toEqual([
      ['audio', 'a3842ec5-6335-4d35-a252-420e4ada3b3f'],
      ['video', 'a3842ec5-6335-4d35-a252-420e4ada3b3f'],
    ]);
    expect(peers!.b.getTransceivers().map((t) => [t.mid, t.currentDirection])).toEqual([
      ['0', 'recvonly'],
      ['1', 'recvonly'],
    ]);
  });

  it('Chromium, with a track of ours added: sendrecv with a=msid and our SSRCs (RTX in an FID group)', async () => {
    const track = MediaStreamTrack.create('video');
    const { sdp, media } = await answer('chromium-track-offer', ({ b }) => {
      b.addTrack(track);
    });
    expect(summary(sdp)[1]).toEqual(['video', '1', 'sendrecv']);
    expect(media[1]!.msids).toEqual([{ stream: '-', track: track.id }]);
    expect(media[1]!.ssrcGroups[0]!.semantics).toBe('FID');
    expect(media[1]!.ssrcs).toHaveLength(2);
  });

  it('Chromium simulcast: receives the three rids (a=rid recv, a=simulcast:recv), inactive audio', async () => {
    const { sdp, media } = await answer('chromium-simulcast-offer');
    expect(summary(sdp)).toEqual([
      ['audio', '0', 'inactive'],
      ['video', '1', 'recvonly'],
      ['application', '2', '-'],
    ]);
    expect(media[1]!.rids.map((r) => `${r.id} ${r.direction}`)).toEqual([
      'q recv',
      'h recv',
      'f recv',
    ]);
    expect(sdp).toContain('a=simulcast:recv q;h;f');
  });

  it('Chromium without tracks (sendrecv transceivers, msid "-"): a track event with no stream', async () => {
    const { sdp, tracks } = await answer('chromium-av-offer');
    expect(summary(sdp).map((s) => s[2])).toEqual(['recvonly', 'recvonly', '-']);
    expect(tracks.map((e) => e.streams.length)).toEqual([0, 0]);
  });

  it('Firefox 82: its payload types (Opus 109, VP8 120 with RTX 124), the session-level direction, its stream', async () => {
    const { sdp, tracks, media } = await answer('firefox-av-offer');
    expect(summary(sdp)).toEqual([
      ['audio', '0', 'recvonly'],
      ['video', '1', 'recvonly'],
    ]);
    expect(names(media[0])![0]).toBe('109 opus');
    expect(names(media[1])!.slice(0, 2)).toEqual(['120 VP8', '124 rtx']);
    expect(tracks[0]!.streams[0]!.id).toBe('{424e8c56-a70d-4ca6-81fc-00ff360e7275}');
  });

  it('pion: Opus and VP8, its stream "pion"', async () => {
    const { sdp, tracks, media } = await answer('pion-av-offer');
    expect(summary(sdp).map((s) => s[2])).toEqual(['recvonly', 'recvonly', '-']);
    expect(names(media[0])![0]).toBe('111 opus');
    expect(names(media[1])![0]).toBe('96 VP8');
    expect(tracks.map((e) => e.streams[0]?.id)).toEqual(['pion', 'pion']);
  });

  it('werift and libwebrtc: every section accepted', async () => {
    const w = await answer('werift-av-offer');
    expect(summary(w.sdp).map((s) => s[2])).toEqual(['recvonly', 'recvonly', '-']);
    expect(w.media[0]!.codecs[0]!.name.toLowerCase()).toBe('opus');
    peers!.b.close();
    await peers!.b.released;
    peers!.a.close();
    await peers!.a.released;
    const l = await answer('libwebrtc-av-offer');
    expect(summary(l.sdp).map((s) => s[2])).toEqual(['recvonly', 'recvonly', '-']);
    expect(names(l.media[1])![0]).toBe('96 VP8');
  });
});
