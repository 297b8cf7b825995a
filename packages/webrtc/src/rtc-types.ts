/**
 * The W3C dictionaries, descriptions, certificates and events of `RTCPeerConnection`
 * (webrtc-pc §4.2–§4.8), and the signaling state machine (webrtc-pc §4.3.1, JSEP §3.2).
 */
import { type Certificate, certificateFingerprints, type ManagerConfig } from '@x/network';
import type { Clock, Net } from '@x/transport';
import { RTCDataChannel } from './rtc-data-channel.js';
import { RTCIceCandidate } from './rtc-ice-candidate.js';

/** W3C `RTCSdpType`. */
export type RTCSdpType = 'offer' | 'answer' | 'pranswer' | 'rollback';
/** W3C `RTCSignalingState`. */
export type RTCSignalingState =
  | 'stable'
  | 'have-local-offer'
  | 'have-remote-offer'
  | 'have-local-pranswer'
  | 'have-remote-pranswer'
  | 'closed';

/** W3C `RTCSessionDescriptionInit`. */
export interface RTCSessionDescriptionInit {
  type: RTCSdpType;
  sdp?: string;
}

/** W3C `RTCSessionDescription`. */
export class RTCSessionDescription {
  readonly #type: RTCSdpType;
  readonly #sdp: string;
  /** Throws a TypeError for a missing or unknown `type` (WebIDL: a required enum member). */
  constructor(init: RTCSessionDescriptionInit) {
    this.#type = sdpType(init);
    this.#sdp = init.sdp === undefined ? '' : String(init.sdp);
  }
  /** The description's type (a WebIDL readonly attribute, as every member here). */
  get type(): RTCSdpType {
    return this.#type;
  }
  /** The SDP text, `''` when none was given. */
  get sdp(): string {
    return this.#sdp;
  }
  toJSON(): RTCSessionDescriptionInit {
    return { type: this.type, sdp: this.sdp };
  }
}

const SDP_TYPES: readonly string[] = ['offer', 'pranswer', 'answer', 'rollback'];

/**
 * @internal The `type` of an `RTCSessionDescriptionInit`, as WebIDL converts it: a TypeError
 * when the dictionary or its required `type` is missing, or `type` is not an `RTCSdpType`.
 */
export function sdpType(init: RTCSessionDescriptionInit | null | undefined): RTCSdpType {
  if (init === null || init === undefined || typeof init !== 'object')
    throw new TypeError('a description must be an RTCSessionDescriptionInit');
  if (init.type === undefined) throw new TypeError('a description needs a type');
  const type = String(init.type);
  if (!SDP_TYPES.includes(type))
    throw new TypeError(
      `${JSON.stringify(type)} is not an RTCSdpType (offer, pranswer, answer, rollback)`,
    );
  return type as RTCSdpType;
}

/** W3C `RTCOfferOptions`. */
export interface RTCOfferOptions {
  /** New ICE credentials in this offer: applying it restarts ICE. Default false. */
  iceRestart?: boolean;
  /**
   * webrtc-pc legacy extension: true adds a `recvonly` audio transceiver when none receives
   * audio; false takes `recv` off every audio transceiver's direction.
   */
  offerToReceiveAudio?: boolean;
  /** webrtc-pc legacy extension: as `offerToReceiveAudio`, for video. */
  offerToReceiveVideo?: boolean;
}

/** W3C `RTCAnswerOptions` (no member). */
export type RTCAnswerOptions = Record<string, never>;

/** W3C `RTCIceServer`. */
export interface RTCIceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** W3C `RTCCertificate`: a DTLS certificate with its expiry and fingerprints. */
export class RTCCertificate {
  /**
   * @internal The key pair and certificate, for the Manager (`network-options.ts`). Not a W3C
   * member: webrtc-pc keeps the private key out of the application's reach.
   */
  readonly certificate: Certificate;
  /** @internal */
  constructor(certificate: Certificate) {
    this.certificate = certificate;
  }
  get expires(): number {
    return this.certificate.expires.getTime();
  }
  /**
   * W3C `getFingerprints()`: SHA-256 (the digest of the certificate's signature), SHA-384 and
   * SHA-512 of the certificate, named as the IANA "Hash Function Textual Names" registry does
   * (`sha-256`), each value in lower-case hex pairs joined by colons, as webrtc-pc's
   * `RTCDtlsFingerprint.value` says. The SDP `a=fingerprint` carries the same digest in the
   * upper case of RFC 8122 §5 (`UHEX`): compare them without regard to case.
   */
  getFingerprints(): { algorithm: string; value: string }[] {
    return certificateFingerprints(this.certificate).map(({ algorithm, value }) => ({
      algorithm,
      value: value.toLowerCase(),
    }));
  }
}

/** W3C `RTCConfiguration`, plus the Node-side options of this stack. */
export interface RTCConfiguration {
  iceServers?: RTCIceServer[];
  iceTransportPolicy?: 'all' | 'relay';
  bundlePolicy?: 'balanced' | 'max-compat' | 'max-bundle';
  rtcpMuxPolicy?: 'require';
  certificates?: RTCCertificate[];
  /**
   * webrtc-pc: the ICE candidate pool (0 to 255, default 0). Above 0, gathering starts at
   * construction (or at `setConfiguration()`), so that `setLocalDescription()` finds the
   * candidates, and the STUN and TURN round trips, done; their events wait for it.
   */
  iceCandidatePoolSize?: number;
  /** Extension: sockets (default: the real network). */
  net?: Net;
  /** Extension: timers (default: the real clock). */
  clock?: Clock;
  /**
   * Extension: uniform draws in [0, 1) for the randomized intervals of RTCP reports
   * (RFC 3550 §6.3.5) and ICE consent requests (RFC 7675 §5.1), unless `consent.random` is
   * given. Default `Math.random`; with `net` and `clock`, a test passes a seeded generator so
   * that a whole connection runs the same way every time. Fixed at construction.
   */
  random?: () => number;
  /** Extension: which local addresses to gather (e.g. `{ includeLoopback: true }` on a loopback-only host). */
  gather?: ManagerConfig['gather'];
  /** Extension: TLS options for `turns:` servers (e.g. `ca` to trust a private certificate). */
  turnTls?: ManagerConfig['turnTls'];
  /** Extension: mDNS handling of host candidates. Default `'resolve'`. */
  mdns?: ManagerConfig['mdns'];
  /**
   * Extension: run ICE as ICE-lite (RFC 8445 §2.5), for a server on a public address that
   * browsers connect to: host candidates only, no checks or consent requests of its own,
   * always the controlled agent (unless the peer is lite too), `a=ice-lite` in every
   * description. Fixed at construction. Default false.
   */
  iceLite?: boolean;
  /**
   * Extension: share one UDP port among many connections (a `UdpMux` of `@x/ice`, created
   * once with `UdpMux.bind()` and closed after every connection on it): this connection
   * opens no socket of its own, its host candidates are on the mux's port, and `close()`
   * releases only its routes. Fixed at construction. Default: a socket per connection.
   */
  udpMux?: ManagerConfig['udpMux'];
  /**
   * Extension: accept ICE-TCP (RFC 6544) for peers whose firewalls block UDP (a `TcpMux` of
   * `@x/network`, created once with `TcpMux.listen()` and closed after every connection on
   * it): this connection also offers a passive TCP host candidate on the mux's port, a
   * browser connects to it, and `close()` closes only this connection's TCP connections.
   * Passive only. Fixed at construction. Default: UDP only.
   */
  tcpMux?: ManagerConfig['tcpMux'];
  /** Extension: ICE consent timings. */
  consent?: ManagerConfig['consent'];
}

/**
 * W3C `RTCPeerConnectionIceEvent` (webrtc-pc §5.3): the `icecandidate` event. Its
 * `candidate` is a gathered candidate, an end-of-candidates indication of one ICE generation
 * (`candidate.candidate === ''`), or null once `iceGatheringState` is `complete`.
 */
export class RTCPeerConnectionIceEvent extends Event {
  readonly #candidate: RTCIceCandidate | null;
  readonly #url: string | null;
  /**
   * Takes a W3C `RTCPeerConnectionIceEventInit` (an `EventInit` plus `candidate` and `url`,
   * both null by default). Throws `TypeError` when `candidate` is neither null nor an
   * `RTCIceCandidate` (WebIDL: a plain `RTCIceCandidateInit` is not one).
   */
  constructor(
    type: string,
    eventInitDict: {
      bubbles?: boolean;
      cancelable?: boolean;
      composed?: boolean;
      candidate?: RTCIceCandidate | null;
      url?: string | null;
    } = {},
  ) {
    // WebIDL: `type` is required (Node's Event would take undefined as "undefined").
    if (type === undefined) throw new TypeError('RTCPeerConnectionIceEvent needs a type');
    const init = eventInitDict ?? {};
    super(type, init);
    const candidate = init.candidate ?? null;
    if (candidate !== null && !(candidate instanceof RTCIceCandidate)) {
      throw new TypeError(
        'RTCPeerConnectionIceEvent: candidate must be an RTCIceCandidate or null',
      );
    }
    this.#candidate = candidate;
    this.#url = init.url == null ? null : String(init.url);
  }
  /** The candidate, or null when gathering is complete. */
  get candidate(): RTCIceCandidate | null {
    return this.#candidate;
  }
  /** Deprecated in webrtc-pc: the STUN/TURN server URL of the candidate; null for others. */
  get url(): string | null {
    return this.#url;
  }
}

/** W3C `RTCPeerConnectionIceErrorEvent` (`icecandidateerror`, webrtc-pc §4.8.3). */
export class RTCPeerConnectionIceErrorEvent extends Event {
  readonly #address: string | null;
  readonly #port: number | null;
  readonly #url: string;
  readonly #errorCode: number;
  readonly #errorText: string;
  /**
   * Takes a W3C `RTCPeerConnectionIceErrorEventInit`: the `EventInit` members, `errorCode`
   * (required: TypeError without it; an `unsigned short`), and `address` and `port` (null by
   * default), `url` and `errorText` (`''` by default).
   */
  constructor(
    type: string,
    init: {
      address?: string | null;
      port?: number | null;
      url?: string;
      errorCode: number;
      errorText?: string;
      bubbles?: boolean;
      cancelable?: boolean;
      composed?: boolean;
    },
  ) {
    // biome-ignore lint/complexity/noArguments: WebIDL: both arguments are required.
    if (arguments.length < 2 || init === null || typeof init !== 'object')
      throw new TypeError('RTCPeerConnectionIceErrorEvent needs a type and an init');
    if (init.errorCode === undefined)
      throw new TypeError('RTCPeerConnectionIceErrorEventInit needs an errorCode');
    super(type, init);
    this.#address = init.address == null ? null : String(init.address);
    this.#port = init.port == null ? null : unsignedShort(init.port);
    this.#url = init.url === undefined ? '' : String(init.url);
    this.#errorCode = unsignedShort(init.errorCode);
    this.#errorText = init.errorText === undefined ? '' : String(init.errorText);
  }
  /** The local address the error is about, or null when it is not exposed. */
  get address(): string | null {
    return this.#address;
  }
  /** The local port the error is about, or null when the address is not exposed. */
  get port(): number | null {
    return this.#port;
  }
  /** The STUN or TURN server's URL. */
  get url(): string {
    return this.#url;
  }
  /** The STUN error code the server gave, or 701 when it could not be reached. */
  get errorCode(): number {
    return this.#errorCode;
  }
  /** The STUN reason phrase, or what went wrong. */
  get errorText(): string {
    return this.#errorText;
  }
}

/** WebIDL `unsigned short` (ToUint16): modulo 2^16; TypeError for a Symbol or BigInt. */
function unsignedShort(value: unknown): number {
  if (typeof value === 'symbol' || typeof value === 'bigint')
    throw new TypeError('an unsigned short must be a number');
  const n = Math.trunc(Number(value));
  if (!Number.isFinite(n)) return 0;
  return ((n % 65_536) + 65_536) % 65_536;
}

/** W3C `RTCDataChannelEvent`. */
export class RTCDataChannelEvent extends Event {
  readonly #channel: RTCDataChannel;
  /** Throws a TypeError without a `type`, or without an `RTCDataChannel` as `channel`. */
  constructor(
    type: string,
    init: { channel: RTCDataChannel; bubbles?: boolean; cancelable?: boolean; composed?: boolean },
  ) {
    // biome-ignore lint/complexity/noArguments: WebIDL: both arguments are required.
    if (arguments.length < 2) throw new TypeError('RTCDataChannelEvent needs a type and an init');
    if (!(init?.channel instanceof RTCDataChannel))
      throw new TypeError('RTCDataChannelEvent needs an RTCDataChannel as channel');
    super(type, init);
    this.#channel = init.channel;
  }
  /** The channel the peer announced (a WebIDL readonly attribute). */
  get channel(): RTCDataChannel {
    return this.#channel;
  }
}

/** What `RTCPeerConnection.createDataChannel` takes (W3C `RTCDataChannelInit`). */
export interface RTCDataChannelInit {
  ordered?: boolean;
  maxPacketLifeTime?: number;
  maxRetransmits?: number;
  protocol?: string;
  negotiated?: boolean;
  id?: number;
  priority?: 'very-low' | 'low' | 'medium' | 'high';
}

/** webrtc-pc §4.3.1 / JSEP §3.2: the signaling state after setting a description, or undefined when not allowed. */
export function transition(
  state: RTCSignalingState,
  side: 'local' | 'remote',
  type: Exclude<RTCSdpType, 'rollback'>,
): RTCSignalingState | undefined {
  const table: Record<string, RTCSignalingState> = {
    'stable|local|offer': 'have-local-offer',
    'have-local-offer|local|offer': 'have-local-offer',
    'have-local-offer|remote|answer': 'stable',
    'have-local-offer|remote|pranswer': 'have-remote-pranswer',
    'have-remote-pranswer|remote|pranswer': 'have-remote-pranswer',
    'have-remote-pranswer|remote|answer': 'stable',
    'stable|remote|offer': 'have-remote-offer',
    'have-remote-offer|remote|offer': 'have-remote-offer',
    'have-remote-offer|local|answer': 'stable',
    'have-remote-offer|local|pranswer': 'have-local-pranswer',
    'have-local-pranswer|local|pranswer': 'have-local-pranswer',
    'have-local-pranswer|local|answer': 'stable',
  };
  return table[`${state}|${side}|${type}`];
}
