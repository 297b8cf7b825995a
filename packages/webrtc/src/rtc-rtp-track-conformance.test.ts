/**
 * Remote tracks and streams as webrtc-pc §4.4.1.5 ("process remote tracks") and §5.7 say,
 * `MediaStream`/`MediaStreamTrack` as mediacapture-main says, and `negotiationneeded` for
 * media, after the web-platform-tests RTCTrackEvent-constructor, RTCPeerConnection-ontrack,
 * RTCPeerConnection-onnegotiationneeded and RTCPeerConnection-setRemoteDescription-rollback,
 * on our virtual peers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStream, MediaStreamTrackEvent } from './media-stream.js';
import { MediaStreamTrack } from './media-stream-track.js';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import { RTCTrackEvent } from './rtc-track-event.js';
import { tasks } from './testing-media.js';
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

describe('MediaStreamTrack and MediaStream', () => {
  it('makes local tracks with MediaStreamTrack.create(); not constructible', () => {
    const t = MediaStreamTrack.create('audio', { label: 'mic', id: 'a1' });
    expect([t.kind, t.id, t.label, t.enabled, t.muted, t.readyState, t.source]).toEqual([
      'audio',
      'a1',
      'mic',
      true,
      false,
      'live',
      'local',
    ]);
    expect(() => MediaStreamTrack.create('data' as 'audio')).toThrow(TypeError);
    expect(() => new MediaStreamTrack()).toThrow(TypeError);
    t.enabled = false;
    const c = t.clone();
    expect([c.kind, c.label, c.enabled, c.id === t.id]).toEqual(['audio', 'mic', false, false]);
    let ended = 0;
    t.onended = () => ended++;
    t.stop();
    expect(t.readyState).toBe('ended');
    expect(c.readyState).toBe('live');
    expect(ended).toBe(0); // stop() fires no ended
  });

  it('keeps a set of tracks with an id; addTrack/removeTrack fire nothing', () => {
    const audio = MediaStreamTrack.create('audio');
    const video = MediaStreamTrack.create('video');
    const s = new MediaStream([audio]);
    let events = 0;
    s.onaddtrack = () => events++;
    s.onremovetrack = () => events++;
    s.addTrack(video);
    s.addTrack(video);
    expect(s.getTracks()).toEqual([audio, video]);
    expect(s.getAudioTracks()).toEqual([audio]);
    expect(s.getVideoTracks()).toEqual([video]);
    expect(s.getTrackById(video.id)).toBe(video);
    expect(s.getTrackById('nope')).toBeNull();
    const copy = new MediaStream(s);
    expect(copy.id).not.toBe(s.id);
    expect(copy.getTracks()).toEqual([audio, video]);
    s.removeTrack(audio);
    expect(s.getTracks()).toEqual([video]);
    expect(s.active).toBe(true);
    video.stop();
    expect(s.active).toBe(false);
    expect(events).toBe(0);
    expect(() => s.addTrack({} as MediaStreamTrack)).toThrow(TypeError);
    expect(new MediaStreamTrackEvent('addtrack', { track: audio }).track).toBe(audio);
  });
});

describe('RTCTrackEvent', () => {
  it('needs a receiver, track and transceiver (TypeError); streams default to [] and are frozen', () => {
    const p = pc();
    const t = p.addTransceiver('audio');
    const init = { receiver: t.receiver, track: t.receiver.track, transceiver: t };
    const e = new RTCTrackEvent('track', init);
    expect([e.receiver, e.track, e.transceiver]).toEqual([t.receiver, t.receiver.track, t]);
    expect(e.streams).toEqual([]);
    expect(Object.isFrozen(e.streams)).toBe(true);
    const s = new MediaStream();
    expect(new RTCTrackEvent('track', { ...init, streams: [s] }).streams).toEqual([s]);
    expect(() => new RTCTrackEvent('track', { ...init, receiver: undefined as never })).toThrow(
      TypeError,
    );
    expect(() => new RTCTrackEvent('track', { ...init, track: undefined as never })).toThrow(
      TypeError,
    );
    expect(() => new RTCTrackEvent('track', { ...init, transceiver: undefined as never })).toThrow(
      TypeError,
    );
  });
});

describe('the track event', () => {
  it('fires once per remote track on setRemoteDescription(offer), after signalingstatechange, with the streams of a=msid', async () => {
    peers = virtualPeers({ seed: 21 });
    const { a, b } = peers;
    const stream = new MediaStream();
    const audio = MediaStreamTrack.create('audio');
    const video = MediaStreamTrack.create('video');
    a.addTrack(audio, stream);
    a.addTrack(video, stream);
    a.addTransceiver('video', { direction: 'recvonly' }); // b receives nothing here
    const order: string[] = [];
    const events: RTCTrackEvent[] = [];
    b.onsignalingstatechange = () => order.push(`signaling ${b.signalingState}`);
    b.ontrack = (e) => {
      order.push(`track ${e.track.kind}`);
      events.push(e);
    };
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    expect(order).toEqual(['signaling have-remote-offer', 'track audio', 'track video']);
    const [e1, e2] = events;
    expect(e1!.streams).toHaveLength(1);
    expect(e1!.streams[0]!.id).toBe(stream.id);
    expect(e2!.streams[0]).toBe(e1!.streams[0]); // one stream object per id
    expect(e1!.streams[0]!.getTracks()).toEqual([e1!.track, e2!.track]);
    expect(e1!.transceiver).toBe(b.getTransceivers()[0]);
    expect(e1!.receiver).toBe(e1!.transceiver.receiver);
    expect(e1!.track).toBe(e1!.receiver.track);
    expect([e1!.track.muted, e1!.track.readyState]).toEqual([true, 'live']);
    // The remote track has its own id, not the sender's (webrtc-pc).
    expect(e1!.track.id).not.toBe(audio.id);
    expect(b.getTransceivers()).toHaveLength(3);
    expect(b.getTransceivers()[2]!.direction).toBe('recvonly');
  });

  it('fires on the offerer when the answer starts sending, and not again for the same direction', async () => {
    peers = virtualPeers({ seed: 22 });
    const { a, b } = peers;
    a.addTransceiver('audio');
    let fired = 0;
    a.ontrack = () => fired++;
    b.ontrack = (e) => {
      b.addTrack(MediaStreamTrack.create('audio'));
      void e;
    };
    await negotiate(a, b);
    expect(fired).toBe(1);
    await negotiate(a, b);
    expect(fired).toBe(1);
  });

  it('removes the track from its streams (removetrack) and mutes it when the peer stops sending', async () => {
    peers = virtualPeers({ seed: 23 });
    const { a, b } = peers;
    const stream = new MediaStream();
    const sender = a.addTrack(MediaStreamTrack.create('video'), stream);
    let remote: MediaStream | undefined;
    b.ontrack = (e) => {
      remote = e.streams[0];
    };
    await negotiate(a, b);
    const track = remote!.getTracks()[0]!;
    const removed: MediaStreamTrack[] = [];
    remote!.onremovetrack = (e) => removed.push(e.track);
    a.removeTrack(sender);
    await negotiate(a, b);
    expect(removed).toEqual([track]);
    expect(remote!.getTracks()).toEqual([]);
    expect(track.readyState).toBe('live'); // removed, not ended
  });

  it('adds the track to a new stream (addtrack, and a track event) when setStreams() changes a=msid', async () => {
    peers = virtualPeers({ seed: 24 });
    const { a, b } = peers;
    const s1 = new MediaStream();
    const s2 = new MediaStream();
    const sender = a.addTrack(MediaStreamTrack.create('audio'), s1);
    const events: RTCTrackEvent[] = [];
    b.ontrack = (e) => events.push(e);
    await negotiate(a, b);
    await tasks();
    let needed = 0;
    a.onnegotiationneeded = () => needed++;
    sender.setStreams(s1, s2);
    await tasks();
    expect(needed).toBe(1);
    await negotiate(a, b);
    expect(events).toHaveLength(2);
    expect(events[1]!.streams.map((s) => s.id)).toEqual([s1.id, s2.id]);
  });
});

describe('negotiationneeded for media', () => {
  const count = (p: RTCPeerConnection): (() => number) => {
    let n = 0;
    p.addEventListener('negotiationneeded', () => n++);
    return () => n;
  };

  it('fires for addTransceiver() and addTrack(), once while the flag stays set, and stops once negotiated', async () => {
    peers = virtualPeers({ seed: 25 });
    const { a, b } = peers;
    const fired = count(a);
    a.addTransceiver('audio');
    a.addTrack(MediaStreamTrack.create('video'));
    await tasks();
    expect(fired()).toBe(1);
    await negotiate(a, b);
    await tasks();
    expect(fired()).toBe(1);
  });

  it('fires again after a negotiation that did not cover a change made meanwhile', async () => {
    peers = virtualPeers({ seed: 26 });
    const { a, b } = peers;
    const fired = count(a);
    a.addTransceiver('audio');
    await tasks();
    await a.setLocalDescription();
    a.addTransceiver('video'); // while the offer is out
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    await tasks();
    expect(fired()).toBe(2);
  });

  it('fires for a direction change, removeTrack() and stop(), and not when the answerer accepted what it could', async () => {
    peers = virtualPeers({ seed: 27 });
    const { a, b } = peers;
    const t = a.addTransceiver('audio', { direction: 'sendonly' });
    const sender = a.addTrack(MediaStreamTrack.create('video'));
    await negotiate(a, b);
    await tasks();
    const fired = count(a);
    const bFired = count(b);
    t.direction = 'sendrecv';
    await tasks();
    expect(fired()).toBe(1);
    await negotiate(a, b);
    await tasks();
    // b answered recvonly (it has nothing to send): not a reason to negotiate again.
    expect([fired(), bFired()]).toEqual([1, 0]);
    a.removeTrack(sender);
    await tasks();
    expect(fired()).toBe(2);
    await negotiate(a, b);
    t.stop();
    await tasks();
    expect(fired()).toBe(3);
    await negotiate(a, b);
    await tasks();
    expect([fired(), bFired()]).toEqual([3, 0]);
  });
});

describe('rollback and bad remote descriptions', () => {
  it("a rollback of a remote offer removes the transceivers it made and their streams' tracks", async () => {
    peers = virtualPeers({ seed: 28 });
    const { a, b } = peers;
    const stream = new MediaStream();
    a.addTrack(MediaStreamTrack.create('audio'), stream);
    let remote: MediaStream | undefined;
    b.ontrack = (e) => {
      remote = e.streams[0];
    };
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    expect(b.getTransceivers()).toHaveLength(1);
    expect(remote!.getTracks()).toHaveLength(1);
    await b.setRemoteDescription({ type: 'rollback' });
    expect(b.getTransceivers()).toEqual([]);
    expect(remote!.getTracks()).toEqual([]);
  });

  it('a rollback of a local offer takes back the mids it gave', async () => {
    const p = pc();
    const t = p.addTransceiver('video');
    await p.setLocalDescription();
    expect(t.mid).toBe('0');
    await p.setLocalDescription({ type: 'rollback' });
    expect(t.mid).toBeNull();
    expect(p.getTransceivers()).toEqual([t]);
  });

  it('rejects a malformed media section with an sdp-syntax-error RTCError and changes nothing', async () => {
    peers = virtualPeers({ seed: 29 });
    const { a, b } = peers;
    a.addTransceiver('audio');
    await a.setLocalDescription();
    const bad = a.localDescription!.sdp.replace('a=rtpmap:111 opus/48000/2', 'a=rtpmap:111 opus');
    const error = await b
      .setRemoteDescription({ type: 'offer', sdp: bad })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'OperationError', errorDetail: 'sdp-syntax-error' });
    expect(b.signalingState).toBe('stable');
    expect(b.getTransceivers()).toEqual([]);
    expect(b.remoteDescription).toBeNull();
  });
});

describe('our answer that stops receiving', () => {
  it('mutes the remote track and takes it out of its streams', async () => {
    peers = virtualPeers({ seed: 30 });
    const { a, b } = peers;
    const stream = new MediaStream();
    a.addTrack(MediaStreamTrack.create('audio'), stream);
    let remote: MediaStream | undefined;
    b.ontrack = (e) => {
      remote = e.streams[0];
    };
    await negotiate(a, b);
    const [bt] = b.getTransceivers();
    const track = bt!.receiver.track;
    bt!.direction = 'inactive';
    await a.setLocalDescription(); // a re-offer, still sending
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    expect(bt!.currentDirection).toBe('inactive');
    expect(remote!.getTracks()).toEqual([]);
    expect(track.readyState).toBe('live');
  });
});

describe('an answer that does not match the offer', () => {
  it('rejects with InvalidAccessError (another kind or mid, a missing m-line) and changes nothing', async () => {
    peers = virtualPeers({ seed: 35 });
    const { a, b } = peers;
    a.addTransceiver('audio');
    a.addTransceiver('video');
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    const answer = b.localDescription!.sdp;
    const swapped = answer.replace('a=mid:1', 'a=mid:7').replace('BUNDLE 0 1', 'BUNDLE 0 7');
    for (const sdp of [swapped, answer.slice(0, answer.indexOf('m=video'))]) {
      const error = await a.setRemoteDescription({ type: 'answer', sdp }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'InvalidAccessError' });
      expect(a.signalingState).toBe('have-local-offer');
      expect(a.getTransceivers().map((t) => t.currentDirection)).toEqual([null, null]);
    }
    await a.setRemoteDescription({ type: 'answer', sdp: answer });
    expect(a.getTransceivers().map((t) => t.currentDirection)).toEqual(['sendonly', 'sendonly']);
  });
});
