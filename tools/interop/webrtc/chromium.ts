/**
 * Headless Chromium (apt `chromium`, driven by playwright-core) as an {@link InteropPeer}. The
 * switches are those ../shared/INTEROP.md found to work on a loopback-only host; Playwright's
 * defaults are ignored because Chromium honours only the last `--disable-features`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { ChannelOptions, InteropPeer } from './harness.js';
import { loopbackOnly } from './harness.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Starts a browser; close it with `browser.close()`. */
export async function launchChromium(): Promise<{ page: Page; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'x-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    ignoreDefaultArgs: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--remote-debugging-pipe',
      `--user-data-dir=${dir}`,
      '--allow-loopback-in-peer-connection',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      'about:blank',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An RTCPeerConnection inside the page. */
export async function chromiumPeer(page: Page): Promise<InteropPeer> {
  await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    const pc = new RTCPeerConnection();
    const channels = new Map<string, RTCDataChannel>();
    const got = new Map<string, string[]>();
    const candidates: RTCIceCandidateInit[] = [];
    const describe = (data: unknown): string => {
      if (typeof data === 'string') return data;
      const bytes = new Uint8Array(data as ArrayBuffer);
      return `bin:${bytes.length}:${bytes[0]}:${bytes[bytes.length - 1]}`;
    };
    const watch = (c: RTCDataChannel, echo: boolean): void => {
      c.binaryType = 'arraybuffer';
      channels.set(c.label, c);
      got.set(c.label, []);
      c.onmessage = (e) => (echo ? c.send(e.data) : got.get(c.label)!.push(describe(e.data)));
    };
    pc.onicecandidate = (e) => {
      if (e.candidate?.candidate) candidates.push(e.candidate.toJSON());
    };
    w.x = { pc, channels, got, candidates, watch };
  });
  type X = {
    pc: RTCPeerConnection;
    channels: Map<string, RTCDataChannel>;
    got: Map<string, string[]>;
    candidates: RTCIceCandidateInit[];
    watch: (c: RTCDataChannel, echo: boolean) => void;
  };
  let candidateHandler:
    | ((c: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }) => void)
    | undefined;
  let polling: NodeJS.Timeout | undefined;
  const poll = async (): Promise<void> => {
    const cs = await page
      .evaluate(
        () =>
          (window as unknown as { x: X }).x.candidates.splice(0) as {
            candidate: string;
            sdpMid: string | null;
            sdpMLineIndex: number | null;
          }[],
      )
      .catch(() => []);
    for (const c of cs) if (loopbackOnly(c.candidate)) candidateHandler?.(c);
    polling = setTimeout(() => void poll(), 20);
  };
  return {
    name: 'chromium',
    createOffer: () =>
      page.evaluate(async () => ({
        type: 'offer' as const,
        sdp: (await (window as unknown as { x: X }).x.pc.createOffer()).sdp!,
      })),
    createAnswer: () =>
      page.evaluate(async () => ({
        type: 'answer' as const,
        sdp: (await (window as unknown as { x: X }).x.pc.createAnswer()).sdp!,
      })),
    setLocal: (d) =>
      page.evaluate(
        (d) =>
          (window as unknown as { x: X }).x.pc.setLocalDescription(d as RTCSessionDescriptionInit),
        d,
      ),
    setRemote: (d) =>
      page.evaluate(
        (d) =>
          (window as unknown as { x: X }).x.pc.setRemoteDescription(d as RTCSessionDescriptionInit),
        d,
      ),
    addCandidate: (c) =>
      page.evaluate((c) => (window as unknown as { x: X }).x.pc.addIceCandidate(c), c),
    onCandidate(handler) {
      candidateHandler = handler;
      if (!polling) void poll();
    },
    openChannel: (label, options?: ChannelOptions) =>
      page.evaluate(
        ([label, options]) =>
          new Promise<void>((resolve) => {
            const x = (window as unknown as { x: X }).x;
            const c = x.pc.createDataChannel(label, options);
            x.watch(c, false);
            c.onopen = () => resolve();
          }),
        [label, options ?? {}] as const,
      ),
    echoIncoming: () =>
      page.evaluate(() => {
        const x = (window as unknown as { x: X }).x;
        x.pc.ondatachannel = (e) => x.watch(e.channel, true);
      }),
    send: (label, data) =>
      page.evaluate(
        ([label, data]) => {
          const c = (window as unknown as { x: X }).x.channels.get(label)!;
          if (typeof data === 'string') c.send(data);
          else c.send(new Uint8Array(data.binary).fill(data.fill));
        },
        [label, data] as const,
      ),
    received: (label) =>
      page.evaluate(
        (label) => [...((window as unknown as { x: X }).x.got.get(label) ?? [])],
        label,
      ),
    channelState: (label) =>
      page.evaluate(
        (label) => (window as unknown as { x: X }).x.channels.get(label)?.readyState,
        label,
      ),
    closeChannel: (label) =>
      page.evaluate(
        (label) => (window as unknown as { x: X }).x.channels.get(label)?.close(),
        label,
      ),
    connectionState: () =>
      page.evaluate(() => (window as unknown as { x: X }).x.pc.connectionState),
    close: async () => {
      if (polling) clearTimeout(polling);
      polling = undefined;
      candidateHandler = undefined;
      await page.evaluate(() => (window as unknown as { x: X }).x.pc.close()).catch(() => {});
    },
  };
}
