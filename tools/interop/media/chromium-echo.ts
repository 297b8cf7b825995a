/**
 * An RTCPeerConnection in a Chromium page (see chromium-media.ts for the launch) for the W3C
 * media tests of chromium-echo.test.ts: it may send the fake camera and microphone, plays
 * every track it receives in a `<video>` or `<audio>` element (so that Chromium decodes and
 * renders it, and counts freezes), negotiates without trickle (the descriptions carry their
 * candidates) and reports its `getStats()`.
 */
import type { RTCPeerConnection } from '@x/webrtc';
import type { Page } from 'playwright-core';
import { CAPTURE } from './chromium-media.js';

/** What the page does. */
export interface PageOptions {
  /** Capture and send the fake camera and microphone. */
  readonly camera: boolean;
  /** Which of the two to capture and send (default both). */
  readonly kinds?: readonly ('audio' | 'video')[];
  /** The camera's size and rate (default CAPTURE's). */
  readonly capture?: {
    readonly width: number;
    readonly height: number;
    readonly frameRate: number;
  };
  /** Video codecs to keep, in order, by `mimeType` (e.g. `video/H264`); all when absent. */
  readonly videoCodecs?: readonly string[];
}

/** The receiving side of a page, per kind. */
export interface InboundStats {
  readonly mimeType?: string;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly framesReceived?: number;
  readonly framesDecoded?: number;
  readonly keyFramesDecoded?: number;
  readonly framesDropped?: number;
  readonly freezeCount?: number;
  /** Seconds. */
  readonly totalFreezesDuration?: number;
  readonly pauseCount?: number;
  readonly totalSamplesReceived?: number;
  readonly concealedSamples?: number;
  readonly frameWidth?: number;
  readonly frameHeight?: number;
  readonly nackCount?: number;
  readonly pliCount?: number;
  readonly retransmittedPacketsReceived?: number;
}

/** The sending side of a page, per kind. */
export interface OutboundStats {
  readonly mimeType?: string;
  readonly packetsSent: number;
  readonly bytesSent?: number;
  readonly framesEncoded?: number;
  readonly framesSent?: number;
  readonly keyFramesEncoded?: number;
  readonly pliCount?: number;
  readonly nackCount?: number;
  readonly retransmittedPacketsSent?: number;
  /** The encoder's target (bit/s): what the sender's bandwidth estimate gives this stream. */
  readonly targetBitrate?: number;
}

export interface PageStats {
  readonly connectionState: string;
  readonly at: number;
  /** The selected candidate pair's `availableOutgoingBitrate` (bit/s), when known. */
  readonly availableOutgoingBitrate?: number;
  readonly inbound: { audio?: InboundStats; video?: InboundStats };
  readonly outbound: { audio?: OutboundStats; video?: OutboundStats };
}

// The page's objects, typed loosely: the test program has no DOM types.
// biome-ignore lint/suspicious/noExplicitAny: the page's own objects
type Any = any;
type PageGlobal = { echo?: Any };

/** Creates the page's connection (and captures, if asked). */
export function pageCreate(page: Page, options: PageOptions): Promise<void> {
  return page.evaluate(
    async ({ options, capture }) => {
      const w = globalThis as Any;
      const pc = new w.RTCPeerConnection();
      const stream = options.camera
        ? await w.navigator.mediaDevices.getUserMedia({
            audio: options.kinds?.includes('audio') ?? true,
            video: (options.kinds?.includes('video') ?? true) && {
              width: capture.width,
              height: capture.height,
              frameRate: capture.frameRate,
            },
          })
        : undefined;
      const elements: Any[] = [];
      pc.ontrack = ({ track }: Any) => {
        const element = w.document.createElement(track.kind);
        element.autoplay = true;
        element.muted = false;
        element.srcObject = new w.MediaStream([track]);
        w.document.body.append(element);
        void element.play().catch(() => {});
        elements.push(element);
      };
      // Keeps the chosen video codecs on every video transceiver (setCodecPreferences).
      const preferCodecs = () => {
        if (options.videoCodecs === undefined) return;
        const all = w.RTCRtpReceiver.getCapabilities('video').codecs;
        const wanted = options.videoCodecs.flatMap((name: string) =>
          all.filter((c: Any) => c.mimeType.toLowerCase() === name.toLowerCase()),
        );
        for (const t of pc.getTransceivers())
          if (t.receiver.track.kind === 'video') t.setCodecPreferences(wanted);
      };
      // Sets the local description and waits for gathering to complete (at most 3 s).
      const settle = async (): Promise<string> => {
        await pc.setLocalDescription();
        await new Promise<void>((resolve) => {
          if (pc.iceGatheringState === 'complete') return resolve();
          const timer = setTimeout(resolve, 3000);
          pc.addEventListener('icegatheringstatechange', () => {
            if (pc.iceGatheringState !== 'complete') return;
            clearTimeout(timer);
            resolve();
          });
        });
        return pc.localDescription.sdp;
      };
      (w as PageGlobal).echo = { pc, stream, elements, preferCodecs, settle };
    },
    { options, capture: options.capture ?? CAPTURE },
  );
}

/** The page offers: its camera tracks sendrecv, or one recvonly transceiver per kind. */
export function pageOffer(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const { pc, stream, preferCodecs, settle } = (globalThis as PageGlobal).echo;
    if (stream) for (const track of stream.getTracks()) pc.addTrack(track, stream);
    else for (const kind of ['audio', 'video']) pc.addTransceiver(kind, { direction: 'recvonly' });
    preferCodecs();
    return settle();
  });
}

/**
 * The page answers: with a camera, each offered section of its kind takes the camera's track
 * and becomes sendrecv (as a browser application does on `track`).
 */
export function pageAnswer(page: Page, offer: string): Promise<string> {
  return page.evaluate(async (offer) => {
    const { pc, stream, preferCodecs, settle } = (globalThis as PageGlobal).echo;
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    for (const t of pc.getTransceivers()) {
      const track = stream?.getTracks().find((x: Any) => x.kind === t.receiver.track.kind);
      if (track === undefined) continue;
      await t.sender.replaceTrack(track);
      t.direction = 'sendrecv';
    }
    preferCodecs();
    return settle();
  }, offer);
}

/** Applies our answer to the page's offer. */
export function pageAccept(page: Page, answer: string): Promise<void> {
  return page.evaluate(
    (sdp) => (globalThis as Any).echo.pc.setRemoteDescription({ type: 'answer', sdp }),
    answer,
  );
}

/** The page's statistics now. */
export function pageStats(page: Page): Promise<PageStats> {
  return page.evaluate(async () => {
    const pc = (globalThis as Any).echo.pc;
    const report = await pc.getStats();
    const all: Any[] = [...report.values()];
    const byId = new Map(all.map((s) => [s.id, s]));
    const find = (type: string, kind: string) =>
      all.find((x) => x.type === type && x.kind === kind);
    const inbound = (kind: string) => {
      const s = find('inbound-rtp', kind);
      if (s === undefined) return undefined;
      return {
        mimeType: byId.get(s.codecId)?.mimeType,
        packetsReceived: s.packetsReceived,
        packetsLost: s.packetsLost,
        framesReceived: s.framesReceived,
        framesDecoded: s.framesDecoded,
        keyFramesDecoded: s.keyFramesDecoded,
        framesDropped: s.framesDropped,
        freezeCount: s.freezeCount,
        totalFreezesDuration: s.totalFreezesDuration,
        pauseCount: s.pauseCount,
        totalSamplesReceived: s.totalSamplesReceived,
        concealedSamples: s.concealedSamples,
        frameWidth: s.frameWidth,
        frameHeight: s.frameHeight,
        nackCount: s.nackCount,
        pliCount: s.pliCount,
        retransmittedPacketsReceived: s.retransmittedPacketsReceived,
      };
    };
    const outbound = (kind: string) => {
      const s = find('outbound-rtp', kind);
      if (s === undefined) return undefined;
      return {
        mimeType: byId.get(s.codecId)?.mimeType,
        packetsSent: s.packetsSent,
        bytesSent: s.bytesSent,
        framesEncoded: s.framesEncoded,
        framesSent: s.framesSent,
        keyFramesEncoded: s.keyFramesEncoded,
        pliCount: s.pliCount,
        nackCount: s.nackCount,
        retransmittedPacketsSent: s.retransmittedPacketsSent,
        targetBitrate: s.targetBitrate,
      };
    };
    const transport = all.find((x) => x.type === 'transport');
    const pair = byId.get(transport?.selectedCandidatePairId);
    return {
      connectionState: pc.connectionState,
      at: performance.timeOrigin + performance.now(),
      availableOutgoingBitrate: pair?.availableOutgoingBitrate,
      inbound: { audio: inbound('audio'), video: inbound('video') },
      outbound: { audio: outbound('audio'), video: outbound('video') },
    };
  });
}

/** Stops sending video (the sender's track replaced by none): `framesSent` stops moving. */
export function pageStopVideo(page: Page): Promise<void> {
  return page.evaluate(async () => {
    for (const t of (globalThis as Any).echo.pc.getTransceivers())
      if (t.sender.track?.kind === 'video') await t.sender.replaceTrack(null);
  });
}

/** Closes the page's connection, stops its tracks and removes its elements. */
export async function pageClose(page: Page): Promise<void> {
  await page
    .evaluate(() => {
      const w = globalThis as Any;
      const echo = w.echo;
      if (echo === undefined) return;
      echo.pc.close();
      for (const t of echo.stream?.getTracks() ?? []) t.stop();
      for (const e of echo.elements) e.remove();
      w.echo = undefined;
    })
    .catch(() => {});
}

/** Sets our local description and waits for gathering to complete: no trickle. */
export async function settle(pc: RTCPeerConnection): Promise<string> {
  const gathered = new Promise<void>((resolve) => {
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve();
    });
  });
  await pc.setLocalDescription();
  if (pc.iceGatheringState !== 'complete') await gathered;
  return pc.localDescription!.sdp;
}

/** Waits until our `pc` is connected (or throws on failed/closed). */
export function connected(pc: RTCPeerConnection): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (pc.connectionState === 'connected') resolve();
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed')
        reject(new Error(`our connection went ${pc.connectionState}`));
    };
    pc.addEventListener('connectionstatechange', check);
    check();
  });
}

/** Negotiates between our `pc` and the page (made with {@link pageCreate}), either side offering. */
export async function negotiate(
  page: Page,
  pc: RTCPeerConnection,
  weOffer: boolean,
): Promise<void> {
  if (weOffer) {
    const answer = await pageAnswer(page, await settle(pc));
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  } else {
    await pc.setRemoteDescription({ type: 'offer', sdp: await pageOffer(page) });
    await pageAccept(page, await settle(pc));
  }
  await connected(pc);
}
