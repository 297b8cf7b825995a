import { MediaStreamTrack, RTCPeerConnection, type RTCRtpReceiver, type RTCStats } from '@x/webrtc';
import { describe, expect, it } from 'vitest';
import { CAPTURE, chromiumForTests } from './chromium-media.js';
import {
  connected,
  negotiate as negotiateWith,
  type PageStats,
  pageAccept,
  pageClose,
  pageCreate,
  pageOffer,
  pageStats,
  settle,
} from './chromium-echo.js';
import { FPS, makeStream, play } from './ffmpeg-stream.js';

const browser = chromiumForTests();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Our connection: loopback only (this host has no other interface). */
const ours = () => new RTCPeerConnection({ gather: { includeLoopback: true } });

/** Negotiates between our `pc` and the page, either side offering. */
const negotiate = (pc: RTCPeerConnection, weOffer: boolean) =>
  negotiateWith(browser().page, pc, weOffer);

/** Our side's `inbound-rtp` and `outbound-rtp` of a kind, with their codec's mimeType. */
function ourRtpStats(report: Map<string, RTCStats>, kind: string) {
  const all = [...report.values()] as (RTCStats & Record<string, unknown>)[];
  const codec = (s: Record<string, unknown> | undefined) =>
    all.find((c) => c.id === s?.codecId)?.mimeType;
  const inbound = all.find((s) => s.type === 'inbound-rtp' && s.kind === kind);
  const outbound = all.find((s) => s.type === 'outbound-rtp' && s.kind === kind);
  return {
    inbound: { mimeType: codec(inbound), packetsReceived: inbound?.packetsReceived as number },
    outbound: { mimeType: codec(outbound), packetsSent: outbound?.packetsSent as number },
  };
}

/**
 * The loopback SFU: each incoming track's RTP goes back out on the same transceiver's sender,
 * whose track is made here when the application has not attached one (the answerer's case:
 * `addTrack` takes the transceiver the offer made). A keyframe request from the page goes
 * upstream as a PLI.
 */
function echoEverything(pc: RTCPeerConnection) {
  const relayed: Record<string, number> = { audio: 0, video: 0 };
  const upstreamRequests: Record<string, number> = { audio: 0, video: 0 };
  const relays: Promise<void>[] = [];
  pc.ontrack = ({ track: incoming, receiver, transceiver }) => {
    const kind = incoming.kind;
    let outgoing = transceiver.sender.track;
    if (outgoing === null) {
      outgoing = MediaStreamTrack.create(kind as 'audio' | 'video');
      pc.addTrack(outgoing);
    }
    const out = outgoing;
    out.onkeyframerequest = () => {
      upstreamRequests[kind]!++;
      (receiver as RTCRtpReceiver).requestKeyFrame();
    };
    relays.push(
      (async () => {
        for await (const packet of incoming.rtp()) if (out.writeRtp(packet)) relayed[kind]!++;
      })(),
    );
  };
  return { relayed, upstreamRequests, relays };
}

const rate = (a: number | undefined, b: number | undefined, seconds: number) =>
  ((b ?? 0) - (a ?? 0)) / seconds;

describe('Chromium ⇄ RTCPeerConnection: our loopback SFU echoes Chromium’s camera and microphone', () => {
  const WARM_UP_MS = 2000;
  const WINDOW_MS = 4000;
  for (const weOffer of [false, true]) {
    const who = weOffer ? 'we offer' : 'Chromium offers';
    it(`${who}: Chromium decodes the echo at the camera's rate, without a freeze`, async () => {
      const page = browser().page;
      const pc = ours();
      const echo = echoEverything(pc);
      try {
        await pageCreate(page, { camera: true, videoCodecs: ['video/VP8'] });
        if (weOffer)
          for (const kind of ['audio', 'video'] as const)
            pc.addTransceiver(MediaStreamTrack.create(kind), { direction: 'sendrecv' });
        await negotiate(pc, weOffer);
        await sleep(WARM_UP_MS);
        const first = await pageStats(page);
        await sleep(WINDOW_MS);
        const last = await pageStats(page);
        const seconds = (last.at - first.at) / 1000;
        const encoded = rate(
          first.outbound.video?.framesEncoded,
          last.outbound.video?.framesEncoded,
          seconds,
        );
        const decoded = rate(
          first.inbound.video?.framesDecoded,
          last.inbound.video?.framesDecoded,
          seconds,
        );
        const samples = rate(
          first.inbound.audio?.totalSamplesReceived,
          last.inbound.audio?.totalSamplesReceived,
          seconds,
        );
        const report = await pc.getStats();
        const ourAudio = ourRtpStats(report, 'audio');
        const ourVideo = ourRtpStats(report, 'video');
        console.log(
          `chromium echo (${who}): camera ${encoded.toFixed(1)} frames/s encoded, echo ${decoded.toFixed(1)} decoded/s, ` +
            `${last.inbound.video?.frameWidth}×${last.inbound.video?.frameHeight}, freezes ${last.inbound.video?.freezeCount}, ` +
            `audio ${Math.round(samples)} samples/s; relayed ${echo.relayed.video} video and ${echo.relayed.audio} audio packets, ` +
            `page PLIs passed upstream ${echo.upstreamRequests.video}`,
        );
        // What was negotiated and sent, on both ends.
        expect(last.outbound.video?.mimeType).toBe('video/VP8');
        expect(last.inbound.video?.mimeType).toBe('video/VP8');
        expect(last.inbound.audio?.mimeType).toBe('audio/opus');
        expect(ourVideo.inbound.mimeType).toBe('video/VP8');
        expect(ourVideo.outbound.mimeType).toBe('video/VP8');
        expect(ourAudio.outbound.mimeType).toBe('audio/opus');
        expect(ourVideo.outbound.packetsSent).toBe(echo.relayed.video);
        expect(ourAudio.outbound.packetsSent).toBe(echo.relayed.audio);
        expect(ourVideo.outbound.packetsSent).toBeGreaterThan(
          0.95 * ourVideo.inbound.packetsReceived,
        );
        // The echo plays at the camera's rate: every frame encoded comes back decoded.
        expect(encoded).toBeGreaterThan(0.8 * CAPTURE.frameRate);
        expect(decoded).toBeGreaterThan(0.9 * encoded);
        expect(last.inbound.video?.frameWidth).toBe(CAPTURE.width);
        expect(last.inbound.video?.freezeCount).toBe(0);
        expect(last.inbound.video?.packetsLost).toBe(0);
        // 48 kHz of audio played out, and little of it concealment.
        expect(samples).toBeGreaterThan(0.9 * 48_000);
        const concealed =
          (last.inbound.audio!.concealedSamples ?? 0) -
          (first.inbound.audio!.concealedSamples ?? 0);
        expect(concealed).toBeLessThan(0.05 * samples * seconds);
      } finally {
        await pageClose(page);
        pc.close();
        await pc.released;
        await Promise.all(echo.relays);
      }
    }, 30_000);
  }
});

/** Polls the page until its decoded frames and audio packets stop moving (at most `ms`). */
async function settledStats(ms: number): Promise<PageStats> {
  let last = await pageStats(browser().page);
  for (const until = performance.now() + ms; performance.now() < until; ) {
    await sleep(300);
    const next = await pageStats(browser().page);
    const same =
      next.inbound.video?.framesDecoded === last.inbound.video?.framesDecoded &&
      next.inbound.audio?.packetsReceived === last.inbound.audio?.packetsReceived;
    last = next;
    if (same) break;
  }
  return last;
}

describe('an ffmpeg-made stream → Chromium: every frame decoded', () => {
  const SECONDS = 3;
  for (const { codec, weOffer } of [
    { codec: 'VP8', weOffer: true },
    { codec: 'H264', weOffer: false },
  ] as const) {
    const who = weOffer ? 'we offer' : 'Chromium offers';
    it(`${codec} + Opus (${who})`, async () => {
      const made = await makeStream(codec, SECONDS);
      expect(made.video.length).toBe(SECONDS * FPS);
      expect(made.video[0]!.keyframe).toBe(true);
      const page = browser().page;
      const pc = ours();
      const video = MediaStreamTrack.create('video');
      const audio = MediaStreamTrack.create('audio');
      try {
        await pageCreate(page, { camera: false, videoCodecs: [`video/${codec}`] });
        if (weOffer) {
          pc.addTransceiver(video, { direction: 'sendonly' });
          pc.addTransceiver(audio, { direction: 'sendonly' });
          await negotiate(pc, true);
        } else {
          // The page's recvonly offer: addTrack takes the transceivers it made (webrtc-pc).
          await pc.setRemoteDescription({ type: 'offer', sdp: await pageOffer(page) });
          pc.addTrack(video);
          pc.addTrack(audio);
          await pageAccept(page, await settle(pc));
          await connected(pc);
        }
        const start = performance.now() + 200;
        const [videoSent, audioSent] = await Promise.all([
          play(video, made.video, start),
          play(audio, made.audio, start),
        ]);
        const stats = await settledStats(3000);
        const v = stats.inbound.video!;
        const a = stats.inbound.audio!;
        console.log(
          `ffmpeg ${codec} → chromium (${who}): sent ${videoSent} frames, decoded ${v.framesDecoded} ` +
            `(${v.keyFramesDecoded} key, dropped ${v.framesDropped}, freezes ${v.freezeCount}), ` +
            `${v.frameWidth}×${v.frameHeight}; audio ${audioSent} frames, ${a.totalSamplesReceived} samples, ` +
            `${a.concealedSamples} concealed`,
        );
        expect(videoSent).toBe(made.video.length);
        expect(v.mimeType).toBe(`video/${codec}`);
        expect(a.mimeType).toBe('audio/opus');
        expect(v.packetsLost).toBe(0);
        expect(v.framesReceived).toBe(videoSent);
        expect(v.framesDecoded).toBe(videoSent);
        expect(v.keyFramesDecoded).toBeGreaterThanOrEqual(Math.floor(videoSent / 60));
        expect(v.freezeCount).toBe(0);
        expect(v.frameWidth).toBe(CAPTURE.width);
        expect(a.packetsReceived).toBe(audioSent);
        // Every 20 ms Opus frame is 960 samples at 48 kHz; playout goes on after the last one,
        // concealed.
        const played = a.totalSamplesReceived! - a.concealedSamples!;
        expect(played).toBeGreaterThanOrEqual(0.95 * audioSent * 960);
      } finally {
        await pageClose(page);
        pc.close();
        await pc.released;
      }
    }, 40_000);
  }
});
