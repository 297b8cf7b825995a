/**
 * What the W3C dictionaries become for `@x/network`: `RTCConfiguration` → the Manager's
 * options, `RTCDataChannelInit` → a data channel's parameters, each checked as webrtc-pc says
 * (a TypeError or DOMException for what it rejects).
 */
import type { DataChannelParameters, ManagerConfig } from '@x/network';
import { checkIceServers } from './ice-servers.js';
import { RTCCertificate, type RTCConfiguration, type RTCDataChannelInit } from './rtc-types.js';

/** RFC 8832 §5.1 priorities of the W3C `RTCPriorityType` values (webrtc-priority §4.2). */
const PRIORITY: Record<NonNullable<RTCDataChannelInit['priority']>, number> = {
  'very-low': 128,
  low: 256,
  medium: 512,
  high: 1024,
};

const ENUMS = {
  bundlePolicy: ['balanced', 'max-compat', 'max-bundle'],
  // 'negotiate' is a value of the enum that this stack, as browsers, does not implement.
  rtcpMuxPolicy: ['require', 'negotiate'],
  iceTransportPolicy: ['all', 'relay'],
} as const;

/** The W3C members' defaults, as `getConfiguration()` reports them. */
const DEFAULTS = {
  iceTransportPolicy: 'all',
  bundlePolicy: 'balanced',
  rtcpMuxPolicy: 'require',
  iceCandidatePoolSize: 0,
} as const;

/** Extensions of this stack fixed at construction (`setConfiguration()` cannot change them). */
const FIXED_EXTENSIONS = [
  'net',
  'clock',
  'random',
  'gather',
  'turnTls',
  'mdns',
  'consent',
  'iceLite',
  'udpMux',
  'tcpMux',
] as const;

/** A configuration after "set a configuration": what the peer connection keeps and uses. */
export interface CheckedConfiguration {
  /** With the defaults filled in and each server's `urls` as a list (`getConfiguration()`). */
  readonly configuration: RTCConfiguration;
  /** The ICE servers in the form the Manager takes. */
  readonly iceServers: NonNullable<ManagerConfig['iceServers']>;
}

const fail = (message: string): never => {
  throw new DOMException(message, 'InvalidModificationError');
};

/**
 * webrtc-pc "set a configuration" (run by the constructor, and by `setConfiguration()` with the
 * configuration in use as `previous`), in the spec's order: what WebIDL would refuse
 * (TypeError), then what may not change (InvalidModificationError, with `previous`), then the
 * certificates' expiry and each ICE server (see {@link checkIceServers}).
 */
export function checkConfiguration(
  input: RTCConfiguration | null | undefined,
  previous?: { configuration: RTCConfiguration; localDescriptionSet: boolean },
): CheckedConfiguration {
  if (input !== null && input !== undefined && typeof input !== 'object')
    throw new TypeError('the configuration must be an RTCConfiguration dictionary');
  const given: RTCConfiguration = input ?? {};
  for (const [member, values] of Object.entries(ENUMS)) {
    const value = given[member as keyof typeof ENUMS];
    if (value !== undefined && !(values as readonly string[]).includes(value))
      throw new TypeError(`${member} ${JSON.stringify(value)} is not one of ${values.join(', ')}`);
  }
  // The constructor refuses it; setConfiguration() refuses it as a change (below).
  if (given.rtcpMuxPolicy === ('negotiate' as string) && previous === undefined)
    throw new DOMException(
      'rtcpMuxPolicy negotiate (RTCP without mux) is not supported',
      'NotSupportedError',
    );
  let poolSize: number = DEFAULTS.iceCandidatePoolSize;
  if (given.iceCandidatePoolSize !== undefined) {
    // WebIDL [EnforceRange] octet.
    const n = Number(given.iceCandidatePoolSize);
    if (!Number.isFinite(n) || Math.trunc(n) < 0 || Math.trunc(n) > 255)
      throw new TypeError(
        `iceCandidatePoolSize ${given.iceCandidatePoolSize} is not within 0..255`,
      );
    poolSize = Math.trunc(n);
  }
  if (given.certificates === null) throw new TypeError('certificates must be a sequence');
  const certificates = given.certificates ?? [];
  for (const c of certificates) {
    if (!(c instanceof RTCCertificate))
      throw new TypeError('certificates must be RTCCertificate objects');
  }
  const configuration: RTCConfiguration = {
    ...given,
    iceTransportPolicy: given.iceTransportPolicy ?? DEFAULTS.iceTransportPolicy,
    bundlePolicy: given.bundlePolicy ?? DEFAULTS.bundlePolicy,
    rtcpMuxPolicy: given.rtcpMuxPolicy ?? DEFAULTS.rtcpMuxPolicy,
    iceCandidatePoolSize: poolSize,
    // The list as given now: a later change to the caller's array is not a setConfiguration().
    certificates: [...certificates],
  };
  if (previous) {
    const old = previous.configuration;
    const oldCertificates = old.certificates ?? [];
    if (
      certificates.length !== oldCertificates.length ||
      certificates.some((c, i) => c !== oldCertificates[i])
    )
      fail('certificates cannot be changed');
    if (configuration.bundlePolicy !== old.bundlePolicy) fail('bundlePolicy cannot be changed');
    if (configuration.rtcpMuxPolicy !== old.rtcpMuxPolicy) fail('rtcpMuxPolicy cannot be changed');
    if (
      previous.localDescriptionSet &&
      configuration.iceCandidatePoolSize !== old.iceCandidatePoolSize
    )
      fail('iceCandidatePoolSize cannot be changed once setLocalDescription() was called');
    for (const member of FIXED_EXTENSIONS) {
      const value = given[member];
      if (value === undefined) {
        if (old[member] !== undefined)
          (configuration as Record<string, unknown>)[member] = old[member];
      } else if (value !== old[member]) {
        fail(`${member} (an extension of this stack) is fixed at construction`);
      }
    }
  }
  for (const certificate of certificates) {
    if (certificate.expires <= Date.now())
      throw new DOMException('a certificate has expired', 'InvalidAccessError');
  }
  const servers = checkIceServers(given.iceServers);
  configuration.iceServers = servers.map((s) => s.server);
  return { configuration, iceServers: servers.map((s) => s.ice) };
}

/** The Manager's options for a checked configuration (mDNS: remote `.local` names resolved). */
export function managerConfigOf(checked: CheckedConfiguration): ManagerConfig {
  const { configuration } = checked;
  const certificate = configuration.certificates?.[0]?.certificate;
  return {
    ...(configuration.net ? { net: configuration.net } : {}),
    ...(configuration.clock ? { clock: configuration.clock } : {}),
    iceServers: checked.iceServers,
    ...(configuration.gather ? { gather: configuration.gather } : {}),
    ...(configuration.consent || configuration.random
      ? {
          consent: {
            ...configuration.consent,
            random: configuration.consent?.random ?? configuration.random,
          },
        }
      : {}),
    ...(configuration.iceTransportPolicy
      ? { iceTransportPolicy: configuration.iceTransportPolicy }
      : {}),
    ...(configuration.turnTls ? { turnTls: configuration.turnTls } : {}),
    mdns: configuration.mdns ?? 'resolve',
    ...(certificate ? { certificate } : {}),
    ...(configuration.iceLite === true ? { iceLite: true } : {}),
    ...(configuration.udpMux ? { udpMux: configuration.udpMux } : {}),
    ...(configuration.tcpMux ? { tcpMux: configuration.tcpMux } : {}),
  };
}

/**
 * webrtc-pc `createDataChannel()` (§6.1) up to the creation of the channel: first what WebIDL
 * does to the arguments (a TypeError for what it cannot convert), then `assertOpen` (step 2:
 * InvalidStateError once the connection is closed), then the steps that check the dictionary.
 * `argumentCount` is the caller's `arguments.length`: the label is a required argument.
 */
export function dataChannelParameters(
  label: unknown,
  init: unknown,
  argumentCount: number,
  assertOpen: () => void,
): DataChannelParameters {
  // WebIDL: USVString (lone surrogates become U+FFFD; a Symbol cannot be converted).
  const usv = (value: unknown, member: string): string => {
    if (typeof value === 'symbol') throw new TypeError(`${member} cannot be a Symbol`);
    return String(value).replace(/\p{Surrogate}/gu, '\uFFFD');
  };
  // WebIDL: [EnforceRange] unsigned short; `undefined` is a member not present.
  const unsignedShort = (value: unknown, member: string): number | undefined => {
    if (value === undefined) return undefined;
    if (typeof value === 'symbol' || typeof value === 'bigint')
      throw new TypeError(`${member} must be a number`);
    const n = Number(value);
    if (!Number.isFinite(n) || Math.trunc(n) < 0 || Math.trunc(n) > 65_535)
      throw new TypeError(`${member} ${String(value)} is not an unsigned short (0..65535)`);
    return Math.trunc(n);
  };
  if (argumentCount < 1) throw new TypeError('createDataChannel() needs a label');
  const labelText = usv(label, 'label');
  if (init !== undefined && init !== null && typeof init !== 'object' && typeof init !== 'function')
    throw new TypeError('the second argument must be an RTCDataChannelInit dictionary');
  // The dictionary's members, read once each in WebIDL's (lexicographic) order.
  const dict = (init ?? {}) as Record<string, unknown>;
  const givenId = unsignedShort(dict.id, 'id');
  const maxPacketLifeTime = unsignedShort(dict.maxPacketLifeTime, 'maxPacketLifeTime');
  const maxRetransmits = unsignedShort(dict.maxRetransmits, 'maxRetransmits');
  const negotiatedValue = dict.negotiated;
  const negotiated = negotiatedValue === undefined ? false : Boolean(negotiatedValue);
  const orderedValue = dict.ordered;
  const ordered = orderedValue === undefined ? true : Boolean(orderedValue);
  const priorityValue = dict.priority;
  const priority = priorityValue === undefined ? 'low' : usv(priorityValue, 'priority');
  if (!Object.hasOwn(PRIORITY, priority))
    throw new TypeError(`priority ${JSON.stringify(priority)} is not an RTCPriorityType`);
  const protocolValue = dict.protocol;
  const protocol = protocolValue === undefined ? '' : usv(protocolValue, 'protocol');

  assertOpen();
  // Step 5: the UTF-8 representation of the label at most 65 535 bytes.
  if (Buffer.byteLength(labelText) > 65_535)
    throw new TypeError('label is longer than 65 535 bytes');
  // Step 11: the same for the protocol.
  if (Buffer.byteLength(protocol) > 65_535)
    throw new TypeError('protocol is longer than 65 535 bytes');
  // Step 13: the id only counts for a negotiated channel; an in-band channel's id is chosen by
  // the DTLS role (RFC 8832 §6).
  const id = negotiated ? givenId : undefined;
  // Step 14.
  if (negotiated && id === undefined) throw new TypeError('a negotiated channel needs an id');
  // Step 15.
  if (maxPacketLifeTime !== undefined && maxRetransmits !== undefined)
    throw new TypeError('maxPacketLifeTime and maxRetransmits cannot both be set');
  // Step 16 (a value above the most the user agent supports is lowered to it): the DCEP
  // reliability parameter is 32 bits (RFC 8832 §5.1), so every unsigned short is supported.
  // Step 17: 65535 is an unsigned short, but not a stream id.
  if (id === 65_535) throw new TypeError('id must be within 0..65534');
  return {
    label: labelText,
    protocol,
    ordered,
    ...(maxRetransmits !== undefined ? { maxRetransmits } : {}),
    ...(maxPacketLifeTime !== undefined ? { maxPacketLifeTime } : {}),
    negotiated,
    ...(id !== undefined ? { id } : {}),
    priority: PRIORITY[priority as keyof typeof PRIORITY],
  };
}
