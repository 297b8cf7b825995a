// Runs the recorder as a user does, with `node` against the built packages, and checks that
// the WebM it wrote holds the clip's frames byte for byte, in order, with their timing.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { CLIP, readClip } from '../../demo/media/clip.mjs';

const run = promisify(execFile);
const dir = fileURLToPath(new URL('.', import.meta.url));
const ffprobe = '/usr/bin/ffprobe'; // Debian's ffmpeg, installed by .ci/run
const scratch = mkdtempSync(join(tmpdir(), 'x-recorder-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it('records the peer’s VP8 and Opus to a WebM holding every frame unchanged', async () => {
  const output = join(scratch, 'recording.webm');
  const { stdout } = await run(process.execPath, ['recorder.mjs', CLIP, output], {
    cwd: dir,
    timeout: 20_000,
  });
  const lines = stdout.trim().split('\n');
  expect(lines).toContain('recorded video: 45 frames 320x240');
  expect(lines.at(-1)).toMatch(/: 3\.0\d s, vp8 \+ opus$/);

  const [sent, recorded] = await Promise.all([readClip(CLIP), readClip(output)]);
  for (const kind of ['video', 'audio']) {
    const a = sent.find((t) => t.kind === kind)!;
    const b = recorded.find((t) => t.kind === kind)!;
    expect(b.codec).toBe(a.codec);
    expect(lines).toContain(
      `recorded ${kind}: ${a.frames.length} frames${kind === 'video' ? ' 320x240' : ''}`,
    );
    expect(b.frames.length).toBe(a.frames.length);
    const t0 = a.frames[0]!.timestampUs;
    b.frames.forEach((frame, i) => {
      expect(Buffer.from(frame.data)).toEqual(Buffer.from(a.frames[i]!.data));
      expect(frame.keyframe).toBe(kind === 'audio' || a.frames[i]!.keyframe);
      // WebM keeps milliseconds; the RTP clock rounds to its own tick.
      expect(Math.abs(frame.timestampUs - (a.frames[i]!.timestampUs - t0))).toBeLessThanOrEqual(
        1000,
      );
    });
  }

  // What a player sees: ffprobe (ffmpeg's own WebM demuxer and decoders) reads both streams
  // and decodes every frame without an error.
  if (!existsSync(ffprobe)) {
    console.warn(`recorder: ${ffprobe} not found (apt ffmpeg), the ffprobe check is skipped`);
    return;
  }
  const probe = await run(ffprobe, [
    '-v',
    'error',
    '-count_frames',
    '-of',
    'json',
    '-show_entries',
    'stream=codec_name,width,height,nb_read_frames',
    output,
  ]);
  expect(probe.stderr).toBe('');
  expect(JSON.parse(probe.stdout).streams).toEqual([
    { codec_name: 'vp8', width: 320, height: 240, nb_read_frames: '45' },
    {
      codec_name: 'opus',
      nb_read_frames: String(sent.find((t) => t.kind === 'audio')!.frames.length),
    },
  ]);
}, 30_000);
