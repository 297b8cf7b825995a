/**
 * Headless Chromium (apt `chromium`, driven by playwright-core) as an {@link InteropPeer}. The
 * switches are those that work on a loopback-only host (chromium-options.mjs); Playwright's
 * defaults are ignored because Chromium honours only the last `--disable-features`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { ChannelEvent, ChannelOptions, InteropPeer } from './harness.js';
import { CHROMIUM, chromiumLaunchOptions } from './chromium-options.mjs';
import { loopbackOnly, now } from './harness.js';

export { CHROMIUM };

/** Starts a browser; close it with `browser.close()`. */
export async function launchChromium(): Promise<{ page: Page; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'x-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(
    dir,
    chromiumLaunchOptions(dir),
  );
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What the page's objects offer, typed here because the test program has no DOM types. */
interface PageChannel {
  label: string;
  readyState: string;
  binaryType: string;
  addEventListener(type: string, listener: (e: { error?: unknown }) => void): void;
  onopen: (() => void) | null;
  onmessage: ((e: { data: unknown }) => void) | null;
  send(data: unknown): void;
  close(): void;
}
interface PagePeer {
  connectionState: string;
  createOffer(): Promise<{ sdp?: string }>;
  createAnswer(): Promise<{ sdp?: string }>;
  setLocalDescription(d: unknown): Promise<void>;
  setRemoteDescription(d: unknown): Promise<void>;
  addIceCandidate(c: unknown): Promise<void>;
  createDataChannel(label: string, options: unknown): PageChannel;
  close(): void;
  onicecandidate:
    | ((e: { candidate: { candidate: string; toJSON(): unknown } | null }) => void)
    | null;
  ondatachannel: ((e: { channel: PageChannel }) => void) | null;
}
type Candidate = { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null };
type X = {
  pc: PagePeer;
  channels: Map<string, PageChannel>;
  got: Map<string, string[]>;
  events: Map<string, ChannelEvent[]>;
  candidates: Candidate[];
  closedAt?: number;
  watch: (c: PageChannel, echo: boolean) => void;
};
type PageGlobal = { x: X; RTCPeerConnection: new () => PagePeer };

/** An RTCPeerConnection inside the page. */
export async function chromiumPeer(page: Page): Promise<InteropPeer> {
  await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobal;
    const pc = new w.RTCPeerConnection();
    const channels = new Map<string, PageChannel>();
    const got = new Map<string, string[]>();
    const events = new Map<string, ChannelEvent[]>();
    const candidates: Candidate[] = [];
    const describe = (data: unknown): string => {
      if (typeof data === 'string') return data;
      const bytes = new Uint8Array(data as ArrayBuffer);
      return `bin:${bytes.length}:${bytes[0]}:${bytes[bytes.length - 1]}`;
    };
    const watch = (c: PageChannel, echo: boolean): void => {
      c.binaryType = 'arraybuffer';
      channels.set(c.label, c);
      got.set(c.label, []);
      const log: ChannelEvent[] = [];
      events.set(c.label, log);
      const at = () => performance.timeOrigin + performance.now();
      if (c.readyState === 'open') log.push({ type: 'open', at: at() });
      for (const type of ['open', 'error', 'close'] as const) {
        c.addEventListener(type, (e) => {
          if (type === 'open' && log.some((l) => l.type === 'open')) return;
          const error = e.error as
            | { errorDetail?: string; sctpCauseCode?: number | null }
            | undefined;
          log.push({
            type,
            at: at(),
            ...(type === 'error'
              ? {
                  detail: `${error?.errorDetail}${error?.sctpCauseCode == null ? '' : `:${error.sctpCauseCode}`}`,
                }
              : {}),
          });
        });
      }
      c.onmessage = (e) => (echo ? c.send(e.data) : got.get(c.label)!.push(describe(e.data)));
    };
    pc.onicecandidate = (e) => {
      if (e.candidate?.candidate) candidates.push(e.candidate.toJSON() as Candidate);
    };
    w.x = { pc, channels, got, events, candidates, watch };
  });
  let candidateHandler:
    | ((c: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }) => void)
    | undefined;
  let polling: NodeJS.Timeout | undefined;
  const poll = async (): Promise<void> => {
    const cs = await page
      .evaluate(
        () =>
          (globalThis as unknown as PageGlobal).x.candidates.splice(0) as {
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
        sdp: (await (globalThis as unknown as PageGlobal).x.pc.createOffer()).sdp!,
      })),
    createAnswer: () =>
      page.evaluate(async () => ({
        type: 'answer' as const,
        sdp: (await (globalThis as unknown as PageGlobal).x.pc.createAnswer()).sdp!,
      })),
    setLocal: (d) =>
      page.evaluate((d) => (globalThis as unknown as PageGlobal).x.pc.setLocalDescription(d), d),
    setRemote: (d) =>
      page.evaluate((d) => (globalThis as unknown as PageGlobal).x.pc.setRemoteDescription(d), d),
    addCandidate: (c) =>
      page.evaluate((c) => (globalThis as unknown as PageGlobal).x.pc.addIceCandidate(c), c),
    onCandidate(handler) {
      candidateHandler = handler;
      if (!polling) void poll();
    },
    openChannel: (label, options?: ChannelOptions) =>
      page.evaluate(
        ([label, options]) =>
          new Promise<void>((resolve) => {
            const x = (globalThis as unknown as PageGlobal).x;
            const c = x.pc.createDataChannel(label, options);
            x.watch(c, false);
            c.onopen = () => resolve();
          }),
        [label, options ?? {}] as const,
      ),
    echoIncoming: () =>
      page.evaluate(() => {
        const x = (globalThis as unknown as PageGlobal).x;
        x.pc.ondatachannel = (e) => x.watch(e.channel, true);
      }),
    send: (label, data) =>
      page.evaluate(
        ([label, data]) => {
          const c = (globalThis as unknown as PageGlobal).x.channels.get(label)!;
          if (typeof data === 'string') c.send(data);
          else c.send(new Uint8Array(data.binary).fill(data.fill));
        },
        [label, data] as const,
      ),
    received: (label) =>
      page.evaluate(
        (label) => [...((globalThis as unknown as PageGlobal).x.got.get(label) ?? [])],
        label,
      ),
    channelState: (label) =>
      page.evaluate(
        (label) => (globalThis as unknown as PageGlobal).x.channels.get(label)?.readyState,
        label,
      ),
    closeChannel: (label) =>
      page.evaluate(
        (label) => (globalThis as unknown as PageGlobal).x.channels.get(label)?.close(),
        label,
      ),
    channelEvents: (label) =>
      page.evaluate(
        (label) => [...((globalThis as unknown as PageGlobal).x.events.get(label) ?? [])],
        label,
      ),
    connectionState: () =>
      page.evaluate(() => (globalThis as unknown as PageGlobal).x.pc.connectionState),
    close: async () => {
      if (polling) clearTimeout(polling);
      polling = undefined;
      candidateHandler = undefined;
      // The time is taken in the page, next to the call: a page.evaluate round trip is not.
      return page
        .evaluate(() => {
          const x = (globalThis as unknown as PageGlobal).x;
          x.closedAt ??= performance.timeOrigin + performance.now();
          x.pc.close();
          return x.closedAt;
        })
        .catch(() => now());
    },
  };
}
