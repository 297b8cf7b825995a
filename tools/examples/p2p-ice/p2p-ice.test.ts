// Runs the example as a user does (`node p2p-ice.mjs`, importing the built @x/ice by package
// name) and checks what it prints: the state changes with their causes, every frame of the
// protocol acknowledged, and a clean close (the process exits by itself, so no socket or
// timer was left open).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = fileURLToPath(new URL('.', import.meta.url));

describe('example p2p-ice', () => {
  it('connects two agents on 127.0.0.1, exchanges framed messages and closes cleanly', async () => {
    const { stdout } = await run(process.execPath, ['p2p-ice.mjs'], { cwd: dir, timeout: 15_000 });
    const lines = stdout.split('\n');
    for (const who of ['alice', 'bob']) {
      // Each change printed once, in order, with its cause.
      const ice = lines.filter((l) => new RegExp(`^ +[\\d.]+ s  ${who} +ICE `).test(l));
      expect(ice.map((l) => l.split(/ +/)[5])).toEqual([
        'Checking',
        'Connected',
        'Completed',
        'Closed',
      ]);
      expect(ice[1]).toMatch(
        // The first valid pair carries data at once (RFC 8445 §12.1); the controlled side may
        // hear the nomination before its own check succeeds.
        /pair (works, data may flow before nomination \(RFC 8445 §12\.1\)|nominated): host udp 127\.0\.0\.1:\d+ <-> host udp 127\.0\.0\.1:\d+$/,
      );
      expect(ice[3]).toMatch(/close\(\) was called$/);
      expect(stdout).toContain(`${who}: states Checking > Connected > Completed > Closed;`);
      expect(stdout).toMatch(new RegExp(`${who} +PAIR host udp 127\\.0\\.0\\.1:\\d+ <-> host`));
    }
    // Bob got all five frames (two of them packed in one datagram) and acknowledged the four
    // before the goodbye, upper-cased.
    expect(lines.filter((l) => / bob +RECV /.test(l)).map((l) => l.split('RECV ')[1])).toEqual([
      'Hello #1 "alice/1.0"',
      'Text #2 "hello bob"',
      'Text #3 "two frames, one datagram"',
      'Text #4 1000 bytes',
      'Bye #5 "see you"',
    ]);
    const acks = lines.filter((l) => / alice +RECV Ack /.test(l));
    expect(acks.map((l) => l.split('RECV ')[1]!.replace(/ after .*/, ''))).toEqual([
      'Ack #1 "ALICE/1.0"',
      'Ack #2 "HELLO BOB"',
      'Ack #3 "TWO FRAMES, ONE DATAGRAM"',
      'Ack #4 1000 bytes',
    ]);
    expect(stdout).toContain(
      'alice: states Checking > Connected > Completed > Closed; frames sent 5, received 4, dropped datagrams 0',
    );
    expect(stdout).toContain(
      'bob: states Checking > Connected > Completed > Closed; frames sent 4, received 5, dropped datagrams 0',
    );
    expect(stdout).toMatch(/median frame RTT [\d.]+ ms; closed cleanly\n$/);
  });
});
