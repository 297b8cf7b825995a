import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { answerCodecs, h264ProfileLevel, sameCodec } from './codec-match.js';
import type { SdpMediaSection } from './model.js';
import { parseSdp } from './parse.js';
import {
  isRtpMediaProblem,
  type RtpMedia,
  readRtpMedia,
  rtpMediaAttributes,
  type SdpCodec,
} from './rtp-media.js';
import { serializeSdp } from './serialize.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

const rtpSections = (name: string): SdpMediaSection[] =>
  parseSdp(fixture(name)).media.filter((m) => m.kind === 'audio' || m.kind === 'video');

function media(section: SdpMediaSection): RtpMedia {
  const result = readRtpMedia(section);
  if (isRtpMediaProblem(result)) throw new Error(`${result.attribute}: ${result.reason}`);
  return result;
}

const codec = (name: string, parameters: Record<string, string> = {}, pt = 96): SdpCodec => ({
  payloadType: pt,
  name,
  clockRate: name.toLowerCase() === 'opus' ? 48000 : 90000,
  ...(name.toLowerCase() === 'opus' ? { channels: 2 } : {}),
  parameters,
  rtcpFeedback: [],
});

/** Replaces the attributes of a section, for hand-made inputs. */
const withAttributes = (formats: readonly string[], lines: string[]): SdpMediaSection => ({
  kind: 'video',
  port: 9,
  protocol: 'UDP/TLS/RTP/SAVPF',
  formats,
  candidates: [],
  otherLines: [],
  attributes: lines.map((l) => {
    const colon = l.indexOf(':');
    return colon < 0
      ? { name: l, value: undefined }
      : { name: l.slice(0, colon), value: l.slice(colon + 1) };
  }),
});

describe('readRtpMedia on the descriptions real stacks produce', () => {
  const files = [
    'chromium-av-offer.sdp',
    'chromium-track-offer.sdp',
    'chromium-simulcast-offer.sdp',
    'chromium-av-answer.sdp',
    'libwebrtc-av-offer.sdp',
    'libwebrtc-av-answer.sdp',
    'werift-av-offer.sdp',
    'werift-av-answer.sdp',
    'firefox-av-offer.sdp',
    'pion-av-offer.sdp',
  ];
  it.each(files)(
    'reads every RTP section of %s, and writing it back gives the same view',
    (file) => {
      const sections = rtpSections(file);
      expect(sections.length).toBeGreaterThan(0);
      for (const section of sections) {
        const m = media(section);
        expect(m.rtcpMux).toBe(true); // every stack here muxes RTCP (JSEP requires it)
        // Every payload type of the m= line has a codec (rtpmap or a static assignment).
        expect(m.codecs.map((c) => c.payloadType)).toEqual(section.formats.map(Number));
        const rewritten = readRtpMedia(
          withAttributes(
            section.formats,
            rtpMediaAttributes(m).map((a) =>
              a.value === undefined ? a.name : `${a.name}:${a.value}`,
            ),
          ),
        );
        expect(rewritten).toEqual(m);
      }
    },
  );

  it("reads Chromium's audio: Opus with transport-cc and its fmtp, RED, static PCMU", () => {
    const [audio] = rtpSections('chromium-track-offer.sdp');
    const m = media(audio!);
    const opus = m.codecs.find((c) => c.name === 'opus')!;
    expect(opus).toMatchObject({
      payloadType: 111,
      clockRate: 48000,
      channels: 2,
      parameters: { minptime: '10', useinbandfec: '1' },
      rtcpFeedback: [{ type: 'transport-cc' }],
    });
    expect(m.codecs.find((c) => c.payloadType === 0)).toMatchObject({
      name: 'PCMU',
      clockRate: 8000,
    });
    expect(m.headerExtensions.map((e) => e.uri)).toContain('urn:ietf:params:rtp-hdrext:sdes:mid');
    expect(m.msids).toHaveLength(1);
    expect(m.ssrcs[0]?.cname).toBeTruthy();
  });

  it("reads Chromium's video: VP8 with RTX (apt), H.264 profiles, feedback, an FID group", () => {
    const [, video] = rtpSections('chromium-track-offer.sdp');
    const m = media(video!);
    const vp8 = m.codecs.find((c) => c.name === 'VP8')!;
    expect(vp8.rtcpFeedback.map((f) => `${f.type}${f.parameter ? ` ${f.parameter}` : ''}`)).toEqual(
      expect.arrayContaining(['goog-remb', 'transport-cc', 'ccm fir', 'nack', 'nack pli']),
    );
    const rtx = m.codecs.find(
      (c) => c.name === 'rtx' && c.parameters.apt === String(vp8.payloadType),
    );
    expect(rtx).toBeDefined();
    const h264 = m.codecs.filter((c) => c.name === 'H264');
    expect(h264.length).toBeGreaterThan(2);
    expect(
      new Set(h264.map((c) => h264ProfileLevel(c.parameters['profile-level-id'])?.profile)),
    ).toEqual(new Set(['baseline', 'constrained-baseline', 'main']));
    expect(m.ssrcGroups).toEqual([
      { semantics: 'FID', ssrcs: [m.ssrcs[0]!.ssrc, m.ssrcs[1]!.ssrc] },
    ]);
  });

  it("reads Chromium's simulcast: three send rids in order, none paused", () => {
    const video = rtpSections('chromium-simulcast-offer.sdp').find((s) => s.kind === 'video')!;
    const m = media(video);
    expect(m.rids.map((r) => `${r.id} ${r.direction}`)).toEqual(['q send', 'h send', 'f send']);
    expect(m.simulcast).toEqual({
      send: [
        [{ rid: 'q', paused: false }],
        [{ rid: 'h', paused: false }],
        [{ rid: 'f', paused: false }],
      ],
    });
    expect(m.headerExtensions.map((e) => e.uri)).toEqual(
      expect.arrayContaining([
        'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
        'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
      ]),
    );
  });

  it("reads Firefox's layout: an extmap direction, a non key=value fmtp, G722/8000/1", () => {
    const [audio, video] = rtpSections('firefox-av-offer.sdp');
    const a = media(audio!);
    expect(a.headerExtensions[1]).toEqual({
      id: 2,
      uri: 'urn:ietf:params:rtp-hdrext:csrc-audio-level',
      direction: 'recvonly',
    });
    expect(a.codecs.find((c) => c.name === 'telephone-event')).toMatchObject({
      fmtp: '0-15',
      parameters: {},
    });
    expect(a.codecs.find((c) => c.name === 'G722')).toMatchObject({ clockRate: 8000, channels: 1 });
    const v = media(video!);
    expect(v.rtcpReducedSize).toBe(true);
    expect(v.codecs.map((c) => c.name)).toEqual([
      'VP8',
      'rtx',
      'VP9',
      'rtx',
      'H264',
      'rtx',
      'H264',
      'rtx',
    ]);
    // The H.264 without packetization-mode (97) is mode 0, the other (126) mode 1.
    const [h126, h97] = v.codecs.filter((c) => c.name === 'H264');
    expect(sameCodec(h126!, h97!)).toBe(false);
  });

  it('keeps every RTP attribute through serialize and parse of a whole description', () => {
    for (const file of [
      'chromium-simulcast-offer.sdp',
      'firefox-av-offer.sdp',
      'werift-av-offer.sdp',
    ]) {
      const once = parseSdp(fixture(file));
      const twice = parseSdp(serializeSdp(once));
      const view = (d: typeof once) =>
        d.media.filter((m) => m.kind !== 'application').map((m) => readRtpMedia(m));
      expect(view(twice)).toEqual(view(once));
    }
  });
});

describe('readRtpMedia refuses malformed RTP attributes, naming them', () => {
  const bad: [string, string[], string[], RegExp][] = [
    ['an rtpmap without a clock rate', ['96'], ['rtpmap:96 VP8'], /clock rate/],
    [
      'an rtpmap of a payload type not in m=',
      ['96'],
      ['rtpmap:97 VP8/90000'],
      /not in the m= line/,
    ],
    [
      'two rtpmaps for one payload type',
      ['96'],
      ['rtpmap:96 VP8/90000', 'rtpmap:96 VP9/90000'],
      /second rtpmap/,
    ],
    ['a payload type above 127', ['128'], [], /bad payload type/],
    ['extmap id 15 (reserved, RFC 8285)', ['96'], ['extmap:15 urn:x'], /reserved/],
    ['extmap id used twice', ['96'], ['extmap:1 urn:a', 'extmap:1 urn:b'], /used twice/],
    ['an extmap direction that is not one', ['96'], ['extmap:1/sideways urn:a'], /bad direction/],
    ['an ssrc above 2^32-1', ['96'], ['ssrc:4294967296 cname:x'], /expected/],
    ['a bad rid direction', ['96'], ['rid:a both'], /rid direction/],
    ['a rid twice', ['96'], ['rid:a send', 'rid:a send'], /twice/],
    [
      'simulcast naming an undeclared rid',
      ['96'],
      ['rid:a send', 'simulcast:send a;b'],
      /rid b has no/,
    ],
    ['simulcast with a bad direction', ['96'], ['simulcast:both a'], /direction/],
  ];
  it.each(bad)('%s', (_name, formats, lines, reason) => {
    const result = readRtpMedia(withAttributes(formats, lines));
    expect(isRtpMediaProblem(result) && result.reason).toMatch(reason);
  });

  it('reads paused simulcast streams and alternatives, rid restrictions and pt lists', () => {
    const m = media(
      withAttributes(
        ['96', '97'],
        [
          'rtpmap:96 VP8/90000',
          'rtpmap:97 VP9/90000',
          'rid:lo recv pt=96;max-width=320',
          'rid:hi recv pt=96,97',
          'rid:alt recv',
          'simulcast:recv ~lo;hi,alt',
        ],
      ),
    );
    expect(m.rids[0]).toEqual({
      id: 'lo',
      direction: 'recv',
      payloadTypes: [96],
      restrictions: { 'max-width': '320' },
    });
    expect(m.simulcast).toEqual({
      recv: [
        [{ rid: 'lo', paused: true }],
        [
          { rid: 'hi', paused: false },
          { rid: 'alt', paused: false },
        ],
      ],
    });
  });

  it('applies a wildcard rtcp-fb to every codec and ignores an fmtp of an unknown payload type', () => {
    const m = media(
      withAttributes(['96', '0'], ['rtpmap:96 VP8/90000', 'rtcp-fb:* nack', 'fmtp:100 apt=96']),
    );
    expect(m.codecs.map((c) => c.rtcpFeedback)).toEqual([[{ type: 'nack' }], [{ type: 'nack' }]]);
    expect(m.codecs.map((c) => c.fmtp)).toEqual([undefined, undefined]);
  });
});

describe('codec matching (JSEP §5.3.1)', () => {
  it('matches names case-insensitively with clock rate and channels', () => {
    expect(sameCodec(codec('opus'), codec('OPUS'))).toBe(true);
    expect(sameCodec(codec('opus'), { ...codec('opus'), channels: 1 })).toBe(false);
    expect(sameCodec(codec('VP8'), { ...codec('VP8'), clockRate: 8000 })).toBe(false);
  });

  it('tells H.264 apart by packetization-mode and profile, not level', () => {
    const cb31 = codec('H264', { 'profile-level-id': '42e01f', 'packetization-mode': '1' });
    expect(
      sameCodec(cb31, codec('H264', { 'profile-level-id': '42e034', 'packetization-mode': '1' })),
    ).toBe(true);
    expect(sameCodec(cb31, codec('H264', { 'profile-level-id': '42e01f' }))).toBe(false);
    expect(
      sameCodec(cb31, codec('H264', { 'profile-level-id': '4d001f', 'packetization-mode': '1' })),
    ).toBe(false);
    // 4d40 (Main with constraint_set1) is Constrained Baseline too; absent means 42e01f.
    expect(
      sameCodec(cb31, codec('H264', { 'profile-level-id': '4de01f', 'packetization-mode': '1' })),
    ).toBe(true);
    expect(sameCodec(cb31, codec('H264', { 'packetization-mode': '1' }))).toBe(true);
    expect(h264ProfileLevel('640c1f')).toEqual({ profile: 'constrained-high', level: 0x1f });
    expect(h264ProfileLevel('42001f')).toEqual({ profile: 'baseline', level: 0x1f });
    expect(h264ProfileLevel('zz001f')).toBeUndefined();
    expect(h264ProfileLevel('6e001f')).toBeUndefined(); // High 10: not a profile WebRTC uses
  });

  it('tells VP9 and AV1 apart by their profile parameter, 0 when absent', () => {
    expect(sameCodec(codec('VP9'), codec('VP9', { 'profile-id': '0' }))).toBe(true);
    expect(sameCodec(codec('VP9'), codec('VP9', { 'profile-id': '2' }))).toBe(false);
    expect(sameCodec(codec('AV1', { profile: '0' }), codec('AV1'))).toBe(true);
    expect(sameCodec(codec('AV1', { profile: '1' }), codec('AV1'))).toBe(false);
  });

  it("answers with the offer's codecs we support, its payload types, order, RTX and common feedback", () => {
    const [, video] = rtpSections('chromium-track-offer.sdp');
    const offered = media(video!).codecs;
    const supported: SdpCodec[] = [
      {
        ...codec('VP8'),
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }],
      },
      codec('H264', { 'profile-level-id': '42e01f', 'packetization-mode': '1' }),
      codec('rtx'),
    ];
    const answer = answerCodecs(offered, supported);
    const vp8 = offered.find((c) => c.name === 'VP8')!;
    expect(answer[0]).toMatchObject({
      payloadType: vp8.payloadType,
      rtcpFeedback: [{ type: 'goog-remb' }, { type: 'nack' }, { type: 'nack', parameter: 'pli' }],
    });
    for (const c of answer) {
      if (c.name === 'rtx')
        expect(answer.some((k) => String(k.payloadType) === c.parameters.apt)).toBe(true);
      else if (c.name === 'H264') expect(c.parameters['packetization-mode']).toBe('1');
      else expect(c.name).toBe('VP8');
    }
    // The offer's order is kept.
    const order = answer.map((c) => offered.findIndex((o) => o.payloadType === c.payloadType));
    expect(order).toEqual([...order].sort((x, y) => x - y));
    // No rtx when we do not do RTX; nothing when nothing matches.
    expect(answerCodecs(offered, supported.slice(0, 2)).some((c) => c.name === 'rtx')).toBe(false);
    expect(answerCodecs(offered, [codec('H265')])).toEqual([]);
  });

  it("answers in the order of the answerer's codec preferences when it set them (JSEP §5.3.1), each RTX after its codec", () => {
    const [, video] = rtpSections('chromium-track-offer.sdp');
    const offered = media(video!).codecs;
    const h264 = codec('H264', { 'profile-level-id': '42e01f', 'packetization-mode': '1' });
    const preferences = [h264, codec('VP8'), codec('rtx')];
    const answer = answerCodecs(offered, preferences, 'preferences');
    const primaries = answer.filter((c) => c.name !== 'rtx').map((c) => c.name);
    // Every H264 the offer has that matches comes before VP8, against the offer's order.
    expect(primaries.indexOf('VP8')).toBeGreaterThan(primaries.lastIndexOf('H264'));
    expect(offered.findIndex((c) => c.name === 'VP8')).toBeLessThan(
      offered.findIndex((c) => c.name === 'H264'),
    );
    answer.forEach((c, i) => {
      if (c.name === 'rtx') expect(String(answer[i - 1]!.payloadType)).toBe(c.parameters.apt);
    });
    // The same codecs as in the offer's order, only reordered.
    expect(answer.map((c) => c.payloadType).sort()).toEqual(
      answerCodecs(offered, preferences)
        .map((c) => c.payloadType)
        .sort(),
    );
  });
});
