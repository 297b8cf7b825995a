// Runs the program of packages/webrtc/README.md ("A complete program") as a user does, with
// `node` against the built packages, and checks that the README shows this very file.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const dir = fileURLToPath(new URL('.', import.meta.url));

it('connects, echoes, and the peer hears the close, as the README says', async () => {
  const { stdout } = await run(process.execPath, ['two-peers.mjs'], { cwd: dir, timeout: 15_000 });
  const lines = stdout.trim().split('\n');
  expect(lines).toContain(
    'alice: connected (DTLS handshake complete (EcdheEcdsaAes128GcmSha256, AeadAes128Gcm))',
  );
  expect(lines.slice(-5)).toEqual([
    'bob got: hello',
    'alice got: echo: hello',
    'bob: channel error sctp-failure',
    'bob: channel closed, alice closed hers',
    'done',
  ]);
});

it('is the program packages/webrtc/README.md shows', () => {
  const readme = readFileSync(
    new URL('../../../packages/webrtc/README.md', import.meta.url),
    'utf8',
  );
  const section = readme.slice(readme.indexOf('## A complete program'));
  const block = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block).toBe(readFileSync(new URL('two-peers.mjs', import.meta.url), 'utf8'));
});
