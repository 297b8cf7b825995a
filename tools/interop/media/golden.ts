/**
 * Golden files from two recorded sessions (see README.md here): the decrypted RTP of one
 * stream per codec and every RTCP compound, for @x/rtp; the SRTP master keys and the first
 * protected datagrams of each session with their plain counterparts, for @x/srtp. rtpdump files
 * (rtpdump.ts) with JSON manifests beside them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRtcpParseFailure, parseRtcp } from '@x/rtp';
import { SrtpProfile, SrtpSession } from '@x/srtp';
import { CAPTURE } from './chromium-media.js';
import { framesOf, parseAll } from './frames.js';
import type { MediaRecording } from './media-session.js';
import { type RtpdumpRecord, writeRtpdump } from './rtpdump.js';

/** One datagram as received and what SRTP made of it. */
export interface Decrypted {
  readonly atMs: number;
  readonly rtcp: boolean;
  readonly ssrc: number;
  readonly protected: Buffer;
  readonly plain: Buffer | undefined;
}

/**
 * Unprotects every recorded datagram again with the session's keys, in arrival order, in a
 * session of our own (the one the Manager used is not reachable): what a test of the keys
 * compares with what the Manager's sinks got.
 */
export function decryptAgain(recording: MediaRecording): Decrypted[] {
  // Chromium's key protects what it sends: it is this session's remote key.
  const session = new SrtpSession({ profile: recording.profile, ...recording.keys });
  return recording.datagrams.map(({ atMs, data }) => {
    const rtcp = data[1]! >= 192 && data[1]! <= 223;
    return {
      atMs,
      rtcp,
      ssrc: data.readUInt32BE(rtcp ? 4 : 8),
      protected: data,
      plain: rtcp ? session.unprotectRtcp(data) : session.unprotectRtp(data),
    };
  });
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** File names of an SRTP profile's fixtures. */
export function profileFileName(profile: SrtpProfile): string {
  return SrtpProfile[profile]
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
}

interface Window {
  readonly file: string;
  readonly session: 'vp8' | 'h264';
  readonly kind: 'audio' | 'video';
  readonly mimeType: string;
  readonly ms: number;
}

const WINDOWS: readonly Window[] = [
  { file: 'opus.rtpdump', session: 'vp8', kind: 'audio', mimeType: 'audio/opus', ms: 1000 },
  { file: 'vp8.rtpdump', session: 'vp8', kind: 'video', mimeType: 'video/VP8', ms: 2000 },
  { file: 'h264.rtpdump', session: 'h264', kind: 'video', mimeType: 'video/H264', ms: 2000 },
];

/** How many datagrams of each kind the SRTP fixtures keep, from the start of each stream. */
const SRTP_QUOTA = { audio: 16, video: 16, rtcp: 4 };

export interface GoldenDirs {
  /** packages/rtp/src/codecs/fixtures/chromium */
  readonly rtp: string;
  /** packages/srtp/src/fixtures/chromium */
  readonly srtp: string;
}

function sessionManifest(r: MediaRecording) {
  return {
    srtpProfile: SrtpProfile[r.profile],
    chromiumDtlsRole: r.dtlsRole === 'client' ? 'server' : 'client',
    chromiumSrtpCipher: r.sender.srtpCipher,
    midExtensionId: r.answer.midExtensionId,
    offeredExtensions: Object.fromEntries(
      r.answer.sections[1]!.extensions.map((e) => [e.uri, e.id] as const),
    ),
    streams: r.answer.sections.map((s) => ({
      kind: s.kind,
      mid: s.mid,
      ssrc: r.streams.find((x) => x.stream.mid === s.mid)?.stream.ssrc,
      payloadType: s.codec.payloadType,
      codec: `${s.codec.name}/${s.codec.clockRate}${s.codec.channels ? `/${s.codec.channels}` : ''}`,
      fmtp: s.codec.fmtp,
    })),
    encoder: r.sender.video?.encoderImplementation,
  };
}

/** Writes the golden files of the two sessions; returns the paths written and their sizes. */
export function writeGolden(
  sessions: { vp8: MediaRecording; h264: MediaRecording },
  dirs: GoldenDirs,
  chromium: string,
): { path: string; bytes: number }[] {
  const written: { path: string; bytes: number }[] = [];
  const write = (path: string, data: string | Buffer) => {
    writeFileSync(path, data);
    written.push({ path, bytes: Buffer.byteLength(data) });
  };
  mkdirSync(dirs.rtp, { recursive: true });
  mkdirSync(dirs.srtp, { recursive: true });
  const capturedAt = new Date(sessions.vp8.startMs).toISOString();
  const files: Record<string, unknown> = {};

  for (const w of WINDOWS) {
    const r = sessions[w.session];
    const section = r.answer.sections.find((s) => s.kind === w.kind)!;
    const ssrc = r.streams.find(
      (s) => s.stream.mid === section.mid && s.stream.payloadType === section.codec.payloadType,
    )!.stream.ssrc;
    const all = r.rtp.filter((p) => p.ssrc === ssrc);
    const first = all[0]!.bytes.readUInt32BE(4);
    const ticks = (w.ms * section.codec.clockRate) / 1000;
    const kept = all.filter((p) => (p.bytes.readUInt32BE(4) - first) >>> 0 < ticks);
    const packets = parseAll(kept.map((p) => p.bytes));
    const frames = framesOf(w.mimeType, packets);
    const withPayload = packets.filter((p) => p.payload.length > 0);
    write(
      join(dirs.rtp, w.file),
      writeRtpdump(
        { address: '127.0.0.1', port: r.port, startMs: r.startMs },
        kept.map((p) => ({ offsetMs: p.atMs, rtcp: false, data: p.bytes })),
      ),
    );
    files[w.file] = {
      session: w.session,
      mimeType: w.mimeType,
      ssrc,
      payloadType: section.codec.payloadType,
      clockRate: section.codec.clockRate,
      fmtp: section.codec.fmtp,
      packets: kept.length,
      paddingOnlyPackets: kept.length - withPayload.length,
      // Counted from the headers alone: distinct timestamps and marker bits of packets with payload.
      frames: new Set(withPayload.map((p) => p.timestamp)).size,
      markers: withPayload.filter((p) => p.marker).length,
      // Every Opus packet is a frame of its own: no keyframes to list.
      ...(w.kind === 'video'
        ? { keyframeTimestamps: frames.filter((f) => f.keyframe).map((f) => f.timestamp) }
        : {}),
      firstSequence: packets[0]!.sequenceNumber,
      lastSequence: packets.at(-1)!.sequenceNumber,
    };
  }

  for (const name of ['vp8', 'h264'] as const) {
    const r = sessions[name];
    const decrypted = decryptAgain(r);
    const compounds = decrypted.filter((d) => d.rtcp && d.plain !== undefined);
    const file = `rtcp-${name}-session.rtpdump`;
    write(
      join(dirs.rtp, file),
      writeRtpdump(
        { address: '127.0.0.1', port: r.port, startMs: r.startMs },
        compounds.map((d) => ({ offsetMs: d.atMs, rtcp: true, data: d.plain! })),
      ),
    );
    files[file] = {
      session: name,
      compounds: compounds.length,
      packets: compounds.map((d) => {
        const parsed = parseRtcp(d.plain!);
        return isRtcpParseFailure(parsed) ? parsed : parsed.map((p) => p.kind).join(' ');
      }),
    };

    // SRTP: a prefix of each stream, as received, and the same packets decrypted.
    const taken = { audio: 0, video: 0, rtcp: 0 };
    const kindOf = (ssrc: number) =>
      r.answer.sections.find(
        (s) => s.mid === r.streams.find((x) => x.stream.ssrc === ssrc)?.stream.mid,
      )?.kind;
    const chosen = decrypted.filter((d) => {
      const kind = d.rtcp ? 'rtcp' : kindOf(d.ssrc);
      if (kind === undefined || d.plain === undefined || taken[kind] >= SRTP_QUOTA[kind])
        return false;
      taken[kind]++;
      return true;
    });
    const base = profileFileName(r.profile);
    const record = (d: Decrypted, which: 'protected' | 'plain'): RtpdumpRecord => ({
      offsetMs: d.atMs,
      rtcp: d.rtcp,
      data: which === 'plain' ? d.plain! : d.protected,
    });
    const header = { address: '127.0.0.1', port: r.port, startMs: r.startMs };
    write(
      join(dirs.srtp, `${base}.protected.rtpdump`),
      writeRtpdump(
        header,
        chosen.map((d) => record(d, 'protected')),
      ),
    );
    write(
      join(dirs.srtp, `${base}.plain.rtpdump`),
      writeRtpdump(
        header,
        chosen.map((d) => record(d, 'plain')),
      ),
    );
    const chromiumKey = r.keys.remote;
    const ourKey = r.keys.local;
    write(
      join(dirs.srtp, `${base}.json`),
      `${JSON.stringify(
        {
          chromium,
          capturedAt,
          session: `${name} (tools/interop/media)`,
          profile: SrtpProfile[r.profile],
          profileId: r.profile,
          sender: {
            what: 'Chromium, which protected every datagram here',
            dtlsRole: r.dtlsRole === 'client' ? 'server' : 'client',
            masterKey: hex(chromiumKey.masterKey),
            masterSalt: hex(chromiumKey.masterSalt),
          },
          receiver: {
            what: 'our Manager',
            dtlsRole: r.dtlsRole,
            masterKey: hex(ourKey.masterKey),
            masterSalt: hex(ourKey.masterSalt),
          },
          streams: r.streams.map(({ stream }) => ({
            ssrc: stream.ssrc,
            mid: stream.mid,
            kind: kindOf(stream.ssrc),
            // Every stream here starts with its first packet: rollover counter 0 (RFC 3711 §3.3.1).
            initialRoc: 0,
          })),
          datagrams: { rtp: taken.audio + taken.video, rtcp: taken.rtcp },
          protected: `${base}.protected.rtpdump`,
          plain: `${base}.plain.rtpdump`,
        },
        null,
        2,
      )}\n`,
    );
  }

  write(
    join(dirs.rtp, 'capture.json'),
    `${JSON.stringify(
      {
        chromium,
        capturedAt,
        capture: CAPTURE,
        sessions: { vp8: sessionManifest(sessions.vp8), h264: sessionManifest(sessions.h264) },
        files,
      },
      null,
      2,
    )}\n`,
  );
  return written;
}
