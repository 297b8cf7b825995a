// Runs the voice loop as a user does: `node server.mjs` (the built @x/webrtc) and a tab of
// headless Chromium (apt `chromium`, playwright-core) whose fake microphone (a beep) talks to
// it. The server must get Opus frames 20 ms apart and send them back; Chromium must receive
// and play them (its getStats); hanging up and SIGTERM must close everything.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumLaunchOptions } from '../../interop/webrtc/chromium-options.mjs';
import { startExampleServer } from '../testing-server.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const haveChromium = existsSync(CHROMIUM);

interface Call {
  id: string;
  connectionState: string;
  framesIn: number;
  framesOut: number;
  firstTimestamps: number[];
}
interface Inbound {
  packetsReceived: number;
  totalSamplesReceived: number;
  codec: string;
}

const startServer = () => startExampleServer(dir, {});

/** The tab's inbound audio as its getStats reports it. */
const inboundOf = (page: Page): Promise<Inbound | undefined> =>
  page.evaluate(async () => {
    // The browser's RTCPeerConnection, typed only as far as this reads it.
    type Stats = {
      type: string;
      id: string;
      kind?: string;
      codecId?: string;
      mimeType?: string;
      packetsReceived?: number;
      totalSamplesReceived?: number;
    };
    type BrowserPc = { getStats(): Promise<Map<string, Stats>> };
    const pc = (globalThis as unknown as { result: { pc: BrowserPc | null } }).result.pc;
    if (!pc) return undefined;
    const stats = [...(await pc.getStats()).values()];
    const inbound = stats.find((s) => s.type === 'inbound-rtp' && s.kind === 'audio');
    if (!inbound) return undefined;
    const codec = stats.find((s) => s.id === inbound.codecId);
    return {
      packetsReceived: inbound.packetsReceived ?? 0,
      totalSamplesReceived: inbound.totalSamplesReceived ?? 0,
      codec: codec?.mimeType ?? '',
    };
  });

const callsSeenBy = (page: Page): Promise<Call[]> =>
  page.evaluate(async () => (await fetch('/calls')).json() as Promise<Call[]>);

describe('example voice-loop', () => {
  it.skipIf(!haveChromium)(
    haveChromium
      ? 'gets a Chromium tab’s Opus frames 20 ms apart and sends them back, which Chromium plays'
      : `skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`,
    async () => {
      const server = await startServer();
      const profile = mkdtempSync(join(tmpdir(), 'x-example-chromium-'));
      const options = chromiumLaunchOptions(profile);
      // A fake microphone (Chromium's beep), granted without a prompt.
      options.args.splice(
        -1,
        0,
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
      );
      let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
      try {
        context = await chromium.launchPersistentContext(profile, options);
        const tab = await context.newPage();
        await tab.goto(server.url);
        // One second of delay, then the reply plays: Chromium counts its packets and samples.
        await expect
          .poll(async () => (await inboundOf(tab))?.packetsReceived ?? 0, { timeout: 15_000 })
          .toBeGreaterThan(50);
        const before = (await inboundOf(tab))!;
        expect(before.codec).toBe('audio/opus');
        await expect
          .poll(async () => (await inboundOf(tab))!.totalSamplesReceived, { timeout: 5000 })
          .toBeGreaterThan(before.totalSamplesReceived + 48_000 * 0.5);

        const [call] = await callsSeenBy(tab);
        expect(call!.connectionState).toBe('connected');
        expect(call!.firstTimestamps).toEqual([0, 20_000, 40_000]);
        expect(call!.framesIn).toBeGreaterThan(call!.framesOut);
        expect(call!.framesOut).toBeGreaterThan(50);

        // Hanging up: the page closes and says bye; the server closes the call at once.
        await tab.click('#hangup');
        await expect.poll(async () => (await callsSeenBy(tab)).length, { timeout: 5000 }).toBe(0);
        await expect
          .poll(server.output, { timeout: 5000 })
          .toMatch(/call 1: closed \(the page hung up\): \d+ frames in, \d+ out/);
      } catch (error) {
        throw new Error(`${(error as Error).message}\nserver output:\n${server.output()}`, {
          cause: error,
        });
      } finally {
        await context?.close();
        rmSync(profile, { recursive: true, force: true });
        const code = await server.stop();
        expect(code, server.output()).toBe(0);
      }
      const out = server.output();
      expect(out).toMatch(/call 1: connected \(DTLS handshake complete/);
      expect(out).toContain("call 1: the caller's audio track arrived");
      expect(out).toMatch(/stopped\n$/);
    },
    60_000,
  );
});
