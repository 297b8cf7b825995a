/**
 * The data channels of one association: DCEP (RFC 8832) over SCTP streams, the closing
 * procedure by stream reset (RFC 8831 §6.7), and the mapping between channels and stream ids.
 */
import { type Association, AssociationState } from '@x/sctp';
import { debuglog } from 'node:util';
import {
  type ChannelHost,
  DataChannel,
  type DataChannelParameters,
  dataChannelControl,
} from './data-channel.js';
import {
  DcepEndpoint,
  type DtlsRoleForStreams,
  encodeDcepMessage,
  Ppid,
  parametersFromOpen,
  StreamIdError,
} from './dcep/index.js';
import { OperationError } from './errors.js';

const log = debuglog('x:network');
const EMPTY_PAYLOAD = Uint8Array.of(0);

interface Closing {
  outgoingDone: boolean;
  incomingDone: boolean;
}

/** @internal Owned by the Manager. */
export class ChannelTable implements ChannelHost {
  private endpoint: DcepEndpoint | undefined;
  private association: Association | undefined;
  /** Channels by stream id, once they have one. */
  private readonly byId = new Map<number, DataChannel>();
  /** Channels created before the DTLS role (and so their id) was known. */
  private readonly unassigned: DataChannel[] = [];
  private readonly closing = new Map<DataChannel, Closing>();
  /** Why the association ended, once it did: no channel can open after that. */
  private gone: Error | undefined;
  /** Remote max-message-size (0 in SDP means no limit, kept as Infinity). */
  maxMessageSize = 65_536;
  /** Messages dropped by DCEP (malformed, unknown stream...). */
  dropped = 0;

  constructor(private readonly onRemoteChannel: (channel: DataChannel) => void) {}

  /** Every channel not yet closed. */
  get all(): DataChannel[] {
    return [...this.unassigned, ...this.byId.values()];
  }

  /**
   * Creates a local channel. Throws OperationError when its id is taken or none is free. Once
   * the association has ended, the channel "could not be established" (W3C): it closes, with
   * the association's error, right after this call returns (so that its owner hears it).
   */
  create(parameters: DataChannelParameters): DataChannel {
    const channel = new DataChannel(this, parameters);
    if (parameters.negotiated && parameters.id === undefined) {
      throw new OperationError('a negotiated data channel needs an id');
    }
    const gone = this.gone;
    if (gone !== undefined) {
      queueMicrotask(() => dataChannelControl().setState(channel, 'closed', gone));
      return channel;
    }
    if (channel.id !== null && this.byId.has(channel.id)) {
      throw new OperationError(`stream id ${channel.id} is already in use by another data channel`);
    }
    if (this.endpoint === undefined) {
      if (channel.id !== null) this.byId.set(channel.id, channel);
      else this.unassigned.push(channel);
      return channel;
    }
    this.register(channel);
    const association = this.association;
    if (association?.state === AssociationState.Connected) {
      // W3C createDataChannel(): once connected, an id at or above [[MaxChannels]] (the
      // streams negotiated, RFC 8831 §6.2) is an OperationError, given or generated.
      if (channel.id !== null && channel.id >= association.streamCount) {
        this.forget(channel);
        throw new OperationError(
          `stream id ${channel.id} is not below the ${association.streamCount} SCTP streams negotiated`,
        );
      }
      this.announce(channel);
    }
    return channel;
  }

  /** The DTLS role is known: ids can be chosen (client even, server odd). */
  setRole(role: DtlsRoleForStreams): void {
    if (this.endpoint !== undefined) return;
    this.endpoint = new DcepEndpoint(role);
    const pending = [...this.byId.values(), ...this.unassigned.splice(0)];
    this.byId.clear();
    for (const channel of pending) {
      try {
        this.register(channel);
      } catch (error) {
        log('data channel "%s" cannot open: %s', channel.label, (error as Error).message);
        dataChannelControl().setState(channel, 'closed', error as Error);
      }
    }
  }

  /**
   * The association is up: open every channel created so far (W3C "RTCSctpTransport
   * connected"), except those whose id is not below the streams negotiated: they close with
   * an error, as channels whose transport could not be created.
   */
  attach(association: Association): void {
    this.association = association;
    const streams = association.streamCount;
    for (const channel of [...this.byId.values()]) {
      if (channel.id !== null && channel.id >= streams) {
        this.forget(channel);
        dataChannelControl().setState(
          channel,
          'closed',
          new OperationError(
            `stream id ${channel.id} is not below the ${streams} SCTP streams negotiated`,
          ),
        );
        continue;
      }
      this.announce(channel);
    }
  }

  /** The association is gone: every channel is closed (W3C: "closed" with an error when unexpected). */
  detach(error?: Error): void {
    this.gone ??= error ?? new Error('the SCTP association is closed');
    // Closed while the association is still known, so that each channel keeps what it had
    // not sent (W3C bufferedAmount).
    for (const channel of this.all) dataChannelControl().setState(channel, 'closed', error);
    this.association = undefined;
    this.byId.clear();
    this.unassigned.length = 0;
    this.closing.clear();
  }

  /**
   * A new association will come (a DTLS restart): channels created from now on wait for it
   * instead of closing. The ones of the old association have closed with `detach()`.
   */
  reopen(): void {
    this.gone = undefined;
  }

  // ChannelHost -------------------------------------------------------------------------

  sendOnChannel(channel: DataChannel, data: Uint8Array, binary: boolean): void {
    const association = this.association!;
    const empty = data.byteLength === 0;
    const ppid = binary
      ? empty
        ? Ppid.BinaryEmpty
        : Ppid.Binary
      : empty
        ? Ppid.StringEmpty
        : Ppid.String;
    association.send(channel.id!, ppid, empty ? EMPTY_PAYLOAD : data, {
      ordered: channel.ordered,
      ...(channel.maxRetransmits !== null ? { maxRetransmits: channel.maxRetransmits } : {}),
      ...(channel.maxPacketLifeTime !== null
        ? { maxPacketLifeTime: channel.maxPacketLifeTime }
        : {}),
    });
  }

  bufferedAmountOf(channel: DataChannel): number {
    return channel.id === null || !this.association
      ? 0
      : this.association.bufferedAmount(channel.id);
  }

  setLowThreshold(channel: DataChannel, bytes: number): void {
    if (channel.id !== null) this.association?.setBufferedAmountLowThreshold(channel.id, bytes);
  }

  closeChannel(channel: DataChannel): void {
    if (channel.id === null || this.association === undefined) {
      // Never reached the wire: it closes at once.
      this.forget(channel);
      dataChannelControl().setState(channel, 'closed');
      return;
    }
    this.startClosing(channel, false);
  }

  // From the association ----------------------------------------------------------------

  onMessage(streamId: number, ppid: number, data: Uint8Array): void {
    const endpoint = this.endpoint;
    if (!endpoint) return;
    const inbound = endpoint.receive(streamId, ppid, data);
    switch (inbound.kind) {
      case 'channel-open': {
        const p = parametersFromOpen(inbound.open);
        const channel = new DataChannel(this, {
          label: p.label,
          protocol: p.protocol,
          ordered: p.ordered,
          priority: p.priority,
          id: inbound.id,
          ...(p.maxRetransmits !== undefined ? { maxRetransmits: p.maxRetransmits } : {}),
          ...(p.maxPacketLifeTime !== undefined ? { maxPacketLifeTime: p.maxPacketLifeTime } : {}),
        });
        this.byId.set(inbound.id, channel);
        this.association?.send(inbound.id, Ppid.Dcep, inbound.reply, { ordered: true });
        dataChannelControl().setState(channel, 'open');
        this.onRemoteChannel(channel);
        return;
      }
      case 'channel-acked': {
        const opened = this.byId.get(inbound.id);
        if (opened) dataChannelControl().setState(opened, 'open');
        return;
      }
      case 'message': {
        const channel = this.byId.get(inbound.id);
        if (!channel) return;
        if (inbound.acked) dataChannelControl().setState(channel, 'open');
        if (channel.state === 'open')
          channel.handlers.onMessage?.(Buffer.from(inbound.payload), inbound.binary);
        return;
      }
      case 'reject':
        log('refusing data channel open on stream %d: %s', inbound.id, inbound.reason);
        this.association?.resetStreams([inbound.id]);
        return;
      case 'dropped':
        this.dropped++;
        log('dropped message on stream %d: %s', inbound.id, inbound.reason);
        return;
    }
  }

  onBufferedAmountLow(streamId: number): void {
    this.byId.get(streamId)?.handlers.onBufferedAmountLow?.();
  }

  onIncomingStreamsReset(streamIds: readonly number[]): void {
    for (const id of streamIds) {
      const channel = this.byId.get(id);
      if (!channel) {
        this.endpoint?.streamReset(id);
        continue;
      }
      const state = this.closing.get(channel);
      if (state) {
        state.incomingDone = true;
        this.finishIfDone(channel, state);
      } else {
        // The peer closed: reset our side too (RFC 8831 §6.7).
        this.startClosing(channel, true);
      }
    }
  }

  onOutgoingStreamsReset(streamIds: readonly number[], ok: boolean): void {
    for (const id of streamIds) {
      const channel = this.byId.get(id);
      const state = channel && this.closing.get(channel);
      if (!channel || !state) continue;
      if (!ok) {
        log('peer refused the reset of stream %d; closing the channel anyway', id);
      }
      state.outgoingDone = true;
      this.finishIfDone(channel, state);
    }
  }

  private startClosing(channel: DataChannel, incomingDone: boolean): void {
    const state: Closing = { outgoingDone: false, incomingDone };
    this.closing.set(channel, state);
    this.endpoint?.close(channel.id!);
    dataChannelControl().setState(channel, 'closing');
    this.association!.resetStreams([channel.id!]);
  }

  private finishIfDone(channel: DataChannel, state: Closing): void {
    if (!state.outgoingDone || !state.incomingDone) return;
    this.closing.delete(channel);
    this.forget(channel);
    dataChannelControl().setState(channel, 'closed');
  }

  private forget(channel: DataChannel): void {
    if (channel.id !== null && this.byId.get(channel.id) === channel) {
      this.byId.delete(channel.id);
      this.endpoint?.streamReset(channel.id);
    }
    const i = this.unassigned.indexOf(channel);
    if (i >= 0) this.unassigned.splice(i, 1);
  }

  private register(channel: DataChannel): void {
    const endpoint = this.endpoint!;
    try {
      const { id } = endpoint.open(
        {
          label: channel.label,
          protocol: channel.protocol,
          ordered: channel.ordered,
          priority: channel.priority,
          ...(channel.maxRetransmits !== null ? { maxRetransmits: channel.maxRetransmits } : {}),
          ...(channel.maxPacketLifeTime !== null
            ? { maxPacketLifeTime: channel.maxPacketLifeTime }
            : {}),
        },
        { negotiated: channel.negotiated, ...(channel.id !== null ? { id: channel.id } : {}) },
      );
      dataChannelControl().setId(channel, id);
      this.byId.set(id, channel);
      if (channel.bufferedAmountLowThreshold > 0)
        this.setLowThreshold(channel, channel.bufferedAmountLowThreshold);
    } catch (error) {
      if (error instanceof StreamIdError) {
        throw new OperationError((error as Error).message, { cause: error });
      }
      throw error;
    }
  }

  /** Sends DATA_CHANNEL_OPEN (or opens a negotiated channel at once). */
  private announce(channel: DataChannel): void {
    if (channel.state !== 'connecting' || channel.id === null) return;
    if (channel.negotiated) {
      if (channel.bufferedAmountLowThreshold > 0)
        this.setLowThreshold(channel, channel.bufferedAmountLowThreshold);
      dataChannelControl().setState(channel, 'open');
      return;
    }
    const record = this.endpoint!.channel(channel.id);
    if (!record) return;
    this.association!.send(channel.id, Ppid.Dcep, encodeDcepMessage(record.open), {
      ordered: true,
    });
  }
}
