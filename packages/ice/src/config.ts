/**
 * Agent configuration, its defaults and its validation.
 */
import type { TurnCandidateError } from './turn/errors.js';
import type { Clock, Net, NetworkInterface } from '@x/transport';
import { type AnnouncedAddress, checkAnnounced } from './announced.js';
import type { Candidate } from './candidate.js';
import type { CandidatePairInfo } from './candidate-pair.js';
import { generateIceCredentials } from './credentials.js';
import { IceConfigError } from './errors.js';
import { type IceServer, type IceServerUrl, parseIceServers } from './ice-server.js';
import type { PortRange } from './gather.js';
import type { UdpMux } from './mux/udp-mux.js';
import type { TcpMux } from './tcp/tcp-mux.js';
import type { SelectedPairCause } from './state.js';

/** Consent freshness and liveness timing (RFC 7675). */
export interface ConsentOptions {
  /**
   * Mean interval between consent requests on the selected pair, randomized ×0.8–1.2
   * (RFC 7675 §5.1). Default 5000 ms, RFC 7675's. Liveness does not rest on this schedule:
   * both ends hear every exchange (the requester the answer, the other end the request), and
   * once nothing at all has been heard for `disconnectedAfterMs × 0.6` (1.5 s, randomized
   * ×0.8–1.2 for each silence) a request goes out at once, then one every
   * `disconnectedAfterMs / 15` (~167 ms, ×0.8–1.2) until a packet arrives, each next one ×1.5
   * later (up to `intervalMs / 2`) once the pair is `disconnected`, so that a stalled peer
   * with many connections is not flooded; the same quick
   * requests go out once no consent response came for `failedAfterMs / 2`. So an idle pair of
   * our agents costs about 0.8 exchanges a second (4 a second at the former 500 ms default),
   * and a silent path is still `disconnected` `disconnectedAfterMs` after its last packet, with
   * four or more quick requests lost before that happens.
   */
  readonly intervalMs?: number;
  /**
   * Silence on the selected pair (no packet of any kind) after which the state becomes
   * `disconnected`. Default 2500 ms: half of libwebrtc's measured 5.2 s, far above the RTT of
   * any real path, so users learn of a dead path in seconds, not the 30 s of pion v1.2.0.
   */
  readonly disconnectedAfterMs?: number;
  /**
   * Time without an authenticated consent response after which consent expires: sending
   * stops and the state becomes `failed` (RFC 7675 §5.1 uses 30 s). Default 12 000 ms, below
   * libwebrtc's 15.1 s and werift's 28 s, long enough to ride out a Wi-Fi roam.
   */
  readonly failedAfterMs?: number;
  /**
   * Silence after which the controlling agent starts probing the other valid pairs to switch
   * before `disconnected` is reached. Default `disconnectedAfterMs × 0.8` (2000 ms): after the
   * quick requests of a quiet pair (see `intervalMs`) went unanswered for 200 ms or more, so
   * that an idle pair on a path of up to ~200 ms RTT is not probed around.
   */
  readonly probeAfterMs?: number;
  /**
   * Uniform draws in [0, 1) for the randomized interval (RFC 7675 §5.1). Default
   * `Math.random`; a test passes a seeded generator (e.g. `seededDraws` of
   * `@x/transport/testing`) so that a run repeats exactly.
   */
  readonly random?: () => number;
}

/**
 * How long the controlling agent waits for a better pair once a valid pair exists (the wait
 * ends at once when no higher-priority pair is still being checked). Keyed by the worse of
 * the pair's two candidate types. See SELECTION.md.
 */
export interface NominationWait {
  readonly host?: number;
  readonly srflx?: number;
  readonly prflx?: number;
  readonly relay?: number;
}

/** Which host addresses to gather. */
export interface GatherOptions {
  /** Interfaces to use (by name); default all. */
  readonly interfaceFilter?: (iface: NetworkInterface) => boolean;
  /** Addresses to use; default all non-link-local ones. */
  readonly addressFilter?: (address: string, family: 'IPv4' | 'IPv6') => boolean;
  /** Gather loopback addresses too. Default false (true only makes sense in tests). */
  readonly includeLoopback?: boolean;
  /** Gather IPv6 addresses. Default true. */
  readonly ipv6?: boolean;
  /** Gather IPv4 addresses. Default true. */
  readonly ipv4?: boolean;
}

/** Configuration of an {@link Agent}. */
export interface AgentConfig {
  /** Sockets. Default: `nodeNet` from `@x/transport`. */
  readonly net?: Net;
  /** Timers. Default: `systemClock`. */
  readonly clock?: Clock;
  /**
   * True for the controlling agent (the offerer in JSEP, RFC 8445 §6.1.1). Role conflicts are
   * repaired at run time (RFC 8445 §7.3.1.1). Default true.
   */
  readonly controlling?: boolean;
  /**
   * Run as an ICE-lite agent (RFC 8445 §2.5), for a server with a public address: it gathers
   * host candidates only, sends no connectivity checks and no consent requests, answers the
   * peer's checks, and is always controlled (§6.1.1: the full peer controls and nominates).
   * A pair is usable once the peer's check arrived on it, selected once the peer nominates
   * it; consent is the peer's checks (RFC 7675: a lite agent does not send them). Signal
   * `a=ice-lite` to the peer. Default false.
   */
  readonly lite?: boolean;
  /** Local username fragment (RFC 8445 §5.3: ≥ 4 characters of ice-char). Default random. */
  readonly ufrag?: string;
  /** Local password (≥ 22 characters). Default random. */
  readonly pwd?: string;
  /** STUN servers (srflx) and TURN servers (relay, handled by the TURN client, issue 5). */
  readonly iceServers?: readonly IceServer[];
  /** Host gathering filters. */
  readonly gather?: GatherOptions;
  /**
   * Run on a shared {@link UdpMux} instead of sockets of our own: the host candidates are the
   * mux's addresses and port (filtered by `gather.ipv4`, `gather.ipv6` and
   * `gather.addressFilter`), server-reflexive queries leave from the mux socket, and
   * {@link Agent.close} releases only this agent's routes. Relayed candidates still use their
   * own TURN sockets. Default: none (one socket per address, see `portRange`).
   */
  readonly udpMux?: UdpMux;
  /**
   * Accept ICE-TCP (RFC 6544) on a shared {@link TcpMux}: the agent also offers a passive TCP
   * host candidate per listener of the mux (`tcptype passive`, priority below every UDP
   * candidate but relayed ones), and a client that cannot use UDP connects to it; each
   * connection is one candidate pair, checks, consent and data run over it in RFC 4571
   * frames. Passive only: remote TCP candidates are never connected to. {@link Agent.close}
   * closes this agent's connections, the listeners stay. Works with or without `udpMux`, and
   * with `lite`. Default: none (UDP only).
   */
  readonly tcpMux?: TcpMux;
  /**
   * Bind host sockets on ports of this inclusive range (pion's `SetEphemeralUDPPortRange`), e.g.
   * to match a firewall rule. Not used with `udpMux`. Default: any port.
   */
  readonly portRange?: PortRange;
  /**
   * Public addresses to announce for private ones (1:1 NAT: pion's `NAT1To1IPs`, mediasoup's
   * `announcedAddress`); see {@link AnnouncedAddress}. With `udpMux`, replaces the mux's own
   * `announcedAddresses`. Default: none.
   */
  readonly announcedAddresses?: readonly AnnouncedAddress[];
  /**
   * mDNS for host candidates: `'resolve'` (default) resolves remote `<uuid>.local`
   * candidates; `'hide'` also announces our host candidates under `<uuid>.local` names and
   * answers queries for them; `'off'` drops mDNS candidates.
   */
  readonly mdns?: 'off' | 'resolve' | 'hide';
  /** Pacing of ordinary and triggered checks, Ta (RFC 8445 §14.2). Default 50 ms. */
  readonly checkIntervalMs?: number;
  /** Initial RTO of checks (RFC 8445 §14.3). Default 500 ms. */
  readonly checkRtoMs?: number;
  /** Transmissions of a check before the pair fails (Rc). Default 7. */
  readonly checkTransmissions?: number;
  /**
   * The most candidate pairs the agent keeps (RFC 8445 §6.1.2.5: it MUST limit them, 100 by
   * default, and the limit MUST be configurable). Beyond it, the lowest-priority pairs not being
   * checked are discarded, so that a peer signalling many candidates cannot grow the checks
   * without bound. Default 100.
   */
  readonly maxPairs?: number;
  /** Consent and liveness timing. */
  readonly consent?: ConsentOptions;
  /** Nomination waits (ms) per candidate type. Defaults host 200, srflx/prflx 1000, relay 2000. */
  readonly nominationWait?: NominationWait;
  /**
   * `'relay'` gathers and pairs only relay candidates (W3C `iceTransportPolicy`): no host or
   * server-reflexive address is revealed to the peer. Default `'all'`.
   */
  readonly transportPolicy?: 'all' | 'relay';
  /** TLS options for `turns:` servers (e.g. `ca` to trust a private certificate). */
  readonly turnTls?: import('node:tls').ConnectionOptions;
  /**
   * A STUN or TURN server could not give a candidate (W3C `icecandidateerror`): wrong
   * credentials (401), forbidden (403), quota (486), unreachable (701). Gathering still
   * completes with the candidates that worked.
   */
  readonly onCandidateError?: (error: TurnCandidateError) => void;
  /**
   * A local candidate (or `null` at the end of gathering, RFC 8838 end-of-candidates), with,
   * for a server-reflexive or relayed one, the STUN or TURN server it came from.
   */
  readonly onCandidate?: (candidate: Candidate | null, source?: CandidateSource) => void;
  /** The selected pair changed (the layer above sends over it from now on). */
  readonly onSelectedPairChange?: (pair: CandidatePairInfo, cause: SelectedPairCause) => void;
  /**
   * A non-STUN datagram arrived from a known remote candidate. `data` is valid only during the
   * call. The layer above demultiplexes it (RFC 7983: DTLS 20–63, RTP/RTCP 128–191, ...).
   */
  readonly onData?: (data: Buffer, pair: CandidatePairInfo) => void;
}

/** The configuration with defaults filled in. */
export interface ResolvedConfig {
  readonly controlling: boolean;
  readonly lite: boolean;
  readonly ufrag: string;
  readonly pwd: string;
  readonly servers: IceServerUrl[];
  readonly gather: Required<Omit<GatherOptions, 'interfaceFilter' | 'addressFilter'>> &
    Pick<GatherOptions, 'interfaceFilter' | 'addressFilter'>;
  readonly mdns: 'off' | 'resolve' | 'hide';
  readonly transportPolicy: 'all' | 'relay';
  readonly ta: number;
  readonly checkRto: number;
  readonly checkTransmissions: number;
  readonly maxPairs: number;
  readonly consentInterval: number;
  /**
   * Silence after which consent requests go out at once, then every `quietInterval` (and
   * the same once no consent response came for `failedAfter / 2`).
   */
  readonly quietAfter: number;
  readonly quietInterval: number;
  readonly disconnectedAfter: number;
  readonly failedAfter: number;
  readonly probeAfter: number;
  readonly nominationWait: Required<NominationWait>;
}

const ICE_CHARS = /^[A-Za-z0-9+/]+$/;

function positive(field: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v <= 0) throw new IceConfigError(field, `must be > 0, got ${v}`);
  return v;
}

/**
 * Checks an agent configuration as `new Agent(config)` would, without opening anything:
 * throws the same {@link IceConfigError} (a bad ICE server URL, a TURN server without
 * credentials, bad consent timings, ...). For a layer that creates its agent later and wants
 * the error where the configuration is given.
 */
export function checkAgentConfig(config: AgentConfig): void {
  resolveConfig(config);
}

/** Validates and fills in defaults; throws {@link IceConfigError}. */
export function resolveConfig(config: AgentConfig): ResolvedConfig {
  const generated =
    config.ufrag === undefined || config.pwd === undefined ? generateIceCredentials() : undefined;
  const ufrag = config.ufrag ?? generated!.ufrag;
  const pwd = config.pwd ?? generated!.pwd;
  checkCredentials(ufrag, pwd, 'ufrag', 'pwd');
  const c = config.consent ?? {};
  const disconnectedAfter = positive('consent.disconnectedAfterMs', c.disconnectedAfterMs, 2500);
  const failedAfter = positive('consent.failedAfterMs', c.failedAfterMs, 12_000);
  if (failedAfter < disconnectedAfter) {
    throw new IceConfigError('consent.failedAfterMs', 'must not be below disconnectedAfterMs');
  }
  const w = config.nominationWait ?? {};
  checkPortRange(config.portRange);
  checkAnnounced('announcedAddresses', config.announcedAddresses);
  return {
    // RFC 8445 §6.1.1: a lite agent is always the controlled one.
    controlling: config.lite === true ? false : (config.controlling ?? true),
    lite: config.lite === true,
    ufrag,
    pwd,
    servers: parseIceServers(config.iceServers ?? []),
    gather: {
      includeLoopback: config.gather?.includeLoopback ?? false,
      ipv6: config.gather?.ipv6 ?? true,
      ipv4: config.gather?.ipv4 ?? true,
      interfaceFilter: config.gather?.interfaceFilter,
      addressFilter: config.gather?.addressFilter,
    },
    mdns: config.mdns ?? 'resolve',
    transportPolicy: config.transportPolicy ?? 'all',
    ta: positive('checkIntervalMs', config.checkIntervalMs, 50),
    checkRto: positive('checkRtoMs', config.checkRtoMs, 500),
    checkTransmissions: Math.round(positive('checkTransmissions', config.checkTransmissions, 7)),
    maxPairs: Math.max(1, Math.floor(positive('maxPairs', config.maxPairs, 100))),
    consentInterval: positive('consent.intervalMs', c.intervalMs, 5000),
    quietAfter: disconnectedAfter * 0.6,
    quietInterval: disconnectedAfter / 15,
    disconnectedAfter,
    failedAfter,
    probeAfter: positive('consent.probeAfterMs', c.probeAfterMs, disconnectedAfter * 0.8),
    nominationWait: {
      host: w.host ?? 200,
      srflx: w.srflx ?? 1000,
      prflx: w.prflx ?? 1000,
      relay: w.relay ?? 2000,
    },
  };
}

function checkPortRange(range: PortRange | undefined): void {
  if (range === undefined) return;
  const { min, max } = range;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65_535 || min > max)
    throw new IceConfigError(
      'portRange',
      `must be integers with 1 <= min <= max <= 65535, got ${min}..${max}`,
    );
}

/** RFC 8445 §5.3 / RFC 8839 §5.4: ufrag 4–256 ice-chars, pwd 22–256 ice-chars. */
export function checkCredentials(ufrag: string, pwd: string, uField: string, pField: string): void {
  if (ufrag.length === 0) throw new IceConfigError(uField, 'must not be empty');
  if (ufrag.length < 4 || ufrag.length > 256 || !ICE_CHARS.test(ufrag)) {
    throw new IceConfigError(uField, 'must be 4 to 256 characters of [A-Za-z0-9+/]');
  }
  if (pwd.length < 22 || pwd.length > 256 || !ICE_CHARS.test(pwd)) {
    throw new IceConfigError(pField, 'must be 22 to 256 characters of [A-Za-z0-9+/]');
  }
}

/** The server a local candidate came from (W3C `RTCIceCandidate.url` and `relayProtocol`). */
export interface CandidateSource {
  /** The STUN server (server-reflexive) or TURN server (relayed), as configured. */
  readonly url: string;
  /** Relayed candidates: the transport to the TURN server (`turns:` is `tls`). */
  readonly relayProtocol?: 'udp' | 'tcp' | 'tls';
}
