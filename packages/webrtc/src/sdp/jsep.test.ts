import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type AnswerParameters,
  answerSetup,
  buildAnswer,
  buildOffer,
  DEFAULT_REMOTE_MAX_MESSAGE_SIZE,
  dtlsRoleForSetup,
  remoteDataChannel,
} from './jsep.js';
import {
  AUDIO_CODECS,
  answerRtpSection,
  HEADER_EXTENSIONS,
  remoteRtpSections,
  VIDEO_CODECS,
} from './jsep-media.js';
import { parseSdp } from './parse.js';
import { serializeSdp } from './serialize.js';
import { validateAnswerAgainstOffer, validateDescription } from './validate.js';

const load = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const LOCAL: AnswerParameters = {
  sessionId: '1234567890123456789',
  sessionVersion: '2',
  iceUfrag: 'LoCl',
  icePwd: 'abcdefghijklmnopqrstuvwx',
  fingerprints: [
    {
      algorithm: 'sha-256',
      value:
        '01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF',
    },
  ],
  candidates: ['candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host'],
  endOfCandidates: true,
  defaultCandidate: { port: 50000, address: '127.0.0.1' },
};

// Offer fixture → expected answer: the m= lines, accepted mid, our setup, remote figures.
const ANSWERS: Array<{
  fixture: string;
  mLines: string[];
  mids: Array<string | undefined>;
  bundle: string[] | undefined;
  setup: 'active' | 'passive';
  ufrag: string;
  maxMessageSize: number;
  candidates: number;
  endOfCandidates: boolean;
}> = [
  {
    fixture: 'chromium-offer.sdp',
    mLines: ['m=application 50000 UDP/DTLS/SCTP webrtc-datachannel'],
    mids: ['0'],
    bundle: ['0'],
    setup: 'active',
    ufrag: 'ERLm',
    maxMessageSize: 262144,
    candidates: 0,
    endOfCandidates: false,
  },
  {
    fixture: 'libwebrtc-offer.sdp',
    mLines: ['m=application 50000 UDP/DTLS/SCTP webrtc-datachannel'],
    mids: ['0'],
    bundle: ['0'],
    setup: 'active',
    ufrag: 'K4Jc',
    maxMessageSize: 262144,
    candidates: 4,
    endOfCandidates: false,
  },
  {
    fixture: 'werift-offer.sdp',
    mLines: ['m=application 50000 UDP/DTLS/SCTP webrtc-datachannel'],
    mids: ['0'],
    bundle: ['0'],
    setup: 'active',
    ufrag: '24c7',
    maxMessageSize: 65536,
    candidates: 1,
    endOfCandidates: true,
  },
  {
    fixture: 'libdatachannel-offer.sdp',
    mLines: ['m=application 50000 UDP/DTLS/SCTP webrtc-datachannel'],
    mids: ['0'],
    bundle: ['0'],
    setup: 'active',
    ufrag: 'h5fL',
    maxMessageSize: 262144,
    candidates: 1,
    endOfCandidates: true,
  },
  {
    fixture: 'firefox-style-offer.sdp',
    mLines: ['m=application 50000 UDP/DTLS/SCTP webrtc-datachannel'],
    mids: ['0'],
    bundle: ['0'],
    setup: 'active',
    ufrag: '9c1e2a7b',
    maxMessageSize: 1073741823,
    candidates: 2,
    endOfCandidates: true,
  },
  {
    fixture: 'legacy-dtls-sctp-offer.sdp',
    mLines: ['m=application 50000 DTLS/SCTP 5000'],
    mids: ['data'],
    bundle: ['data'],
    setup: 'active',
    ufrag: 'Ab3+',
    maxMessageSize: DEFAULT_REMOTE_MAX_MESSAGE_SIZE,
    candidates: 0,
    endOfCandidates: false,
  },
  {
    fixture: 'chromium-av-offer.sdp',
    mLines: [
      'm=audio 0 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
      'm=video 0 UDP/TLS/RTP/SAVPF 96 97 102 103 104 107 108 109 114 115 116 117 39 40 45 46 98 99 100 101 118 119 120',
      'm=application 50000 UDP/DTLS/SCTP webrtc-datachannel',
    ],
    mids: ['0', '1', '2'],
    bundle: ['2'],
    setup: 'active',
    ufrag: 'y7TS',
    maxMessageSize: 262144,
    candidates: 0,
    endOfCandidates: false,
  },
  {
    fixture: 'libwebrtc-av-offer.sdp',
    mLines: [
      'm=audio 0 UDP/TLS/RTP/SAVPF 111 63 103 104 9 102 0 8 106 105 13 110 112 113 126',
      'm=video 0 UDP/TLS/RTP/SAVPF 96 97 39 40 98 99 100 101 125 124 127',
      'm=application 50000 UDP/DTLS/SCTP webrtc-datachannel',
    ],
    mids: ['0', '1', '2'],
    bundle: ['2'],
    setup: 'active',
    ufrag: '8VDd',
    maxMessageSize: 262144,
    candidates: 4,
    endOfCandidates: false,
  },
  {
    fixture: 'bundle-only-offer.sdp',
    mLines: [
      'm=audio 0 UDP/TLS/RTP/SAVPF 96',
      'm=application 50000 UDP/DTLS/SCTP webrtc-datachannel',
    ],
    mids: ['a1', 'd1'],
    bundle: ['d1'],
    setup: 'active',
    // The bundle-only section takes its transport from the tagged audio section (RFC 8843 §7.2.1).
    ufrag: 'ATEn1v9DoTMB9J4r',
    maxMessageSize: 65536,
    candidates: 1,
    endOfCandidates: true,
  },
];

describe('answers to captured offers', () => {
  it.each(ANSWERS)('$fixture', (t) => {
    const offer = parseSdp(load(t.fixture));
    expect(validateDescription(offer, 'offer')).toEqual([]);
    const { description, remote, setup } = buildAnswer(offer, LOCAL);
    const text = serializeSdp(description);
    // The answer is valid SDP, a valid answer, and lines up with the offer.
    const reparsed = parseSdp(text);
    expect(reparsed).toEqual(description);
    expect(validateDescription(reparsed, 'answer')).toEqual([]);
    expect(validateAnswerAgainstOffer(reparsed, offer)).toEqual([]);
    expect(text.split('\r\n').filter((l) => l.startsWith('m='))).toEqual(t.mLines);
    expect(description.media.map((m) => m.mid)).toEqual(t.mids);
    expect(description.groups).toEqual(
      t.bundle === undefined ? [] : [{ semantics: 'BUNDLE', mids: t.bundle }],
    );
    expect(setup).toBe(t.setup);
    expect(remote?.iceUfrag).toBe(t.ufrag);
    expect(remote?.maxMessageSize).toBe(t.maxMessageSize);
    expect(remote?.candidates.length).toBe(t.candidates);
    expect(remote?.endOfCandidates).toBe(t.endOfCandidates);
    expect(remote?.sctpPort).toBe(5000);
    expect(remote?.fingerprints.length).toBeGreaterThan(0);
    // Rejected sections carry nothing but their mid.
    for (const m of description.media) {
      if (m.port === 0) {
        expect(m.iceUfrag).toBeUndefined();
        expect(m.candidates).toEqual([]);
      }
    }
    const accepted = description.media.find((m) => m.port !== 0);
    expect(accepted).toMatchObject({ iceUfrag: 'LoCl', setup: 'active', endOfCandidates: true });
    expect(accepted?.candidates).toEqual(LOCAL.candidates);
    expect(accepted?.connection?.address).toBe('127.0.0.1');
  });

  it('answers the legacy format with sctpmap, not sctp-port', () => {
    const { description } = buildAnswer(parseSdp(load('legacy-dtls-sctp-offer.sdp')), LOCAL);
    const text = serializeSdp(description);
    expect(text).toContain('a=sctpmap:5000 webrtc-datachannel 1024\r\n');
    expect(text).not.toContain('a=sctp-port');
    expect(remoteDataChannel(parseSdp(load('legacy-dtls-sctp-offer.sdp')), 'offer')?.legacy).toBe(
      true,
    );
  });

  it('rejects everything (port 0, mids kept) when no data channel is offered', () => {
    const offer = parseSdp(load('chromium-av-offer.sdp'));
    const noData = {
      ...offer,
      media: offer.media.slice(0, 2),
      groups: [{ semantics: 'BUNDLE', mids: ['0', '1'] }],
    };
    const { description, remote, setup } = buildAnswer(noData, LOCAL);
    expect(remote).toBeUndefined();
    expect(setup).toBeUndefined();
    expect(description.media.map((m) => [m.port, m.mid])).toEqual([
      [0, '0'],
      [0, '1'],
    ]);
    expect(description.groups).toEqual([]);
  });

  it('accepts only the first of two data sections', () => {
    const offer = parseSdp(load('chromium-offer.sdp'));
    const second = { ...(offer.media[0] as (typeof offer.media)[number]), mid: '1' };
    const { description } = buildAnswer({ ...offer, media: [...offer.media, second] }, LOCAL);
    expect(description.media.map((m) => m.port)).toEqual([50000, 0]);
  });

  it('derives setup and DTLS role (RFC 8842 §5.3, RFC 4145 §4)', () => {
    expect(answerSetup('actpass')).toBe('active');
    expect(answerSetup('actpass', 'passive')).toBe('passive');
    expect(answerSetup('active')).toBe('passive');
    expect(answerSetup('passive')).toBe('active');
    expect(answerSetup('holdconn')).toBeUndefined();
    expect(dtlsRoleForSetup('active')).toBe('client');
    expect(dtlsRoleForSetup('passive')).toBe('server');
    const offer = parseSdp(load('werift-offer.sdp'));
    const passive = buildAnswer(offer, { ...LOCAL, preferredSetup: 'passive' });
    expect(passive.setup).toBe('passive');
    const activeOffer = {
      ...offer,
      media: offer.media.map((m) => ({ ...m, setup: 'active' as const })),
    };
    expect(buildAnswer(activeOffer, LOCAL).setup).toBe('passive');
    const noSetup = { ...offer, media: offer.media.map(({ setup: _, ...m }) => m) };
    // RFC 4145 §4: a missing setup in an offer means active.
    expect(remoteDataChannel(noSetup, 'offer')?.setup).toBe('active');
    expect(remoteDataChannel(noSetup, 'answer')?.setup).toBe('passive');
  });
});

describe('offers', () => {
  it('builds a data-channel-only offer that every check accepts', () => {
    const offer = buildOffer({
      ...LOCAL,
      candidates: [],
      endOfCandidates: false,
      defaultCandidate: undefined,
    });
    const text = serializeSdp(offer);
    expect(text).toBe(
      [
        'v=0',
        'o=- 1234567890123456789 2 IN IP4 127.0.0.1',
        's=-',
        't=0 0',
        'a=group:BUNDLE 0',
        'a=msid-semantic:WMS *',
        'a=tool:x-webrtc',
        'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
        'c=IN IP4 0.0.0.0',
        'a=mid:0',
        'a=ice-ufrag:LoCl',
        'a=ice-pwd:abcdefghijklmnopqrstuvwx',
        'a=ice-options:trickle',
        `a=fingerprint:sha-256 ${LOCAL.fingerprints[0]?.value}`,
        'a=setup:actpass',
        'a=sctp-port:5000',
        'a=max-message-size:262144',
        '',
      ].join('\r\n'),
    );
    expect(validateDescription(parseSdp(text), 'offer')).toEqual([]);
  });

  it('carries candidates, end-of-candidates, ice-lite, IPv6 default candidate, no BUNDLE', () => {
    const offer = buildOffer({
      ...LOCAL,
      mid: 'data',
      bundle: false,
      iceLite: true,
      sctpPort: 5001,
      maxMessageSize: 0,
      defaultCandidate: { port: 40000, address: '::1' },
    });
    const text = serializeSdp(offer);
    expect(text).toContain('a=ice-lite\r\n');
    expect(text).toContain(
      'm=application 40000 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP6 ::1\r\n',
    );
    expect(text).toContain(
      'a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\na=end-of-candidates\r\n',
    );
    expect(text).not.toContain('a=group');
    const remote = remoteDataChannel(parseSdp(text), 'offer');
    expect(remote).toMatchObject({
      mid: 'data',
      iceLite: true,
      sctpPort: 5001,
      maxMessageSize: 0,
      trickle: true,
    });
  });

  it('round-trips offer → answer between two instances of this code', () => {
    const offer = parseSdp(serializeSdp(buildOffer(LOCAL)));
    const { description } = buildAnswer(offer, { ...LOCAL, iceUfrag: 'ReMo' });
    const answer = parseSdp(serializeSdp(description));
    expect(validateAnswerAgainstOffer(answer, offer)).toEqual([]);
    expect(remoteDataChannel(answer, 'answer')).toMatchObject({
      iceUfrag: 'ReMo',
      setup: 'active',
      mid: '0',
    });
  });
});

describe('offers and answers with audio and video (RFC 9429 §5.2.1, §5.3.1)', () => {
  const sender = { streamIds: ['s'], trackId: 't', cname: 'c', ssrc: 11, rtxSsrc: 12 };
  const roundTrip = (d: ReturnType<typeof buildOffer>) => parseSdp(serializeSdp(d));

  it('offers audio, video and data in order on one BUNDLE transport, a stopped section with port 0', () => {
    const offer = roundTrip(
      buildOffer({
        ...LOCAL,
        sections: [
          {
            kind: 'audio',
            mid: '0',
            direction: 'sendrecv',
            codecs: AUDIO_CODECS,
            headerExtensions: HEADER_EXTENSIONS.audio,
            sender,
          },
          {
            kind: 'video',
            mid: '1',
            direction: 'recvonly',
            codecs: VIDEO_CODECS,
            headerExtensions: HEADER_EXTENSIONS.video,
          },
          { kind: 'application', mid: '2' },
          { kind: 'video', mid: '3', stopped: true, formats: ['96'] },
        ],
      }),
    );
    expect(validateDescription(offer, 'offer')).toEqual([]);
    expect(offer.media.map((m) => `${m.kind} ${m.port} ${m.mid} ${m.direction ?? '-'}`)).toEqual([
      'audio 50000 0 sendrecv',
      'video 50000 1 recvonly',
      'application 50000 2 -',
      'video 0 3 -',
    ]);
    expect(offer.groups).toEqual([{ semantics: 'BUNDLE', mids: ['0', '1', '2'] }]);
    const read = remoteRtpSections(offer);
    expect(
      Array.isArray(read) && read.map((r) => [r.mid, r.rejected, r.media.codecs.length]),
    ).toEqual([
      ['0', false, AUDIO_CODECS.length],
      ['1', false, VIDEO_CODECS.length],
      ['3', true, 0],
    ]);
    for (const m of offer.media.slice(0, 3))
      expect(m).toMatchObject({ setup: 'actpass', iceUfrag: 'LoCl' });
  });

  it("answers Chromium's tracks and data: every section accepted, bundled, matching the offer", () => {
    const offer = parseSdp(load('chromium-track-offer.sdp'));
    const { description, setup, rtp, remote } = buildAnswer(offer, {
      ...LOCAL,
      rtp: (offered) => answerRtpSection(offered, { mid: offered.mid!, direction: 'recvonly' }),
    });
    const answer = roundTrip(description);
    expect(validateDescription(answer, 'answer')).toEqual([]);
    expect(validateAnswerAgainstOffer(answer, offer)).toEqual([]);
    expect(setup).toBe('active');
    expect(remote?.mid).toBe(offer.media[2]!.mid);
    expect(rtp.map((r) => [r.offered.kind, r.answer.direction])).toEqual([
      ['audio', 'recvonly'],
      ['video', 'recvonly'],
    ]);
    expect(answer.media.map((m) => m.port)).toEqual([50000, 50000, 50000]);
    expect(answer.groups[0]?.mids).toEqual(offer.media.map((m) => m.mid));
    // Our own offer answered by us: directions mirror.
    const ours = roundTrip(
      buildOffer({
        ...LOCAL,
        sections: [
          {
            kind: 'audio',
            mid: 'a',
            direction: 'sendonly',
            codecs: AUDIO_CODECS,
            headerExtensions: HEADER_EXTENSIONS.audio,
            sender,
          },
        ],
      }),
    );
    const back = buildAnswer(ours, {
      ...LOCAL,
      rtp: (offered) =>
        answerRtpSection(offered, { mid: offered.mid!, direction: 'sendrecv', sender }),
    });
    expect(back.rtp.map((r) => r.answer.direction)).toEqual(['recvonly']);
    expect(back.setup).toBe('active');
  });

  it('rejects what it does not take: no rtp answerer, no common codec, a section outside BUNDLE', () => {
    const offer = parseSdp(load('chromium-track-offer.sdp'));
    const dataOnly = buildAnswer(offer, LOCAL);
    expect(dataOnly.description.media.map((m) => m.port)).toEqual([0, 0, 50000]);
    expect(dataOnly.rtp).toEqual([]);
    const none = buildAnswer(offer, { ...LOCAL, rtp: () => undefined });
    expect(none.description.media.map((m) => m.port)).toEqual([0, 0, 50000]);
    const unbundled = { ...offer, groups: [] };
    const answer = buildAnswer(unbundled, {
      ...LOCAL,
      rtp: (offered) => answerRtpSection(offered, { mid: offered.mid!, direction: 'recvonly' }),
    });
    // Three sections that cannot share our one transport: only the data section is taken.
    expect(answer.description.media.map((m) => m.port)).toEqual([0, 0, 50000]);
    expect(answer.description.groups).toEqual([]);
  });
});
