import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SdpInvalidError } from './errors.js';
import { remoteDataChannel } from './jsep.js';
import { parseSdp } from './parse.js';
import { type SdpType, validateAnswerAgainstOffer, validateDescription } from './validate.js';

const load = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const FP =
  'a=fingerprint:sha-256 2A:94:39:AF:3D:72:81:33:64:02:D7:3C:4C:35:6E:CA:C7:92:E4:47:A1:4A:74:0F:1B:AC:65:2C:A2:0B:03:6A';
const HEAD = ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0'];
const MEDIA = ['m=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', 'a=mid:0'];
const CREDS = ['a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuv'];
const sdp = (...lines: string[]): string => `${lines.join('\r\n')}\r\n`;
const data = (...attrs: string[]): string => sdp(...HEAD, ...MEDIA, ...attrs);

describe('invalid descriptions: InvalidAccessError with the section and line', () => {
  it.each<[string, string, SdpType, string, string | undefined, number]>([
    [
      'no ice-ufrag',
      data('a=ice-pwd:abcdefghijklmnopqrstuv', FP, 'a=setup:actpass'),
      'offer',
      'missing-ice-ufrag',
      '0',
      6,
    ],
    [
      'no ice-pwd',
      data('a=ice-ufrag:abcd', FP, 'a=setup:actpass'),
      'offer',
      'missing-ice-pwd',
      '0',
      6,
    ],
    [
      'short ice-ufrag',
      data('a=ice-ufrag:abc', 'a=ice-pwd:abcdefghijklmnopqrstuv', FP),
      'offer',
      'bad-ice-ufrag',
      '0',
      6,
    ],
    [
      'ice-ufrag with a bad char',
      data('a=ice-ufrag:ab-cd', 'a=ice-pwd:abcdefghijklmnopqrstuv', FP),
      'offer',
      'bad-ice-ufrag',
      '0',
      6,
    ],
    [
      'short ice-pwd',
      data('a=ice-ufrag:abcd', 'a=ice-pwd:short', FP),
      'offer',
      'bad-ice-pwd',
      '0',
      6,
    ],
    ['no fingerprint', data(...CREDS, 'a=setup:actpass'), 'offer', 'missing-fingerprint', '0', 6],
    [
      'only an md5 fingerprint',
      data(...CREDS, 'a=fingerprint:md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF'),
      'offer',
      'invalid-fingerprint',
      '0',
      6,
    ],
    [
      'only an unknown hash',
      data(...CREDS, 'a=fingerprint:sha-3 00:11'),
      'offer',
      'invalid-fingerprint',
      '0',
      6,
    ],
    ['holdconn', data(...CREDS, FP, 'a=setup:holdconn'), 'offer', 'bad-setup', '0', 6],
    ['actpass in an answer', data(...CREDS, FP, 'a=setup:actpass'), 'answer', 'bad-setup', '0', 6],
    [
      'actpass in a pranswer',
      data(...CREDS, FP, 'a=setup:actpass'),
      'pranswer',
      'bad-setup',
      '0',
      6,
    ],
    [
      'no mid with BUNDLE',
      sdp(...HEAD, MEDIA[0] as string, ...CREDS, FP),
      'offer',
      'missing-mid',
      undefined,
      6,
    ],
    [
      'duplicate mid',
      sdp(...HEAD, ...MEDIA, ...CREDS, FP, ...MEDIA, ...CREDS, FP),
      'offer',
      'duplicate-mid',
      '0',
      12,
    ],
  ])('%s → %s', (_, text, type, code, mid, line) => {
    const errors = validateDescription(parseSdp(text), type);
    expect(errors.length).toBeGreaterThan(0);
    const first = errors[0] as SdpInvalidError;
    expect(first).toBeInstanceOf(SdpInvalidError);
    expect(SdpInvalidError.isInstance(first)).toBe(true);
    expect(first.domExceptionName).toBe('InvalidAccessError');
    expect(first.code).toBe(code);
    expect(first.mid).toBe(mid);
    expect(first.lineNumber).toBe(line);
    expect(first.message).toContain(`line ${line}`);
  });

  it('names a BUNDLE mid that no section has', () => {
    const errors = validateDescription(
      parseSdp(sdp(...HEAD.slice(0, 4), 'a=group:BUNDLE 0 9', ...MEDIA, ...CREDS, FP)),
      'offer',
    );
    expect(errors.map((e) => [e.code, e.mid, e.mediaIndex])).toEqual([['bad-bundle', '9', -1]]);
  });

  it('takes credentials and fingerprint from the session level', () => {
    const text = sdp(...HEAD, ...CREDS, FP, ...MEDIA);
    expect(validateDescription(parseSdp(text), 'offer')).toEqual([]);
  });

  it('takes transport attributes from the BUNDLE tagged section (RFC 8843 §7.2.1)', () => {
    const text = sdp(
      ...HEAD.slice(0, 4),
      'a=group:BUNDLE t d',
      'm=audio 9 UDP/TLS/RTP/SAVPF 0',
      'a=mid:t',
      ...CREDS,
      FP,
      'a=setup:actpass',
      'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
      'a=mid:d',
    );
    const d = parseSdp(text);
    expect(validateDescription(d, 'offer')).toEqual([]);
    expect(remoteDataChannel(d, 'offer')).toMatchObject({
      mid: 'd',
      iceUfrag: 'abcd',
      setup: 'actpass',
    });
    // Outside the group the same section has no credentials.
    const unbundled = parseSdp(text.replace('a=group:BUNDLE t d', 'a=group:BUNDLE t'));
    expect(validateDescription(unbundled, 'offer').map((e) => e.code)).toEqual([
      'missing-ice-ufrag',
      'missing-ice-pwd',
      'missing-fingerprint',
    ]);
  });

  it('does not check rejected sections beyond their mid', () => {
    const text = sdp(...HEAD, 'm=audio 0 UDP/TLS/RTP/SAVPF 0', 'a=mid:a', ...MEDIA, ...CREDS, FP);
    expect(validateDescription(parseSdp(text), 'offer')).toEqual([]);
  });

  it('reports every problem, in order', () => {
    const codes = validateDescription(parseSdp(data('a=setup:holdconn')), 'offer').map(
      (e) => e.code,
    );
    expect(codes).toEqual([
      'missing-ice-ufrag',
      'missing-ice-pwd',
      'missing-fingerprint',
      'bad-setup',
    ]);
  });

  it('accepts every captured description as what it is', () => {
    for (const name of ['chromium', 'libwebrtc', 'werift', 'libdatachannel']) {
      expect(validateDescription(parseSdp(load(`${name}-offer.sdp`)), 'offer'), name).toEqual([]);
      expect(validateDescription(parseSdp(load(`${name}-answer.sdp`)), 'answer'), name).toEqual([]);
      // An offer is not a valid answer (actpass).
      expect(validateDescription(parseSdp(load(`${name}-offer.sdp`)), 'answer')[0]?.code).toBe(
        'bad-setup',
      );
    }
  });

  it('checks that an answer lines up with its offer', () => {
    const offer = parseSdp(load('chromium-av-offer.sdp'));
    const answer = parseSdp(load('chromium-answer.sdp'));
    expect(validateAnswerAgainstOffer(answer, offer)[0]?.code).toBe('answer-mismatch');
    const shuffled = {
      ...offer,
      media: [offer.media[1], offer.media[0], offer.media[2]] as typeof offer.media,
    };
    const errors = validateAnswerAgainstOffer(shuffled, offer);
    expect(errors.map((e) => [e.code, e.mediaIndex])).toEqual([
      ['answer-mismatch', 0],
      ['answer-mismatch', 1],
    ]);
    expect(
      validateAnswerAgainstOffer(
        parseSdp(load('chromium-answer.sdp')),
        parseSdp(load('chromium-offer.sdp')),
      ),
    ).toEqual([]);
  });
});
