import { describe, expect, it } from 'vitest';
import { RtpExtensionUri, rtpExtensionIds } from './extension-map.js';

describe('rtpExtensionIds', () => {
  it('maps extmap lines to ids by URI and ignores unknown URIs', () => {
    const ids = rtpExtensionIds([
      { id: 4, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' },
      { id: 2, uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time' },
      { id: 3, uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01' },
      { id: 14, uri: 'urn:ietf:params:rtp-hdrext:toffset' },
      { id: 9, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' }, // a second id for the same URI
    ]);
    expect(ids).toEqual({ mid: 4, absSendTime: 2, transportSequenceNumber: 3 });
  });

  it('accepts an object of URI → id and knows all eight URIs', () => {
    const all = Object.fromEntries(Object.values(RtpExtensionUri).map((uri, i) => [uri, i + 1]));
    expect(rtpExtensionIds(all)).toEqual({
      mid: 1,
      rid: 2,
      repairedRid: 3,
      absSendTime: 4,
      transportSequenceNumber: 5,
      audioLevel: 6,
      videoOrientation: 7,
      playoutDelay: 8,
    });
    expect(RtpExtensionUri.audioLevel).toBe('urn:ietf:params:rtp-hdrext:ssrc-audio-level');
    expect(RtpExtensionUri.videoOrientation).toBe('urn:3gpp:video-orientation');
    expect(RtpExtensionUri.repairedRid).toBe(
      'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
    );
    expect(RtpExtensionUri.rid).toBe('urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id');
    expect(RtpExtensionUri.playoutDelay).toBe(
      'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay',
    );
  });
});
