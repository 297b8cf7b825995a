// Runs the forwarding example as a user does, with `node` against the built packages: the
// subscriber must get every frame the publisher wrote, unchanged, through the server's
// rtp() → writeRtp() relay, and the subscriber's keyframe request must reach the publisher.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { CLIP, readClip } from '../../demo/media/clip.mjs';

const run = promisify(execFile);
const dir = fileURLToPath(new URL('.', import.meta.url));

it('relays every frame unchanged and passes the keyframe request upstream', async () => {
  const [{ stdout }, clip] = await Promise.all([
    run(process.execPath, ['forwarding.mjs', CLIP], { cwd: dir, timeout: 20_000 }),
    readClip(CLIP),
  ]);
  const lines = stdout.trim().split('\n');
  for (const track of clip) {
    const hash = createHash('sha256');
    for (const frame of track.frames) hash.update(frame.data);
    const keys =
      track.kind === 'video' ? ` (${track.frames.filter((f) => f.keyframe).length} keyframes)` : '';
    expect(lines).toContain(
      `subscriber: ${track.kind} ${track.frames.length} frames${keys}, sha256 ${hash.digest('hex').slice(0, 16)}`,
    );
    expect(
      lines.some((l) => l.startsWith(`server: relayed `) && l.endsWith(` ${track.kind} packets`)),
    ).toBe(true);
  }
  expect(lines).toContain('server: video keyframe request passed upstream');
  expect(lines).toContain('publisher: video keyframe request (pli)');
  expect(lines.at(-1)).toBe('done');
}, 30_000);
