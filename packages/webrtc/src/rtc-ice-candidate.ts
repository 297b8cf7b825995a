/**
 * W3C `RTCIceCandidate` (webrtc-pc §5.2 "RTCIceCandidate Interface"), with the fields parsed
 * from its `candidate` attribute, and the WebIDL conversion of `RTCIceCandidateInit` that the
 * constructor and `RTCPeerConnection.addIceCandidate()` share.
 */
import { isIP } from 'node:net';
import { parseCandidateAttribute } from '@x/network';

/** W3C `RTCIceCandidateInit`. */
export interface RTCIceCandidateInit {
  /** The `candidate-attribute` (RFC 8839 §5.1) without `a=`; `''` (default): end-of-candidates. */
  candidate?: string;
  /** The media section's `a=mid`; `sdpMid` or `sdpMLineIndex` must be set. */
  sdpMid?: string | null;
  /** The zero-based index of the media section. */
  sdpMLineIndex?: number | null;
  /** The ICE ufrag of the generation the candidate belongs to (RFC 8839 §5.4). */
  usernameFragment?: string | null;
}

/** The members of an `RTCIceCandidateInit` after WebIDL conversion: defaults filled in. */
export interface ConvertedCandidateInit {
  readonly candidate: string;
  readonly sdpMid: string | null;
  readonly sdpMLineIndex: number | null;
  readonly usernameFragment: string | null;
}

/** The fields of a candidate attribute, as `RTCIceCandidate` exposes them. */
export interface ParsedCandidateFields {
  readonly foundation: string;
  readonly component: 'rtp' | 'rtcp';
  readonly priority: number;
  readonly address: string;
  readonly protocol: 'udp' | 'tcp';
  readonly port: number;
  readonly type: 'host' | 'srflx' | 'prflx' | 'relay';
  readonly tcpType: 'active' | 'passive' | 'so' | null;
  readonly relatedAddress: string | null;
  readonly relatedPort: number | null;
}

/**
 * W3C `RTCIceCandidate`. An empty `candidate` is the end-of-candidates indication. The
 * constructor only checks that `sdpMid` or `sdpMLineIndex` is set: the candidate string is not
 * validated (a malformed one leaves the parsed fields null), and `addIceCandidate()` checks it
 * against the remote description.
 */
export class RTCIceCandidate {
  // WebIDL readonly attributes: getters on the prototype over slots set once.
  readonly #init: ConvertedCandidateInit;
  readonly #relayProtocol: 'udp' | 'tcp' | 'tls' | null;
  readonly #url: string | null;
  readonly #parsed: ParsedCandidateFields | undefined;

  /**
   * webrtc-pc `RTCIceCandidate()`: throws `TypeError` when both `sdpMid` and `sdpMLineIndex`
   * are null, or when `candidateInitDict` is not a dictionary (WebIDL). It takes a W3C
   * `RTCLocalIceCandidateInit`: an `RTCIceCandidateInit` plus, for local candidates, the
   * `relayProtocol` of a relay candidate and the STUN/TURN server `url` of a `srflx` or
   * `relay` one.
   */
  constructor(
    candidateInitDict: RTCIceCandidateInit & {
      relayProtocol?: 'udp' | 'tcp' | 'tls' | null;
      url?: string | null;
    } = {},
  ) {
    const init = convertCandidateInit(candidateInitDict);
    if (init.sdpMid === null && init.sdpMLineIndex === null) {
      throw new TypeError('RTCIceCandidate needs sdpMid or sdpMLineIndex (both are null)');
    }
    this.#init = init;
    // `candidateInitDict` may be null from JavaScript: WebIDL reads it as the default.
    const local = candidateInitDict as { relayProtocol?: unknown; url?: unknown } | null;
    this.#relayProtocol = relayProtocolOf(local?.relayProtocol);
    this.#url = local?.url == null ? null : String(local.url);
    // webrtc-pc "create an RTCIceCandidate": parse; on any failure the fields stay null.
    this.#parsed = init.candidate === '' ? undefined : parseCandidateFields(init.candidate);
  }

  /** The `candidate-attribute` (RFC 8839 §5.1), `''` for end-of-candidates. */
  get candidate(): string {
    return this.#init.candidate;
  }
  /** The `a=mid` of the media section, or null. */
  get sdpMid(): string | null {
    return this.#init.sdpMid;
  }
  /** The zero-based index of the media section, or null. */
  get sdpMLineIndex(): number | null {
    return this.#init.sdpMLineIndex;
  }
  /** The ufrag given to the constructor (never taken from the candidate string). */
  get usernameFragment(): string | null {
    return this.#init.usernameFragment;
  }
  /** How a local relay candidate reaches its TURN server; null otherwise. */
  get relayProtocol(): 'udp' | 'tcp' | 'tls' | null {
    return this.#relayProtocol;
  }
  /** The STUN/TURN server URL of a local `srflx` or `relay` candidate; null otherwise. */
  get url(): string | null {
    return this.#url;
  }
  /** Parsed from `candidate`; null when it is empty or malformed. */
  get foundation(): string | null {
    return this.#parsed?.foundation ?? null;
  }
  /** Parsed from `candidate` (component-id 1: `'rtp'`, 2: `'rtcp'`); null when unparsable. */
  get component(): 'rtp' | 'rtcp' | null {
    return this.#parsed?.component ?? null;
  }
  /** Parsed from `candidate`; null when unparsable. */
  get priority(): number | null {
    return this.#parsed?.priority ?? null;
  }
  /** Parsed from `candidate` (connection-address); null when unparsable. */
  get address(): string | null {
    return this.#parsed?.address ?? null;
  }
  /** Parsed from `candidate` (transport); null when unparsable. */
  get protocol(): 'udp' | 'tcp' | null {
    return this.#parsed?.protocol ?? null;
  }
  /** Parsed from `candidate`; null when unparsable. */
  get port(): number | null {
    return this.#parsed?.port ?? null;
  }
  /** Parsed from `candidate` (cand-type); null when unparsable. */
  get type(): 'host' | 'srflx' | 'prflx' | 'relay' | null {
    return this.#parsed?.type ?? null;
  }
  /** Parsed from `candidate` (RFC 6544 tcptype) for a TCP candidate; null otherwise. */
  get tcpType(): 'active' | 'passive' | 'so' | null {
    return this.#parsed?.tcpType ?? null;
  }
  /** Parsed from `candidate` (raddr); null for host candidates or when unparsable. */
  get relatedAddress(): string | null {
    return this.#parsed?.relatedAddress ?? null;
  }
  /** Parsed from `candidate` (rport); null for host candidates or when unparsable. */
  get relatedPort(): number | null {
    return this.#parsed?.relatedPort ?? null;
  }

  /** webrtc-pc `toJSON()`: `candidate`, `sdpMid`, `sdpMLineIndex` and `usernameFragment` only. */
  toJSON(): RTCIceCandidateInit {
    return {
      candidate: this.candidate,
      sdpMid: this.sdpMid,
      sdpMLineIndex: this.sdpMLineIndex,
      usernameFragment: this.usernameFragment,
    };
  }
}

/**
 * WebIDL conversion of an `RTCIceCandidateInit` (or of an `RTCIceCandidate`, read as one):
 * `undefined`/`null` is the default dictionary, `candidate` defaults to `''`, the nullable
 * members to null, `sdpMLineIndex` is an `unsigned short` (WebIDL ToUint16: wraps modulo
 * 2^16). Throws `TypeError` for a value that is not an object.
 */
export function convertCandidateInit(value: unknown): ConvertedCandidateInit {
  if (value === undefined || value === null) {
    return { candidate: '', sdpMid: null, sdpMLineIndex: null, usernameFragment: null };
  }
  if (typeof value !== 'object' && typeof value !== 'function') {
    throw new TypeError('an RTCIceCandidateInit must be an object');
  }
  const v = value as Record<string, unknown>;
  return {
    candidate: v.candidate === undefined ? '' : String(v.candidate),
    sdpMid: v.sdpMid == null ? null : String(v.sdpMid),
    sdpMLineIndex: v.sdpMLineIndex == null ? null : toUint16(v.sdpMLineIndex),
    usernameFragment: v.usernameFragment == null ? null : String(v.usernameFragment),
  };
}

/**
 * Parses `text` with the `candidate-attribute` grammar (RFC 8839 §5.1, RFC 6544 §4.5 for TCP).
 * Undefined when parsing fails or a field has no W3C value (a component-id other than 1 and 2),
 * as webrtc-pc's "create an RTCIceCandidate" aborts then.
 */
export function parseCandidateFields(text: string): ParsedCandidateFields | undefined {
  if (!text.startsWith('candidate:')) return undefined;
  let parsed: ReturnType<typeof parseCandidateAttribute>;
  try {
    parsed = parseCandidateAttribute(text);
  } catch {
    return undefined;
  }
  if (parsed.component !== 1 && parsed.component !== 2) return undefined;
  return {
    foundation: parsed.foundation,
    component: parsed.component === 1 ? 'rtp' : 'rtcp',
    priority: parsed.priority,
    address: parsed.address,
    protocol: parsed.protocol,
    port: parsed.port,
    type: parsed.type,
    // webrtc-pc `tcpType`: null unless the protocol is TCP.
    tcpType: parsed.protocol === 'tcp' ? (parsed.tcpType ?? null) : null,
    relatedAddress: parsed.relatedAddress ?? null,
    relatedPort: parsed.relatedPort ?? null,
  };
}

/**
 * The Fetch standard's "bad port" list (fetch.spec.whatwg.org, "port blocking"), which
 * webrtc-pc `addIceCandidate()` says the user agent MUST prohibit connections to.
 */
const BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
  103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465,
  512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
  995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668,
  6669, 6679, 6697, 10080,
]);

/**
 * webrtc-pc "administratively prohibited" remote candidates: a port of the Fetch bad-port
 * list, and, when `iceTransportPolicy` is `'relay'`, an address that needs resolving (an mDNS
 * or DNS name). `addIceCandidate()` resolves for them as for any other candidate (nothing
 * tells the application, for privacy) but the ICE agent never sees them.
 */
export function isAdministrativelyProhibited(
  fields: ParsedCandidateFields,
  iceTransportPolicy: 'all' | 'relay' | undefined,
): boolean {
  if (BAD_PORTS.has(fields.port)) return true;
  return iceTransportPolicy === 'relay' && isIP(fields.address) === 0;
}

function toUint16(value: unknown): number {
  const n = Number(value);
  if (!Number.isFinite(n)) return 0;
  const wrapped = Math.trunc(n) % 65_536;
  return wrapped < 0 ? wrapped + 65_536 : wrapped;
}

function relayProtocolOf(value: unknown): 'udp' | 'tcp' | 'tls' | null {
  if (value == null) return null;
  if (value === 'udp' || value === 'tcp' || value === 'tls') return value;
  throw new TypeError(`relayProtocol ${JSON.stringify(value)} is not 'udp', 'tcp' or 'tls'`);
}
