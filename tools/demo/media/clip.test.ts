// The demo's clip is what its README says, and every frame of it is a well-formed VP8 or Opus
// frame that @x/rtp packetizes and reassembles unchanged.
import { assembleFrame, depacketizerFor, payloaderFor } from '@x/rtp';
import { expect, it } from 'vitest';
import { readClip } from './clip.mjs';

it('holds 3 s of VP8 at 15 fps (a keyframe first) and Opus in 20 ms frames, each surviving a trip through RTP', async () => {
  const tracks = await readClip();
  const video = tracks.find((t) => t.kind === 'video')!;
  const audio = tracks.find((t) => t.kind === 'audio')!;
  expect([video.codec, audio.codec]).toEqual(['vp8', 'opus']);
  expect(video.frames.length).toBe(45);
  expect(video.frames[0]!.keyframe).toBe(true);
  expect(audio.frames.length).toBeGreaterThanOrEqual(150);
  expect(audio.frames[5]!.timestampUs - audio.frames[4]!.timestampUs).toBe(20_000);
  for (const [track, mime] of [
    [video, 'video/VP8'],
    [audio, 'audio/opus'],
  ] as const) {
    const payloader = payloaderFor(mime)!;
    const depacketizer = depacketizerFor(mime)!;
    let seq = 0;
    for (const frame of track.frames) {
      const payloads = payloader.packetize(frame.data, 1200);
      const packets = payloads.map((payload, i) => ({
        sequenceNumber: seq++,
        timestamp: 0,
        marker: i === payloads.length - 1,
        payload,
      }));
      expect(Buffer.from(assembleFrame(depacketizer, packets)!)).toEqual(Buffer.from(frame.data));
    }
  }
});
