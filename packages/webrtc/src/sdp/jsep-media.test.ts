import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AUDIO_CODECS,
  answerDirection,
  answerHeaderExtensions,
  answerRtpSection,
  HEADER_EXTENSIONS,
  isRemoteRtpProblem,
  type RemoteRtpSection,
  remoteRtpSections,
  reverseDirection,
  rtpSection,
  VIDEO_CODECS,
} from './jsep-media.js';
import type { SdpDirection } from './model.js';
import { parseSdp } from './parse.js';
import { readRtpMedia } from './rtp-media.js';
import { serializeMediaSection } from './serialize.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

function remote(name: string): RemoteRtpSection[] {
  const result = remoteRtpSections(parseSdp(fixture(name)));
  if (isRemoteRtpProblem(result)) throw new Error(result.reason);
  return result;
}

const sender = {
  streamIds: ['stream'],
  trackId: 'track',
  cname: 'cname',
  ssrc: 1001,
  rtxSsrc: 1002,
};

describe('answer direction (JSEP §5.3.1, RFC 3264 §6.1)', () => {
  const all: SdpDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
  it('sends what the offerer receives and we want to send, and receives the converse', () => {
    const table = all.map((offered) => all.map((wanted) => answerDirection(offered, wanted)));
    expect(table).toEqual([
      // wanted: sendrecv, sendonly, recvonly, inactive
      ['sendrecv', 'sendonly', 'recvonly', 'inactive'], // offered sendrecv
      ['recvonly', 'inactive', 'recvonly', 'inactive'], // offered sendonly
      ['sendonly', 'sendonly', 'inactive', 'inactive'], // offered recvonly
      ['inactive', 'inactive', 'inactive', 'inactive'], // offered inactive
    ]);
    expect(all.map(reverseDirection)).toEqual(['sendrecv', 'recvonly', 'sendonly', 'inactive']);
  });
});

describe('answering the RTP sections real stacks offer', () => {
  it("answers Chromium's tracks: Opus with its payload type, VP8/VP9/H.264/AV1 with RTX, the MID extension's id", () => {
    const [audio, video] = remote('chromium-track-offer.sdp');
    const a = answerRtpSection(audio!, { mid: audio!.mid!, direction: 'recvonly' })!;
    expect(a.direction).toBe('recvonly');
    expect(a.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}`)).toEqual([
      '111 opus/48000',
      '63 red/48000',
      '0 PCMU/8000',
      '8 PCMA/8000',
      '110 telephone-event/48000',
      '126 telephone-event/8000',
    ]);
    const offeredMid = audio!.media.headerExtensions.find((e) => e.uri.endsWith('sdes:mid'))!;
    expect(a.headerExtensions).toContainEqual({ id: offeredMid.id, uri: offeredMid.uri });
    expect(a.sender).toBeUndefined();
    const v = answerRtpSection(video!, { mid: video!.mid!, direction: 'sendrecv', sender })!;
    expect(v.direction).toBe('sendrecv');
    const names = v.codecs.map((c) => c.name);
    expect(new Set(names)).toEqual(new Set(['VP8', 'rtx', 'VP9', 'H264', 'AV1']));
    // Only H.264 in packetization mode 1 with a Constrained Baseline or Baseline profile.
    for (const c of v.codecs.filter((x) => x.name === 'H264'))
      expect(c.parameters['packetization-mode']).toBe('1');
    // Every RTX names a codec kept.
    for (const c of v.codecs.filter((x) => x.name === 'rtx'))
      expect(v.codecs.some((k) => String(k.payloadType) === c.parameters.apt)).toBe(true);
    expect(v.sender).toEqual(sender);
  });

  it('answers a simulcast offer by receiving its layers (RFC 8853 §5.3), and drops RTX when nothing kept has it', () => {
    const video = remote('chromium-simulcast-offer.sdp').find((s) => s.kind === 'video')!;
    const v = answerRtpSection(video, { mid: video.mid!, direction: 'recvonly' })!;
    expect(v.direction).toBe('recvonly');
    expect(v.receiveRids?.map((r) => `${r.id} ${r.direction}`)).toEqual([
      'q recv',
      'h recv',
      'f recv',
    ]);
    const section = rtpSection(v, { port: 9, address: '0.0.0.0' });
    const text = serializeMediaSection(section);
    expect(text).toContain('a=simulcast:recv q;h;f');
    expect(text).toContain('a=rid:q recv');
    // Only VP8 accepted: its RTX stays; the sender has no RTX SSRC when RTX is not negotiated.
    const vp8Only = answerRtpSection(video, {
      mid: '1',
      direction: 'sendrecv',
      sender,
      codecs: VIDEO_CODECS.filter((c) => c.name === 'VP8'),
    })!;
    expect(vp8Only.codecs.map((c) => c.name)).toEqual(['VP8']);
    expect(vp8Only.sender?.rtxSsrc).toBeUndefined();
  });

  it('answers Firefox, pion and werift; rejects a section with no codec in common', () => {
    for (const file of ['firefox-av-offer.sdp', 'pion-av-offer.sdp', 'werift-av-offer.sdp']) {
      for (const offered of remote(file)) {
        const answer = answerRtpSection(offered, {
          mid: offered.mid!,
          direction: 'sendrecv',
          sender,
        });
        expect(answer, `${file} ${offered.kind}`).toBeDefined();
        expect(answer!.codecs.length).toBeGreaterThan(0);
      }
    }
    const [audio] = remote('chromium-track-offer.sdp');
    const only = {
      ...audio!,
      media: { ...audio!.media, codecs: audio!.media.codecs.filter((c) => c.name === 'G722') },
    };
    expect(answerRtpSection(only, { mid: '0', direction: 'sendrecv' })).toBeUndefined();
    // Telephone events alone carry no track: nothing to answer with either (RFC 4733 rides
    // beside an audio codec).
    const events = {
      ...audio!,
      media: {
        ...audio!.media,
        codecs: audio!.media.codecs.filter((c) => c.name === 'telephone-event'),
      },
    };
    expect(events.media.codecs.map((c) => c.clockRate)).toEqual([48000, 8000]);
    expect(answerRtpSection(events, { mid: '0', direction: 'sendrecv' })).toBeUndefined();
  });

  it("answers Firefox's telephone-event/8000 with its payload type and its a=fmtp 0-15", () => {
    const [audio] = remote('firefox-av-offer.sdp');
    const a = answerRtpSection(audio!, { mid: audio!.mid!, direction: 'sendrecv', sender })!;
    expect(a.codecs.find((c) => c.name === 'telephone-event')).toMatchObject({
      payloadType: 101,
      clockRate: 8000,
      fmtp: '0-15',
    });
    expect(a.codecs.filter((c) => c.name === 'telephone-event')).toHaveLength(1);
  });

  it('keeps only the header extensions we understand, with the offered ids', () => {
    const offered = [
      { id: 7, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' },
      { id: 8, uri: 'urn:example:unknown' },
      { id: 14, uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01' },
    ];
    expect(answerHeaderExtensions(offered, HEADER_EXTENSIONS.video)).toEqual([
      offered[0],
      offered[2],
    ]);
  });
});

describe('our RTP sections', () => {
  it('describe a sender with msid, cname and an RTX FID group, and read back as written', () => {
    const section = rtpSection(
      {
        kind: 'video',
        mid: '1',
        direction: 'sendonly',
        codecs: VIDEO_CODECS,
        headerExtensions: HEADER_EXTENSIONS.video,
        sender,
      },
      { port: 9, address: '0.0.0.0' },
    );
    const text = serializeMediaSection(section);
    for (const line of [
      'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103 104 105 45 46',
      'a=mid:1',
      'a=sendonly',
      'a=msid:stream track',
      'a=rtcp-mux',
      'a=rtcp-rsize',
      'a=rtpmap:96 VP8/90000',
      'a=rtcp-fb:96 nack pli',
      'a=fmtp:97 apt=96',
      'a=ssrc-group:FID 1001 1002',
      'a=ssrc:1001 cname:cname',
    ])
      expect(text).toContain(line);
    expect(text).not.toContain('a=simulcast');
    const read = readRtpMedia(
      parseSdp(`v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n${text}`).media[0]!,
    );
    expect(read).toMatchObject({
      codecs: VIDEO_CODECS,
      msids: [{ stream: 'stream', track: 'track' }],
    });
  });

  it('describe a simulcast sender by its rids (RFC 8853 §5.1), with no a=ssrc naming one layer, as Chromium does', () => {
    const section = rtpSection(
      {
        kind: 'video',
        mid: '1',
        direction: 'sendonly',
        codecs: VIDEO_CODECS,
        headerExtensions: HEADER_EXTENSIONS.video,
        sender,
        sendRids: ['h', 'm', 'l'],
      },
      { port: 9, address: '0.0.0.0' },
    );
    const text = serializeMediaSection(section);
    const lines = text.split('\r\n');
    expect(lines.filter((l) => l.startsWith('a=rid:'))).toEqual([
      'a=rid:h send',
      'a=rid:m send',
      'a=rid:l send',
    ]);
    expect(lines).toContain('a=simulcast:send h;m;l');
    expect(lines).toContain('a=msid:stream track');
    expect(lines.filter((l) => l.startsWith('a=ssrc'))).toEqual([]);
    // The RID and repaired RID extensions that route each layer are offered (RFC 8852 §3).
    expect(lines).toContain('a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id');
    expect(lines).toContain('a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id');
  });

  it('offer Opus, G.711 and telephone-event at 48000 and 8000 Hz with a=fmtp 0-15 (RFC 4733 §2.4.1), as browsers do', () => {
    const section = rtpSection(
      {
        kind: 'audio',
        mid: '0',
        direction: 'sendrecv',
        codecs: AUDIO_CODECS,
        headerExtensions: HEADER_EXTENSIONS.audio,
        sender: { ...sender, rtxSsrc: undefined },
      },
      { port: 9, address: '0.0.0.0' },
    );
    const text = serializeMediaSection(section);
    for (const line of [
      'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 0 8 110 126',
      'a=rtpmap:63 red/48000/2',
      'a=fmtp:63 111/111',
      'a=rtpmap:110 telephone-event/48000',
      'a=fmtp:110 0-15',
      'a=rtpmap:126 telephone-event/8000',
      'a=fmtp:126 0-15',
    ])
      expect(text).toContain(line);
    const read = readRtpMedia(
      parseSdp(`v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n${text}`).media[0]!,
    );
    expect(read).toMatchObject({ codecs: AUDIO_CODECS });
  });

  it('write no sender lines when the direction does not send, and "-" for a track in no stream', () => {
    const base = {
      kind: 'audio' as const,
      mid: '0',
      codecs: AUDIO_CODECS,
      headerExtensions: HEADER_EXTENSIONS.audio,
    };
    expect(
      serializeMediaSection(
        rtpSection({ ...base, direction: 'recvonly', sender }, { port: 9, address: '0.0.0.0' }),
      ),
    ).not.toContain('a=ssrc');
    const text = serializeMediaSection(
      rtpSection(
        {
          ...base,
          direction: 'sendrecv',
          sender: { ...sender, streamIds: [], rtxSsrc: undefined },
        },
        { port: 9, address: '0.0.0.0' },
      ),
    );
    expect(text).toContain('a=msid:- track');
    expect(text).not.toContain('ssrc-group');
  });

  it('reads a malformed remote section as a problem naming the section, and skips a rejected one', () => {
    const sdp = fixture('chromium-track-offer.sdp').replace(
      'a=rtpmap:111 opus/48000/2',
      'a=rtpmap:111 opus',
    );
    const result = remoteRtpSections(parseSdp(sdp));
    expect(isRemoteRtpProblem(result) && result).toMatchObject({
      index: 0,
      attribute: 'a=rtpmap:111 opus',
    });
    const rejected = sdp.replace(/m=audio \d+/, 'm=audio 0');
    const ok = remoteRtpSections(parseSdp(rejected));
    expect(isRemoteRtpProblem(ok)).toBe(false);
  });
});
