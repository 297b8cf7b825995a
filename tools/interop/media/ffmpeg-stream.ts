/**
 * Test media made by ffmpeg at test time (testsrc video in VP8 or H.264, a 440 Hz sine in
 * Opus), and real-time playback of its frames on a local track with `writeFrame()`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaStreamTrack } from '@x/webrtc';
import { readClip } from '../../demo/media/clip.mjs';
import { CAPTURE } from './chromium-media.js';

/** A test stream: `seconds` of testsrc at {@link FPS} and a 440 Hz sine. */
export interface MadeStream {
  readonly video: { data: Uint8Array; timestampUs: number; keyframe: boolean }[];
  readonly audio: { data: Uint8Array; timestampUs: number }[];
}

/** The video's frame rate; a keyframe every {@link GOP} frames. */
export const FPS = 30;
export const GOP = 60;

function ffmpeg(args: string[]) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/**
 * The access units of an Annex B stream that x264 wrote with an access unit delimiter before
 * each (`aud=1`), and SPS and PPS before each IDR (`repeat-headers=1`).
 */
function accessUnits(stream: Uint8Array): Uint8Array[] {
  const starts: number[] = [];
  for (let i = 0; i + 4 < stream.length; i++) {
    if (stream[i] !== 0 || stream[i + 1] !== 0) continue;
    if (stream[i + 2] === 1 && (stream[i + 3]! & 0x1f) === 9) starts.push(i);
    else if (stream[i + 2] === 0 && stream[i + 3] === 1 && (stream[i + 4]! & 0x1f) === 9) {
      starts.push(i);
      i++;
    }
  }
  return starts.map((s, k) => stream.subarray(s, starts[k + 1] ?? stream.length));
}

/** Makes the stream now (CAPTURE's size, VP8 with libvpx or H.264 with libx264). */
export async function makeStream(codec: 'VP8' | 'H264', seconds: number): Promise<MadeStream> {
  const dir = mkdtempSync(join(tmpdir(), 'x-ffmpeg-'));
  try {
    const lavfi = [
      ...['-f', 'lavfi', '-i', `testsrc=size=${CAPTURE.width}x${CAPTURE.height}:rate=${FPS}`],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-t', String(seconds)],
    ];
    const opus = [
      ...['-c:a', 'libopus', '-b:a', '32k'],
      ...['-frame_duration', '20', '-application', 'voip'],
    ];
    const webm = join(dir, 'stream.webm');
    if (codec === 'VP8') {
      ffmpeg([
        ...lavfi,
        ...['-c:v', 'libvpx', '-b:v', '300k', '-g', String(GOP), '-deadline', 'realtime'],
        ...opus,
        webm,
      ]);
      const tracks = await readClip(webm);
      const video = tracks.find((t) => t.kind === 'video')!.frames;
      const audio = tracks.find((t) => t.kind === 'audio')!.frames;
      return { video: [...video], audio: [...audio] };
    }
    // H.264: the audio from a WebM, the video as an Annex B byte stream (Constrained Baseline,
    // no B-frames: what a WebRTC decoder expects), cut into access units.
    ffmpeg([...lavfi, '-vn', ...opus, webm]);
    const h264 = join(dir, 'stream.h264');
    ffmpeg([
      ...lavfi.slice(0, 4),
      ...['-t', String(seconds), '-an'],
      ...['-c:v', 'libx264', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-bf', '0'],
      ...['-g', String(GOP), '-tune', 'zerolatency', '-x264-params', 'aud=1:repeat-headers=1'],
      ...['-f', 'h264', h264],
    ]);
    const units = accessUnits(new Uint8Array(readFileSync(h264)));
    const video = units.map((data, i) => ({
      data,
      timestampUs: Math.round((i * 1e6) / FPS),
      // An IDR slice (type 5) makes it a keyframe.
      keyframe: data.some(
        (b, k) => k > 2 && data[k - 1] === 1 && data[k - 2] === 0 && (b & 0x1f) === 5,
      ),
    }));
    const audio = (await readClip(webm)).find((t) => t.kind === 'audio')!.frames;
    return { video, audio: [...audio] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Plays frames on a track in real time from `start` (a `performance.now()`); how many went.
 * `writtenAt`, when given, gets the `performance.now()` at which each frame was written: a
 * process starved of CPU writes late.
 */
export async function play(
  track: MediaStreamTrack,
  frames: readonly { data: Uint8Array; timestampUs: number; keyframe?: boolean }[],
  start: number,
  writtenAt?: number[],
): Promise<number> {
  let written = 0;
  for (const frame of frames) {
    await sleep(Math.max(0, start + frame.timestampUs / 1000 - performance.now()));
    writtenAt?.push(performance.now());
    if (track.writeFrame(frame.data, { timestamp: frame.timestampUs, keyframe: frame.keyframe }))
      written++;
  }
  return written;
}
