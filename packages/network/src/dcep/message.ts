/**
 * DCEP messages (RFC 8832 §5): DATA_CHANNEL_OPEN and DATA_CHANNEL_ACK, encoded and decoded
 * with strict validation. Decoding never throws from {@link tryDecodeDcepMessage}: a message
 * from the network that does not parse is returned as a {@link DcepDecodeFailure} value.
 */

import {
  DCEP_OPEN_HEADER_SIZE,
  DcepChannelType,
  type DcepChannelTypeValue,
  DcepMessageType,
  DcepPriority,
} from './constants.js';
import { type DcepDecodeFailure, DcepDecodeError, DcepEncodeError } from './errors.js';

/** A DATA_CHANNEL_OPEN message (RFC 8832 §5.1). */
export interface DcepOpen {
  readonly type: 'open';
  /** The channel type byte: ordering and reliability policy. */
  readonly channelType: DcepChannelTypeValue;
  /** Priority, 0..65535 (RFC 8832 §5.1; 256 is normal). */
  readonly priority: number;
  /**
   * Retransmission count (rexmit types) or lifetime in milliseconds (timed types); 0 and
   * ignored for the reliable types.
   */
  readonly reliabilityParameter: number;
  /** The channel's label, UTF-8 on the wire; may be empty. */
  readonly label: string;
  /** The sub-protocol (IANA WebSocket subprotocol name), UTF-8 on the wire; may be empty. */
  readonly protocol: string;
}

/** A DATA_CHANNEL_ACK message (RFC 8832 §5.2). */
export interface DcepAck {
  readonly type: 'ack';
}

/** Any DCEP message. */
export type DcepMessage = DcepOpen | DcepAck;

/** The result of {@link tryDecodeDcepMessage}: the message, or why it could not be decoded. */
export type DcepDecodeResult =
  | { readonly ok: true; readonly message: DcepMessage }
  | { readonly ok: false; readonly error: DcepDecodeFailure };

/** The parameters of a channel, in the W3C vocabulary, as carried by DATA_CHANNEL_OPEN. */
export interface DcepChannelParameters {
  /** Delivery in order (default true). */
  readonly ordered?: boolean;
  /** W3C `maxRetransmits`: partial reliability by retransmission count. */
  readonly maxRetransmits?: number;
  /** W3C `maxPacketLifeTime`: partial reliability by lifetime, in milliseconds. */
  readonly maxPacketLifeTime?: number;
  /** Priority on the wire (default {@link DcepPriority.Normal}). */
  readonly priority?: number;
  /** The label (default empty). */
  readonly label?: string;
  /** The sub-protocol (default empty). */
  readonly protocol?: string;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();
const ACK_BYTES = Uint8Array.of(DcepMessageType.Ack);

function isChannelType(value: number): value is DcepChannelTypeValue {
  // RFC 8832 §8.2.2: the six registered values; anything else is invalid.
  return (value & 0x7f) <= 0x02;
}

function fail(code: DcepDecodeFailure['code'], offset: number, message: string): DcepDecodeResult {
  return { ok: false, error: { code, offset, message } };
}

/**
 * Decodes one DCEP message (the whole payload of an SCTP message with PPID 50). Never throws:
 * a malformed message gives `{ ok: false, error }`. Validation (RFC 8832 §5, §6): known
 * message type, exact length (an OPEN is 12 bytes plus its label and protocol, nothing
 * after), a registered channel type, label and protocol valid UTF-8. An ACK is its type byte:
 * bytes after it are ignored, as libwebrtc does (pion/datachannel sends a 4-byte ACK).
 */
export function tryDecodeDcepMessage(data: Uint8Array): DcepDecodeResult {
  if (data.length === 0) return fail('empty', 0, 'empty DCEP message');
  const type = data[0] as number;
  if (type === DcepMessageType.Ack) {
    // RFC 8832 §5.2: the ACK is the message type byte alone. libwebrtc reads that byte and
    // nothing more; pion/datachannel pads it to 4 bytes, and a browser opens the channel.
    return { ok: true, message: { type: 'ack' } };
  }
  if (type !== DcepMessageType.Open) {
    return fail('unknown-message-type', 0, `unknown DCEP message type 0x${type.toString(16)}`);
  }
  if (data.length < DCEP_OPEN_HEADER_SIZE) {
    return fail(
      'truncated',
      data.length,
      `DATA_CHANNEL_OPEN of ${data.length} bytes, shorter than its 12-byte header`,
    );
  }
  const channelType = data[1] as number;
  if (!isChannelType(channelType)) {
    return fail('unknown-channel-type', 1, `unknown channel type 0x${channelType.toString(16)}`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const priority = view.getUint16(2);
  const reliabilityParameter = view.getUint32(4);
  const labelLength = view.getUint16(8);
  const protocolLength = view.getUint16(10);
  const end = DCEP_OPEN_HEADER_SIZE + labelLength + protocolLength;
  if (data.length < end) {
    return fail(
      'truncated',
      data.length,
      `DATA_CHANNEL_OPEN announces ${labelLength}+${protocolLength} bytes of label and protocol, ${data.length - DCEP_OPEN_HEADER_SIZE} present`,
    );
  }
  if (data.length > end) {
    return fail('trailing-bytes', end, `${data.length - end} bytes after the protocol field`);
  }
  const labelEnd = DCEP_OPEN_HEADER_SIZE + labelLength;
  let label: string;
  let protocol: string;
  try {
    label =
      labelLength === 0 ? '' : utf8Decoder.decode(data.subarray(DCEP_OPEN_HEADER_SIZE, labelEnd));
  } catch {
    return fail('invalid-utf8', DCEP_OPEN_HEADER_SIZE, 'the label is not valid UTF-8');
  }
  try {
    protocol = protocolLength === 0 ? '' : utf8Decoder.decode(data.subarray(labelEnd, end));
  } catch {
    return fail('invalid-utf8', labelEnd, 'the protocol is not valid UTF-8');
  }
  // RFC 8832 §5.1: for the reliable types the reliability parameter is ignored.
  const reliable = (channelType & 0x7f) === DcepChannelType.Reliable;
  return {
    ok: true,
    message: {
      type: 'open',
      channelType,
      priority,
      reliabilityParameter: reliable ? 0 : reliabilityParameter,
      label,
      protocol,
    },
  };
}

/** Decodes one DCEP message, throwing {@link DcepDecodeError} when it is malformed. */
export function decodeDcepMessage(data: Uint8Array): DcepMessage {
  const result = tryDecodeDcepMessage(data);
  if (!result.ok) throw new DcepDecodeError(result.error);
  return result.message;
}

function checkUint(field: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new DcepEncodeError(field, `${value} is not an integer in 0..${max}`);
  }
}

/**
 * Encodes a DCEP message. Throws {@link DcepEncodeError} for a value that does not fit the
 * wire format (a label or protocol over 65535 UTF-8 bytes, a priority over 65535, ...).
 */
export function encodeDcepMessage(message: DcepMessage): Uint8Array {
  if (message.type === 'ack') return ACK_BYTES.slice();
  if (!isChannelType(message.channelType)) {
    throw new DcepEncodeError('channelType', `unknown channel type ${message.channelType}`);
  }
  checkUint('priority', message.priority, 0xffff);
  checkUint('reliabilityParameter', message.reliabilityParameter, 0xffffffff);
  const label = utf8Encoder.encode(message.label);
  const protocol = utf8Encoder.encode(message.protocol);
  // RFC 8832 §5.1: the lengths are 16-bit fields.
  if (label.length > 0xffff)
    throw new DcepEncodeError('label', `${label.length} bytes, at most 65535`);
  if (protocol.length > 0xffff) {
    throw new DcepEncodeError('protocol', `${protocol.length} bytes, at most 65535`);
  }
  const out = new Uint8Array(DCEP_OPEN_HEADER_SIZE + label.length + protocol.length);
  const view = new DataView(out.buffer);
  out[0] = DcepMessageType.Open;
  out[1] = message.channelType;
  view.setUint16(2, message.priority);
  view.setUint32(4, message.reliabilityParameter);
  view.setUint16(8, label.length);
  view.setUint16(10, protocol.length);
  out.set(label, DCEP_OPEN_HEADER_SIZE);
  out.set(protocol, DCEP_OPEN_HEADER_SIZE + label.length);
  return out;
}

/**
 * Builds the DATA_CHANNEL_OPEN for a channel described with the W3C parameters. Throws
 * {@link DcepEncodeError} when both `maxRetransmits` and `maxPacketLifeTime` are given
 * (W3C `createDataChannel` rejects that with a TypeError) or one is out of range.
 */
export function openFromParameters(parameters: DcepChannelParameters): DcepOpen {
  const { maxRetransmits, maxPacketLifeTime } = parameters;
  if (maxRetransmits !== undefined && maxPacketLifeTime !== undefined) {
    throw new DcepEncodeError('maxRetransmits', 'cannot be combined with maxPacketLifeTime');
  }
  const unordered = parameters.ordered === false ? 0x80 : 0;
  let base: number = DcepChannelType.Reliable;
  let reliabilityParameter = 0;
  if (maxRetransmits !== undefined) {
    checkUint('maxRetransmits', maxRetransmits, 0xffffffff);
    base = DcepChannelType.PartialReliableRexmit;
    reliabilityParameter = maxRetransmits;
  } else if (maxPacketLifeTime !== undefined) {
    checkUint('maxPacketLifeTime', maxPacketLifeTime, 0xffffffff);
    base = DcepChannelType.PartialReliableTimed;
    reliabilityParameter = maxPacketLifeTime;
  }
  const priority = parameters.priority ?? DcepPriority.Normal;
  checkUint('priority', priority, 0xffff);
  return {
    type: 'open',
    channelType: (base | unordered) as DcepChannelTypeValue,
    priority,
    reliabilityParameter,
    label: parameters.label ?? '',
    protocol: parameters.protocol ?? '',
  };
}

/** The W3C view of a DATA_CHANNEL_OPEN: ordering and the partial reliability option set. */
export function parametersFromOpen(open: DcepOpen): Required<
  Pick<DcepChannelParameters, 'ordered' | 'priority' | 'label' | 'protocol'>
> & {
  readonly maxRetransmits: number | undefined;
  readonly maxPacketLifeTime: number | undefined;
} {
  const kind = open.channelType & 0x7f;
  return {
    ordered: (open.channelType & 0x80) === 0,
    priority: open.priority,
    label: open.label,
    protocol: open.protocol,
    maxRetransmits:
      kind === DcepChannelType.PartialReliableRexmit ? open.reliabilityParameter : undefined,
    maxPacketLifeTime:
      kind === DcepChannelType.PartialReliableTimed ? open.reliabilityParameter : undefined,
  };
}
