import { describe, expect, it } from 'vitest';
import { RTCSessionDescription } from './rtc-types.js';
import { candidateSections, locateSection, surfaceLine } from './surface-candidate.js';

const sdp = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=audio 0 UDP/TLS/RTP/SAVPF 0',
  'a=mid:a',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'a=mid:0',
  'a=ice-ufrag:abcd',
  'a=sctp-port:5000',
  '',
].join('\r\n');

const host = 'a=candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host';

describe('surfaceLine', () => {
  it('adds a candidate at the end of the media section of its mid and ufrag', () => {
    const out = surfaceLine(sdp, '0', 'abcd', host);
    expect(out.endsWith(`a=sctp-port:5000\r\n${host}\r\n`)).toBe(true);
    // once only
    expect(surfaceLine(out, '0', 'abcd', host)).toBe(out);
  });

  it('keeps a=end-of-candidates last and adds it once', () => {
    const done = surfaceLine(sdp, '0', 'abcd', 'a=end-of-candidates');
    const late = surfaceLine(done, '0', 'abcd', host);
    expect(late.endsWith(`${host}\r\na=end-of-candidates\r\n`)).toBe(true);
    expect(surfaceLine(late, '0', 'abcd', 'a=end-of-candidates')).toBe(late);
  });

  it('leaves a description of another ICE generation or without that mid alone', () => {
    expect(surfaceLine(sdp, '0', 'other', host)).toBe(sdp);
    expect(surfaceLine(sdp, '7', 'abcd', host)).toBe(sdp);
  });

  it('inserts before the next media section', () => {
    const two =
      sdp.replace('m=audio 0 UDP/TLS/RTP/SAVPF 0\r\na=mid:a\r\n', '') +
      'm=audio 0 UDP/TLS/RTP/SAVPF 0\r\na=mid:a\r\n';
    const out = surfaceLine(two, '0', 'abcd', host);
    expect(out).toContain(`a=sctp-port:5000\r\n${host}\r\nm=audio`);
  });
});

describe('locateSection', () => {
  const sections = candidateSections(new RTCSessionDescription({ type: 'offer', sdp }));

  it('finds a section by mid, else by index, and every section for neither', () => {
    expect(locateSection(sections, '0', null)).toMatchObject({ index: 1, mid: '0' });
    expect(locateSection(sections, '0', 0)).toMatchObject({ index: 1, mid: '0' });
    expect(locateSection(sections, null, 0)).toMatchObject({ index: 0, mid: 'a' });
    expect(locateSection(sections, '7', 1)).toBeUndefined();
    expect(locateSection(sections, null, null)).toBe('all');
  });

  it("takes an empty sdpMid with an index as no mid (pion 3's candidates), as libwebrtc does", () => {
    expect(locateSection(sections, '', 1)).toMatchObject({ index: 1, mid: '0' });
    expect(locateSection(sections, '', null)).toBeUndefined();
  });
});
