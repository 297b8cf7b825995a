/**
 * `RTCRtpTransceiver` and `addTransceiver()` as webrtc-pc §5.1 and §5.4 say, after the
 * web-platform-tests RTCPeerConnection-addTransceiver, RTCRtpTransceiver-direction,
 * RTCRtpTransceiver-stop and RTCRtpTransceiver-setCodecPreferences, on our virtual peers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStream } from './media-stream.js';
import { MediaStreamTrack } from './media-stream-track.js';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import { RTCRtpReceiver } from './rtc-rtp-receiver.js';
import { RTCRtpSender } from './rtc-rtp-sender.js';
import { RTCRtpTransceiver } from './rtc-rtp-transceiver.js';
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

describe('addTransceiver()', () => {
  it('makes a sendrecv transceiver of a kind with no mid, no current direction, a sender without track and a muted remote track', () => {
    const p = pc();
    const t = p.addTransceiver('audio');
    expect(t).toBeInstanceOf(RTCRtpTransceiver);
    expect(t.mid).toBeNull();
    expect(t.direction).toBe('sendrecv');
    expect(t.currentDirection).toBeNull();
    expect(t.sender).toBeInstanceOf(RTCRtpSender);
    expect(t.receiver).toBeInstanceOf(RTCRtpReceiver);
    expect(t.sender.track).toBeNull();
    expect(t.sender.transport).toBeNull();
    expect(t.receiver.transport).toBeNull();
    const track = t.receiver.track;
    expect([track.kind, track.readyState, track.muted, track.label]).toEqual([
      'audio',
      'live',
      true,
      '',
    ]);
    expect(t.sender).toBe(t.sender); // [SameObject]
    expect(p.getTransceivers()).toEqual([t]);
    expect(p.getSenders()).toEqual([t.sender]);
    expect(p.getReceivers()).toEqual([t.receiver]);
  });

  it('takes a track (its kind), a direction and streams', () => {
    const p = pc();
    const track = MediaStreamTrack.create('video');
    const stream = new MediaStream([track]);
    const t = p.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    expect(t.sender.track).toBe(track);
    expect(t.receiver.track.kind).toBe('video');
    expect(t.direction).toBe('sendonly');
  });

  it('throws TypeError for another kind or direction, InvalidStateError once closed', () => {
    const p = pc();
    expect(() => p.addTransceiver('data' as 'audio')).toThrow(TypeError);
    expect(() => p.addTransceiver('audio', { direction: 'stopped' })).toThrow(TypeError);
    expect(() => p.addTransceiver('audio', { direction: 'bogus' as 'sendrecv' })).toThrow(
      TypeError,
    );
    p.close();
    expect(() => p.addTransceiver('audio')).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );
    // The kind is checked before the closed state (webrtc-pc step order).
    expect(() => p.addTransceiver('data' as 'audio')).toThrow(TypeError);
  });

  it('checks sendEncodings: rid grammar, all or none, distinct (TypeError); scale and framerate (RangeError)', () => {
    const p = pc();
    expect(() =>
      p.addTransceiver('video', { sendEncodings: [{ rid: 'a b' }, { rid: 'c' }] }),
    ).toThrow(TypeError);
    expect(() => p.addTransceiver('video', { sendEncodings: [{ rid: 'a' }, {}] })).toThrow(
      TypeError,
    );
    expect(() =>
      p.addTransceiver('video', { sendEncodings: [{ rid: 'a' }, { rid: 'a' }] }),
    ).toThrow(TypeError);
    expect(() =>
      p.addTransceiver('video', { sendEncodings: [{ rid: 'x'.repeat(256) }, { rid: 'y' }] }),
    ).toThrow(TypeError);
    expect(() =>
      p.addTransceiver('video', { sendEncodings: [{ scaleResolutionDownBy: 0.5 }] }),
    ).toThrow(RangeError);
    expect(() => p.addTransceiver('video', { sendEncodings: [{ maxFramerate: -1 }] })).toThrow(
      RangeError,
    );
    expect(p.getTransceivers()).toEqual([]);
  });

  it('keeps the encodings given (rids, scale from 2^(n-1-i)), a lone one without its rid, audio without video members', () => {
    const p = pc();
    const sim = p.addTransceiver('video', {
      sendEncodings: [{ rid: 'q' }, { rid: 'h', maxBitrate: 500_000 }, { rid: 'f', active: false }],
    });
    expect(sim.sender.getParameters().encodings).toEqual([
      { rid: 'q', active: true, scaleResolutionDownBy: 4 },
      { rid: 'h', active: true, maxBitrate: 500_000, scaleResolutionDownBy: 2 },
      { rid: 'f', active: false, scaleResolutionDownBy: 1 },
    ]);
    const lone = p.addTransceiver('video', { sendEncodings: [{ rid: 'only' }] });
    expect(lone.sender.getParameters().encodings).toEqual([
      { active: true, scaleResolutionDownBy: 1 },
    ]);
    const audio = p.addTransceiver('audio', {
      sendEncodings: [{ scaleResolutionDownBy: 2, maxFramerate: 5 }],
    });
    expect(audio.sender.getParameters().encodings).toEqual([{ active: true }]);
  });

  it('offers one m-line per transceiver in order, each with a mid set by setLocalDescription(), and simulcast send layers', async () => {
    const p = pc();
    const audio = p.addTransceiver('audio');
    const video = p.addTransceiver('video', { sendEncodings: [{ rid: 'lo' }, { rid: 'hi' }] });
    const offer = await p.createOffer();
    expect(audio.mid).toBeNull(); // createOffer() does not associate
    const m = sections(offer.sdp!);
    expect(m.map((s) => [s.kind, s.mid])).toEqual([
      ['audio', '0'],
      ['video', '1'],
    ]);
    expect(offer.sdp).toContain('a=rid:lo send');
    expect(offer.sdp).toContain('a=simulcast:send lo;hi');
    await p.setLocalDescription(offer);
    expect([audio.mid, video.mid]).toEqual(['0', '1']);
    expect(audio.sender.transport).toBe(audio.receiver.transport);
    expect(audio.sender.transport).not.toBeNull();
  });
});

describe('RTCRtpTransceiver.direction', () => {
  it('is set, fires negotiationneeded, and becomes currentDirection with the answer', async () => {
    peers = virtualPeers({ seed: 2 });
    const { a, b } = peers;
    const t = a.addTransceiver('audio', { direction: 'recvonly' });
    await negotiate(a, b);
    expect(t.currentDirection).toBe('inactive'); // b has nothing to send
    const bt = b.getTransceivers()[0]!;
    expect([bt.direction, bt.currentDirection]).toEqual(['recvonly', 'inactive']);
    await tasks();
    let fired = 0;
    a.onnegotiationneeded = () => fired++;
    t.direction = 'sendrecv';
    expect(t.direction).toBe('sendrecv');
    expect(t.currentDirection).toBe('inactive');
    await tasks();
    expect(fired).toBe(1);
    bt.direction = 'sendrecv';
    await negotiate(a, b);
    expect([t.currentDirection, bt.currentDirection]).toEqual(['sendrecv', 'sendrecv']);
  });

  it('ignores a value outside the enum, refuses "stopped" (TypeError) and any change once stopping (InvalidStateError)', () => {
    const p = pc();
    const t = p.addTransceiver('video');
    t.direction = 'bogus' as 'sendrecv';
    expect(t.direction).toBe('sendrecv');
    expect(() => {
      t.direction = 'stopped';
    }).toThrow(TypeError);
    t.stop();
    expect(() => {
      t.direction = 'sendonly';
    }).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
  });

  it('does not fire negotiationneeded for the same value', async () => {
    peers = virtualPeers({ seed: 3 });
    const { a, b } = peers;
    const t = a.addTransceiver('audio');
    await negotiate(a, b);
    await tasks();
    let fired = 0;
    a.onnegotiationneeded = () => fired++;
    t.direction = 'sendrecv';
    await tasks();
    expect(fired).toBe(0);
  });
});

describe('RTCRtpTransceiver.stop()', () => {
  it('stops at once (direction stopped, receiver track ended with an event), and the next negotiation rejects the m-line on both sides', async () => {
    peers = virtualPeers({ seed: 4 });
    const { a, b } = peers;
    const t = a.addTransceiver('audio');
    a.createDataChannel('keep');
    await negotiate(a, b);
    const bt = b.getTransceivers()[0]!;
    await tasks();
    let ended = 0;
    t.receiver.track.onended = () => ended++;
    let needed = 0;
    a.onnegotiationneeded = () => needed++;
    t.stop();
    expect(t.direction).toBe('stopped');
    expect(t.currentDirection).toBe('sendonly'); // b's transceiver, made by the offer, is recvonly
    expect(t.receiver.track.readyState).toBe('ended');
    await tasks();
    expect(ended).toBe(1);
    expect(needed).toBe(1);
    t.stop(); // again: nothing
    const offer = await a.createOffer();
    expect(sections(offer.sdp!)[0]!.port).toBe(0);
    expect(sections(offer.sdp!)[0]!.direction).toBe('inactive');
    await negotiate(a, b);
    expect(t.currentDirection).toBe('stopped');
    expect(a.getTransceivers()).toEqual([]);
    expect(a.getSenders()).toEqual([]);
    expect(bt.currentDirection).toBe('stopped');
    expect(bt.receiver.track.readyState).toBe('ended');
    expect(b.getTransceivers()).toEqual([]);
    await tasks();
    expect(needed).toBe(1);
  });

  it('throws InvalidStateError once the connection is closed; close() stops every transceiver without events', async () => {
    const p = pc();
    const t = p.addTransceiver('video');
    let ended = 0;
    t.receiver.track.onended = () => ended++;
    p.close();
    expect(() => t.stop()).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
    expect([t.direction, t.currentDirection, t.receiver.track.readyState]).toEqual([
      'stopped',
      'stopped',
      'ended',
    ]);
    await tasks();
    expect(ended).toBe(0);
  });

  it('recycles a rejected m-line for a new transceiver, with a new mid (JSEP §5.2.2)', async () => {
    peers = virtualPeers({ seed: 5 });
    const { a, b } = peers;
    const first = a.addTransceiver('audio');
    a.addTransceiver('video');
    await negotiate(a, b);
    first.stop();
    await negotiate(a, b);
    const third = a.addTransceiver('video');
    await negotiate(a, b);
    const m = sections(a.localDescription!.sdp);
    expect(m).toHaveLength(2);
    expect([m[0]!.kind, m[0]!.mid, m[0]!.port]).toEqual(['video', third.mid, 9]);
    expect(third.mid).not.toBe('0');
    expect(third.mid).not.toBe('1');
    expect(third.currentDirection).toBe('sendonly');
    expect(b.getTransceivers().map((t) => t.mid)).toEqual(['1', third.mid]);
  });
});

describe('RTCRtpTransceiver.setCodecPreferences()', () => {
  const caps = (kind: 'audio' | 'video') => RTCRtpReceiver.getCapabilities(kind)!.codecs;

  it('orders the offer as asked; [] restores the default', async () => {
    const p = pc();
    const t = p.addTransceiver('video');
    const vp9 = caps('video').filter((c) => c.mimeType === 'video/VP9');
    const vp8 = caps('video').filter((c) => c.mimeType === 'video/VP8');
    t.setCodecPreferences([...vp9, ...vp8]);
    expect(sections((await p.createOffer()).sdp!)[0]!.formats).toEqual(['98', '96']);
    t.setCodecPreferences([...vp8, ...caps('video').filter((c) => c.mimeType === 'video/rtx')]);
    expect(sections((await p.createOffer()).sdp!)[0]!.formats).toEqual(['96', '97']);
    t.setCodecPreferences([]);
    expect(sections((await p.createOffer()).sdp!)[0]!.formats).toHaveLength(10);
  });

  it('throws InvalidModificationError for a codec that is not a capability, or only RTX', () => {
    const p = pc();
    const t = p.addTransceiver('audio');
    const opus = caps('audio')[0]!;
    expect(() => t.setCodecPreferences([{ ...opus, sdpFmtpLine: 'stereo=1' }])).toThrow(
      expect.objectContaining({ name: 'InvalidModificationError' }),
    );
    expect(() => t.setCodecPreferences([{ mimeType: 'audio/G722', clockRate: 8000 }])).toThrow(
      expect.objectContaining({ name: 'InvalidModificationError' }),
    );
    // A video codec on an audio transceiver.
    expect(() => t.setCodecPreferences([caps('video')[0]!])).toThrow(
      expect.objectContaining({ name: 'InvalidModificationError' }),
    );
    const v = p.addTransceiver('video');
    expect(() =>
      v.setCodecPreferences(caps('video').filter((c) => c.mimeType === 'video/rtx')),
    ).toThrow(expect.objectContaining({ name: 'InvalidModificationError' }));
    // Case-insensitive mime types and duplicates are fine.
    t.setCodecPreferences([{ ...opus, mimeType: 'AUDIO/OPUS' }, opus]);
  });

  it('answers with the preferred codecs of the offer only', async () => {
    peers = virtualPeers({ seed: 6 });
    const { a, b } = peers;
    a.addTransceiver('video');
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    const bt = b.getTransceivers()[0]!;
    bt.setCodecPreferences(caps('video').filter((c) => c.mimeType === 'video/H264'));
    await b.setLocalDescription();
    expect(sections(b.localDescription!.sdp)[0]!.formats).toEqual(['102', '104']);
    await a.setRemoteDescription(b.localDescription!);
    expect(
      a
        .getTransceivers()[0]!
        .sender.getParameters()
        .codecs.map((c) => c.payloadType),
    ).toEqual([102, 104]);
  });

  it("answers in the order of the answerer's preferences, and both sides then send the codec it put first", async () => {
    peers = virtualPeers({ seed: 6 });
    const { a, b } = peers;
    a.addTransceiver('video'); // offers VP8 first
    await a.setLocalDescription();
    const offered = sections(a.localDescription!.sdp)[0]!.formats;
    await b.setRemoteDescription(a.localDescription!);
    const bt = b.getTransceivers()[0]!;
    const h264 = caps('video').filter((c) => c.mimeType === 'video/H264');
    const vp8 = caps('video').filter((c) => c.mimeType === 'video/VP8');
    bt.setCodecPreferences([...h264, ...vp8]);
    await b.setLocalDescription();
    const answered = sections(b.localDescription!.sdp)[0]!.formats;
    // The offer put VP8 (96) before H264; the answer follows the preferences (JSEP §5.3.1).
    expect(offered.indexOf('96')).toBeLessThan(offered.indexOf('102'));
    expect(answered.indexOf('102')).toBeLessThan(answered.indexOf('96'));
    await a.setRemoteDescription(b.localDescription!);
    const first = (t: RTCRtpTransceiver) => t.sender.getParameters().codecs[0]!.mimeType;
    expect([first(a.getTransceivers()[0]!), first(bt)]).toEqual(['video/H264', 'video/H264']);
  });
});

describe('renegotiation', () => {
  it('the answerer offers next: the m-lines keep their order and mids, a new transceiver gets a new mid', async () => {
    peers = virtualPeers({ seed: 7 });
    const { a, b } = peers;
    a.addTransceiver('audio');
    a.createDataChannel('d');
    await negotiate(a, b);
    const tracks: string[] = [];
    a.ontrack = (e) => tracks.push(`${e.transceiver.mid} ${e.track.kind}`);
    b.addTrack(MediaStreamTrack.create('audio')); // reuses b's recvonly audio transceiver
    b.addTrack(MediaStreamTrack.create('video')); // a new one
    await negotiate(b, a);
    expect(sections(b.localDescription!.sdp).map((m) => [m.kind, m.mid])).toEqual([
      ['audio', '0'],
      ['application', '1'],
      ['video', '2'],
    ]);
    expect(tracks).toEqual(['0 audio', '2 video']);
    expect(a.getTransceivers().map((t) => [t.mid, t.currentDirection])).toEqual([
      ['0', 'sendrecv'],
      ['2', 'recvonly'],
    ]);
    expect(b.getTransceivers().map((t) => [t.mid, t.currentDirection])).toEqual([
      ['0', 'sendrecv'],
      ['2', 'sendonly'],
    ]);
  });

  it('glare: a remote offer rolls our offer back, its transceivers lose their mids and are offered again afterwards', async () => {
    peers = virtualPeers({ seed: 8 });
    const { a, b } = peers;
    const ta = a.addTransceiver('video');
    b.addTransceiver('audio');
    await a.setLocalDescription();
    await b.setLocalDescription();
    expect(ta.mid).toBe('0');
    await a.setRemoteDescription(b.localDescription!); // a rolls back, then takes b's offer
    expect(a.signalingState).toBe('have-remote-offer');
    expect(ta.mid).toBeNull();
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    expect(a.getTransceivers().map((t) => t.mid)).toEqual([null, '0']);
    await negotiate(a, b);
    expect(ta.mid).toBe('1');
    expect(b.getTransceivers().map((t) => [t.mid, t.receiver.track.kind])).toEqual([
      ['0', 'audio'],
      ['1', 'video'],
    ]);
  });

  it('the receiver reports the negotiated codecs and extensions', async () => {
    peers = virtualPeers({ seed: 9 });
    const { a, b } = peers;
    a.addTransceiver('audio');
    await negotiate(a, b);
    const params = b.getReceivers()[0]!.getParameters();
    expect(params.codecs.map((c) => c.mimeType)).toEqual([
      'audio/opus',
      'audio/red',
      'audio/PCMU',
      'audio/PCMA',
      'audio/telephone-event',
      'audio/telephone-event',
    ]);
    expect(params.codecs.slice(4).map((c) => [c.payloadType, c.clockRate, c.sdpFmtpLine])).toEqual([
      [110, 48000, '0-15'],
      [126, 8000, '0-15'],
    ]);
    expect(params.headerExtensions.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    expect(params.rtcp.reducedSize).toBe(true);
    expect(b.getReceivers()[0]!.getParameters().rtcp.cname).toBe(
      a.getSenders()[0]!.getParameters().rtcp.cname,
    );
  });
});

describe('rejected sections in later offers (JSEP §5.2.2)', () => {
  it('recycles the m-line of a data section the answer rejected for data again, under a new mid', async () => {
    peers = virtualPeers({ seed: 10 });
    const { a, b } = peers;
    a.addTransceiver('audio');
    a.createDataChannel('d');
    // The answerer rejects the data section.
    await negotiate(a, b, (sdp) =>
      sdp
        .replace('m=application 9 UDP/DTLS/SCTP', 'm=application 0 UDP/DTLS/SCTP')
        .replace('BUNDLE 0 1', 'BUNDLE 0'),
    );
    expect(a.sctp).toBeNull();
    const offer = await a.createOffer();
    const m = sections(offer.sdp!);
    expect(m.map((s) => [s.kind, s.mid, s.protocol, s.port])).toEqual([
      ['audio', '0', 'UDP/TLS/RTP/SAVPF', 9],
      ['application', '2', 'UDP/DTLS/SCTP', 9],
    ]);
  });
});

describe('a transceiver stopped before it was negotiated', () => {
  it('gets no m-line, leaves the set when the offer is applied, and needs no further negotiation', async () => {
    peers = virtualPeers({ seed: 12 });
    const { a, b } = peers;
    const keep = a.addTransceiver('audio');
    const gone = a.addTransceiver('video');
    gone.stop();
    let fired = 0;
    a.onnegotiationneeded = () => fired++;
    await tasks();
    expect(fired).toBe(1);
    await negotiate(a, b);
    expect(sections(a.localDescription!.sdp).map((m) => m.kind)).toEqual(['audio']);
    expect(a.getTransceivers()).toEqual([keep]);
    expect(gone.currentDirection).toBe('stopped');
    await tasks();
    expect(fired).toBe(1);
    // Its sender is ignored by removeTrack() (webrtc-pc: not among the senders any more).
    a.removeTrack(gone.sender);
  });
});

describe('stopped by the peer', () => {
  it('a remote offer that stops a section stops our transceiver (track ended, currentDirection stopped) and our answer rejects it', async () => {
    peers = virtualPeers({ seed: 13 });
    const { a, b } = peers;
    const ta = a.addTransceiver('audio');
    a.addTransceiver('video');
    await negotiate(a, b);
    const [bAudio, bVideo] = b.getTransceivers();
    let ended = 0;
    bAudio!.receiver.track.onended = () => ended++;
    ta.stop();
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    expect(bAudio!.currentDirection).toBe('stopped');
    expect(bAudio!.receiver.track.readyState).toBe('ended');
    expect(b.getSenders()).toEqual([bVideo!.sender]);
    await b.setLocalDescription();
    expect(sections(b.localDescription!.sdp).map((m) => m.port)).toEqual([0, 9]);
    expect(b.getTransceivers()).toEqual([bVideo]);
    await a.setRemoteDescription(b.localDescription!);
    expect(a.getTransceivers().map((t) => t.mid)).toEqual(['1']);
    await tasks();
    expect(ended).toBe(1);
  });
});

describe('legacy RTCOfferOptions (webrtc-pc §11)', () => {
  it('offerToReceiveAudio/Video: true adds a recvonly transceiver when none receives, false takes recv off', async () => {
    const p = pc();
    const offer = await p.createOffer({ offerToReceiveAudio: true, offerToReceiveVideo: true });
    expect(sections(offer.sdp!).map((m) => [m.kind, m.direction])).toEqual([
      ['audio', 'recvonly'],
      ['video', 'recvonly'],
    ]);
    expect(p.getTransceivers().map((t) => t.direction)).toEqual(['recvonly', 'recvonly']);
    await p.createOffer({ offerToReceiveAudio: true });
    expect(p.getTransceivers()).toHaveLength(2);
    const sendrecv = p.addTransceiver('video');
    await p.createOffer({ offerToReceiveVideo: false });
    expect(p.getTransceivers().map((t) => t.direction)).toEqual([
      'recvonly',
      'inactive',
      'sendonly',
    ]);
    expect(sendrecv.direction).toBe('sendonly');
  });
});
