// The index of senders by local track: what a write to a track reaches, kept by the one
// writer of [[SenderTrack]], without walking the connections of the process.
import { describe, expect, it } from 'vitest';
import { MediaStreamTrack } from './media-stream-track.js';
import { forgetSenders, type SenderState, sendersOf, setSenderTrack } from './rtp-state.js';

const sender = (closed = false) => ({ host: { closed }, track: null }) as unknown as SenderState;

describe('sendersOf(track)', () => {
  it('follows every attach, replace and detach, and forgets the senders of a closed connection', () => {
    const video = MediaStreamTrack.create('video');
    const other = MediaStreamTrack.create('video');
    const [a, b, c] = [sender(), sender(), sender()];
    expect([...sendersOf(video)]).toEqual([]);
    setSenderTrack(a, video);
    setSenderTrack(b, video);
    setSenderTrack(c, other);
    expect([...sendersOf(video)]).toEqual([a, b]);
    setSenderTrack(b, other); // replaceTrack
    expect([...sendersOf(video)]).toEqual([a]);
    expect([...sendersOf(other)]).toEqual([c, b]);
    setSenderTrack(a, null); // removeTrack
    expect([...sendersOf(video)]).toEqual([]);
    expect(a.track).toBeNull();
    // A connection closes: its senders keep their track (webrtc-pc) but leave the index.
    forgetSenders([c]);
    expect(c.track).toBe(other);
    expect([...sendersOf(other)]).toEqual([b]);
    // A closed connection's sender is never indexed.
    const late = sender(true);
    setSenderTrack(late, video);
    expect(late.track).toBe(video);
    expect([...sendersOf(video)]).toEqual([]);
  });
});
