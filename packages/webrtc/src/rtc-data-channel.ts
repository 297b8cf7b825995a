/**
 * W3C `RTCDataChannel` (webrtc-pc §6.2) over a data channel of `@x/network`.
 */
import { Blob } from 'node:buffer';
import { ChannelClosedError, type DataChannel, type DataChannelState } from '@x/network';
import { debuglog } from 'node:util';
import { defineEventHandler, SafeEventTarget } from './events.js';
import { RTCError } from './rtc-error.js';
import { RTCStateChangeEvent } from './rtc-state-change-event.js';
import { dataChannelStateCause, type RTCStateCause, sctpStateCause } from './state/causes.js';

const log = debuglog('x:webrtc');

/** W3C `RTCDataChannelState`. */
export type RTCDataChannelState = DataChannelState;

/** W3C `BinaryType` of a data channel. */
export type BinaryType = 'arraybuffer' | 'blob';

/**
 * W3C `RTCErrorEvent` (webrtc-pc §11.2), with the {@link RTCError} as `error`. Throws
 * TypeError without one (`error` is a required `RTCError` member of `RTCErrorEventInit`).
 * Extension: `cause`, why it happened as data, on the events this package fires.
 */
export class RTCErrorEvent extends Event {
  readonly #error: RTCError;
  readonly #cause: RTCStateCause | null;
  /**
   * `init` is a W3C `RTCErrorEventInit`: the `EventInit` members and the required `error`;
   * extension: the `cause` (default null).
   */
  constructor(
    type: string,
    init: {
      error: RTCError;
      cause?: RTCStateCause | null;
      bubbles?: boolean;
      cancelable?: boolean;
      composed?: boolean;
    },
  ) {
    // biome-ignore lint/complexity/noArguments: WebIDL: the init dictionary is required.
    if (arguments.length < 2 || init === null || typeof init !== 'object')
      throw new TypeError('RTCErrorEvent needs an RTCErrorEventInit with an error');
    const { error } = init;
    if (!(error instanceof RTCError))
      throw new TypeError('RTCErrorEventInit.error must be an RTCError');
    super(type, init);
    this.#error = error;
    this.#cause = init.cause ?? null;
  }
  /** The error (a WebIDL readonly attribute). */
  get error(): RTCError {
    return this.#error;
  }
  /**
   * Extension: why, as data ({@link RTCStateCause}): the DTLS cause of an `RTCDtlsTransport`'s
   * error (`fingerprint-mismatch`, `alert-received`, …), the SCTP cause of a data channel's
   * (`aborted-by-peer` with its cause codes, …); null when none was given.
   */
  get cause(): RTCStateCause | null {
    return this.#cause;
  }
}

/** @internal What the owning peer connection learns about a channel (for `getStats()`). */
export interface DataChannelObserver {
  opened(): void;
  /** The channel left `open` (closed by either side or by the transport). */
  closed(): void;
}

/** @internal Counters of one channel (webrtc-stats `RTCDataChannelStats`). */
export interface DataChannelCounters {
  messagesSent: number;
  bytesSent: number;
  messagesReceived: number;
  bytesReceived: number;
}

/**
 * @internal What the peer connection does to its channels (module-private: `index.ts` does not
 * export it). Their state is the `@x/network` channel's, written by its Manager.
 */
export interface DataChannelControl {
  /** The channel's counters, for `getStats()` (`rtc-stats.ts`). */
  counters(channel: RTCDataChannel): Readonly<DataChannelCounters>;
  /**
   * `rtc-peer-connection.ts`: the peer connection closes (webrtc-pc `close()`: its channels
   * become `closed` and fire no event). Called before the transports close.
   */
  silence(channel: RTCDataChannel): void;
}

let control: DataChannelControl | undefined;

/** @internal How this package reaches into its channels (see {@link DataChannelControl}). */
export function dataChannelControl(): DataChannelControl {
  return control!;
}

/**
 * W3C `RTCDataChannel`. Messages are delivered as `string`, or as `ArrayBuffer` / `Blob` by
 * `binaryType` (default `'arraybuffer'`, as webrtc-pc says). Sends keep their order even
 * when a `Blob` must be read first (webrtc-pc §6.2 `send()`: the data is queued for
 * transmission in order); nothing is truncated.
 */
export class RTCDataChannel extends SafeEventTarget {
  #type: BinaryType = 'arraybuffer';
  /** Sends waiting behind a Blob being read, to keep their order. */
  readonly #pending: (Uint8Array | Blob | string)[] = [];
  #pendingBytes = 0;
  #reading = false;
  /**
   * `close()` was called here: `readyState` is `closing`, and no `closing` event fires
   * (webrtc-pc, the closing procedure).
   */
  #closeRequested = false;
  #wasOpen = false;
  /** Application data was sent since the last bufferedamountlow. */
  #sentSinceLow = false;
  /** The peer connection was closed: the channel is closed and fires nothing more. */
  #silenced = false;
  /**
   * `bufferedAmount` held still: until a queued task after `close()` (which may hand the
   * queue to the network at once), and for good once the peer connection closed (webrtc-pc
   * §6.2: [[BufferedAmount]] does not reset to zero once the channel closes).
   */
  #heldBufferedAmount: number | undefined;
  /**
   * Messages that came before the `open` event of a channel the peer announced, which they
   * must follow: they wait for it.
   */
  #beforeOpen: [Buffer, boolean][] | undefined;
  /**
   * A negotiated channel created on a running association is open underneath at once; to the
   * application it is `connecting` until it is announced as open (webrtc-pc
   * `createDataChannel()`: [[ReadyState]] starts as `connecting`).
   */
  #openPending = false;
  /**
   * The close was announced (webrtc-pc "announce the data channel as closed"): until then
   * `readyState` says `closing`.
   */
  #closedAnnounced = false;
  /** webrtc-stats `RTCDataChannelStats` counters, read through `dataChannelControl()`. */
  readonly #counters: DataChannelCounters = {
    messagesSent: 0,
    bytesSent: 0,
    messagesReceived: 0,
    bytesReceived: 0,
  };
  declare onopen: ((event: Event) => unknown) | null;
  declare onmessage: ((event: MessageEvent) => unknown) | null;
  declare onbufferedamountlow: ((event: Event) => unknown) | null;
  /** The `error` event handler (an {@link RTCErrorEvent}, with its cause). */
  declare onerror: ((event: RTCErrorEvent) => unknown) | null;
  /** The `closing` event handler (an {@link RTCStateChangeEvent}: the peer closed the channel). */
  declare onclosing: ((event: RTCStateChangeEvent) => unknown) | null;
  /** The `close` event handler (an {@link RTCStateChangeEvent}, with why it closed). */
  declare onclose: ((event: RTCStateChangeEvent) => unknown) | null;

  readonly #channel: DataChannel;
  /** The largest message `send()` takes (the SCTP transport's [[MaxMessageSize]]). */
  readonly #maxMessageSize: () => number;
  readonly #observer: DataChannelObserver | undefined;

  /** @internal Created by `RTCPeerConnection`. */
  constructor(channel: DataChannel, maxMessageSize: () => number, observer?: DataChannelObserver) {
    super();
    this.#channel = channel;
    this.#maxMessageSize = maxMessageSize;
    this.#observer = observer;
    if (channel.state === 'open') {
      // webrtc-pc, "when an underlying data transport is to be announced": the channel is
      // already open when the datachannel event fires; if it still is once that event was
      // dispatched, it is announced as open, with an open event, from a queued task. A
      // negotiated channel (never announced by the peer) is announced the same way.
      this.#markOpen();
      this.#openPending = channel.negotiated;
      this.#beforeOpen = [];
      queueMicrotask(() => this.#announceOpen());
    }
    channel.handlers = {
      onOpen: () => {
        if (this.#silenced) return;
        this.#markOpen();
        this.dispatchEvent(new Event('open'));
      },
      onMessage: (data, binary) => {
        // webrtc-pc "when a message is received": discarded unless the channel is open (it is
        // closing once close() was called, even while sends queued behind a Blob drain).
        if (this.#silenced || this.#closeRequested) return;
        if (this.#beforeOpen) this.#beforeOpen.push([data, binary]);
        else this.#deliver(data, binary);
      },
      // webrtc-pc §6.2: bufferedamountlow follows a decrease of what send() queued. The SCTP
      // stream also carries DCEP's OPEN/ACK, whose acknowledgement must not fire it. It is
      // fired from a queued task, and not at all once the channel is closed.
      onBufferedAmountLow: () => {
        if (!this.#sentSinceLow || this.#silenced) return;
        this.#sentSinceLow = false;
        queueMicrotask(() => {
          if (this.#channel.state !== 'closed' && !this.#silenced)
            this.dispatchEvent(new Event('bufferedamountlow'));
        });
      },
      // webrtc-pc, the closing procedure: "Unless the procedure was initiated by
      // channel.close, set [[ReadyState]] to closing and fire an event named closing at
      // channel."
      onClosing: () => {
        if (!this.#closeRequested && !this.#silenced)
          this.dispatchEvent(
            new RTCStateChangeEvent('closing', dataChannelStateCause({ kind: 'closed-by-peer' })),
          );
      },
      onClose: (error) => {
        // webrtc-pc §6.2: [[BufferedAmount]] does not reset to zero once the channel closes.
        this.#heldBufferedAmount ??= this.#channel.bufferedAmount + this.#pendingBytes;
        this.#pending.length = 0;
        this.#pendingBytes = 0;
        if (this.#silenced) return;
        const opened = this.#wasOpen;
        if (opened) this.#observer?.closed();
        this.#wasOpen = false;
        const cause = closeCause(error, this.#closeRequested);
        // webrtc-pc "announce the data channel as closed": from a queued task, so that close()
        // on a channel that never reached the wire does not run the listeners inside the call.
        queueMicrotask(() => {
          if (this.#silenced) return;
          this.#closedAnnounced = true;
          if (error) {
            // webrtc-pc: a channel whose transport closed with an error gets `sctp-failure`
            // ("announce the data channel as closed"); one whose transport could never be
            // created (no id, or no association to open it on) gets `data-channel-failure`.
            const sctp = opened && error instanceof ChannelClosedError;
            this.dispatchEvent(
              new RTCErrorEvent('error', {
                error: new RTCError(
                  sctp
                    ? {
                        errorDetail: 'sctp-failure',
                        ...(error.sctpCauseCode !== undefined
                          ? { sctpCauseCode: error.sctpCauseCode }
                          : {}),
                      }
                    : { errorDetail: 'data-channel-failure' },
                  error.message,
                ),
                cause,
              }),
            );
          }
          this.dispatchEvent(new RTCStateChangeEvent('close', cause));
        });
      },
    };
  }

  get label(): string {
    return this.#channel.label;
  }
  get ordered(): boolean {
    return this.#channel.ordered;
  }
  get maxPacketLifeTime(): number | null {
    return this.#channel.maxPacketLifeTime;
  }
  get maxRetransmits(): number | null {
    return this.#channel.maxRetransmits;
  }
  get protocol(): string {
    return this.#channel.protocol;
  }
  get negotiated(): boolean {
    return this.#channel.negotiated;
  }
  /** webrtc-priority: the `RTCPriorityType` of the channel's RFC 8832 priority. */
  get priority(): 'very-low' | 'low' | 'medium' | 'high' {
    const p = this.#channel.priority;
    return p <= 128 ? 'very-low' : p <= 256 ? 'low' : p <= 512 ? 'medium' : 'high';
  }
  get id(): number | null {
    return this.#channel.id;
  }
  get readyState(): RTCDataChannelState {
    // webrtc-pc close(): the peer connection's channels are closed at once.
    if (this.#silenced) return 'closed';
    const state = this.#channel.state;
    // The transport is closed, but the task that announces it has not run yet.
    if (state === 'closed') return this.#closedAnnounced ? 'closed' : 'closing';
    // close() sets [[ReadyState]] to closing at once, even while queued sends still drain.
    if (this.#closeRequested) return 'closing';
    return this.#openPending && state === 'open' ? 'connecting' : state;
  }
  /**
   * Bytes queued by `send()` and not yet handed to the network (queued Blobs included). It
   * falls only between tasks, and keeps its value once the peer connection is closed.
   */
  get bufferedAmount(): number {
    return this.#heldBufferedAmount ?? this.#channel.bufferedAmount + this.#pendingBytes;
  }
  /**
   * The `bufferedAmount` at or below which `bufferedamountlow` fires. webrtc-pc: an
   * `[EnforceRange] unsigned long`: WebIDL converts with ToNumber (a Symbol or a BigInt cannot
   * be) and truncates; NaN, an infinity or a value outside 0..2^32-1 throws TypeError and
   * leaves the threshold as it was.
   */
  get bufferedAmountLowThreshold(): number {
    return this.#channel.bufferedAmountLowThreshold;
  }
  set bufferedAmountLowThreshold(bytes: number) {
    if (typeof bytes === 'symbol' || typeof bytes === 'bigint')
      throw new TypeError('bufferedAmountLowThreshold must be a number');
    const n = Math.trunc(Number(bytes));
    if (!Number.isFinite(n) || n < 0 || n > 0xffff_ffff)
      throw new TypeError(
        `bufferedAmountLowThreshold ${String(bytes)} is not an unsigned long (0..4294967295)`,
      );
    this.#channel.bufferedAmountLowThreshold = n + 0; // -0 is the integer 0
  }
  get binaryType(): BinaryType {
    return this.#type;
  }
  set binaryType(type: BinaryType) {
    // WebIDL: the value is converted to a string (a Symbol cannot be), and one that is not a
    // value of the BinaryType enum is ignored, as for any enum attribute.
    const value = `${type as unknown as string}`;
    if (value === 'arraybuffer' || value === 'blob') this.#type = value;
  }

  /**
   * Sends a message (webrtc-pc §6.2 `send()`): throws `InvalidStateError` unless open, and
   * `TypeError` when it is larger than the peer's maximum message size. A `Blob` is read
   * asynchronously; the sends after it wait for it, so the peer gets them in call order.
   * What is neither a Blob, an ArrayBuffer nor a view is sent as its string, as WebIDL's
   * overload resolution does (`send(42)` sends `'42'`).
   */
  send(data: string | Blob | ArrayBuffer | ArrayBufferView): void {
    // biome-ignore lint/complexity/noArguments: WebIDL: send() without data is a TypeError.
    if (arguments.length < 1) throw new TypeError('send() needs the data to send');
    if (
      !(data instanceof Blob) &&
      !(data instanceof ArrayBuffer) &&
      !ArrayBuffer.isView(data) &&
      typeof data !== 'string'
    ) {
      data = `${data as unknown as string}`; // USVString; throws TypeError for a Symbol
    }
    if (this.readyState !== 'open') {
      throw new DOMException(
        `RTCDataChannel "${this.label}" is ${this.readyState}`,
        'InvalidStateError',
      );
    }
    const size = byteLength(data);
    if (size > this.#maxMessageSize()) {
      throw new TypeError(
        `message of ${size} bytes exceeds the peer's maximum message size of ${this.#maxMessageSize()}`,
      );
    }
    if (this.#pending.length > 0 || data instanceof Blob) {
      this.#pending.push(
        typeof data === 'string' || data instanceof Blob ? data : Buffer.from(toBytes(data)),
      );
      this.#pendingBytes += size;
      void this.#drain();
      return;
    }
    if (typeof data === 'string') this.#transmit(Buffer.from(data, 'utf8'), false);
    // A copy: the caller may reuse its buffer, and SCTP keeps the bytes until acknowledged.
    else this.#transmit(Buffer.from(toBytes(data)), true);
  }

  /**
   * Starts the closing procedure (webrtc-pc §6.2 `close()`): `readyState` is `closing` at
   * once; messages queued behind a Blob are still sent first (RFC 8831 §6.7: the stream is
   * reset after the data sent before it).
   */
  close(): void {
    const state = this.readyState;
    if (state === 'closing' || state === 'closed') return;
    this.#closeRequested = true;
    if (this.#pending.length === 0) {
      // Closing flushes the stream before its reset; the amount sent is taken off in a
      // queued task (webrtc-pc §6.2 bufferedAmount), not within this call.
      const held = this.bufferedAmount;
      this.#heldBufferedAmount = held;
      this.#channel.close();
      queueMicrotask(() => {
        if (!this.#silenced && this.#heldBufferedAmount === held)
          this.#heldBufferedAmount = undefined;
      });
    }
  }

  static {
    control = {
      counters: (channel) => channel.#counters,
      silence: (channel) => {
        channel.#heldBufferedAmount = channel.bufferedAmount;
        channel.#silenced = true;
        channel.#closedAnnounced = true;
        channel.#pending.length = 0;
        channel.#pendingBytes = 0;
      },
    };
  }

  #transmit(bytes: Uint8Array, binary: boolean): void {
    this.#channel.send(bytes, binary);
    this.#sentSinceLow = true;
    this.#counters.messagesSent++;
    this.#counters.bytesSent += bytes.byteLength;
  }

  #markOpen(): void {
    if (this.#wasOpen) return;
    this.#wasOpen = true;
    this.#observer?.opened();
  }

  /** Sends the queue in order, reading each Blob when its turn comes. */
  async #drain(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      while (this.#pending.length > 0) {
        const next = this.#pending[0]!;
        let bytes: Uint8Array;
        try {
          bytes =
            next instanceof Blob
              ? new Uint8Array(await next.arrayBuffer())
              : typeof next === 'string'
                ? Buffer.from(next, 'utf8')
                : next;
        } catch (error) {
          // The Blob could not be read: the channel cannot keep its promise of order, so it
          // closes (like a failed transport), and the rest of the queue goes with it.
          this.#pending.length = 0;
          this.#pendingBytes = 0;
          this.#closeRequested = true;
          this.#channel.close();
          throw error;
        }
        if (this.#pending[0] !== next) return; // cleared by a close meanwhile
        this.#pending.shift();
        this.#pendingBytes -= bytes.byteLength;
        if (this.#channel.state !== 'open') return;
        this.#transmit(bytes, typeof next !== 'string');
      }
      if (this.#closeRequested && this.#channel.state === 'open') this.#channel.close();
    } catch (error) {
      log('data channel "%s": queued send failed: %s', this.label, (error as Error).message);
    } finally {
      this.#reading = false;
    }
  }

  /** Fires the open event of a channel the peer announced, then the messages that waited. */
  #announceOpen(): void {
    const waiting = this.#beforeOpen ?? [];
    this.#beforeOpen = undefined;
    this.#openPending = false;
    // Closed in a datachannel listener: no open event, and its messages are dropped (webrtc-pc:
    // a message received when not open is discarded).
    if (this.#silenced || this.readyState !== 'open') return;
    this.dispatchEvent(new Event('open'));
    for (const [data, binary] of waiting)
      if (this.readyState === 'open') this.#deliver(data, binary);
  }

  #deliver(data: Buffer, binary: boolean): void {
    this.#counters.messagesReceived++;
    this.#counters.bytesReceived += data.byteLength;
    let payload: string | ArrayBuffer | Blob;
    if (!binary) payload = data.toString('utf8');
    else if (this.#type === 'blob') payload = new Blob([data]);
    else
      payload = data.buffer.slice(
        data.byteOffset,
        data.byteOffset + data.byteLength,
      ) as ArrayBuffer;
    this.dispatchEvent(new MessageEvent('message', { data: payload }));
  }
}

for (const type of ['open', 'message', 'bufferedamountlow', 'error', 'closing', 'close']) {
  defineEventHandler(RTCDataChannel.prototype, type);
}

/**
 * Why a channel closed: the SCTP transport's cause when the association ended under it, the
 * reason it could not be opened, else who closed it (`close()` here, or the peer's reset).
 */
function closeCause(error: Error | undefined, closeRequested: boolean): RTCStateCause {
  if (error instanceof ChannelClosedError) return sctpStateCause(error.transportCause);
  if (error !== undefined)
    return dataChannelStateCause({ kind: 'open-failed', reason: error.message });
  return dataChannelStateCause({ kind: closeRequested ? 'closed-by-user' : 'closed-by-peer' });
}

function byteLength(data: string | Blob | ArrayBuffer | ArrayBufferView): number {
  if (typeof data === 'string') return Buffer.byteLength(data, 'utf8');
  if (data instanceof Blob) return data.size;
  return data.byteLength;
}

function toBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
