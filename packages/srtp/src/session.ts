/** `SrtpSession`: SRTP and SRTCP protection of one DTLS-SRTP association (RFC 3711, RFC 7714). */
import { rtpHeaderSize } from '@x/rtp';
import { SrtpConfigurationError, SrtpKeyLifetimeError, SrtpPacketError } from './errors.js';
import type { SrtpMasterKey, SrtpSessionKeys } from './keying.js';
import { log } from './log.js';
import { type SrtpProfile, srtpProfileParameters } from './profile.js';
import { MAX_REPLAY_WINDOW, MIN_REPLAY_WINDOW, ReplayWindow } from './replay-window.js';
import { estimateRoc, MAX_ROC } from './rollover.js';
import { noDrops, type SrtpDropReason, type SrtpSessionStats } from './stats.js';
import { createTransform, E_FLAG, MAX_SRTCP_INDEX, type Transform } from './transform.js';

/** RFC 3711 §9.2: at most 2^48 SRTP packets per master key. */
export const MAX_SRTP_PACKETS = 2 ** 48;
/** RFC 3711 §9.2: at most 2^31 SRTCP packets per master key. */
export const MAX_SRTCP_PACKETS = 2 ** 31;
/** Default bound on the remote SSRCs a session keeps state for. */
export const DEFAULT_MAX_STREAMS = 1000;

/** Options of an {@link SrtpSession}: the profile, both master keys, and the bounds. */
export interface SrtpSessionOptions extends SrtpSessionKeys {
  /** The protection profile DTLS-SRTP negotiated. */
  profile: SrtpProfile;
  /**
   * Replay window per remote SSRC, for SRTP and for SRTCP, in packets (RFC 3711 §3.3.2).
   * Default 64, at least 64, at most 32 768; a larger window (e.g. 1024) accepts video
   * retransmissions that arrive late.
   */
  replayWindow?: number;
  /**
   * How many remote SSRCs the session keeps state for (rollover counter, replay windows).
   * A packet of a new SSRC beyond it is dropped and counted as `tooManyStreams`, so a flood
   * of random SSRCs cannot grow memory. Default 1000. Local SSRCs are not bounded: we choose them.
   */
  maxStreams?: number;
  /**
   * Packets each master key may protect (local key) or unprotect (remote key) before the
   * session refuses: defaults are the maxima of RFC 3711 §9.2 (`rtp` 2^48, `rtcp` 2^31).
   * Lower them to force an earlier re-key; higher values are refused.
   */
  keyLifetime?: { rtp?: number; rtcp?: number };
  /** A short name for the debug lines of this session (`NODE_DEBUG=x:srtp`). Default `srtp#<n>`. */
  label?: string;
}

interface LocalStream {
  roc: number;
  /** Highest sequence number protected under `roc`; -1 before the first RTP packet. */
  lastSeq: number;
  /** RFC 3711 §3.4: the next SRTCP index, from 0. */
  rtcpIndex: number;
}

interface RemoteStream {
  roc: number;
  /** `s_l` of RFC 3711 §3.3.1; meaningful once `rtp` exists. */
  lastSeq: number;
  rtp: ReplayWindow | undefined;
  rtcp: ReplayWindow | undefined;
}

let sessions = 0;

/**
 * SRTP and SRTCP for one association: protects with the local master key and unprotects with
 * the remote one, keeping a rollover counter and replay windows per SSRC.
 *
 * `protectRtp` and `protectRtcp` throw typed errors for the caller's own mistakes (not an RTP
 * packet, a spent key). `unprotectRtp` and `unprotectRtcp` never throw on network input: a
 * packet that fails is dropped, counted in {@link SrtpSession.stats} by reason, logged at
 * `NODE_DEBUG=x:srtp`, and changes no state (no rollover counter, replay window or stream is
 * created or moved by a packet that did not authenticate).
 *
 * @example
 * ```ts
 * const keys = srtpKeysFromDtls(material, SrtpProfile.AeadAes128Gcm, 'client');
 * const session = new SrtpSession({ profile: SrtpProfile.AeadAes128Gcm, ...keys });
 * socket.send(session.protectRtp(rtpPacket));
 * const rtp = session.unprotectRtp(datagram); // undefined when dropped
 * ```
 */
export class SrtpSession {
  /** The protection profile. */
  readonly profile: SrtpProfile;
  /** The name of this session in debug lines. */
  readonly label: string;
  private readonly local: Transform;
  private readonly remote: Transform;
  private readonly window: number;
  private readonly maxStreams: number;
  private readonly rtpLifetime: number;
  private readonly rtcpLifetime: number;
  private readonly localStreams = new Map<number, LocalStream>();
  private readonly remoteStreams = new Map<number, RemoteStream>();
  private readonly counts = {
    rtpProtected: 0,
    rtcpProtected: 0,
    rtpUnprotected: 0,
    rtcpUnprotected: 0,
    protectRefused: 0,
  };
  private readonly rtpDropped = noDrops();
  private readonly rtcpDropped = noDrops();
  private lastDrop: SrtpDropReason | undefined;

  /** @throws {@link SrtpConfigurationError} when a key, salt, window, bound or lifetime is out of range. */
  constructor(options: SrtpSessionOptions) {
    const params = srtpProfileParameters(options.profile);
    const checkKey = (which: string, k: SrtpMasterKey | undefined) => {
      if (k?.masterKey?.length !== params.keyLength || k.masterSalt?.length !== params.saltLength)
        throw new SrtpConfigurationError(
          `${which} master key and salt for ${params.name} must be ${params.keyLength} and ${params.saltLength} octets, got ${k?.masterKey?.length} and ${k?.masterSalt?.length}`,
        );
    };
    checkKey('local', options.local);
    checkKey('remote', options.remote);
    const window = options.replayWindow ?? MIN_REPLAY_WINDOW;
    if (!Number.isInteger(window) || window < MIN_REPLAY_WINDOW || window > MAX_REPLAY_WINDOW)
      throw new SrtpConfigurationError(
        `replayWindow must be an integer from ${MIN_REPLAY_WINDOW} to ${MAX_REPLAY_WINDOW} (RFC 3711 §3.3.2), got ${window}`,
      );
    const maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
    if (!Number.isInteger(maxStreams) || maxStreams < 1)
      throw new SrtpConfigurationError(`maxStreams must be a positive integer, got ${maxStreams}`);
    const lifetime = (name: string, value: number | undefined, max: number) => {
      const v = value ?? max;
      if (!Number.isInteger(v) || v < 1 || v > max)
        throw new SrtpConfigurationError(
          `keyLifetime.${name} must be an integer from 1 to ${max} (RFC 3711 §9.2), got ${v}`,
        );
      return v;
    };
    this.rtpLifetime = lifetime('rtp', options.keyLifetime?.rtp, MAX_SRTP_PACKETS);
    this.rtcpLifetime = lifetime('rtcp', options.keyLifetime?.rtcp, MAX_SRTCP_PACKETS);
    this.profile = options.profile;
    this.window = window;
    this.maxStreams = maxStreams;
    this.label = options.label ?? `srtp#${++sessions}`;
    this.local = createTransform(params, options.local);
    this.remote = createTransform(params, options.remote);
  }

  /** A snapshot of the counters. */
  get stats(): SrtpSessionStats {
    return {
      ...this.counts,
      rtpDropped: { ...this.rtpDropped },
      rtcpDropped: { ...this.rtcpDropped },
      localStreams: this.localStreams.size,
      remoteStreams: this.remoteStreams.size,
    };
  }

  /**
   * Why the last `unprotectRtp` or `unprotectRtcp` call returned `undefined`; `undefined` when
   * the last call returned a packet. For callers that keep their own counters.
   */
  get lastDropReason(): SrtpDropReason | undefined {
    return this.lastDrop;
  }

  /**
   * Forgets a remote SSRC (its rollover counter and replay windows), e.g. after an RTCP BYE,
   * so that it no longer counts towards `maxStreams`. Old packets of that SSRC could then be
   * accepted once more, so forget only streams that ended. Returns whether it was known.
   */
  deleteRemoteStream(ssrc: number): boolean {
    return this.remoteStreams.delete(ssrc >>> 0);
  }

  /**
   * Protects one RTP packet (RFC 3711 §3.3, RFC 7714 §8): returns a new buffer with the
   * payload encrypted and the tag appended; `packet` is not changed. The rollover counter of
   * the SSRC follows the sequence numbers, wraps included; a retransmission of an older
   * packet is protected under the counter it was first sent with.
   *
   * @throws {@link SrtpPacketError} when `packet` is not an RTP packet.
   * @throws {@link SrtpKeyLifetimeError} when the local key has protected its limit.
   */
  protectRtp(packet: Uint8Array): Buffer {
    const headerSize = rtpHeaderSize(packet);
    if (headerSize === undefined)
      throw new SrtpPacketError('protectRtp needs an RTP packet (RFC 3550 §5.1)');
    const seq = (packet[2]! << 8) | packet[3]!;
    const ssrc = readU32(packet, 8);
    const stream = this.localStreams.get(ssrc);
    let roc = 0;
    if (stream && stream.lastSeq >= 0) {
      roc = estimateRoc(stream.roc, stream.lastSeq, seq);
      if (roc < 0) roc = 0;
    }
    if (this.counts.rtpProtected >= this.rtpLifetime || roc > MAX_ROC) {
      this.counts.protectRefused++;
      throw new SrtpKeyLifetimeError('rtp', this.rtpLifetime);
    }
    const out = this.local.protectRtp(packet, headerSize, ssrc, roc, seq);
    if (!stream) this.localStreams.set(ssrc, { roc, lastSeq: seq, rtcpIndex: 0 });
    else advance(stream, roc, seq);
    this.counts.rtpProtected++;
    return out;
  }

  /**
   * Unprotects one SRTP packet: returns the plain RTP packet (a new buffer), or `undefined`
   * when the packet is dropped (see {@link SrtpDropReason}). Never throws on network input.
   */
  unprotectRtp(packet: Uint8Array): Buffer | undefined {
    const t = this.remote;
    if (packet.length < 12 + t.rtpTagLength) return this.drop('rtp', 'truncated', packet);
    const headerSize = rtpHeaderSize(packet);
    if (headerSize === undefined) return this.drop('rtp', 'malformedHeader', packet);
    if (packet.length < headerSize + t.rtpTagLength) return this.drop('rtp', 'truncated', packet);
    const seq = (packet[2]! << 8) | packet[3]!;
    const ssrc = readU32(packet, 8);
    const stream = this.remoteStreams.get(ssrc);
    let roc = 0;
    if (stream?.rtp) {
      // RFC 3711 §3.3.1, Appendix A: the index of this packet, from s_l and the ROC.
      roc = estimateRoc(stream.roc, stream.lastSeq, seq);
      if (roc < 0) return this.drop('rtp', 'replayed', packet);
      if (roc > MAX_ROC) return this.drop('rtp', 'keyLifetime', packet);
      if (!stream.rtp.check(roc * 0x10000 + seq)) return this.drop('rtp', 'replayed', packet);
    } else if (!stream && this.remoteStreams.size >= this.maxStreams)
      return this.drop('rtp', 'tooManyStreams', packet);
    if (this.counts.rtpUnprotected >= this.rtpLifetime)
      return this.drop('rtp', 'keyLifetime', packet);
    const plain = t.unprotectRtp(packet, headerSize, ssrc, roc, seq);
    if (!plain) return this.drop('rtp', 'authFailed', packet);
    // Authenticated: only now is any state created or moved (RFC 3711 §3.3.1, §3.3.2).
    const s = stream ?? this.addRemote(ssrc);
    if (!s.rtp) {
      s.rtp = new ReplayWindow(this.window);
      s.roc = roc;
      s.lastSeq = seq;
    } else advance(s, roc, seq);
    s.rtp.accept(roc * 0x10000 + seq);
    this.counts.rtpUnprotected++;
    this.lastDrop = undefined;
    return plain;
  }

  /**
   * Protects one RTCP (compound) packet (RFC 3711 §3.4, RFC 7714 §9): encrypted (E = 1), with
   * the SSRC's SRTCP index, counted from 0, appended with the tag. Returns a new buffer.
   *
   * @throws {@link SrtpPacketError} when `packet` is not an RTCP packet.
   * @throws {@link SrtpKeyLifetimeError} when the local key has protected its limit.
   */
  protectRtcp(packet: Uint8Array): Buffer {
    if (packet.length < 8 || packet[0]! >> 6 !== 2)
      throw new SrtpPacketError('protectRtcp needs an RTCP packet (RFC 3550 §6.4)');
    const ssrc = readU32(packet, 4);
    let stream = this.localStreams.get(ssrc);
    const index = stream?.rtcpIndex ?? 0;
    if (this.counts.rtcpProtected >= this.rtcpLifetime || index > MAX_SRTCP_INDEX) {
      this.counts.protectRefused++;
      throw new SrtpKeyLifetimeError('rtcp', this.rtcpLifetime);
    }
    const out = this.local.protectRtcp(packet, ssrc, index, true);
    if (!stream) this.localStreams.set(ssrc, (stream = { roc: 0, lastSeq: -1, rtcpIndex: 0 }));
    stream.rtcpIndex = index + 1;
    this.counts.rtcpProtected++;
    return out;
  }

  /**
   * Unprotects one SRTCP packet, encrypted (E = 1) or only authenticated (E = 0): returns the
   * plain RTCP packet (a new buffer), or `undefined` when dropped. Never throws on network input.
   */
  unprotectRtcp(packet: Uint8Array): Buffer | undefined {
    const t = this.remote;
    if (packet.length < 8 + 4 + t.rtcpTagLength) return this.drop('rtcp', 'truncated', packet);
    if (packet[0]! >> 6 !== 2) return this.drop('rtcp', 'malformedHeader', packet);
    const ssrc = readU32(packet, 4);
    const word = readU32(packet, t.rtcpTrailerOffset(packet.length));
    const index = word & MAX_SRTCP_INDEX;
    const stream = this.remoteStreams.get(ssrc);
    if (stream?.rtcp) {
      if (!stream.rtcp.check(index)) return this.drop('rtcp', 'replayed', packet);
    } else if (!stream && this.remoteStreams.size >= this.maxStreams)
      return this.drop('rtcp', 'tooManyStreams', packet);
    if (this.counts.rtcpUnprotected >= this.rtcpLifetime)
      return this.drop('rtcp', 'keyLifetime', packet);
    const plain = t.unprotectRtcp(packet, ssrc, index, word >= E_FLAG);
    if (!plain) return this.drop('rtcp', 'authFailed', packet);
    const s = stream ?? this.addRemote(ssrc);
    s.rtcp ??= new ReplayWindow(this.window);
    s.rtcp.accept(index);
    this.counts.rtcpUnprotected++;
    this.lastDrop = undefined;
    return plain;
  }

  private addRemote(ssrc: number): RemoteStream {
    const s: RemoteStream = { roc: 0, lastSeq: 0, rtp: undefined, rtcp: undefined };
    this.remoteStreams.set(ssrc, s);
    return s;
  }

  private drop(kind: 'rtp' | 'rtcp', reason: SrtpDropReason, packet: Uint8Array): undefined {
    (kind === 'rtp' ? this.rtpDropped : this.rtcpDropped)[reason]++;
    this.lastDrop = reason;
    if (log.enabled) {
      const ssrc = packet.length >= 12 ? readU32(packet, kind === 'rtp' ? 8 : 4) : undefined;
      const seq = kind === 'rtp' && packet.length >= 4 ? (packet[2]! << 8) | packet[3]! : undefined;
      log(
        '%s dropped %s packet (%d octets, ssrc %s%s): %s',
        this.label,
        kind === 'rtp' ? 'an SRTP' : 'an SRTCP',
        packet.length,
        ssrc ?? '?',
        seq === undefined ? '' : `, seq ${seq}`,
        reason,
      );
    }
    return undefined;
  }
}

/** RFC 3711 §3.3.1: after an authenticated packet, move s_l and the ROC forward (never back). */
function advance(s: { roc: number; lastSeq: number }, roc: number, seq: number): void {
  if (roc > s.roc) {
    s.roc = roc;
    s.lastSeq = seq;
  } else if (roc === s.roc && seq > s.lastSeq) s.lastSeq = seq;
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
