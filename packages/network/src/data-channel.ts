import { InvalidArgumentError, InvalidStateError } from './errors.js';

/** W3C `RTCDataChannelState`. */
export type DataChannelState = 'connecting' | 'open' | 'closing' | 'closed';

/** What a data channel is, as `createDataChannel` takes it (W3C `RTCDataChannelInit` plus label). */
export interface DataChannelParameters {
  readonly label: string;
  readonly protocol?: string;
  /** Defaults to true. */
  readonly ordered?: boolean;
  /** Partial reliability: at most this many retransmissions (RFC 3758). */
  readonly maxRetransmits?: number;
  /** Partial reliability: abandon messages older than this, in ms (RFC 3758). */
  readonly maxPacketLifeTime?: number;
  /** Both sides create the channel with the same `id`; no DCEP exchange (RFC 8832). */
  readonly negotiated?: boolean;
  /** The SCTP stream id: required when negotiated, otherwise chosen by DTLS role. */
  readonly id?: number;
  /** RFC 8832 priority (W3C `RTCPriorityType` mapped by the layer above). Defaults to 256. */
  readonly priority?: number;
}

/** Callbacks of one channel, set by its owner. Each is optional. */
export interface DataChannelHandlers {
  onOpen?(): void;
  /** A message arrived; `data` belongs to the handler. */
  onMessage?(data: Buffer, binary: boolean): void;
  /** `bufferedAmount` fell to or below `bufferedAmountLowThreshold`. */
  onBufferedAmountLow?(): void;
  /** The closing procedure started (by either side). */
  onClosing?(): void;
  /** The channel is closed; `error` tells why when it was not a clean close. */
  onClose?(error?: Error): void;
}

/** @internal What a channel needs from its manager. */
export interface ChannelHost {
  sendOnChannel(channel: DataChannel, data: Uint8Array, binary: boolean): void;
  bufferedAmountOf(channel: DataChannel): number;
  setLowThreshold(channel: DataChannel, bytes: number): void;
  closeChannel(channel: DataChannel): void;
  readonly maxMessageSize: number;
}

/**
 * One data channel of a {@link Manager}: an SCTP stream pair opened with DCEP (or negotiated),
 * with the W3C state machine. `RTCDataChannel` of `@x/webrtc` wraps it.
 */
export class DataChannel {
  readonly label: string;
  readonly protocol: string;
  readonly ordered: boolean;
  readonly maxRetransmits: number | null;
  readonly maxPacketLifeTime: number | null;
  readonly negotiated: boolean;
  readonly priority: number;
  /** Set when known: at creation for negotiated channels, once the DTLS role is known otherwise. */
  id: number | null;
  /** The owner's callbacks. */
  handlers: DataChannelHandlers = {};
  private currentState: DataChannelState = 'connecting';
  private threshold = 0;
  /** What was still queued when the channel closed. */
  private finalBufferedAmount = 0;

  /** @internal */
  constructor(
    private readonly host: ChannelHost,
    parameters: DataChannelParameters,
  ) {
    this.label = parameters.label;
    this.protocol = parameters.protocol ?? '';
    this.ordered = parameters.ordered ?? true;
    this.maxRetransmits = parameters.maxRetransmits ?? null;
    this.maxPacketLifeTime = parameters.maxPacketLifeTime ?? null;
    this.negotiated = parameters.negotiated ?? false;
    this.priority = parameters.priority ?? 256;
    this.id = parameters.id ?? null;
  }

  /** W3C `readyState`. */
  get state(): DataChannelState {
    return this.currentState;
  }

  /**
   * Bytes handed to `send` that SCTP has not sent yet. Once the channel is closed, what was
   * left unsent when it closed (W3C: `bufferedAmount` does not reset to zero on close).
   */
  get bufferedAmount(): number {
    if (this.currentState === 'closed') return this.finalBufferedAmount;
    if (this.id === null || this.currentState === 'connecting') return 0;
    return this.host.bufferedAmountOf(this);
  }

  /** W3C `bufferedAmountLowThreshold`. */
  get bufferedAmountLowThreshold(): number {
    return this.threshold;
  }

  set bufferedAmountLowThreshold(bytes: number) {
    this.threshold = bytes;
    if (this.id !== null) this.host.setLowThreshold(this, bytes);
  }

  /**
   * Sends one message (`binary` picks PPID 53 or 51; empty messages use 57 or 56).
   * Throws {@link InvalidStateError} unless open, {@link InvalidArgumentError} above the
   * peer's maximum message size. Nothing is truncated: a reliable channel delivers it whole.
   * Zero-copy: SCTP keeps `data` until the peer acknowledges it, so do not modify it afterwards.
   */
  send(data: Uint8Array, binary: boolean): void {
    if (this.currentState !== 'open') {
      throw new InvalidStateError(
        `data channel "${this.label}" is ${this.currentState}; send only when open`,
      );
    }
    if (data.byteLength > this.host.maxMessageSize) {
      throw new InvalidArgumentError(
        `message of ${data.byteLength} bytes exceeds the peer's maximum message size of ${this.host.maxMessageSize}; split it`,
      );
    }
    this.host.sendOnChannel(this, data, binary);
  }

  /** Starts the closing procedure (RFC 8831 §6.7); idempotent. */
  close(): void {
    if (this.currentState === 'closing' || this.currentState === 'closed') return;
    this.host.closeChannel(this);
  }

  /** @internal */
  setState(state: DataChannelState, error?: Error): void {
    if (state === this.currentState) return;
    if (state === 'closed') this.finalBufferedAmount = this.bufferedAmount;
    this.currentState = state;
    const h = this.handlers;
    if (state === 'open') h.onOpen?.();
    else if (state === 'closing') h.onClosing?.();
    else if (state === 'closed') h.onClose?.(error);
  }
}
