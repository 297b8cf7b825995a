import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SdpSyntaxError } from './errors.js';
import { mediaLineNumber, parseSdp, tryParseSdp } from './parse.js';
import { serializeSdp } from './serialize.js';

const dir = new URL('./fixtures/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.sdp'))
  .sort();
const load = (name: string): string => readFileSync(new URL(name, dir), 'utf8');
const lines = (text: string): string[] => text.split('\r\n').filter((l) => l !== '');

describe('fixtures', () => {
  it('has the captured offers and answers', () => {
    expect(fixtures).toEqual(
      expect.arrayContaining([
        'chromium-offer.sdp',
        'chromium-av-offer.sdp',
        'libwebrtc-offer.sdp',
        'libwebrtc-av-offer.sdp',
        'werift-offer.sdp',
        'libdatachannel-offer.sdp',
        'firefox-style-offer.sdp',
        'legacy-dtls-sctp-offer.sdp',
        'bundle-only-offer.sdp',
      ]),
    );
  });

  it.each(fixtures)('%s round-trips: same model, and the same lines', (name) => {
    const text = load(name);
    const parsed = parseSdp(text);
    const again = serializeSdp(parsed);
    expect(parseSdp(again)).toEqual(parsed);
    expect(serializeSdp(parseSdp(again))).toBe(again);
    // Nothing lost or invented: the same multiset of lines, modulo the one normalisation
    // (ice-options written with spaces, RFC 8839 §5.6, where libdatachannel uses commas).
    const normalise = (l: string): string =>
      l.startsWith('a=ice-options:') ? l.replace(/,/g, ' ') : l;
    expect(lines(again).sort()).toEqual(lines(text).map(normalise).sort());
    // The v/o/s/t head and the m= lines keep their order.
    expect(lines(again).filter((l) => /^[vostm]=/.test(l))).toEqual(
      lines(text).filter((l) => /^[vostm]=/.test(l)),
    );
  });

  it('types what a data channel needs (libwebrtc offer)', () => {
    const d = parseSdp(load('libwebrtc-offer.sdp'));
    expect(d.origin).toMatchObject({ username: '-', sessionVersion: '2', address: '127.0.0.1' });
    expect(d.groups).toEqual([{ semantics: 'BUNDLE', mids: ['0'] }]);
    expect(d.extmapAllowMixed).toBe(true);
    expect(d.attributes).toEqual([{ name: 'msid-semantic', value: ' WMS' }]);
    const m = d.media[0];
    expect(m).toMatchObject({
      kind: 'application',
      protocol: 'UDP/DTLS/SCTP',
      formats: ['webrtc-datachannel'],
      mid: '0',
      iceOptions: ['trickle'],
      setup: 'actpass',
      sctpPort: 5000,
      maxMessageSize: 262144,
    });
    expect(m?.fingerprints?.[0]?.algorithm).toBe('sha-256');
    expect(m?.candidates.length).toBe(4);
    expect(m?.candidates[0]).toMatch(/^candidate:\d+ 1 udp /);
    expect(mediaLineNumber(m as never)).toBe(8);
  });

  it('reads session-level fingerprint and libdatachannel comma ice-options', () => {
    const ff = parseSdp(load('firefox-style-offer.sdp'));
    expect(ff.fingerprints?.length).toBe(1);
    expect(ff.media[0]?.fingerprints).toBeUndefined();
    expect(ff.media[0]?.endOfCandidates).toBe(true);
    expect(ff.attributes).toContainEqual({ name: 'sendrecv', value: undefined });
    const ldc = parseSdp(load('libdatachannel-offer.sdp'));
    expect(ldc.iceOptions).toEqual(['ice2', 'trickle']);
  });

  it('reads the legacy sctpmap and bundle-only', () => {
    const legacy = parseSdp(load('legacy-dtls-sctp-offer.sdp'));
    expect(legacy.media[0]).toMatchObject({
      protocol: 'DTLS/SCTP',
      formats: ['5000'],
      sctpMap: { port: 5000, protocol: 'webrtc-datachannel', streams: 1024 },
    });
    const bo = parseSdp(load('bundle-only-offer.sdp'));
    expect(bo.media[1]).toMatchObject({ port: 0, bundleOnly: true, mid: 'd1' });
  });

  it('accepts LF line endings and keeps unknown lines in order', () => {
    const text =
      'v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\ni=info\nb=AS:30\nt=0 0\nr=7d 1h 0 25h\nz=0 0\nx=odd\na=zz:1\na=yy\n' +
      'm=application 9 UDP/DTLS/SCTP webrtc-datachannel\ni=m-info\nc=IN IP4 0.0.0.0\nb=AS:1\na=foo:bar\na=baz\n';
    const d = parseSdp(text);
    expect(d.otherLines.map((l) => l.type)).toEqual(['i', 'b', 'r', 'z', 'x']);
    expect(d.attributes).toEqual([
      { name: 'zz', value: '1' },
      { name: 'yy', value: undefined },
    ]);
    expect(d.media[0]?.attributes).toEqual([
      { name: 'foo', value: 'bar' },
      { name: 'baz', value: undefined },
    ]);
    const out = serializeSdp(d);
    expect(out).toContain(
      '\r\ni=info\r\nb=AS:30\r\nt=0 0\r\nr=7d 1h 0 25h\r\nz=0 0\r\nx=odd\r\na=zz:1\r\na=yy\r\n',
    );
    expect(out).toContain(
      'm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\ni=m-info\r\nc=IN IP4 0.0.0.0\r\nb=AS:1\r\n',
    );
    expect(parseSdp(out)).toEqual(d);
  });

  it('lets the ICE layer check candidates', () => {
    const text = load('werift-offer.sdp');
    const r = tryParseSdp(text, {
      checkCandidate: (c) => (c.includes(' typ ') ? undefined : 'no typ'),
    });
    expect(r.ok).toBe(true);
    const bad = text.replace(' typ host', ' tip host');
    const e = tryParseSdp(bad, {
      checkCandidate: (c) => (c.includes(' typ ') ? undefined : 'no typ'),
    });
    expect(e.ok).toBe(false);
    if (!e.ok)
      expect([e.error.code, e.error.lineNumber, e.error.message]).toEqual([
        'bad-attribute',
        10,
        expect.stringMatching(/no typ/),
      ]);
  });
});

const GOOD = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
];
const FP =
  'a=fingerprint:sha-256 2A:94:39:AF:3D:72:81:33:64:02:D7:3C:4C:35:6E:CA:C7:92:E4:47:A1:4A:74:0F:1B:AC:65:2C:A2:0B:03:6A';
const sdp = (...lines: string[]): string => `${lines.join('\r\n')}\r\n`;
const withMedia = (...extra: string[]): string => sdp(...GOOD, ...extra);
const replaceLine = (index: number, line: string): string =>
  sdp(...GOOD.map((l, i) => (i === index ? line : l)));

describe('syntax errors: the exact error and line', () => {
  it.each([
    ['empty text', '', 'empty', 0],
    ['only a line ending', '\r\n', 'malformed-line', 1],
    ['no v= first', sdp('o=- 1 2 IN IP4 0.0.0.0', 'v=0'), 'missing-line', 1],
    ['version 1', replaceLine(0, 'v=1'), 'bad-version', 1],
    ['upper-case type', replaceLine(2, 'S=-'), 'malformed-line', 3],
    ['space before =', replaceLine(2, 's =-'), 'malformed-line', 3],
    ['no =', replaceLine(2, 'garbage'), 'malformed-line', 3],
    ['blank line inside', sdp('v=0', '', 's=-'), 'malformed-line', 2],
    ['short o=', replaceLine(1, 'o=- 1 2 IN IP4'), 'bad-origin', 2],
    ['non-numeric session id', replaceLine(1, 'o=- x 2 IN IP4 0.0.0.0'), 'bad-origin', 2],
    [
      'second o=',
      sdp(...GOOD.slice(0, 2), 'o=- 1 2 IN IP4 0.0.0.0', ...GOOD.slice(2)),
      'misplaced-line',
      3,
    ],
    ['s= after t=', sdp('v=0', 'o=- 1 2 IN IP4 0.0.0.0', 't=0 0', 's=-'), 'misplaced-line', 4],
    ['bad t=', replaceLine(3, 't=0'), 'bad-timing', 4],
    ['no t= before m=', sdp(...GOOD.slice(0, 3), ...GOOD.slice(4)), 'missing-line', 4],
    ['no s= at all', sdp('v=0', 'o=- 1 2 IN IP4 0.0.0.0', 't=0 0'), 'missing-line', 0],
    ['m= without format', replaceLine(4, 'm=application 9 UDP/DTLS/SCTP'), 'bad-media', 5],
    [
      'm= port too big',
      replaceLine(4, 'm=application 70000 UDP/DTLS/SCTP webrtc-datachannel'),
      'bad-media',
      5,
    ],
    [
      'm= port not a number',
      replaceLine(4, 'm=application x UDP/DTLS/SCTP webrtc-datachannel'),
      'bad-media',
      5,
    ],
    ['bad c=', replaceLine(5, 'c=IN IP4'), 'bad-connection', 6],
    ['t= in a media section', withMedia('t=0 0'), 'misplaced-line', 8],
    ['bad fingerprint hex', withMedia('a=fingerprint:sha-256 ZZ:00'), 'bad-attribute', 8],
    ['fingerprint without hash', withMedia('a=fingerprint:2A:94'), 'bad-attribute', 8],
    ['short sha-256 fingerprint', withMedia('a=fingerprint:sha-256 2A:94:39'), 'bad-attribute', 8],
    ['bad setup value', withMedia('a=setup:both'), 'bad-attribute', 8],
    ['two setup lines', withMedia('a=setup:active', 'a=setup:passive'), 'bad-attribute', 9],
    ['empty ice-ufrag', withMedia('a=ice-ufrag:'), 'bad-attribute', 8],
    [
      'two ice-pwd',
      withMedia('a=ice-pwd:aaaaaaaaaaaaaaaaaaaaaa', 'a=ice-pwd:bbbbbbbbbbbbbbbbbbbbbb'),
      'bad-attribute',
      9,
    ],
    ['sctp-port 0', withMedia('a=sctp-port:0'), 'bad-attribute', 8],
    ['sctp-port text', withMedia('a=sctp-port:five'), 'bad-attribute', 8],
    ['negative max-message-size', withMedia('a=max-message-size:-1'), 'bad-attribute', 8],
    ['bad sctpmap', withMedia('a=sctpmap:x webrtc-datachannel'), 'bad-attribute', 8],
    ['two mids', withMedia('a=mid:1'), 'bad-attribute', 8],
    ['empty candidate', withMedia('a=candidate:'), 'bad-attribute', 8],
    [
      'group with a repeated mid',
      sdp(...GOOD.slice(0, 4), 'a=group:BUNDLE 0 0', ...GOOD.slice(4)),
      'bad-attribute',
      5,
    ],
    ['bad ice-options', withMedia('a=ice-options:'), 'bad-attribute', 8],
  ])('%s → %s on line %i', (_, text, code, lineNumber) => {
    const result = tryParseSdp(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(SdpSyntaxError);
    expect(result.error.code).toBe(code);
    expect(result.error.lineNumber).toBe(lineNumber);
    expect(result.error.domExceptionName).toBe('OperationError');
    expect(result.error.errorDetail).toBe('sdp-syntax-error');
    if (lineNumber > 0) expect(result.error.message).toContain(`line ${lineNumber}`);
    expect(() => parseSdp(text)).toThrow(SdpSyntaxError);
  });

  it('keeps several fingerprints, session-level ice-lite and end-of-candidates', () => {
    const sha1 = 'a=fingerprint:SHA-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33';
    const text = sdp(
      ...GOOD.slice(0, 4),
      'a=ice-lite',
      'a=end-of-candidates',
      ...GOOD.slice(4),
      FP,
      sha1,
      'a=setup:passive',
      'a=inactive',
    );
    const d = parseSdp(text);
    expect(d.iceLite).toBe(true);
    expect(d.endOfCandidates).toBe(true);
    expect(d.media[0]?.fingerprints?.map((f) => f.algorithm)).toEqual(['sha-256', 'sha-1']);
    expect(d.media[0]?.direction).toBe('inactive');
    expect(parseSdp(serializeSdp(d))).toEqual(d);
  });

  it('accepts a minimal description and a fingerprint in lower case', () => {
    const d = parseSdp(withMedia(FP.toLowerCase()));
    expect(d.media[0]?.fingerprints?.[0]?.value).toMatch(/^2A:94/);
  });
});
