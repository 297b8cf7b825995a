/**
 * `addTrack()`, `removeTrack()` and `RTCRtpSender` as webrtc-pc §5.1–5.2 say, after the
 * web-platform-tests RTCPeerConnection-addTrack, RTCPeerConnection-removeTrack,
 * RTCRtpSender-replaceTrack, RTCRtpSender-getParameters, RTCRtpSender-setParameters and
 * RTCRtpSender-getCapabilities, on our virtual peers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStream } from './media-stream.js';
import { MediaStreamTrack } from './media-stream-track.js';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import { RTCRtpSender } from './rtc-rtp-sender.js';
import { sections, tasks } from './testing-media.js';
import { closeAll, negotiate, type VirtualPeers, virtualPeers } from './testing-peers.js';

let peers: VirtualPeers | undefined;
const extra: RTCPeerConnection[] = [];
afterEach(async () => {
  await closeAll(peers?.a, peers?.b, ...extra.splice(0));
  peers = undefined;
});

function pc(): RTCPeerConnection {
  const p = new RTCPeerConnection({ mdns: 'off' });
  extra.push(p);
  return p;
}

const named = (name: string) => expect.objectContaining({ name });

describe('addTrack()', () => {
  it('adds a sendrecv transceiver with the track, and its streams in a=msid', async () => {
    const p = pc();
    const track = MediaStreamTrack.create('audio');
    const s1 = new MediaStream();
    const s2 = new MediaStream();
    const sender = p.addTrack(track, s1, s2);
    expect(sender).toBeInstanceOf(RTCRtpSender);
    expect(sender.track).toBe(track);
    const [t] = p.getTransceivers();
    expect([t!.sender, t!.direction, t!.receiver.track.kind]).toEqual([
      sender,
      'sendrecv',
      'audio',
    ]);
    const offer = await p.createOffer();
    expect(offer.sdp).toContain(`a=msid:${s1.id} ${track.id}`);
    expect(offer.sdp).toContain(`a=msid:${s2.id} ${track.id}`);
  });

  it('writes a=msid:- without streams', async () => {
    const p = pc();
    const track = MediaStreamTrack.create('video');
    p.addTrack(track);
    expect((await p.createOffer()).sdp).toContain(`a=msid:- ${track.id}`);
  });

  it('throws InvalidAccessError for a track already sent, InvalidStateError once closed, TypeError for a non-track', () => {
    const p = pc();
    const track = MediaStreamTrack.create('audio');
    p.addTrack(track);
    expect(() => p.addTrack(track)).toThrow(named('InvalidAccessError'));
    expect(() => p.addTrack({} as MediaStreamTrack)).toThrow(TypeError);
    p.close();
    expect(() => p.addTrack(MediaStreamTrack.create('audio'))).toThrow(named('InvalidStateError'));
  });

  it("reuses a transceiver that never sent (a remote offer's recvonly one becomes sendrecv)", async () => {
    peers = virtualPeers({ seed: 11 });
    const { a, b } = peers;
    a.addTransceiver('audio');
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    const [bt] = b.getTransceivers();
    expect(bt!.direction).toBe('recvonly');
    const track = MediaStreamTrack.create('audio');
    const sender = b.addTrack(track);
    expect(sender).toBe(bt!.sender);
    expect(bt!.direction).toBe('sendrecv');
    expect(b.getTransceivers()).toHaveLength(1);
    await b.setLocalDescription();
    expect(sections(b.localDescription!.sdp)[0]!.direction).toBe('sendrecv');
  });

  it('reuses an addTransceiver() one without track (inactive becomes sendonly), but not one of the other kind', () => {
    const p = pc();
    const t = p.addTransceiver('video', { direction: 'inactive' });
    const audio = p.addTrack(MediaStreamTrack.create('audio'));
    expect(audio).not.toBe(t.sender);
    const video = p.addTrack(MediaStreamTrack.create('video'));
    expect(video).toBe(t.sender);
    expect(t.direction).toBe('sendonly');
  });

  it('does not reuse a transceiver whose sender has sent (its track removed after a negotiation)', async () => {
    peers = virtualPeers({ seed: 12 });
    const { a, b } = peers;
    const first = a.addTrack(MediaStreamTrack.create('audio'));
    await negotiate(a, b);
    a.removeTrack(first);
    const second = a.addTrack(MediaStreamTrack.create('audio'));
    expect(second).not.toBe(first);
    expect(a.getTransceivers()).toHaveLength(2);
  });

  it('fires negotiationneeded', async () => {
    const p = pc();
    let fired = 0;
    p.onnegotiationneeded = () => fired++;
    p.addTrack(MediaStreamTrack.create('audio'));
    await tasks();
    expect(fired).toBe(1);
  });
});

describe('removeTrack()', () => {
  it('takes the track off the sender, send off the direction, and fires negotiationneeded', async () => {
    peers = virtualPeers({ seed: 13 });
    const { a, b } = peers;
    const sender = a.addTrack(MediaStreamTrack.create('video'));
    await negotiate(a, b);
    await tasks();
    let fired = 0;
    a.onnegotiationneeded = () => fired++;
    a.removeTrack(sender);
    expect(sender.track).toBeNull();
    const [t] = a.getTransceivers();
    expect(t!.direction).toBe('recvonly');
    await tasks();
    expect(fired).toBe(1);
    a.removeTrack(sender); // no track any more: nothing
    await tasks();
    expect(fired).toBe(1);
    await negotiate(a, b);
    expect(t!.currentDirection).toBe('inactive');
    expect(b.getTransceivers()[0]!.currentDirection).toBe('inactive');
  });

  it('makes sendonly inactive', () => {
    const p = pc();
    const t = p.addTransceiver(MediaStreamTrack.create('audio'), { direction: 'sendonly' });
    p.removeTrack(t.sender);
    expect(t.direction).toBe('inactive');
  });

  it("throws InvalidAccessError for another connection's sender, InvalidStateError once closed", () => {
    const p = pc();
    const q = pc();
    const sender = q.addTrack(MediaStreamTrack.create('audio'));
    expect(() => p.removeTrack(sender)).toThrow(named('InvalidAccessError'));
    p.close();
    expect(() => p.removeTrack(sender)).toThrow(named('InvalidStateError'));
  });
});

describe('RTCRtpSender.replaceTrack()', () => {
  it('replaces the track (or null) without negotiation, on the operations chain', async () => {
    const p = pc();
    const t = p.addTransceiver('audio');
    let fired = 0;
    await tasks();
    p.onnegotiationneeded = () => fired++;
    const track = MediaStreamTrack.create('audio');
    const done = t.sender.replaceTrack(track);
    expect(t.sender.track).toBeNull(); // chained: not yet
    await done;
    expect(t.sender.track).toBe(track);
    await t.sender.replaceTrack(null);
    expect(t.sender.track).toBeNull();
    await tasks();
    expect(fired).toBe(0);
  });

  it('rejects with TypeError for another kind, InvalidStateError when stopped or closed', async () => {
    const p = pc();
    const t = p.addTransceiver('audio');
    await expect(t.sender.replaceTrack(MediaStreamTrack.create('video'))).rejects.toThrow(
      TypeError,
    );
    t.stop();
    await expect(t.sender.replaceTrack(MediaStreamTrack.create('audio'))).rejects.toThrow(
      named('InvalidStateError'),
    );
    const u = p.addTransceiver('video');
    p.close();
    await expect(u.sender.replaceTrack(null)).rejects.toThrow(named('InvalidStateError'));
  });
});

describe('RTCRtpSender.getParameters() and setParameters()', () => {
  it('gives a transactionId, the encodings, rtcp with our CNAME, and the codecs and extensions once negotiated', async () => {
    peers = virtualPeers({ seed: 14 });
    const { a, b } = peers;
    const t = a.addTransceiver('video');
    const before = t.sender.getParameters();
    expect(before).toMatchObject({
      encodings: [{ active: true, scaleResolutionDownBy: 1 }],
      codecs: [],
      headerExtensions: [],
      rtcp: { reducedSize: true },
    });
    expect(before.transactionId).toMatch(/^\w+$/);
    expect(before.rtcp.cname).toMatch(/.+/);
    expect(t.sender.getParameters().transactionId).not.toBe(before.transactionId);
    await negotiate(a, b);
    const after = t.sender.getParameters();
    expect(after.codecs[0]).toEqual({ payloadType: 96, mimeType: 'video/VP8', clockRate: 90000 });
    expect(after.codecs.map((c) => c.mimeType)).toContain('video/rtx');
    expect(after.headerExtensions).toContainEqual({
      uri: 'urn:ietf:params:rtp-hdrext:sdes:mid',
      id: 4,
      encrypted: false,
    });
    expect(a.localDescription!.sdp).toContain(`cname:${after.rtcp.cname}`);
  });

  it('sets active, maxBitrate and scaleResolutionDownBy of the encodings', async () => {
    const p = pc();
    const t = p.addTransceiver('video', { sendEncodings: [{ rid: 'l' }, { rid: 'h' }] });
    const params = t.sender.getParameters();
    params.encodings[0]!.active = false;
    params.encodings[1]!.maxBitrate = 1_000_000;
    params.encodings[1]!.scaleResolutionDownBy = 1.5;
    await t.sender.setParameters(params);
    expect(t.sender.getParameters().encodings).toEqual([
      { rid: 'l', active: false, scaleResolutionDownBy: 2 },
      { rid: 'h', active: true, maxBitrate: 1_000_000, scaleResolutionDownBy: 1.5 },
    ]);
  });

  it('rejects with InvalidStateError without getParameters() of this task, or when stopped', async () => {
    const p = pc();
    const t = p.addTransceiver('audio');
    const params = t.sender.getParameters();
    await t.sender.setParameters(params);
    // Used once: the same parameters again are refused.
    await expect(t.sender.setParameters(params)).rejects.toThrow(named('InvalidStateError'));
    const stale = t.sender.getParameters();
    await tasks(); // later tasks (the one getParameters() queued has run)
    await expect(t.sender.setParameters(stale)).rejects.toThrow(named('InvalidStateError'));
    const fresh = t.sender.getParameters();
    t.stop();
    await expect(t.sender.setParameters(fresh)).rejects.toThrow(named('InvalidStateError'));
  });

  it('rejects with InvalidModificationError for a changed transactionId, encodings count or rid, codecs or rtcp', async () => {
    const p = pc();
    const t = p.addTransceiver('video', { sendEncodings: [{ rid: 'a' }, { rid: 'b' }] });
    const change = async (edit: (x: ReturnType<RTCRtpSender['getParameters']>) => void) => {
      const params = t.sender.getParameters();
      edit(params);
      await expect(t.sender.setParameters(params)).rejects.toThrow(
        named('InvalidModificationError'),
      );
    };
    await change((x) => {
      x.transactionId = 'other';
    });
    await change((x) => {
      x.encodings.pop();
    });
    await change((x) => {
      x.encodings[0]!.rid = 'z';
    });
    await change((x) => {
      x.codecs.push({ payloadType: 100, mimeType: 'video/VP8', clockRate: 90000 });
    });
    await change((x) => {
      x.rtcp = { cname: 'other', reducedSize: true };
    });
  });

  it('rejects with RangeError for scaleResolutionDownBy below 1; drops video members of audio', async () => {
    const p = pc();
    const v = p.addTransceiver('video');
    const params = v.sender.getParameters();
    params.encodings[0]!.scaleResolutionDownBy = 0.5;
    await expect(v.sender.setParameters(params)).rejects.toThrow(RangeError);
    const a = p.addTransceiver('audio');
    const ap = a.sender.getParameters();
    ap.encodings[0]!.scaleResolutionDownBy = 2;
    ap.encodings[0]!.maxBitrate = 32_000;
    await a.sender.setParameters(ap);
    expect(a.sender.getParameters().encodings).toEqual([{ active: true, maxBitrate: 32_000 }]);
  });
});

describe('RTCRtpSender.getCapabilities() and RTCRtpReceiver.getCapabilities()', () => {
  it('lists our codecs (RTX once) and header extensions per kind; null for another kind', () => {
    const audio = RTCRtpSender.getCapabilities('audio')!;
    expect(audio.codecs.map((c) => c.mimeType)).toEqual([
      'audio/opus',
      'audio/red',
      'audio/PCMU',
      'audio/PCMA',
      'audio/telephone-event',
      'audio/telephone-event',
    ]);
    // RFC 4733 events at the rate of Opus and of G.711, DTMF's 16 events.
    expect(audio.codecs.slice(4)).toEqual([
      { mimeType: 'audio/telephone-event', clockRate: 48000, sdpFmtpLine: '0-15' },
      { mimeType: 'audio/telephone-event', clockRate: 8000, sdpFmtpLine: '0-15' },
    ]);
    expect(audio.codecs[0]).toEqual({
      mimeType: 'audio/opus',
      clockRate: 48000,
      channels: 2,
      sdpFmtpLine: 'minptime=10;useinbandfec=1',
    });
    const video = RTCRtpSender.getCapabilities('video')!;
    expect(video.codecs.filter((c) => c.mimeType === 'video/rtx')).toEqual([
      { mimeType: 'video/rtx', clockRate: 90000 },
    ]);
    expect(video.codecs.map((c) => c.mimeType)).toEqual([
      'video/VP8',
      'video/rtx',
      'video/VP9',
      'video/H264',
      'video/H264',
      'video/AV1',
    ]);
    expect(video.headerExtensions.map((e) => e.uri)).toContain(
      'urn:ietf:params:rtp-hdrext:sdes:mid',
    );
    expect(RTCRtpSender.getCapabilities('application')).toBeNull();
  });

  it('are not constructible', () => {
    expect(() => new (RTCRtpSender as unknown as new () => unknown)()).toThrow(TypeError);
  });
});

describe('RTCRtpSender.getStats()', () => {
  it('has an outbound-rtp entry with the SSRC of the offer once negotiated', async () => {
    peers = virtualPeers({ seed: 15 });
    const { a, b } = peers;
    const sender = a.addTrack(MediaStreamTrack.create('audio'));
    expect((await sender.getStats()).size).toBe(0);
    await negotiate(a, b);
    const entries = [...(await sender.getStats()).values()];
    const entry = entries.find((e) => e.type === 'outbound-rtp');
    // With the codec it references (webrtc-pc: the stats of the sender and what they refer to).
    expect(entries.find((e) => e.id === entry?.codecId)).toMatchObject({
      type: 'codec',
      mimeType: 'audio/opus',
    });
    const ssrc = sections(a.localDescription!.sdp)[0]!
      .attributes.find((x) => x.name === 'ssrc')!
      .value!.split(' ')[0];
    expect(entry).toMatchObject({
      type: 'outbound-rtp',
      kind: 'audio',
      mid: '0',
      ssrc: Number(ssrc),
      packetsSent: 0,
    });
    const report = await a.getStats();
    expect([...report.values()].some((e) => e.type === 'outbound-rtp')).toBe(true);
    expect((await a.getStats(sender.track)).size).toBe(2);
  });
});

describe('RTCRtpReceiver.jitterBufferTarget', () => {
  it('is null by default, takes 0–4000 ms (RangeError outside, TypeError for a non-finite number)', () => {
    const p = pc();
    const r = p.addTransceiver('audio').receiver;
    expect(r.jitterBufferTarget).toBeNull();
    r.jitterBufferTarget = 500;
    expect(r.jitterBufferTarget).toBe(500);
    expect(() => {
      r.jitterBufferTarget = 4001;
    }).toThrow(RangeError);
    expect(() => {
      r.jitterBufferTarget = -1;
    }).toThrow(RangeError);
    expect(() => {
      r.jitterBufferTarget = Number.NaN;
    }).toThrow(TypeError);
    expect(r.jitterBufferTarget).toBe(500);
    r.jitterBufferTarget = null;
    expect(r.jitterBufferTarget).toBeNull();
  });
});
