/**
 * Headless Chromium as a media sender: its fake camera and microphone
 * (`--use-fake-device-for-media-stream`, granted by `--use-fake-ui-for-media-stream`) on a
 * `http://127.0.0.1` page (getUserMedia needs a secure context, which loopback is), an
 * RTCPeerConnection that offers both tracks with the video codec forced by
 * `setCodecPreferences`. The launch switches are those of chromium-options.mjs (loopback-only
 * host); with the fake devices Chromium also signals a `127.0.0.1` host candidate.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { CHROMIUM, chromiumLaunchOptions } from '../webrtc/chromium-options.mjs';

export { CHROMIUM };

/** The media the page captures: small, so that a capture stays tens of kilobytes. */
export const CAPTURE = { width: 320, height: 240, frameRate: 15, maxVideoBitrate: 150_000 };

export interface MediaBrowser {
  readonly page: Page;
  readonly version: string;
  close(): Promise<void>;
}

/** Starts Chromium with the fake devices and opens an empty page served from 127.0.0.1. */
export async function launchMediaChromium(): Promise<MediaBrowser> {
  const server: Server = createServer((_, response) => {
    response.setHeader('content-type', 'text/html');
    response.end('<!doctype html><title>media</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'x-chromium-media-'));
  const options = chromiumLaunchOptions(dir);
  // Before the start URL, which stays last.
  options.args.splice(
    options.args.length - 1,
    0,
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
  );
  const context = await chromium.launchPersistentContext(dir, options);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`http://127.0.0.1:${port}/`);
  return {
    page,
    // The user agent string says only "156.0.0.0": the binary says more.
    version: execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim(),
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What the page reports of its sending side (getStats). */
export interface SenderStats {
  readonly connectionState: string;
  /** `transport.srtpCipher` and `dtlsCipher`. */
  readonly srtpCipher?: string;
  readonly dtlsCipher?: string;
  readonly audio?: OutboundStats;
  readonly video?: OutboundStats;
}

export interface OutboundStats {
  readonly ssrc: number;
  readonly mimeType?: string;
  readonly sdpFmtpLine?: string;
  readonly packetsSent: number;
  readonly framesEncoded?: number;
  readonly keyFramesEncoded?: number;
  readonly framesPerSecond?: number;
  readonly frameWidth?: number;
  readonly frameHeight?: number;
  readonly pliCount?: number;
  readonly encoderImplementation?: string;
}

/** The page's view of its capabilities, for the report. */
export interface Capabilities {
  /** `mimeType sdpFmtpLine` of `RTCRtpSender.getCapabilities('video')`. */
  readonly videoSend: string[];
  readonly videoReceive: string[];
  /** The camera track's settings. */
  readonly cameraSettings: Record<string, unknown>;
}

/** The video codec forced with setCodecPreferences: a name and fmtp parameters to match. */
export interface VideoChoice {
  readonly name: 'VP8' | 'H264';
  readonly fmtp?: Readonly<Record<string, string>>;
  /** Offer RTX (RFC 4588) for it too. */
  readonly rtx?: boolean;
}

type PageGlobal = {
  media?: { pc: { close(): void }; stream: { getTracks(): { stop(): void }[] } };
};

/**
 * Captures camera and microphone, adds both tracks, forces the codecs, makes the offer and
 * waits for ICE gathering to complete (at most 3 s). Returns the local description.
 */
export async function chromiumOffer(
  page: Page,
  video: VideoChoice,
): Promise<{ sdp: string; capabilities: Capabilities }> {
  return page.evaluate(
    async ({ video, capture }) => {
      // Typed loosely: the test program has no DOM types.
      // biome-ignore lint/suspicious/noExplicitAny: the page's own objects
      const w = globalThis as any;
      const describe = (codecs: { mimeType: string; sdpFmtpLine?: string }[]) =>
        codecs.map((c) => `${c.mimeType} ${c.sdpFmtpLine ?? ''}`.trim());
      const stream = await w.navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { width: capture.width, height: capture.height, frameRate: capture.frameRate },
      });
      const pc = new w.RTCPeerConnection();
      (w as PageGlobal).media = { pc, stream };
      for (const track of stream.getTracks()) pc.addTrack(track, stream);
      const matches = (c: { mimeType: string; sdpFmtpLine?: string }, name: string, fmtp = {}) => {
        if (c.mimeType.toLowerCase() !== name.toLowerCase()) return false;
        const line: Record<string, string> = {};
        for (const kv of (c.sdpFmtpLine ?? '').split(';')) {
          const [k, v] = kv.split('=');
          if (k) line[k.trim()] = (v ?? '').trim();
        }
        return Object.entries(fmtp).every(([k, v]) => line[k] === v);
      };
      for (const t of pc.getTransceivers()) {
        const kind = t.sender.track.kind as 'audio' | 'video';
        const all = w.RTCRtpReceiver.getCapabilities(kind).codecs;
        const wanted =
          kind === 'audio'
            ? all.filter((c: { mimeType: string }) => matches(c, 'audio/opus'))
            : all.filter(
                (c: { mimeType: string }) =>
                  matches(c, `video/${video.name}`, video.fmtp) ||
                  (video.rtx === true && matches(c, 'video/rtx')),
              );
        if (wanted.length === 0) throw new Error(`no ${kind} codec ${JSON.stringify(video)}`);
        t.setCodecPreferences(wanted);
        if (kind === 'video') {
          const parameters = t.sender.getParameters();
          for (const e of parameters.encodings) e.maxBitrate = capture.maxVideoBitrate;
          await t.sender.setParameters(parameters);
        }
      }
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        const timer = setTimeout(resolve, 3000);
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState !== 'complete') return;
          clearTimeout(timer);
          resolve();
        });
      });
      return {
        sdp: pc.localDescription.sdp as string,
        capabilities: {
          videoSend: describe(w.RTCRtpSender.getCapabilities('video').codecs),
          videoReceive: describe(w.RTCRtpReceiver.getCapabilities('video').codecs),
          cameraSettings: stream.getVideoTracks()[0].getSettings(),
        },
      };
    },
    { video, capture: CAPTURE },
  );
}

/** Applies our answer. */
export function chromiumAccept(page: Page, sdp: string): Promise<void> {
  return page.evaluate(
    (sdp) =>
      // biome-ignore lint/suspicious/noExplicitAny: the page's own objects
      ((globalThis as any).media.pc as any).setRemoteDescription({ type: 'answer', sdp }),
    sdp,
  );
}

/** The sending side's statistics. */
export function chromiumSenderStats(page: Page): Promise<SenderStats> {
  return page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the page's own objects
    const pc = (globalThis as any).media.pc as any;
    const report = await pc.getStats();
    // biome-ignore lint/suspicious/noExplicitAny: RTCStats dictionaries
    const all: any[] = [...report.values()];
    const byId = new Map(all.map((s) => [s.id, s]));
    // biome-ignore lint/suspicious/noExplicitAny: an RTCOutboundRtpStreamStats
    const outbound = (kind: string): any => {
      const s = all.find((x) => x.type === 'outbound-rtp' && x.kind === kind);
      if (s === undefined) return undefined;
      const codec = byId.get(s.codecId);
      return {
        ssrc: s.ssrc,
        mimeType: codec?.mimeType,
        sdpFmtpLine: codec?.sdpFmtpLine,
        packetsSent: s.packetsSent,
        framesEncoded: s.framesEncoded,
        keyFramesEncoded: s.keyFramesEncoded,
        framesPerSecond: s.framesPerSecond,
        frameWidth: s.frameWidth,
        frameHeight: s.frameHeight,
        pliCount: s.pliCount,
        encoderImplementation: s.encoderImplementation,
      };
    };
    const transport = all.find((x) => x.type === 'transport');
    return {
      connectionState: pc.connectionState,
      srtpCipher: transport?.srtpCipher,
      dtlsCipher: transport?.dtlsCipher,
      audio: outbound('audio'),
      video: outbound('video'),
    };
  });
}

/** Closes the page's peer connection and stops its tracks. */
export async function chromiumHangUp(page: Page): Promise<void> {
  await page
    .evaluate(() => {
      const w = globalThis as unknown as PageGlobal;
      w.media?.pc.close();
      for (const t of w.media?.stream.getTracks() ?? []) t.stop();
      w.media = undefined;
    })
    .catch(() => {});
}

/**
 * Chromium for the media tests of the calling file: launched before them (a missing Chromium
 * fails them, saying how to install it), closed after them. Call it at the top of a test
 * file; the function it returns gives the browser inside the tests.
 */
export function chromiumForTests(): () => MediaBrowser {
  let browser: MediaBrowser | undefined;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    browser = await launchMediaChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (browser === undefined) throw new Error('Chromium was not launched');
    return browser;
  };
}
