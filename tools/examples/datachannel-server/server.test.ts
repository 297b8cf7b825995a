// Runs the example as a user does: `node server.mjs` (the built @x/webrtc, imported by package
// name) and three tabs of headless Chromium (apt `chromium`, driven by playwright-core) that
// open its page at once. Each tab must connect, get its own peer connection on the server and
// have its messages echoed; a closed tab says bye; SIGTERM closes everything and the server
// exits by itself.
//
// Chromium is launched with the switches of tools/interop/webrtc/chromium-options.mjs, those
// that work on a loopback-only host (tools/interop/README.md says why).
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

interface PageResult {
  state: string;
  id: string | null;
  echoes: string[];
  error: string | null;
}
interface PeerInfo {
  id: string;
  connectionState: string;
  cause: string;
  channel: string | null;
  messages: number;
}

const startServer = () => startExampleServer(dir, { MAX_PEERS: '3' });

/** Waits until the page got `count` echoes; on a timeout, says what the page saw. */
const waitForEcho = async (page: Page, count: number): Promise<void> => {
  try {
    await page.waitForFunction(
      (n) => {
        const r = (globalThis as unknown as { result?: PageResult }).result;
        return (
          r !== undefined && (r.error !== null || r.state === 'failed' || r.echoes.length >= n)
        );
      },
      count,
      { timeout: 15_000 },
    );
    const r = await resultOf(page);
    if (r.echoes.length < count) throw new Error(`state ${r.state}, error ${r.error}`);
  } catch (error) {
    const seen = await page.evaluate(
      () =>
        (
          globalThis as unknown as {
            document: { getElementById(id: string): { textContent: string } | null };
          }
        ).document.getElementById('log')?.textContent,
    );
    throw new Error(`no echo #${count} in the page; its log:\n${seen}`, { cause: error });
  }
};

const resultOf = (page: Page): Promise<PageResult> =>
  page.evaluate(() => (globalThis as unknown as { result: PageResult }).result);

const peersSeenBy = (page: Page): Promise<PeerInfo[]> =>
  page.evaluate(async () => (await fetch('/peers')).json() as Promise<PeerInfo[]>);

describe('example datachannel-server', () => {
  it.skipIf(!haveChromium)(
    haveChromium
      ? 'serves three Chromium tabs at once, one RTCPeerConnection each, and echoes their messages'
      : `skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`,
    async () => {
      const server = await startServer();
      const profile = mkdtempSync(join(tmpdir(), 'x-example-chromium-'));
      let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
      try {
        context = await chromium.launchPersistentContext(profile, chromiumLaunchOptions(profile));
        const tabs = await Promise.all([1, 2, 3].map(() => context!.newPage()));
        // All three at once: the server answers three offers concurrently.
        await Promise.all(tabs.map((tab) => tab.goto(server.url)));
        await Promise.all(tabs.map((tab) => waitForEcho(tab, 1)));
        const first = await Promise.all(tabs.map(resultOf));
        for (const r of first) {
          expect(r.error).toBeNull();
          expect(r.state).toBe('connected');
          expect(r.echoes).toEqual([`echo: hello from tab ${r.id}`]);
        }
        // One peer connection per tab on the server.
        expect(new Set(first.map((r) => r.id)).size).toBe(3);

        // A message typed into each page's form comes back on that tab only.
        await Promise.all(
          tabs.map(async (tab, i) => {
            await tab.fill('#text', `message ${i} from the form`);
            await tab.click('button');
            await waitForEcho(tab, 2);
            expect((await resultOf(tab)).echoes[1]).toBe(`echo: message ${i} from the form`);
          }),
        );
        const peers = await peersSeenBy(tabs[0]!);
        expect(peers).toHaveLength(3);
        for (const p of peers) {
          expect(p.connectionState).toBe('connected');
          expect(p.cause).toMatch(/^DTLS handshake complete/);
          expect(p.channel).toBe('open');
          expect(p.messages).toBe(2);
        }

        // A fourth offer is refused: the server was started with MAX_PEERS=3.
        const refused = await tabs[0]!.evaluate(async () => {
          const r = await fetch('/offer', {
            method: 'POST',
            body: JSON.stringify({ type: 'offer', sdp: 'v=0' }),
          });
          return r.status;
        });
        expect(refused).toBe(503);

        // A tab that closes says bye (sendBeacon on pagehide): its peer is closed at once.
        const leaving = first[2]!.id;
        await tabs[2]!.close({ runBeforeUnload: true });
        await expect
          .poll(async () => (await peersSeenBy(tabs[0]!)).map((p) => p.id), { timeout: 5000 })
          .not.toContain(leaving);
        expect(server.output()).toContain(`peer ${leaving}: closed (the page said bye)`);
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
      for (let id = 1; id <= 3; id++) {
        expect(out).toMatch(new RegExp(`peer ${id}: connectionState connecting \\(`));
        expect(out).toMatch(
          new RegExp(`peer ${id}: connectionState connected \\(DTLS handshake complete`),
        );
        expect(out).toContain(`peer ${id}: data channel "echo" open`);
      }
      expect(out).toMatch(/SIGTERM: closing 2 peer\(s\)/);
      expect(out).toMatch(/stopped\n$/);
    },
    60_000,
  );
});
