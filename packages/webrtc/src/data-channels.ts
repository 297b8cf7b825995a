/**
 * The data channels of one peer connection as the W3C API shows them: each `@x/network`
 * channel wrapped in an `RTCDataChannel` (ours from `createDataChannel()`, the peer's from
 * the Manager's `data-channel` event), the largest message they may send, the counts that
 * `getStats()` reports, and their silencing by `close()`.
 */
import { type DataChannel, NetworkError } from '@x/network';
import { dataChannelControl, RTCDataChannel } from './rtc-data-channel.js';
import type { RTCSctpTransport } from './rtc-transports.js';

/** @internal Owned by `RTCPeerConnection`. */
export class DataChannels {
  /** Every channel made or received, for `getStats()` and `close()`. */
  readonly all = new Set<RTCDataChannel>();
  /** webrtc-stats `dataChannelsOpened` / `dataChannelsClosed`. */
  dataChannelsOpened = 0;
  dataChannelsClosed = 0;
  private readonly observer = {
    opened: () => void this.dataChannelsOpened++,
    closed: () => void this.dataChannelsClosed++,
  };

  constructor(private readonly sctpTransport: RTCSctpTransport) {}

  /**
   * Our channel (`createDataChannel()`): `open` asks the Manager for it; an id it refuses (a
   * NetworkError) is an OperationError.
   */
  create(open: () => DataChannel): RTCDataChannel {
    let channel: RTCDataChannel;
    try {
      const inner = open();
      channel = new RTCDataChannel(inner, () => this.sendableSize(), this.observer);
    } catch (error) {
      if (NetworkError.isInstance(error)) throw new DOMException(error.message, 'OperationError');
      throw error;
    }
    this.all.add(channel);
    return channel;
  }

  /** A channel the peer opened (the Manager's `data-channel` event). */
  adopt(inner: DataChannel): RTCDataChannel {
    const channel = new RTCDataChannel(inner, () => this.sendableSize(), this.observer);
    this.all.add(channel);
    return channel;
  }

  /** webrtc-pc `close()`: every channel becomes `closed` and fires no event. */
  silence(): void {
    for (const channel of this.all) dataChannelControl().silence(channel);
  }

  /**
   * The largest message a channel may send: [[MaxMessageSize]], or RFC 8841's default before an
   * answer set it (no channel is open then, so `send()` throws InvalidStateError first).
   */
  private sendableSize(): number {
    return this.sctpTransport.maxMessageSize ?? 65_536;
  }
}
