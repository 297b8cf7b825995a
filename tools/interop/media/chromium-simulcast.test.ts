/**
 * Chromium sends its fake camera (1280×720) to us in three simulcast layers (RFC 8853:
 * `sendEncodings` h, m at ½, l at ¼); we answer `a=simulcast:recv h;m;l`, receive each layer
 * as its own stream (an `inbound-rtp` per rid), and forward the layer our remote track
 * carries back to Chromium on the same transceiver (a local track fed with `rtp()` →
 * `writeRtp()`), switching layers once with `receiver.selectLayer()`. Chromium plays the
 * echo in a `<video>` element: its `inbound-rtp` shows what it decoded, at which size, and
 * whether it froze.
 */
import { existsSync } from 'node:fs';
import { MediaStreamTrack, RTCPeerConnection, type RTCRtpReceiver } from '@x/webrtc';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchMediaChromium, type MediaBrowser } from './chromium-media.js';

// biome-ignore lint/suspicious/noExplicitAny: the page's own objects
type Any = any;

const CAPTURE = { width: 1280, height: 720, frameRate: 30 };

/** The page: camera at 1280×720, one sendrecv transceiver with three encodings, the echo played. */
function pageOffer(page: Page): Promise<string> {
  return page.evaluate(async (capture) => {
    const w = globalThis as Any;
    const stream = await w.navigator.mediaDevices.getUserMedia({
      video: { width: capture.width, height: capture.height, frameRate: capture.frameRate },
    });
    const pc = new w.RTCPeerConnection();
    const transceiver = pc.addTransceiver(stream.getVideoTracks()[0], {
      direction: 'sendrecv',
      sendEncodings: [
        { rid: 'h' },
        { rid: 'm', scaleResolutionDownBy: 2 },
        { rid: 'l', scaleResolutionDownBy: 4 },
      ],
    });
    // VP8 (and its RTX): the layers we forward back must be of a codec both sides send.
    const codecs = w.RTCRtpReceiver.getCapabilities('video').codecs.filter((c: Any) =>
      /video\/(vp8|rtx)/i.test(c.mimeType),
    );
    transceiver.setCodecPreferences(codecs);
    const element = w.document.createElement('video');
    element.autoplay = true;
    element.muted = true;
    w.document.body.append(element);
    pc.ontrack = ({ track }: Any) => {
      element.srcObject = new w.MediaStream([track]);
      void element.play().catch(() => {});
    };
    w.simulcast = { pc, stream, element };
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
    return pc.localDescription.sdp as string;
  }, CAPTURE);
}

interface PageOutbound {
  rid: string;
  ssrc: number;
  framesSent?: number;
  frameWidth?: number;
  frameHeight?: number;
  qualityLimitationReason?: string;
  active?: boolean;
  pliCount?: number;
}
interface PageInbound {
  packetsReceived: number;
  framesDecoded?: number;
  keyFramesDecoded?: number;
  freezeCount?: number;
  frameWidth?: number;
  frameHeight?: number;
  pliCount?: number;
  packetsLost?: number;
}

/** The page's sending layers and its decoding of the echo. */
function pageStats(page: Page): Promise<{ outbound: PageOutbound[]; inbound?: PageInbound }> {
  return page.evaluate(async () => {
    const pc = (globalThis as Any).simulcast.pc;
    const all: Any[] = [...(await pc.getStats()).values()];
    const inbound = all.find((s) => s.type === 'inbound-rtp' && s.kind === 'video');
    return {
      outbound: all
        .filter((s) => s.type === 'outbound-rtp' && s.kind === 'video')
        .map((s) => ({
          rid: s.rid,
          ssrc: s.ssrc,
          framesSent: s.framesSent,
          frameWidth: s.frameWidth,
          frameHeight: s.frameHeight,
          qualityLimitationReason: s.qualityLimitationReason,
          active: s.active,
          pliCount: s.pliCount,
        })),
      inbound:
        inbound === undefined
          ? undefined
          : {
              packetsReceived: inbound.packetsReceived,
              framesDecoded: inbound.framesDecoded,
              keyFramesDecoded: inbound.keyFramesDecoded,
              freezeCount: inbound.freezeCount,
              frameWidth: inbound.frameWidth,
              frameHeight: inbound.frameHeight,
              pliCount: inbound.pliCount,
              packetsLost: inbound.packetsLost,
            },
    };
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 100 ms until true or `ms` pass; returns whether it held. */
async function waitFor(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(100);
  }
  return check();
}

describe.skipIf(!existsSync(CHROMIUM))('Chromium simulcast → us (RFC 8853)', () => {
  let browser: MediaBrowser | undefined;
  beforeAll(async () => {
    browser = await launchMediaChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('receives the three layers, forwards the selected one back, switches once; Chromium decodes the echo', async () => {
    const page = browser!.page;
    const pc = new RTCPeerConnection({ gather: { includeLoopback: true } });
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: await pageOffer(page) });
      // Our transceiver of the offer sends the relay back (sendrecv on the same section).
      const transceiver = pc.getTransceivers()[0]!;
      const relay = MediaStreamTrack.create('video', { label: 'relay' });
      await transceiver.sender.replaceTrack(relay);
      transceiver.direction = 'sendrecv';
      const receiver: RTCRtpReceiver = transceiver.receiver;
      // Chromium's keyframe requests for the echo go to the layer the track carries (an SFU's job).
      relay.onkeyframerequest = () => {
        keyframeRequests++;
        receiver.requestKeyFrame();
      };
      let keyframeRequests = 0;
      let forwarded = 0;
      void (async () => {
        for await (const bytes of receiver.track.rtp()) if (relay.writeRtp(bytes)) forwarded++;
      })();
      const gathered = new Promise<void>((resolve) =>
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState === 'complete') resolve();
        }),
      );
      await pc.setLocalDescription();
      if (pc.iceGatheringState !== 'complete') await gathered;
      const answer = pc.localDescription!.sdp;
      expect(answer).toContain('a=simulcast:recv h;m;l');
      await page.evaluate(
        (sdp) => (globalThis as Any).simulcast.pc.setRemoteDescription({ type: 'answer', sdp }),
        answer,
      );

      // Every layer arrives, each on its own SSRC (Chromium enables h once its estimate allows).
      const allLayers = await waitFor(
        () => receiver.getLayers().every((l) => l.packetsReceived > 50),
        20_000,
      );
      const layers = receiver.getLayers();
      const sending = await pageStats(page);
      console.log('chromium layers', JSON.stringify(sending.outbound));
      console.log('our layers', JSON.stringify(layers), 'track carries', receiver.layer);
      expect(allLayers, 'every layer received').toBe(true);
      expect(new Set(layers.map((l) => l.ssrc)).size).toBe(3);
      for (const o of sending.outbound)
        expect(layers.find((l) => l.rid === o.rid)?.ssrc).toBe(o.ssrc);
      const inbound = [...(await receiver.getStats()).values()].filter(
        (s) => s.type === 'inbound-rtp',
      );
      console.log(
        'our inbound-rtp',
        JSON.stringify(
          inbound.map((s) => ({
            rid: s.rid,
            packetsReceived: s.packetsReceived,
            framesReceived: s.framesReceived,
            keyFramesReceived: s.keyFramesReceived,
            packetsLost: s.packetsLost,
          })),
        ),
      );
      expect(inbound.map((s) => s.rid).sort()).toEqual(['h', 'l', 'm']);
      for (const s of inbound) expect(Number(s.framesReceived)).toBeGreaterThan(10);

      // The echo decodes at the first layer's size.
      const first = receiver.layer!;
      expect(first).not.toBeNull();
      const before = await waitFor(
        async () => ((await pageStats(page)).inbound?.framesDecoded ?? 0) > 30,
        10_000,
      );
      const echoBefore = (await pageStats(page)).inbound;
      console.log('echo before the switch', first, JSON.stringify(echoBefore));
      expect(before, 'Chromium decoded 30 frames of the echo before the switch').toBe(true);

      // One switch: to m (640×360), or to l if the track carries m. Not to h: the page that
      // encodes three layers of 1280×720 on this 2-core machine then decodes the echo at
      // 1280×720 too, and in about a third of the runs (before and after the pacer alike) it
      // decoded 4 frames in the 3 s after the switch, its CPU the limit, not the stream.
      const next = first === 'm' ? 'l' : 'm';
      const t0 = Date.now();
      await Promise.race([
        receiver.selectLayer(next),
        sleep(10_000).then(() => {
          throw new Error(`no switch to ${next} in 10 s`);
        }),
      ]);
      const switchMs = Date.now() - t0;
      expect(receiver.layer).toBe(next);
      const wanted = sending.outbound.find((o) => o.rid === next)!;
      const resized = await waitFor(async () => {
        const s = (await pageStats(page)).inbound;
        return s?.frameWidth !== undefined && s.frameWidth !== echoBefore?.frameWidth;
      }, 10_000);
      await sleep(3000);
      const echoAfter = (await pageStats(page)).inbound!;
      console.log(
        `switch ${first} → ${next} in ${switchMs} ms; echo after`,
        JSON.stringify(echoAfter),
        'forwarded',
        forwarded,
        'keyframe requests from Chromium',
        keyframeRequests,
      );
      expect(resized, 'the echo changed size').toBe(true);
      expect(echoAfter.frameWidth).toBe(
        (await pageStats(page)).outbound.find((o) => o.rid === next)?.frameWidth ??
          wanted.frameWidth,
      );
      expect(echoAfter.framesDecoded!).toBeGreaterThan(echoBefore!.framesDecoded! + 30);
      expect(echoAfter.keyFramesDecoded!).toBeGreaterThanOrEqual(2);
      expect(echoAfter.freezeCount).toBe(0);
    } finally {
      pc.close();
      await pc.released;
      await page
        .evaluate(() => {
          const s = (globalThis as Any).simulcast;
          s?.pc.close();
          for (const t of s?.stream.getTracks() ?? []) t.stop();
          s?.element.remove();
        })
        .catch(() => {});
    }
  }, 90_000);
});
