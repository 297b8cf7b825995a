import { MediaStreamTrack, RTCPeerConnection, type RTCStats } from '@x/webrtc';
import { describe, expect, it } from 'vitest';
import { readClip } from '../../demo/media/clip.mjs';
import { chromiumForTests } from './chromium-media.js';
import { pageAccept, pageClose, pageCreate, pageOffer, pageStats } from './chromium-echo.js';

const browser = chromiumForTests();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sets our local description and waits for gathering to complete: no trickle. */
async function settle(pc: RTCPeerConnection): Promise<string> {
  const gathered = new Promise<void>((resolve) => {
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve();
    });
  });
  await pc.setLocalDescription();
  if (pc.iceGatheringState !== 'complete') await gathered;
  return pc.localDescription!.sdp;
}

describe('RTCRtpSender.dtmf → Chromium', () => {
  it('Chromium receives our Opus with RFC 4733 events among it: every packet counted, none lost, the audio played', async () => {
    const page = browser().page;
    const pc = new RTCPeerConnection({ gather: { includeLoopback: true } });
    const audio = MediaStreamTrack.create('audio');
    try {
      await pageCreate(page, { camera: false });
      await pc.setRemoteDescription({ type: 'offer', sdp: await pageOffer(page) });
      const sender = pc.addTrack(audio);
      await pageAccept(page, await settle(pc));
      for (let i = 0; i < 100 && pc.connectionState !== 'connected'; i++) await sleep(50);
      expect(pc.connectionState).toBe('connected');
      const dtmf = sender.dtmf!;
      expect(dtmf.canInsertDTMF).toBe(true);
      const telephone = sender
        .getParameters()
        .codecs.filter((c) => c.mimeType === 'audio/telephone-event');
      expect(telephone.map((c) => c.clockRate)).toEqual([48000, 8000]);

      // 3 s of the clip's 20 ms Opus frames (looped), real time; tones from 0.5 s on.
      const clip = (await readClip()).find((t) => t.kind === 'audio')!.frames;
      const tones: string[] = [];
      dtmf.ontonechange = (e) => tones.push(e.tone);
      const start = performance.now() + 100;
      let written = 0;
      for (let i = 0; i < 150; i++) {
        await sleep(Math.max(0, start + i * 20 - performance.now()));
        const frame = clip[i % clip.length]!;
        if (audio.writeFrame(frame.data, { timestamp: i * 20_000, keyframe: true })) written++;
        if (i === 25) dtmf.insertDTMF('1#9', 120, 80);
      }
      expect(tones).toEqual(['1', '#', '9', '']);
      const ours = [...(await sender.getStats()).values()] as (RTCStats & Record<string, number>)[];
      const sent = ours.find((s) => s.type === 'outbound-rtp')!.packetsSent!;
      // 120 ms tones: updates at +50 and +100 ms, the end at +120 ms three times.
      expect(sent).toBe(written + 3 * 5);

      let stats = await pageStats(page);
      for (let i = 0; i < 20 && (stats.inbound.audio?.packetsReceived ?? 0) < sent; i++) {
        await sleep(100);
        stats = await pageStats(page);
      }
      const a = stats.inbound.audio!;
      const played = a.totalSamplesReceived! - a.concealedSamples!;
      console.log(
        `dtmf → chromium: ${written} Opus frames and ${sent - written} event packets sent; ` +
          `chromium: ${a.packetsReceived} received, ${a.packetsLost} lost, codec ${a.mimeType}, ` +
          `${a.totalSamplesReceived} samples (${a.concealedSamples} concealed)`,
      );
      expect(a.packetsReceived).toBe(sent);
      expect(a.packetsLost).toBe(0);
      expect(a.mimeType).toBe('audio/opus');
      expect(played).toBeGreaterThanOrEqual(0.9 * written * 960);
    } finally {
      await pageClose(page);
      pc.close();
      await pc.released;
    }
  }, 40_000);
});
