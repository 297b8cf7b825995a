import { InvalidArgumentError, InvalidStateError } from './errors.js';

/** W3C `RTCDataChannelState`. */
export type DataChannelState = 'connecting' | 'open' | 'closing' | 'closed';

/** What a data channel is, as `createDataChannel` takes it (W3C `RTCDataChannelInit` plus label). */
export interface DataChannelParameters {
  /** The channel's name (W3C `label`). */
  readonly label: string;
  /** The subprotocol (W3C `protocol`); defaults to `''`. */
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

/** Callbacks of one channel, set by its owner ({@link DataChannel.handlers}). Each is optional. */
export interface DataChannelHandlers {
  /** The channel is open: `send` works from now on. */
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
 * @internal What the channel table (`channels.ts`, the one writer) sets on a channel, which its
 * user can only read (module-private: `index.ts` does not export it).
 */
export interface DataChannelControl {
  /** The stream id, once chosen by the DTLS role (RFC 8832 §6). */
  setId(channel: DataChannel, id: number): void;
  /** The W3C state: commits it and calls the matching handler (`onOpen`, `onClosing`, `onClose`). */
  setState(channel: DataChannel, state: DataChannelState, error?: Error): void;
}

let control: DataChannelControl | undefined;

/**
 * One data channel of a {@link Manager}: an SCTP stream pair opened with DCEP (or negotiated),
 * with the W3C state machine. `RTCDataChannel` of `@x/webrtc` wraps it. The Manager makes it
 * (`createDataChannel()`, or a `data-channel` event for one the peer opened) and alone changes
 * its state; its user sets {@link DataChannel.handlers} to hear what happens to it.
 */
export class DataChannel {
  /** W3C `label`: the name given at creation, or announced by the peer (RFC 8832 §5.1). */
  readonly label: string;
  /** W3C `protocol`: the subprotocol, `''` when none. */
  readonly protocol: string;
  /** Whether messages arrive in the order they were sent (RFC 8831 §6.6). */
  readonly ordered: boolean;
  /** Partial reliability by retransmissions (RFC 3758), or null. */
  readonly maxRetransmits: number | null;
  /** Partial reliability by lifetime in ms (RFC 3758), or null. */
  readonly maxPacketLifeTime: number | null;
  /** Whether both sides created it with the same id, without DCEP (RFC 8832). */
  readonly negotiated: boolean;
  /** RFC 8832 priority (256 unless given). */
  readonly priority: number;
  /**
   * The owner's callbacks: how a custom stack receives the channel's messages and state
   * changes. Set it (or replace it) right after `createDataChannel()` or in the `data-channel`
   * event: each callback is optional, and none is called from inside a call of yours.
   */
  handlers: DataChannelHandlers = {};
  readonly #host: ChannelHost;
  #id: number | null;
  #state: DataChannelState = 'connecting';
  #threshold = 0;
  /** What was still queued when the channel closed. */
  #finalBufferedAmount = 0;

  /** @internal Made by the Manager's channel table. */
  constructor(host: ChannelHost, parameters: DataChannelParameters) {
    this.#host = host;
    this.label = parameters.label;
    this.protocol = parameters.protocol ?? '';
    this.ordered = parameters.ordered ?? true;
    this.maxRetransmits = parameters.maxRetransmits ?? null;
    this.maxPacketLifeTime = parameters.maxPacketLifeTime ?? null;
    this.negotiated = parameters.negotiated ?? false;
    this.priority = parameters.priority ?? 256;
    this.#id = parameters.id ?? null;
  }

  /**
   * The SCTP stream id: known at creation for negotiated channels, once the DTLS role is known
   * otherwise (null until then).
   */
  get id(): number | null {
    return this.#id;
  }

  /** W3C `readyState`. */
  get state(): DataChannelState {
    return this.#state;
  }

  /**
   * Bytes handed to `send` that SCTP has not sent yet. Once the channel is closed, what was
   * left unsent when it closed (W3C: `bufferedAmount` does not reset to zero on close).
   */
  get bufferedAmount(): number {
    if (this.#state === 'closed') return this.#finalBufferedAmount;
    if (this.#id === null || this.#state === 'connecting') return 0;
    return this.#host.bufferedAmountOf(this);
  }

  /** W3C `bufferedAmountLowThreshold`. */
  get bufferedAmountLowThreshold(): number {
    return this.#threshold;
  }

  set bufferedAmountLowThreshold(bytes: number) {
    this.#threshold = bytes;
    if (this.#id !== null) this.#host.setLowThreshold(this, bytes);
  }

  /**
   * Sends one message (`binary` picks PPID 53 or 51; empty messages use 57 or 56).
   * Throws {@link InvalidStateError} unless open, {@link InvalidArgumentError} above the
   * peer's maximum message size. Nothing is truncated: a reliable channel delivers it whole.
   * Zero-copy: SCTP keeps `data` until the peer acknowledges it, so do not modify it afterwards.
   */
  send(data: Uint8Array, binary: boolean): void {
    if (this.#state !== 'open') {
      throw new InvalidStateError(
        `data channel "${this.label}" is ${this.#state}; send only when open`,
      );
    }
    if (data.byteLength > this.#host.maxMessageSize) {
      throw new InvalidArgumentError(
        `message of ${data.byteLength} bytes exceeds the peer's maximum message size of ${this.#host.maxMessageSize}; split it`,
      );
    }
    this.#host.sendOnChannel(this, data, binary);
  }

  /** Starts the closing procedure (RFC 8831 §6.7); idempotent. */
  close(): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#host.closeChannel(this);
  }

  static {
    control = {
      setId: (channel, id) => {
        channel.#id = id;
      },
      setState: (channel, state, error) => {
        if (state === channel.#state) return;
        if (state === 'closed') channel.#finalBufferedAmount = channel.bufferedAmount;
        channel.#state = state;
        const h = channel.handlers;
        if (state === 'open') h.onOpen?.();
        else if (state === 'closing') h.onClosing?.();
        else if (state === 'closed') h.onClose?.(error);
      },
    };
  }
}

/** @internal How the channel table writes channels (see {@link DataChannelControl}). */
export function dataChannelControl(): DataChannelControl {
  return control!;
}
