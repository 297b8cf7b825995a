import { fileURLToPath } from 'node:url';
import {
  type RtcpPacket,
  type RtpPacket,
  readAbsSendTime,
  readAudioLevel,
  readTransportSequenceNumber,
  splitAnnexB,
} from '@x/rtp';
import { describe, expect, it } from 'vitest';
import { CAPTURE, chromiumForTests, type VideoChoice } from './chromium-media.js';
import { type Frame, framesOf, parseAll } from './frames.js';
import { decryptAgain, writeGolden } from './golden.js';
import { type MediaRecording, runMediaSession } from './media-session.js';

const browser = chromiumForTests();

/**
 * Chromium's `RTCTransportStats.srtpCipher` (the DTLS-SRTP profile names of the IANA registry,
 * RFC 5764 §4.1.2, RFC 7714 §14.2) for each of our profile names.
 */
const CIPHER_NAMES: Record<string, string> = {
  Aes128CmHmacSha1_80: 'SRTP_AES128_CM_HMAC_SHA1_80',
  Aes128CmHmacSha1_32: 'SRTP_AES128_CM_HMAC_SHA1_32',
  AeadAes128Gcm: 'SRTP_AEAD_AES_128_GCM',
  AeadAes256Gcm: 'SRTP_AEAD_AES_256_GCM',
};

interface Case {
  readonly name: 'vp8' | 'h264' | 'vp8-full';
  readonly video: VideoChoice;
  readonly mimeType: string;
  /** Our DTLS role: client (`a=setup:active`) lets Chromium choose the profile, server lets us. */
  readonly dtlsRole: 'client' | 'server';
  /** What was negotiated on this machine (Chromium 156). */
  readonly profile: string;
  /** Accept every header extension, feedback type and RTX the offer has (not only the MID). */
  readonly full?: boolean;
}

const CASES: readonly Case[] = [
  {
    name: 'vp8',
    video: { name: 'VP8' },
    mimeType: 'video/VP8',
    dtlsRole: 'client',
    // Chromium as DTLS server picks AES-CM from our ClientHello's GCM, GCM-256, CM-80, CM-32.
    profile: 'Aes128CmHmacSha1_80',
  },
  {
    name: 'h264',
    video: { name: 'H264', fmtp: { 'packetization-mode': '1', 'profile-level-id': '42e01f' } },
    mimeType: 'video/H264',
    dtlsRole: 'server',
    // Chromium as DTLS client offers AEAD GCM; we choose by our order (GCM-128 first).
    profile: 'AeadAes128Gcm',
  },
  {
    // Everything Chromium offers for VP8: RTX (its bandwidth probes arrive on the RTX SSRC),
    // transport-cc, abs-send-time, audio level, ... in the one-byte form.
    name: 'vp8-full',
    video: { name: 'VP8', rtx: true },
    mimeType: 'video/VP8',
    dtlsRole: 'client',
    profile: 'Aes128CmHmacSha1_80',
    full: true,
  },
];

const VIDEO_MS = 3000;
const PLI_AFTER_MS = 1200;
const recordings: Partial<Record<Case['name'], MediaRecording>> = {};

const seqAfter = (a: number, b: number) => ((a - b) & 0xffff) > 0 && ((a - b) & 0xffff) < 0x8000;

function stream(r: MediaRecording, kind: 'audio' | 'video') {
  const section = r.answer.sections.find((s) => s.kind === kind)!;
  const ssrc = r.streams.find(
    (s) => s.stream.mid === section.mid && s.stream.payloadType === section.codec.payloadType,
  )!.stream.ssrc;
  const received = r.rtp.filter((p) => p.ssrc === ssrc);
  return { section, ssrc, received, packets: parseAll(received.map((p) => p.bytes)) };
}

/** The NAL unit types of an Annex B access unit. */
const nalTypes = (frame: Uint8Array) => splitAnnexB(frame).map((n) => n[0]! & 0x1f);

describe('Chromium → Manager: camera and microphone over SRTP', () => {
  for (const c of CASES) {
    it(`${c.name}: Chromium's ${c.video.name} and Opus reach the generator's sinks, whole`, async () => {
      const r = await runMediaSession(browser().page, {
        video: c.video,
        videoMs: VIDEO_MS,
        pliAfterMs: PLI_AFTER_MS,
        dtlsRole: c.dtlsRole,
        full: c.full ?? false,
      });
      recordings[c.name] = r;
      const audio = stream(r, 'audio');
      const video = stream(r, 'video');

      // SRTP keyed with the negotiated profile, the one Chromium reports too.
      expect(r.mediaStats.srtpProfile).toBe(c.profile);
      expect(r.sender.srtpCipher).toBe(CIPHER_NAMES[c.profile]);
      expect(r.sender.connectionState).toBe('connected');
      expect(r.mediaStats.dropped).toMatchObject({ srtp: 0, malformed: 0, tooManyStreams: 0 });

      // The generator: once per Chromium SSRC, with the mid of the MID extension (an RTX
      // stream too: the offer's FID group pairs it with the video SSRC).
      const fid = /a=ssrc-group:FID (\d+) (\d+)/.exec(r.offer);
      const rtx = video.section.rtx;
      expect(r.streams.map(({ stream: s }) => [s.mid, s.payloadType, s.ssrc]).sort()).toEqual(
        [
          [audio.section.mid, audio.section.codec.payloadType, r.sender.audio!.ssrc],
          [video.section.mid, video.section.codec.payloadType, r.sender.video!.ssrc],
          ...(rtx === undefined ? [] : [[video.section.mid, rtx.payloadType, Number(fid![2])]]),
        ].sort(),
      );
      if (rtx !== undefined) expect(Number(fid![1])).toBe(video.ssrc);
      expect(audio.section.ssrcs).toContain(audio.ssrc);
      expect(video.section.ssrcs).toContain(video.ssrc);
      expect(r.sender.video!.mimeType).toBe(c.mimeType);
      expect(r.sender.audio!.mimeType).toBe('audio/opus');

      // Every datagram decrypts again with the exported keys, into what the sinks got.
      const again = decryptAgain(r);
      expect(again.filter((d) => d.plain === undefined)).toEqual([]);
      expect(again.filter((d) => !d.rtcp).map((d) => d.plain!.toString('hex'))).toEqual(
        r.rtp.map((p) => p.bytes.toString('hex')),
      );
      // Nothing lost on loopback: what Chromium counted as sent by the end, less what is in flight.
      expect(audio.received.length).toBeGreaterThanOrEqual(r.sender.audio!.packetsSent - 5);
      // (Chromium counts the RTX stream's packets in the video stream's packetsSent.)
      const videoMidPackets = r.rtp.filter((p) =>
        r.streams.some((s) => s.stream.ssrc === p.ssrc && s.stream.mid === video.section.mid),
      );
      expect(videoMidPackets.length).toBeGreaterThanOrEqual(r.sender.video!.packetsSent - 5);

      // Opus: one 20 ms frame a packet, 50 a second.
      const audioSpanMs = audio.received.at(-1)!.atMs - audio.received[0]!.atMs;
      const pps = ((audio.received.length - 1) * 1000) / audioSpanMs;
      expect(pps).toBeGreaterThan(40);
      expect(pps).toBeLessThan(60);
      const opus = framesOf('audio/opus', audio.packets);
      expect(opus.every((f) => f.data !== undefined && f.packets === 1)).toBe(true);
      const steps = new Set(
        audio.packets.slice(1).map((p, i) => (p.timestamp - audio.packets[i]!.timestamp) >>> 0),
      );
      expect([...steps]).toEqual([960]);

      // Video: frames at the camera's rate, every one complete, a keyframe first.
      const frames = framesOf(
        c.mimeType,
        video.packets,
        video.received.map((p) => p.atMs),
      );
      expect(frames.filter((f) => f.data === undefined)).toEqual([]);
      expect(frames[0]!.keyframe).toBe(true);
      const videoSpanMs = frames.at(-1)!.atMs! - frames[0]!.atMs!;
      const fps = ((frames.length - 1) * 1000) / videoSpanMs;
      expect(fps).toBeGreaterThan(CAPTURE.frameRate * 0.6);
      expect(fps).toBeLessThan(CAPTURE.frameRate * 1.25);
      for (const f of frames.filter((x) => x.keyframe)) checkKeyframe(c, f);

      // The PLI: Chromium counted it and its next frame (or, if one was already being
      // encoded, the one after) is a keyframe; none came in between without it.
      const pli = r.pli!;
      const after = frames.filter((f) => seqAfter(f.firstSequence, pli.afterSequence));
      const answered = after.findIndex((f) => f.keyframe);
      expect(answered).toBeGreaterThanOrEqual(0);
      expect(answered).toBeLessThanOrEqual(1);
      // The first keyframe and the PLI's (so far exactly these two; an encoder that adapts its
      // resolution under CPU load would add one, which Chromium would count too).
      const keyframes = frames.filter((f) => f.keyframe).length;
      expect(keyframes).toBeGreaterThanOrEqual(2);
      expect(keyframes).toBe(r.sender.video!.keyFramesEncoded);
      expect(r.sender.video!.pliCount).toBe(1);

      if (c.full) checkExtensionsAndRtx(r, audio.packets, video.packets);

      // RTCP: sender reports of both streams, SDES with the offer's CNAME.
      const kinds = (ssrc: number) => r.rtcp.filter((x) => about(x.packet, ssrc));
      for (const ssrc of [audio.ssrc, video.ssrc]) {
        const reports = kinds(ssrc)
          .map((x) => x.packet)
          .filter((p) => p.kind === 'sr');
        expect(reports.length, `SRs of ${ssrc}`).toBeGreaterThanOrEqual(1);
        const cname = new RegExp(`a=ssrc:${ssrc} cname:(\\S+)`).exec(r.offer)![1];
        const sdes = kinds(ssrc)
          .map((x) => x.packet)
          .find((p) => p.kind === 'sdes');
        expect(sdes?.kind === 'sdes' && sdes.chunks[0]?.items).toContainEqual(
          expect.objectContaining({ text: cname }),
        );
      }

      // What the report says.
      console.log(
        `${c.name}: ${r.mediaStats.srtpProfile} (Chromium DTLS ${c.dtlsRole === 'client' ? 'server' : 'client'}), ` +
          `audio pt ${audio.section.codec.payloadType} ${pps.toFixed(1)} pps, ` +
          `video pt ${video.section.codec.payloadType} ${fps.toFixed(1)} fps ${frames.length} frames ` +
          `(${video.packets.length} packets, camera ${CAPTURE.frameRate} fps, Chromium says ${r.sender.video!.framesPerSecond}), ` +
          `keyframe ${answered + 1} frame(s) after the PLI, ${r.mediaStats.rtcpReceived} RTCP compounds ` +
          `[${r.rtcp.map((x) => x.packet.kind).join(' ')}], MID extension id ${r.answer.midExtensionId}, ` +
          `${r.sender.video!.encoderImplementation}, unkeyed drops ${r.mediaStats.dropped.unkeyed}`,
      );
    }, 40_000);
  }

  const out = process.env.X_MEDIA_CAPTURE;
  it.runIf(out !== undefined && out !== '')('writes the golden files (X_MEDIA_CAPTURE)', () => {
    const { vp8, h264 } = recordings;
    if (vp8 === undefined || h264 === undefined)
      throw new Error('a session failed: nothing written');
    const root = out === '1' ? fileURLToPath(new URL('../../../', import.meta.url)) : out!;
    const written = writeGolden(
      { vp8, h264 },
      {
        rtp: `${root}/packages/rtp/src/codecs/fixtures/chromium`,
        srtp: `${root}/packages/srtp/src/fixtures/chromium`,
      },
      browser().version,
    );
    for (const w of written) console.log(`${w.path}: ${w.bytes} bytes`);
  });
});

function about(p: RtcpPacket, ssrc: number): boolean {
  if (p.kind === 'sr') return p.ssrc === ssrc;
  if (p.kind === 'sdes') return p.chunks.some((chunk) => chunk.ssrc === ssrc);
  return false;
}

/**
 * With every extension negotiated: the transport-wide sequence number on every packet, one
 * sequence across the streams in arrival (= send) order; audio level on audio, abs-send-time on
 * video; RTX packets either padding only (probes) or an earlier video packet (RFC 4588 §4:
 * original sequence number, then its payload).
 */
function checkExtensionsAndRtx(r: MediaRecording, audio: RtpPacket[], video: RtpPacket[]): void {
  const ids = Object.fromEntries(
    r.answer.sections[1]!.extensions.map((e) => [e.uri, e.id] as const),
  );
  const audioIds = Object.fromEntries(
    r.answer.sections[0]!.extensions.map((e) => [e.uri, e.id] as const),
  );
  const twccId = ids['http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01'];
  const all = parseAll(r.rtp.map((p) => p.bytes));
  const twcc = all.map((p) => readTransportSequenceNumber(p, twccId));
  expect(twcc.filter((n) => n === undefined)).toEqual([]);
  const steps = twcc.slice(1).map((n, i) => (n! - twcc[i]!) & 0xffff);
  expect(steps.filter((d) => d !== 1).length, 'out-of-order transport-wide numbers').toBeLessThan(
    3,
  );
  expect(new Set(twcc).size).toBe(twcc.length);
  const levelId = audioIds['urn:ietf:params:rtp-hdrext:ssrc-audio-level'];
  for (const p of audio) expect(readAudioLevel(p, levelId)?.level).toBeLessThanOrEqual(127);
  const absId = ids['http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time'];
  for (const p of video) expect(readAbsSendTime(p, absId)).toBeTypeOf('number');
  const rtxPt = r.answer.sections[1]!.rtx!.payloadType;
  const rtx = all.filter((p) => p.payloadType === rtxPt);
  expect(rtx.length).toBeGreaterThan(0);
  const bySequence = new Map(video.map((p) => [p.sequenceNumber, p] as const));
  for (const p of rtx) {
    if (p.payload.length === 0) {
      expect(p.paddingSize).toBeGreaterThan(0);
      continue;
    }
    const original = bySequence.get((p.payload[0]! << 8) | p.payload[1]!);
    expect(original, 'the packet an RTX packet repeats').toBeDefined();
    expect(Buffer.from(p.payload.subarray(2)).equals(Buffer.from(original!.payload))).toBe(true);
  }
  console.log(
    `vp8-full: ${rtx.length} RTX packets (${rtx.filter((p) => p.payload.length === 0).length} padding only), transport-wide numbers ${twcc[0]}..${twcc.at(-1)}`,
  );
}

function checkKeyframe(c: Case, f: Frame): void {
  const data = Buffer.from(f.data!);
  if (c.video.name === 'VP8') {
    // RFC 6386 §9.1: a key frame's 3-byte tag (P = 0) and then the start code 9d 01 2a.
    expect(data[0]! & 1).toBe(0);
    expect(data.subarray(3, 6).toString('hex')).toBe('9d012a');
  } else {
    const types = nalTypes(data);
    expect(types).toEqual(expect.arrayContaining([7, 8, 5]));
  }
}
