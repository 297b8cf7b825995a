/**
 * What the W3C dictionaries become for `@x/network`: `RTCConfiguration` → the Manager's
 * options, `RTCDataChannelInit` → a data channel's parameters, each checked as webrtc-pc says
 * (a TypeError or DOMException for what it rejects).
 */
import type { DataChannelParameters, ManagerConfig } from '@x/network';
import type { RTCConfiguration, RTCDataChannelInit } from './rtc-types.js';

/** RFC 8832 §5.1 priorities of the W3C `RTCPriorityType` values (webrtc-priority §4.2). */
const PRIORITY: Record<NonNullable<RTCDataChannelInit['priority']>, number> = {
  'very-low': 128,
  low: 256,
  medium: 512,
  high: 1024,
};

/** webrtc-pc "set a configuration": throws what the constructor must throw. */
export function checkConfiguration(configuration: RTCConfiguration): void {
  if (
    configuration.bundlePolicy !== undefined &&
    !['balanced', 'max-compat', 'max-bundle'].includes(configuration.bundlePolicy)
  ) {
    throw new TypeError(`invalid bundlePolicy ${configuration.bundlePolicy}`);
  }
  for (const certificate of configuration.certificates ?? []) {
    if (certificate.expires <= Date.now())
      throw new DOMException('a certificate has expired', 'InvalidAccessError');
  }
}

/** The Manager's options for a configuration (mDNS: remote `.local` names resolved). */
export function managerConfigOf(configuration: RTCConfiguration): ManagerConfig {
  const certificate = configuration.certificates?.[0]?.certificate;
  return {
    ...(configuration.net ? { net: configuration.net } : {}),
    ...(configuration.clock ? { clock: configuration.clock } : {}),
    ...(configuration.iceServers ? { iceServers: configuration.iceServers } : {}),
    ...(configuration.gather ? { gather: configuration.gather } : {}),
    ...(configuration.consent ? { consent: configuration.consent } : {}),
    ...(configuration.iceTransportPolicy
      ? { iceTransportPolicy: configuration.iceTransportPolicy }
      : {}),
    ...(configuration.turnTls ? { turnTls: configuration.turnTls } : {}),
    mdns: configuration.mdns ?? 'resolve',
    ...(certificate ? { certificate } : {}),
  };
}

/** webrtc-pc `createDataChannel()` steps: the checks, then the channel's parameters. */
export function dataChannelParameters(
  label: string,
  init: RTCDataChannelInit,
): DataChannelParameters {
  const labelText = String(label);
  if (Buffer.byteLength(labelText) > 65_535)
    throw new TypeError('label is longer than 65 535 bytes');
  if (Buffer.byteLength(init.protocol ?? '') > 65_535)
    throw new TypeError('protocol is longer than 65 535 bytes');
  if (init.maxPacketLifeTime !== undefined && init.maxRetransmits !== undefined) {
    throw new TypeError('maxPacketLifeTime and maxRetransmits cannot both be set');
  }
  if (init.negotiated && init.id === undefined)
    throw new TypeError('a negotiated channel needs an id');
  if (init.id !== undefined && (init.id < 0 || init.id > 65_534))
    throw new TypeError('id must be within 0..65534');
  return {
    label: labelText,
    ...(init.protocol !== undefined ? { protocol: init.protocol } : {}),
    ...(init.ordered !== undefined ? { ordered: init.ordered } : {}),
    ...(init.maxRetransmits !== undefined ? { maxRetransmits: init.maxRetransmits } : {}),
    ...(init.maxPacketLifeTime !== undefined ? { maxPacketLifeTime: init.maxPacketLifeTime } : {}),
    ...(init.negotiated !== undefined ? { negotiated: init.negotiated } : {}),
    ...(init.id !== undefined ? { id: init.id } : {}),
    priority: PRIORITY[init.priority ?? 'low'],
  };
}
