/**
 * W3C `getStats()` (webrtc-pc §8, webrtc-stats): the report of a peer connection.
 *
 * One entry per object, as webrtc-stats §3 lists them: `peer-connection`, `data-channel` (one
 * per channel, closed ones included), `transport` (the one BUNDLE transport), `sctp-transport`
 * (once the association exists), `candidate-pair` (the check list), `local-candidate` /
 * `remote-candidate` and `certificate` (ours and the peer's), and for media (`rtpStats`)
 * `inbound-rtp` per SSRC received, `outbound-rtp` per negotiated sender and `codec` per
 * payload type they use, with the counters that exist so far. Members this stack does not
 * measure yet (RTCP-based ones, `availableOutgoingBitrate` before a bandwidth estimate...)
 * are absent, not zero.
 *
 * Ids (webrtc-pc §8.4): stable for one monitored object across reports, never reused, and not
 * predictable by an application: each is a hash of what the object is, salted per connection.
 */
import { createHash, randomBytes } from 'node:crypto';
import type {
  CandidateDescription,
  CandidatePairStats,
  IceTransportStats,
  SctpTransportStats,
} from '@x/network';
import { dataChannelControl, type RTCDataChannel } from './rtc-data-channel.js';
import type { RTCDtlsTransport, RTCIceTransport } from './rtc-transports.js';
import type { InboundStream, ReceiverState, SenderState } from './rtp-state.js';
import { formatFmtp } from './sdp/rtp-media.js';

/** One entry of the report: `id`, `type`, `timestamp` and the members of its dictionary. */
export type RTCStats = Record<string, unknown> & {
  readonly id: string;
  readonly type: string;
  readonly timestamp: number;
};

/** What a report is made of. */
export interface StatsSource {
  readonly iceTransport: RTCIceTransport;
  readonly dtlsTransport: RTCDtlsTransport;
  readonly ice: IceTransportStats;
  /** The SCTP association's figures once it exists. */
  readonly sctp: SctpTransportStats | undefined;
  /** DTLS role once known. */
  readonly dtlsRole: 'client' | 'server' | undefined;
  /** The negotiated cipher suite, by its `@x/dtls` name, once the DTLS handshake completed. */
  readonly cipherSuite: string | undefined;
  /** The SRTP protection profile negotiated by `use_srtp`, by its `@x/dtls` name. */
  readonly srtpProfile: string | undefined;
  readonly localCertificate: Buffer;
  readonly remoteCertificate: Buffer | undefined;
  /** Our ICE ufrag (`iceLocalUsernameFragment`). */
  readonly localUfrag: string;
  readonly selectedPairChanges: number;
  readonly channels: Iterable<RTCDataChannel>;
  readonly dataChannelsOpened: number;
  readonly dataChannelsClosed: number;
  /** The injected clock's now(), to turn its times into wall-clock timestamps. */
  readonly clockNow: number;
  /** The send-side bandwidth estimate (bits/s), once there is one: on the selected pair. */
  readonly availableOutgoingBitrate?: number | undefined;
}

/** IANA names (RFC 5289, RFC 7905) of the `@x/dtls` cipher suites, as `dtlsCipher` reports them. */
const IANA_CIPHER: Record<string, string> = {
  EcdheEcdsaAes128GcmSha256: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  EcdheEcdsaAes256GcmSha384: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  EcdheEcdsaChacha20Poly1305Sha256: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  EcdheRsaAes128GcmSha256: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  EcdheRsaAes256GcmSha384: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  EcdheRsaChacha20Poly1305Sha256: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
};

/**
 * webrtc-stats `srtpCipher`: "the Profile column of the IANA DTLS-SRTP protection profile
 * registry" (RFC 5764 §4.1.2, RFC 7714 §14.2), by the `@x/dtls` name of the profile.
 */
const IANA_SRTP_PROFILE: Record<string, string> = {
  Aes128CmHmacSha1_80: 'SRTP_AES128_CM_HMAC_SHA1_80',
  Aes128CmHmacSha1_32: 'SRTP_AES128_CM_HMAC_SHA1_32',
  AeadAes128Gcm: 'SRTP_AEAD_AES_128_GCM',
  AeadAes256Gcm: 'SRTP_AEAD_AES_256_GCM',
};

/** webrtc-stats `tlsVersion`: the record layer's version in upper-case hex (DTLS 1.2: FEFD). */
const DTLS_1_2 = 'FEFD';

/** What makes the ids of one connection: its salt, and the number given to each channel. */
interface IdSpace {
  readonly salt: Buffer;
  readonly channels: WeakMap<RTCDataChannel, number>;
  nextChannel: number;
}

/** Per connection, keyed by its DTLS transport (one per connection, for its whole life). */
const idSpaces = new WeakMap<RTCDtlsTransport, IdSpace>();

function idSpaceOf(dtls: RTCDtlsTransport): IdSpace {
  let space = idSpaces.get(dtls);
  if (!space) {
    space = { salt: randomBytes(16), channels: new WeakMap(), nextChannel: 0 };
    idSpaces.set(dtls, space);
  }
  return space;
}

/**
 * webrtc-pc §8.4: "Stats ids MUST NOT be predictable by an application"; a predictable key
 * hashed with a salt unique to the connection keeps them stable across calls. The prefix only
 * says which kind of object it is.
 */
function statsId(space: IdSpace, prefix: string, key: string): string {
  const hash = createHash('sha256').update(space.salt).update(`${prefix}|${key}`).digest();
  return `${prefix}${hash.toString('base64url').slice(0, 16)}`;
}

/** The stats report (webrtc-pc §8.2 `RTCStatsReport`). */
export function collectStats(from: StatsSource): Map<string, RTCStats> {
  const stats = new Map<string, RTCStats>();
  const space = idSpaceOf(from.dtlsTransport);
  const transportId = statsId(space, 'T', 'transport');
  const now = performance.timeOrigin + performance.now();
  // Clock times of the transports (virtual in tests) as DOMHighResTimeStamps since the epoch.
  const timestampOf = (clockTime: number): number | undefined =>
    Number.isFinite(clockTime) ? now - (from.clockNow - clockTime) : undefined;
  const add = (entry: RTCStats): void => {
    // Members that do not apply are absent, not `undefined` (webrtc-stats §2).
    for (const key of Object.keys(entry)) if (entry[key] === undefined) delete entry[key];
    stats.set(entry.id, entry);
  };

  // webrtc-stats `dataChannelsClosed` counts the channels that left "open" because the
  // underlying transport closed. webrtc-pc "close the connection" sets every channel to closed
  // abruptly (no closing procedure, so none of the events that count the others) and the ICE
  // transport to closed: from then on, no channel that ever opened is still open.
  const pcClosed = from.iceTransport.state === 'closed';
  add({
    id: statsId(space, 'P', 'peer-connection'),
    type: 'peer-connection',
    timestamp: now,
    dataChannelsOpened: from.dataChannelsOpened,
    dataChannelsClosed: pcClosed ? from.dataChannelsOpened : from.dataChannelsClosed,
  });

  for (const channel of from.channels) {
    const c = dataChannelControl().counters(channel);
    let n = space.channels.get(channel);
    if (n === undefined) {
      n = space.nextChannel++;
      space.channels.set(channel, n);
    }
    add({
      id: statsId(space, 'D', String(n)),
      type: 'data-channel',
      timestamp: now,
      label: channel.label,
      protocol: channel.protocol,
      dataChannelIdentifier: channel.id ?? undefined,
      state: channel.readyState,
      messagesSent: c.messagesSent,
      bytesSent: c.bytesSent,
      messagesReceived: c.messagesReceived,
      bytesReceived: c.bytesReceived,
    });
  }

  const certId = (der: Buffer): string =>
    addCertificate(add, now, der, (fingerprint) => statsId(space, 'CF', fingerprint));
  const localCertId = certId(from.localCertificate);
  const remoteCertId = from.remoteCertificate ? certId(from.remoteCertificate) : undefined;

  const ice = from.ice;
  // webrtc-stats `address` of a remote candidate: null unless the application gave us that
  // address (addIceCandidate() or the remote description); a peer-reflexive candidate learnt
  // from a check (RFC 8445 §7.3.1.3) alone stays hidden.
  const signaledAddresses = new Set(
    ice.remoteCandidates.filter((c) => c.type !== 'prflx').map((c) => c.address),
  );
  const addCandidate = (
    c: CandidateDescription,
    side: 'L' | 'R',
    server?: { url?: string; relayProtocol?: 'udp' | 'tcp' | 'tls' },
  ): string => {
    const id = statsId(space, `I${side}`, `${c.type}|${c.address}|${c.port}|${c.protocol}`);
    if (stats.has(id)) return id;
    add({
      id,
      type: side === 'L' ? 'local-candidate' : 'remote-candidate',
      timestamp: now,
      transportId: transportId,
      address: side === 'L' || signaledAddresses.has(c.address) ? c.address : null,
      port: c.port,
      protocol: c.protocol,
      candidateType: c.type,
      priority: c.priority,
      foundation: c.foundation,
      usernameFragment: c.usernameFragment,
      relatedAddress: c.relatedAddress,
      relatedPort: c.relatedPort,
      tcpType: c.tcpType,
      // Local candidates from a server: its URL; relayed ones: how we reach the TURN server.
      url: server?.url,
      relayProtocol: c.type === 'relay' && server?.url ? server.relayProtocol : undefined,
    });
    return id;
  };

  let selectedPairId: string | undefined;
  for (const pair of ice.pairs) {
    const localId = addCandidate(pair.local, 'L', {
      ...(pair.localUrl !== undefined ? { url: pair.localUrl } : {}),
      ...(pair.localRelayProtocol !== undefined ? { relayProtocol: pair.localRelayProtocol } : {}),
    });
    const remoteId = addCandidate(pair.remote, 'R');
    const id = statsId(space, 'CP', `${localId}|${remoteId}`);
    if (pair.selected) selectedPairId = id;
    const entry = pairEntry(
      pair,
      { id, transportId, localCandidateId: localId, remoteCandidateId: remoteId },
      now,
      timestampOf,
    );
    // webrtc-stats: the congestion controller's estimate, on the pair media goes over.
    if (pair.selected && from.availableOutgoingBitrate !== undefined)
      entry.availableOutgoingBitrate = Math.round(from.availableOutgoingBitrate);
    add(entry);
  }
  for (const c of ice.localCandidates) addCandidate(c, 'L');
  for (const c of ice.remoteCandidates) addCandidate(c, 'R');

  // webrtc-stats: `tlsVersion` exists once the DTLS negotiation is complete; what was agreed
  // stays in the report of the monitored object, after close() too (webrtc-pc §8.1).
  const negotiated = from.cipherSuite !== undefined;
  add({
    id: transportId,
    type: 'transport',
    timestamp: now,
    packetsSent: ice.packetsSent,
    packetsReceived: ice.packetsReceived,
    bytesSent: ice.bytesSent,
    bytesReceived: ice.bytesReceived,
    iceRole: from.iceTransport.role,
    iceLocalUsernameFragment: from.localUfrag,
    iceState: from.iceTransport.state,
    dtlsState: from.dtlsTransport.state,
    dtlsRole: from.dtlsRole ?? 'unknown',
    selectedCandidatePairId: selectedPairId,
    selectedCandidatePairChanges: from.selectedPairChanges,
    localCertificateId: localCertId,
    remoteCertificateId: remoteCertId,
    tlsVersion: negotiated ? DTLS_1_2 : undefined,
    dtlsCipher: from.cipherSuite && (IANA_CIPHER[from.cipherSuite] ?? from.cipherSuite),
    srtpCipher: from.srtpProfile && (IANA_SRTP_PROFILE[from.srtpProfile] ?? from.srtpProfile),
  });
  const sctp = from.sctp;
  if (sctp !== undefined) {
    add({
      id: statsId(space, 'S', 'sctp-transport'),
      type: 'sctp-transport',
      timestamp: now,
      transportId: transportId,
      smoothedRoundTripTime:
        sctp.smoothedRoundTripTimeMs === undefined
          ? undefined
          : sctp.smoothedRoundTripTimeMs / 1000,
      congestionWindow: sctp.congestionWindow,
      receiverWindow: sctp.receiverWindow,
      mtu: sctp.mtu,
      unackData: sctp.unackData,
    });
  }
  return stats;
}

function pairEntry(
  pair: CandidatePairStats,
  ids: { id: string; transportId: string; localCandidateId: string; remoteCandidateId: string },
  now: number,
  timestampOf: (clockTime: number) => number | undefined,
): RTCStats {
  const { id, transportId, localCandidateId, remoteCandidateId } = ids;
  return {
    id,
    type: 'candidate-pair',
    timestamp: now,
    transportId,
    localCandidateId,
    remoteCandidateId,
    state: pair.state,
    nominated: pair.nominated,
    packetsSent: pair.packetsSent,
    packetsReceived: pair.packetsReceived,
    bytesSent: pair.bytesSent,
    bytesReceived: pair.bytesReceived,
    lastPacketSentTimestamp: timestampOf(pair.lastPacketSentAt),
    lastPacketReceivedTimestamp: timestampOf(pair.lastPacketReceivedAt),
    // webrtc-stats: seconds, from STUN transactions (RFC 8445 checks and RFC 7675 consent).
    currentRoundTripTime: pair.rttMs !== undefined ? pair.rttMs / 1000 : undefined,
    totalRoundTripTime: pair.totalRoundTripTimeMs / 1000,
    requestsSent: pair.requestsSent,
    requestsReceived: pair.requestsReceived,
    responsesSent: pair.responsesSent,
    responsesReceived: pair.responsesReceived,
    consentRequestsSent: pair.consentRequestsSent,
  };
}

/** An `RTCCertificateStats` entry; returns its id. */
function addCertificate(
  add: (entry: RTCStats) => void,
  now: number,
  der: Buffer,
  idOf: (fingerprint: string) => string,
): string {
  const fingerprint = createHash('sha256')
    .update(der)
    .digest('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');
  const id = idOf(fingerprint);
  add({
    id,
    type: 'certificate',
    timestamp: now,
    fingerprint,
    fingerprintAlgorithm: 'sha-256',
    base64Certificate: der.toString('base64'),
  });
  return id;
}

/**
 * The `inbound-rtp` entries of a receiver (one per SSRC received) or the `outbound-rtp`
 * entry of a sender (once negotiated), with the members that exist so far: the identifiers,
 * `kind`, `mid`, the packet and byte counters (webrtc-stats §5.4–5.5), and once media
 * flowed the frame, loss, jitter and feedback counters of its RTP stream, with a
 * `remote-inbound-rtp` entry (§5.7) once the peer reported on our stream.
 */
export function rtpStats(
  dtls: RTCDtlsTransport,
  of: SenderState | ReceiverState,
  timestamp: number,
): Map<string, RTCStats> {
  const space = idSpaceOf(dtls);
  const out = new Map<string, RTCStats>();
  const transportId = statsId(space, 'T', 'transport');
  const mid = of.transceiver?.mid ?? undefined;
  // webrtc-stats RTCCodecStats: one entry per payload type in use on the transport.
  const codecId = (pt: number): string | undefined => {
    const c = of.codecs.find((x) => x.payloadType === pt);
    if (c === undefined) return undefined;
    // The line as written when it is not key=value pairs (RED's `111/111`, RFC 2198 §5).
    const fmtp = c.fmtp ?? formatFmtp(c.parameters);
    const id = statsId(space, 'CIT', `${pt}|${c.name}|${fmtp}`);
    out.set(id, {
      id,
      type: 'codec',
      timestamp,
      payloadType: pt,
      transportId,
      mimeType: `${of.kind}/${c.name}`,
      clockRate: c.clockRate,
      ...(c.channels !== undefined ? { channels: c.channels } : {}),
      ...(fmtp !== '' ? { sdpFmtpLine: fmtp } : {}),
    });
    return id;
  };
  const codecIdOf = (pt: number | undefined) => (pt === undefined ? undefined : codecId(pt));
  if ('inbound' in of) {
    const streams = [...of.inbound.values()];
    const repairs = streams.filter((s) => s.repair);
    for (const s of streams) {
      if (s.repair) continue;
      // RTX packets count as retransmissions of the media stream of their rid (or the only one).
      const mine = repairs.filter(
        (r) => r.rid === s.rid || streams.filter((x) => !x.repair).length === 1,
      );
      const id = statsId(space, 'IT', `${of.kind}|${s.ssrc}`);
      out.set(id, {
        id,
        type: 'inbound-rtp',
        timestamp,
        ssrc: s.ssrc,
        kind: of.kind,
        transportId,
        ...(mid !== undefined ? { mid } : {}),
        ...(s.rid !== undefined ? { rid: s.rid } : {}),
        codecId: codecId(s.payloadType),
        trackIdentifier: of.track.id,
        packetsReceived: s.packetsReceived,
        bytesReceived: s.bytesReceived,
        headerBytesReceived: s.headerBytesReceived,
        retransmittedPacketsReceived: mine.reduce((n, r) => n + r.packetsReceived, 0),
        retransmittedBytesReceived: mine.reduce((n, r) => n + r.bytesReceived, 0),
        ...inboundCounters(s),
      });
    }
    return withoutUndefined(out);
  }
  if (of.transport === null) return out;
  // One `outbound-rtp` per encoding: a simulcast sender's layers each with their rid.
  of.layers.forEach((layer, index) => {
    const id = statsId(space, 'OT', `${of.kind}|${layer.ssrc}`);
    const sent = layer.rtpStream?.stats;
    const remote = layer.rtpStream?.remoteInbound;
    const remoteId =
      remote === undefined ? undefined : statsId(space, 'RI', `${of.kind}|${layer.ssrc}`);
    out.set(id, {
      id,
      type: 'outbound-rtp',
      timestamp,
      ssrc: layer.ssrc,
      kind: of.kind,
      transportId,
      ...(mid !== undefined ? { mid } : {}),
      ...(layer.rid !== undefined && of.layers.length > 1 ? { rid: layer.rid } : {}),
      // The payload type its packets carry (RED's when it wraps Opus), else the first negotiated.
      codecId: codecIdOf(layer.rtpStream?.payloadType ?? of.codecs[0]?.payloadType),
      packetsSent: sent?.packetsSent ?? 0,
      bytesSent: sent?.bytesSent ?? 0,
      active: of.encodings[index]?.active ?? true,
      ...(sent !== undefined
        ? {
            headerBytesSent: sent.headerBytesSent,
            framesSent: sent.framesSent,
            keyFramesSent: sent.keyFramesSent,
            retransmittedPacketsSent: sent.retransmittedPacketsSent,
            retransmittedBytesSent: sent.retransmittedBytesSent,
            nackCount: sent.nackCount,
            pliCount: sent.pliCount,
            firCount: sent.firCount,
          }
        : {}),
      remoteId,
    });
    // webrtc-stats §5.7 RTCRemoteInboundRtpStreamStats: what the peer's report blocks say.
    if (remote !== undefined && remoteId !== undefined)
      out.set(remoteId, {
        id: remoteId,
        type: 'remote-inbound-rtp',
        timestamp,
        ssrc: layer.ssrc,
        kind: of.kind,
        transportId,
        localId: id,
        packetsLost: remote.packetsLost,
        fractionLost: remote.fractionLost,
        jitter: remote.jitter,
        roundTripTime: remote.roundTripTime,
        totalRoundTripTime: remote.totalRoundTripTime,
        roundTripTimeMeasurements: remote.roundTripTimeMeasurements,
      });
  });
  return withoutUndefined(out);
}

/** The members of `inbound-rtp` its jitter buffer measures, once it took a packet. */
function inboundCounters(s: InboundStream): Record<string, number> {
  const c = s.rtpStream?.stats;
  if (c === undefined) return {};
  return {
    packetsLost: c.packetsLost,
    jitter: c.jitter,
    packetsDiscarded: c.packetsDiscarded,
    framesReceived: c.framesReceived,
    keyFramesReceived: c.keyFramesReceived,
    framesDropped: c.framesDropped,
    jitterBufferDelay: c.jitterBufferDelay,
    jitterBufferEmittedCount: c.jitterBufferEmittedCount,
    nackCount: c.nackCount,
    pliCount: c.pliCount,
    firCount: c.firCount,
  };
}

/** Members that do not apply are absent, not `undefined` (webrtc-stats §2). */
function withoutUndefined(report: Map<string, RTCStats>): Map<string, RTCStats> {
  for (const entry of report.values())
    for (const key of Object.keys(entry)) if (entry[key] === undefined) delete entry[key];
  return report;
}
