/**
 * A remote track that goes silent says so (issue 19 item 3, an extension): no RTP for the
 * receiver's `silenceTimeout` fires `silence` with the cause `no-rtp` (the SSRC and how long),
 * `track.silent` turns true and `muted` stays as webrtc-pc has it; the next packet fires
 * `silenceend`. A track muted by a description, or ended, says nothing more; Opus DTX (a
 * packet every 400 ms in a pause) is neither silence nor loss. And the RFC 6464 audio level a
 * frame is written with reaches the receiver's synchronization source.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStreamTrack } from './media-stream-track.js';
import type { TrackStateEvent } from './track-events.js';
import type { RTCRtpReceiver } from './rtc-rtp-receiver.js';
import {
  closeAll,
  negotiate,
  openChannelPair,
  type VirtualPeers,
  virtualPeers,
} from './testing-peers.js';

let peers: VirtualPeers | undefined;
afterEach(async () => {
  await closeAll(peers?.a, peers?.b);
  peers = undefined;
});

const OPUS = new Uint8Array([0x78, 1, 2, 3]);

async function audioCall(seed: number) {
  peers = virtualPeers({ seed });
  const { a, b, clock } = peers;
  const audio = MediaStreamTrack.create('audio');
  a.addTrack(audio);
  let remote: MediaStreamTrack | undefined;
  let receiver: RTCRtpReceiver | undefined;
  b.ontrack = (e) => {
    remote = e.track;
    receiver = e.receiver;
  };
  await openChannelPair(peers, 'side');
  let t = 0;
  /** Writes `ms` of 20 ms Opus frames in real (virtual) time. */
  const talk = async (ms: number) => {
    for (let end = t + ms; t < end; t += 20_000 / 1000) {
      audio.writeFrame(OPUS, { timestamp: t * 1000 });
      await clock.advance(20);
    }
  };
  const events: [string, TrackStateEvent['cause'], number][] = [];
  const watch = () => {
    for (const type of ['silence', 'silenceend', 'mute', 'unmute'])
      remote!.addEventListener(type, (e) =>
        events.push([type, (e as TrackStateEvent).cause, clock.now()]),
      );
  };
  await talk(200);
  watch();
  return { a, b, clock, audio, remote: remote!, receiver: receiver!, talk, events };
}

describe('silence on a remote track (an extension)', () => {
  it('fires silence after 2 s without RTP (cause no-rtp), and silenceend on the next packet; muted is left alone', async () => {
    const call = await audioCall(61);
    const { clock, remote, talk, events } = call;
    expect(remote.silent).toBe(false);
    const stoppedAt = clock.now();
    await clock.advance(1900);
    expect(events).toEqual([]);
    await clock.advance(200);
    expect(remote.silent).toBe(true);
    expect(remote.muted).toBe(false);
    expect(events).toHaveLength(1);
    const [type, cause, at] = events[0]!;
    expect(type).toBe('silence');
    expect(cause).toMatchObject({ kind: 'no-rtp' });
    const { ssrc, silentMs } = cause as { ssrc: number; silentMs: number };
    expect(ssrc).toBe(call.receiver.getSynchronizationSources()[0]!.source);
    expect(silentMs).toBeGreaterThanOrEqual(2000);
    expect(at - stoppedAt).toBeLessThan(2100);
    // Nothing more while it stays silent.
    await clock.advance(5000);
    expect(events).toHaveLength(1);
    await talk(40);
    expect(remote.silent).toBe(false);
    expect(events.map((e) => [e[0], e[1].kind])).toEqual([
      ['silence', 'no-rtp'],
      ['silenceend', 'rtp-received'],
    ]);
    expect(remote.stateCause.kind).toBe('rtp-received'); // the W3C state did not change
  });

  it('follows the receiver’s silenceTimeout; 0 turns it off; a bad value is a RangeError', async () => {
    const { clock, remote, receiver, talk, events } = await audioCall(62);
    expect(receiver.silenceTimeout).toBe(2000);
    receiver.silenceTimeout = 500;
    await talk(20); // takes effect from the next packet
    await clock.advance(600);
    expect(events.map((e) => e[0])).toEqual(['silence']);
    expect(remote.silent).toBe(true);
    await talk(20);
    receiver.silenceTimeout = 0;
    await talk(20);
    await clock.advance(10_000);
    expect(events.map((e) => e[0])).toEqual(['silence', 'silenceend']);
    expect(() => {
      receiver.silenceTimeout = -1;
    }).toThrow(RangeError);
    expect(() => {
      receiver.silenceTimeout = Number.NaN;
    }).toThrow(RangeError);
  });

  it('says nothing for a track a description muted: its mute already said why', async () => {
    const { a, b, clock, events } = await audioCall(63);
    a.getTransceivers()[0]!.direction = 'inactive';
    await negotiate(a, b);
    await clock.advance(5000);
    expect(events.map((e) => [e[0], e[1].kind])).toEqual([['mute', 'description']]);
  });

  it('Opus DTX (a packet every 400 ms during a pause) is no loss and no silence: every frame, its timestamp kept', async () => {
    const { clock, audio, remote, receiver, events } = await audioCall(64);
    const got: number[] = [];
    void (async () => {
      for await (const f of remote.frames()) got.push(f.timestamp);
    })();
    // 10 frames of speech, then 3 s of DTX (a frame every 400 ms), then speech again.
    const sent: number[] = [];
    let t = 1_000_000; // µs, after the 200 ms of the call's start
    const write = async (stepMs: number, n: number) => {
      for (let i = 0; i < n; i++) {
        audio.writeFrame(OPUS, { timestamp: t });
        sent.push(t);
        t += stepMs * 1000;
        await clock.advance(stepMs);
      }
    };
    await write(20, 10);
    await write(400, 8);
    await write(20, 10);
    await clock.advance(200);
    // Timestamps come back relative to the track's first frame, on the same 20/400 ms steps.
    const deltas = (xs: number[]) => xs.slice(1).map((x, k) => x - xs[k]!);
    expect(deltas(got.slice(-28))).toEqual(deltas(sent));
    const inbound = [...(await receiver.getStats()).values()].find(
      (x) => x.type === 'inbound-rtp',
    ) as Record<string, number>;
    expect(inbound.packetsLost).toBe(0);
    expect(events).toEqual([]);
  });
});

describe('audio level (RFC 6464), an extension of writeFrame', () => {
  it('sends the level written with a frame; the receiver’s synchronization source reads it back', async () => {
    const { clock, audio, receiver } = await audioCall(65);
    for (let i = 0; i < 5; i++) {
      audio.writeFrame(OPUS, {
        timestamp: 2_000_000 + i * 20_000,
        audioLevel: 0.1,
        voiceActivity: true,
      });
      await clock.advance(20);
    }
    const [source] = receiver.getSynchronizationSources();
    // 0.1 is 20 dBov; the extension carries whole dB: 10^(−20/20).
    expect(source!.audioLevel).toBeCloseTo(0.1, 5);
    audio.writeFrame(OPUS, { timestamp: 2_200_000, audioLevel: 0 });
    await clock.advance(20);
    // 127 −dBov, the extension's silence.
    expect(receiver.getSynchronizationSources()[0]!.audioLevel).toBeLessThan(1e-6);
    expect(() => audio.writeFrame(OPUS, { timestamp: 2_220_000, audioLevel: 1.5 })).toThrow(
      RangeError,
    );
  });
});
