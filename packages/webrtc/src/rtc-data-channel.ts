/**
 * W3C `RTCDataChannel` (webrtc-pc §6.2) over a data channel of `@x/network`.
 */
import { Blob } from 'node:buffer';
import type { DataChannel, DataChannelState } from '@x/network';
import { defineEventHandler, SafeEventTarget } from './events.js';

/** W3C `RTCDataChannelState`. */
export type RTCDataChannelState = DataChannelState;

/** W3C `BinaryType` of a data channel. */
export type BinaryType = 'arraybuffer' | 'blob';

/** W3C `RTCErrorEvent` (webrtc-pc §11.2), with the `RTCError` as `error`. */
export class RTCErrorEvent extends Event {
  readonly error: DOMException & { readonly errorDetail: string };
  constructor(type: string, init: { error: DOMException & { readonly errorDetail: string } }) {
    super(type);
    this.error = init.error;
  }
}

/** An `RTCError` (a DOMException named OperationError with an `errorDetail`). */
export function rtcError(
  message: string,
  errorDetail: string,
): DOMException & { readonly errorDetail: string } {
  return Object.assign(new DOMException(message, 'OperationError'), { errorDetail });
}

/**
 * W3C `RTCDataChannel`. Messages are delivered as `string`, or as `ArrayBuffer` / `Blob` by
 * `binaryType` (default `'arraybuffer'`, as webrtc-pc says). Sends keep their order even
 * when a `Blob` must be read first; nothing is truncated.
 */
export class RTCDataChannel extends SafeEventTarget {
  private type: BinaryType = 'arraybuffer';
  /** Sends waiting behind a Blob being read, to keep their order. */
  private readonly pending: (Uint8Array | Blob | string)[] = [];
  private pendingBytes = 0;
  private reading = false;
  declare onopen: ((event: Event) => unknown) | null;
  declare onmessage: ((event: MessageEvent) => unknown) | null;
  declare onbufferedamountlow: ((event: Event) => unknown) | null;
  declare onerror: ((event: RTCErrorEvent) => unknown) | null;
  declare onclosing: ((event: Event) => unknown) | null;
  declare onclose: ((event: Event) => unknown) | null;

  /** @internal Created by `RTCPeerConnection`. */
  constructor(
    private readonly channel: DataChannel,
    private readonly maxMessageSize: () => number,
  ) {
    super();
    channel.handlers = {
      onOpen: () => this.dispatchEvent(new Event('open')),
      onMessage: (data, binary) => this.deliver(data, binary),
      onBufferedAmountLow: () => this.dispatchEvent(new Event('bufferedamountlow')),
      onClosing: () => this.dispatchEvent(new Event('closing')),
      onClose: (error) => {
        this.pending.length = 0;
        this.pendingBytes = 0;
        if (error) {
          this.dispatchEvent(
            new RTCErrorEvent('error', { error: rtcError(error.message, 'sctp-failure') }),
          );
        }
        this.dispatchEvent(new Event('close'));
      },
    };
  }

  get label(): string {
    return this.channel.label;
  }
  get ordered(): boolean {
    return this.channel.ordered;
  }
  get maxPacketLifeTime(): number | null {
    return this.channel.maxPacketLifeTime;
  }
  get maxRetransmits(): number | null {
    return this.channel.maxRetransmits;
  }
  get protocol(): string {
    return this.channel.protocol;
  }
  get negotiated(): boolean {
    return this.channel.negotiated;
  }
  get id(): number | null {
    return this.channel.id;
  }
  get readyState(): RTCDataChannelState {
    return this.channel.state;
  }
  get bufferedAmount(): number {
    return this.channel.bufferedAmount + this.pendingBytes;
  }
  get bufferedAmountLowThreshold(): number {
    return this.channel.bufferedAmountLowThreshold;
  }
  set bufferedAmountLowThreshold(bytes: number) {
    this.channel.bufferedAmountLowThreshold = Math.max(0, Math.floor(Number(bytes)) || 0);
  }
  get binaryType(): BinaryType {
    return this.type;
  }
  set binaryType(type: BinaryType) {
    // webrtc-pc §6.2: an invalid value is ignored.
    if (type === 'arraybuffer' || type === 'blob') this.type = type;
  }

  /**
   * Sends a message (webrtc-pc §6.2 `send()`): throws `InvalidStateError` unless open, and
   * `TypeError` when it is larger than the peer's maximum message size.
   */
  send(data: string | Blob | ArrayBuffer | ArrayBufferView): void {
    if (this.readyState !== 'open') {
      throw new DOMException(
        `RTCDataChannel "${this.label}" is ${this.readyState}`,
        'InvalidStateError',
      );
    }
    const size = byteLength(data);
    if (size > this.maxMessageSize()) {
      throw new TypeError(
        `message of ${size} bytes exceeds the peer's maximum message size of ${this.maxMessageSize()}`,
      );
    }
    if (this.reading || data instanceof Blob) {
      this.pending.push(
        typeof data === 'string' || data instanceof Blob ? data : Buffer.from(toBytes(data)),
      );
      this.pendingBytes += size;
      this.drain();
      return;
    }
    if (typeof data === 'string') this.channel.send(Buffer.from(data, 'utf8'), false);
    // A copy: the caller may reuse its buffer, and SCTP keeps the bytes until acknowledged.
    else this.channel.send(Buffer.from(toBytes(data)), true);
  }

  /** Starts the closing procedure (webrtc-pc §6.2 `close()`). */
  close(): void {
    this.channel.close();
  }

  private async drain(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      while (this.pending.length > 0) {
        const next = this.pending[0]!;
        const bytes =
          next instanceof Blob
            ? new Uint8Array(await next.arrayBuffer())
            : typeof next === 'string'
              ? Buffer.from(next, 'utf8')
              : next;
        this.pending.shift();
        this.pendingBytes -= bytes.byteLength;
        if (this.readyState !== 'open') return;
        this.channel.send(bytes, typeof next !== 'string');
      }
    } finally {
      this.reading = false;
    }
  }

  private deliver(data: Buffer, binary: boolean): void {
    let payload: string | ArrayBuffer | Blob;
    if (!binary) payload = data.toString('utf8');
    else if (this.type === 'blob') payload = new Blob([data]);
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

function byteLength(data: string | Blob | ArrayBuffer | ArrayBufferView): number {
  if (typeof data === 'string') return Buffer.byteLength(data, 'utf8');
  if (data instanceof Blob) return data.size;
  return data.byteLength;
}

function toBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
