import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeNet, systemClock } from '../index.js';
import { VirtualClock } from '../virtual/virtual-clock.js';
import { LeakError, startLeakCheck } from './leaks.js';

describe('startLeakCheck', () => {
  it('reports a socket and a timer left open, with where they were opened', async () => {
    const check = startLeakCheck();
    const socket = await nodeNet.bindUdp({ address: '127.0.0.1', onMessage: () => {} });
    const timer = systemClock.setTimeout(() => {}, 10_000);
    const clock = new VirtualClock();
    const virtualTimer = clock.setTimeout(() => {}, 5);
    const leaks = await check.finish({ graceMs: 20 });
    expect(leaks).toHaveLength(3);
    expect(leaks[0]).toMatch(/^udp-socket: UDP 127\.0\.0\.1:\d+, opened at:\n.*leaks\.test\.ts/s);
    expect(leaks[1]).toMatch(/^timer: timer of 10000 ms/);
    expect(leaks[2]).toMatch(/^virtual clock: timer due at 5 ms/);
    await socket.close();
    timer.cancel();
    virtualTimer.cancel();
  });

  it('is clean when everything is closed, even when a close completes a moment later', async () => {
    const check = startLeakCheck();
    const socket = await nodeNet.bindUdp({ address: '127.0.0.1', onMessage: () => {} });
    void socket.close(); // not awaited: the grace period covers it
    systemClock.setTimeout(() => {}, 1);
    await expect(check.assertNoLeaks()).resolves.toBeUndefined();
  });

  it('throws LeakError listing the resources', async () => {
    const check = startLeakCheck({ captureOrigins: false });
    const clock = new VirtualClock();
    const t = clock.setTimeout(() => {}, 1);
    const error = await check.assertNoLeaks({ graceMs: 0 }).catch((e: unknown) => e);
    expect(LeakError.isInstance(error)).toBe(true);
    expect((error as LeakError).leaks).toEqual(['virtual clock: timer due at 1 ms']);
    t.cancel();
  });

  it('fails every leaking test of a real vitest run that uses the repository setup', async () => {
    const config = fileURLToPath(new URL('./fixtures/vitest.leaky.config.ts', import.meta.url));
    const output = await new Promise<string>((resolve) => {
      execFile(
        process.execPath,
        [
          fileURLToPath(new URL('../../../../node_modules/vitest/vitest.mjs', import.meta.url)),
          'run',
          '--config',
          config,
        ],
        { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
        (_error, stdout) => resolve(stdout),
      );
    });
    const report = JSON.parse(output.slice(output.indexOf('{'))) as {
      testResults: {
        assertionResults: { title: string; status: string; failureMessages: string[] }[];
      }[];
    };
    const results = report.testResults.flatMap((f) => f.assertionResults);
    const status = Object.fromEntries(results.map((r) => [r.title, r.status]));
    expect(status).toEqual({
      'leaks a real UDP socket': 'failed',
      'leaks a real timer': 'failed',
      'leaks a virtual timer': 'failed',
      'leaks a virtual socket': 'failed',
      'cleans up after itself': 'passed',
    });
    const messages = results.flatMap((r) => r.failureMessages).join('\n');
    expect(messages).toMatch(/LeakError: 1 resource\(s\) left open/);
    expect(messages).toMatch(/virtual host h: UDP 0\.0\.0\.0:49152 open/);
  }, 60_000);
});
