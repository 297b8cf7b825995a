/**
 * Building the handshake chunks (RFC 9260 §5.1): INIT and INIT-ACK with the parameters this
 * implementation offers, the content of the state cookie answering an INIT, and the peer's
 * INIT recovered from a verified cookie.
 */

import { ChunkType, type InitChunk } from './chunk.js';
import type { CookieContent } from './cookie.js';
import { readPeerFeatures } from './init-params.js';
import { EDMID_DTLS, ParamType, type Tlv, u32Tlv } from './param.js';

const EMPTY = new Uint8Array(0);

/** What we announce in INIT and INIT-ACK. */
export interface LocalInit {
  /** a_rwnd. */
  readonly bufferSize: number;
  readonly outboundStreams: number;
  readonly inboundStreams: number;
  /** Announce Zero Checksum Acceptable with the DTLS method (RFC 9653 §5.1). */
  readonly zeroChecksum: boolean;
}

/** An INIT or INIT-ACK with our extensions, after the `extra` parameters (cookie first). */
export function buildInit(
  type: 1 | 2,
  tag: number,
  tsn: number,
  extra: readonly Tlv[],
  local: LocalInit,
): InitChunk {
  const params: Tlv[] = [
    ...extra,
    // RFC 5061 §4.2.7 supported extensions: RE-CONFIG, FORWARD-TSN.
    {
      type: ParamType.SupportedExtensions,
      value: Uint8Array.of(ChunkType.Reconfig, ChunkType.ForwardTsn),
    },
    // RFC 3758 §3.1.
    { type: ParamType.ForwardTsnSupported, value: EMPTY },
  ];
  if (local.zeroChecksum) params.push(u32Tlv(ParamType.ZeroChecksumAcceptable, EDMID_DTLS));
  return {
    type,
    initiateTag: tag,
    aRwnd: local.bufferSize,
    outboundStreams: local.outboundStreams,
    inboundStreams: local.inboundStreams,
    initialTsn: tsn,
    params,
  };
}

/**
 * The cookie content answering the peer's INIT with our `tag` and `tsn` (§5.1.3); the
 * parameters to report as unrecognized are added to `unrecognized`.
 */
export function cookieFor(
  init: InitChunk,
  tag: number,
  tsn: number,
  now: number,
  unrecognized: Tlv[],
): CookieContent {
  return {
    createdAt: now,
    localTag: tag,
    peerTag: init.initiateTag,
    localInitialTsn: tsn,
    peerInitialTsn: init.initialTsn,
    peerRwnd: init.aRwnd,
    peerOutboundStreams: init.outboundStreams,
    peerInboundStreams: init.inboundStreams,
    peerFeatures: readPeerFeatures(init.params, unrecognized),
  };
}

/** The peer's INIT as the cookie recorded it. */
export function peerFromCookie(k: CookieContent): InitChunk {
  return {
    type: ChunkType.Init,
    initiateTag: k.peerTag,
    aRwnd: k.peerRwnd,
    outboundStreams: k.peerOutboundStreams,
    inboundStreams: k.peerInboundStreams,
    initialTsn: k.peerInitialTsn,
    params: [],
  };
}
