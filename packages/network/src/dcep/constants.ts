/**
 * Numbers of the WebRTC data channel protocols: SCTP payload protocol identifiers (RFC 8831
 * §8, RFC 8832 §8.1), DCEP message types (RFC 8832 §8.2.1) and channel types (RFC 8832 §5.1).
 */

/** SCTP payload protocol identifiers used by WebRTC data channels (RFC 8831 §8, IANA registry). */
export const Ppid = {
  /** WebRTC DCEP: DATA_CHANNEL_OPEN and DATA_CHANNEL_ACK (RFC 8832 §8.1). */
  Dcep: 50,
  /** WebRTC String: a UTF-8 text message (RFC 8831 §8). */
  String: 51,
  /** WebRTC Binary Partial (deprecated, RFC 8831 §8): a fragment of a binary message. */
  BinaryPartial: 52,
  /** WebRTC Binary: a binary message (RFC 8831 §8). */
  Binary: 53,
  /** WebRTC String Partial (deprecated, RFC 8831 §8): a fragment of a text message. */
  StringPartial: 54,
  /** WebRTC String Empty: an empty text message, sent as one byte that is ignored (RFC 8831 §6.6). */
  StringEmpty: 56,
  /** WebRTC Binary Empty: an empty binary message, sent as one byte that is ignored (RFC 8831 §6.6). */
  BinaryEmpty: 57,
} as const;

/** One of the {@link Ppid} values. */
export type PpidValue = (typeof Ppid)[keyof typeof Ppid];

/** DCEP message types (RFC 8832 §8.2.1). 0x00, 0x01 and 0xff are reserved. */
export const DcepMessageType = {
  /** DATA_CHANNEL_ACK (RFC 8832 §5.2). */
  Ack: 0x02,
  /** DATA_CHANNEL_OPEN (RFC 8832 §5.1). */
  Open: 0x03,
} as const;

/**
 * The channel type byte of DATA_CHANNEL_OPEN (RFC 8832 §5.1, §8.2.2). The high bit (0x80)
 * makes the channel unordered; the low bits give the reliability policy.
 */
export const DcepChannelType = {
  /** Reliable and ordered; the reliability parameter is ignored. */
  Reliable: 0x00,
  /** Reliable, unordered. */
  ReliableUnordered: 0x80,
  /** Ordered, at most `reliabilityParameter` retransmissions. */
  PartialReliableRexmit: 0x01,
  /** Unordered, at most `reliabilityParameter` retransmissions. */
  PartialReliableRexmitUnordered: 0x81,
  /** Ordered, retransmitted for at most `reliabilityParameter` milliseconds. */
  PartialReliableTimed: 0x02,
  /** Unordered, retransmitted for at most `reliabilityParameter` milliseconds. */
  PartialReliableTimedUnordered: 0x82,
} as const;

/** One of the {@link DcepChannelType} values. */
export type DcepChannelTypeValue = (typeof DcepChannelType)[keyof typeof DcepChannelType];

/**
 * Priorities of RFC 8832 §5.1, with the W3C `RTCPriorityType` names they map to
 * (webrtc-priority: very-low 128, low 256, medium 512, high 1024). Any 16-bit value is valid
 * on the wire.
 */
export const DcepPriority = {
  /** below normal; W3C `very-low`. */
  BelowNormal: 128,
  /** normal (the default); W3C `low`. */
  Normal: 256,
  /** high; W3C `medium`. */
  High: 512,
  /** extra high; W3C `high`. */
  ExtraHigh: 1024,
} as const;

/** Size of the fixed part of DATA_CHANNEL_OPEN, before the label (RFC 8832 §5.1). */
export const DCEP_OPEN_HEADER_SIZE = 12;

/**
 * Stream identifier 65535 is reserved and never used for a data channel (RFC 8831 §6.5 makes
 * the channel limit 65534; W3C `createDataChannel` rejects id 65535).
 */
export const MAX_DATA_CHANNEL_STREAM_ID = 65534;
