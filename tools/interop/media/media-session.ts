/**
 * One media session between Chromium (offerer, sender of camera and microphone) and a Manager
 * on real loopback sockets (answerer, receiver, DTLS client). Records what the Manager hands
 * up (the generator's calls, every decrypted RTP packet, every RTCP packet), every S(R)TP
 * datagram as it arrived on the socket (through a recording `Net`), and the SRTP master keys
 * of the session, so that the recording can be checked and stored as golden files.
 */
import { type IncomingStream, Manager, type ManagerEvent, type MediaStats } from '@x/network';
import { type RtcpPacket, serializeRtcp } from '@x/rtp';
import {
  DTLS_SRTP_EXPORTER_LABEL,
  dtlsSrtpKeyingMaterialLength,
  SrtpProfile,
  type SrtpSessionKeys,
  srtpKeysFromDtls,
} from '@x/srtp';
import { type Net, nodeNet } from '@x/transport';
import type { Page } from 'playwright-core';
import { type MediaAnswer, buildMediaAnswer } from './answer.js';
import {
  type Capabilities,
  chromiumAccept,
  chromiumHangUp,
  chromiumOffer,
  chromiumSenderStats,
  type SenderStats,
  type VideoChoice,
} from './chromium-media.js';

/** Our SSRC in the RTCP we send (the PLI): any value that is not one of Chromium's. */
export const OUR_SSRC = 0x0ec0_0001;

export interface ReceivedRtp {
  /** Milliseconds since the session's first S(R)TP datagram. */
  readonly atMs: number;
  readonly ssrc: number;
  /** The decrypted packet, as the sink got it (`RtpPacket.bytes`). */
  readonly bytes: Buffer;
}

export interface ReceivedDatagram {
  readonly atMs: number;
  /** As it arrived on the socket: SRTP or SRTCP (RFC 7983: first byte 128-191). */
  readonly data: Buffer;
}

export interface MediaRecording {
  readonly video: VideoChoice;
  readonly answer: MediaAnswer;
  readonly offer: string;
  readonly capabilities: Capabilities;
  /** Wall-clock time of the first S(R)TP datagram (ms since 1970). */
  readonly startMs: number;
  /** Our UDP port (the rtpdump header's). */
  readonly port: number;
  readonly profile: SrtpProfile;
  readonly dtlsRole: 'client' | 'server';
  /** `local`: ours; `remote`: Chromium's, which protects what it sends. */
  readonly keys: SrtpSessionKeys;
  /** The generator's calls, in order, with when. */
  readonly streams: readonly { readonly atMs: number; readonly stream: IncomingStream }[];
  readonly rtp: readonly ReceivedRtp[];
  readonly rtcp: readonly { readonly atMs: number; readonly packet: RtcpPacket }[];
  readonly datagrams: readonly ReceivedDatagram[];
  /** When we sent the PLI, and the highest video sequence number received by then. */
  readonly pli?: { readonly atMs: number; readonly afterSequence: number; readonly ssrc: number };
  readonly mediaStats: MediaStats;
  readonly sender: SenderStats;
}

export interface SessionOptions {
  readonly video: VideoChoice;
  /** How long to receive video after its first packet. */
  readonly videoMs: number;
  /** Sends a PLI for the video SSRC this long after its first packet. */
  readonly pliAfterMs: number;
  /** Our DTLS role (`a=setup:active` in the answer: client). */
  readonly dtlsRole: 'client' | 'server';
  /** Accept every extension, feedback and RTX of the offer (see `AnswerParameters.full`). */
  readonly full?: boolean;
}

const isSrtp = (b: number | undefined) => b !== undefined && b >= 128 && b <= 191;

/** A Net whose UDP sockets report every S(R)TP datagram before handing it on. */
function recordingNet(net: Net, record: (data: Buffer) => void): Net {
  return {
    interfaces: () => net.interfaces(),
    bindUdp: (options) =>
      net.bindUdp({
        ...options,
        onMessage: (data, from) => {
          if (isSrtp(data[0])) record(Buffer.from(data));
          options.onMessage(data, from);
        },
      }),
    connectTcp: (options, handlers) => net.connectTcp(options, handlers),
    listenTcp: (options) => net.listenTcp(options),
  };
}

/**
 * The SRTP master keys the Manager keyed its session with. Its DTLS transport is private: it is
 * reached here (a capture tool, not a test of the Manager) to run the same RFC 5764 §4.2
 * export again, which gives the same bytes for the same label and length.
 */
function sessionKeys(
  manager: Manager,
  profile: SrtpProfile,
  role: 'client' | 'server',
): SrtpSessionKeys {
  const dtls = (
    manager as unknown as {
      dtls?: { exportKeyingMaterial(label: string, length: number): Buffer };
    }
  ).dtls;
  if (dtls === undefined) throw new Error('the Manager has no DTLS transport');
  const material = dtls.exportKeyingMaterial(
    DTLS_SRTP_EXPORTER_LABEL,
    dtlsSrtpKeyingMaterialLength(profile),
  );
  return srtpKeysFromDtls(material, profile, role);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Runs one session; the Manager is closed and Chromium's peer connection hung up on return. */
export async function runMediaSession(
  page: Page,
  options: SessionOptions,
): Promise<MediaRecording> {
  let startMs: number | undefined;
  const at = () => Date.now() - (startMs ?? Date.now());
  const datagrams: ReceivedDatagram[] = [];
  const streams: { atMs: number; stream: IncomingStream }[] = [];
  const rtp: ReceivedRtp[] = [];
  const rtcp: { atMs: number; packet: RtcpPacket }[] = [];
  const candidates: string[] = [];
  let gathered = false;
  const net = recordingNet(nodeNet, (data) => {
    startMs ??= Date.now();
    datagrams.push({ atMs: at(), data });
  });
  const manager = new Manager(
    {
      net,
      controlling: false,
      mdns: 'off',
      gather: { includeLoopback: true, ipv6: false, addressFilter: (a) => a === '127.0.0.1' },
    },
    (stream) => {
      streams.push({ atMs: at(), stream });
      return {
        onRtp: (packet) =>
          rtp.push({ atMs: at(), ssrc: packet.ssrc, bytes: Buffer.from(packet.bytes) }),
        onRtcp: (packet) => rtcp.push({ atMs: at(), packet }),
      };
    },
    (event: ManagerEvent) => {
      if (event.kind !== 'local-candidate') return;
      if (event.candidate === null) gathered = true;
      else if (event.candidate.protocol === 'udp') candidates.push(event.candidate.candidate);
    },
  );
  const setup = options.dtlsRole === 'client' ? 'active' : 'passive';
  try {
    const { sdp: offer, capabilities } = await chromiumOffer(page, options.video);
    // The remote parameters first (they come with the offer), then our candidates.
    const probe = buildMediaAnswer(offer, {
      ...manager.localParameters,
      candidates: [],
      video: options.video,
      setup,
      full: options.full ?? false,
    });
    manager.start({
      ufrag: probe.remote.ufrag,
      pwd: probe.remote.pwd,
      fingerprints: probe.remote.fingerprints,
      dtlsRole: options.dtlsRole,
    });
    manager.setMediaRoutes({ extensionIds: { mid: probe.midExtensionId } });
    await manager.gather();
    await until('our end-of-candidates', () => gathered, 2000);
    const answer = buildMediaAnswer(offer, {
      ...manager.localParameters,
      candidates,
      video: options.video,
      setup,
      full: options.full ?? false,
    });
    await chromiumAccept(page, answer.sdp);
    for (const c of answer.candidates)
      if (/ 127\.0\.0\.1 \d+ typ /.test(c) && / udp /i.test(c)) manager.addRemoteCandidate(c);
    manager.addRemoteCandidate(null);

    // The video stream, not its RTX stream (same mid; Chromium's first RTX probes can come first).
    const { mid: videoMid, codec } = answer.sections.find((s) => s.kind === 'video')!;
    const videoSsrc = () =>
      streams.find((s) => s.stream.mid === videoMid && s.stream.payloadType === codec.payloadType)
        ?.stream.ssrc;
    await until('Chromium video', () => videoSsrc() !== undefined, 10_000);
    const ssrc = videoSsrc()!;
    const firstVideo = rtp.find((p) => p.ssrc === ssrc)!.atMs;
    const profile = SrtpProfile[manager.mediaStats.srtpProfile as keyof typeof SrtpProfile];
    const keys = sessionKeys(manager, profile, options.dtlsRole);

    await sleep(Math.max(0, firstVideo + options.pliAfterMs - at()));
    const afterSequence = rtp
      .filter((p) => p.ssrc === ssrc)
      .at(-1)!
      .bytes.readUInt16BE(2);
    // RFC 3550 §6.1: a compound starts with a report; ours (we send nothing) has no blocks.
    const sent = manager.sendRtcp(
      serializeRtcp([
        { kind: 'rr', ssrc: OUR_SSRC, reports: [] },
        { kind: 'pli', senderSsrc: OUR_SSRC, mediaSsrc: ssrc },
      ]),
    );
    if (!sent) throw new Error('the PLI was not sent');
    const pli = { atMs: at(), afterSequence, ssrc };
    await sleep(Math.max(0, firstVideo + options.videoMs - at()));
    const sender = await chromiumSenderStats(page);
    return {
      video: options.video,
      answer,
      offer,
      capabilities,
      startMs: startMs!,
      port: Number(candidates[0]?.split(' ')[5] ?? 0),
      profile,
      dtlsRole: options.dtlsRole,
      keys,
      streams,
      rtp: [...rtp],
      rtcp: [...rtcp],
      datagrams: [...datagrams],
      pli,
      mediaStats: manager.mediaStats,
      sender,
    };
  } finally {
    await chromiumHangUp(page);
    await manager.close();
  }
}
