/**
 * The relayed transport address as a socket (RFC 8656 §3.1): `send(data, port, address)`
 * reaches a peer through the server and peer datagrams arrive with the peer's address, so an
 * ICE agent can use it like any `UdpSocket` for a relay candidate.
 *
 * Permissions (§9): the first datagram to a peer IP installs one with CreatePermission;
 * datagrams wait (bounded) until it is installed, then go out. It is refreshed every
 * `permissionRefreshMs` (< 300 s, the permission lifetime, §9). A 403 is reported as a
 * candidate error and datagrams to that IP are dropped and counted.
 *
 * Channels (§12): once a permission exists, a ChannelBind is started for the peer's transport
 * address; until it succeeds data goes in Send indications (§11.2), afterwards in ChannelData
 * (§12.4), 4 bytes of overhead instead of 36. Bindings are refreshed every
 * `channelRefreshMs` (< 600 s, §12), which also refreshes the permission (§12.2).
 */
import { isIP } from 'node:net';
import {
  type Clock,
  InvalidAddressError,
  SocketClosedError,
  type SocketAddress,
  type Timer,
  type UdpSocket,
  type UdpSocketStats,
} from '@x/transport';
import { StunAttr, StunClass, StunMethod } from '../stun/constants.js';
import type { StunMessage } from '../stun/message.js';
import { StunWriter } from '../stun/writer.js';
import {
  channelDataNumber,
  channelDataPayload,
  encodeChannelData,
  MAX_CHANNEL,
  MIN_CHANNEL,
} from './channel-data.js';
import { TurnConfigError } from './errors.js';

/** What a relay socket needs from its client (implemented by {@link TurnClient}). */
export interface RelayHost {
  readonly clock: Clock;
  /** True over TCP/TLS (ChannelData padded, §12.5). */
  readonly stream: boolean;
  readonly closed: boolean;
  /** Runs an authenticated request (with 401/438 retries); resolves to the outcome. */
  request(method: number, build: (w: StunWriter) => void): Promise<RequestOutcome>;
  /** Sends a frame to the server. */
  sendFrame(frame: Uint8Array): boolean;
  /** Reports a failure of a permission or channel as a candidate error. */
  report(errorCode: number, errorText: string): void;
  /** Closes the allocation. */
  close(): Promise<void>;
}

/** The outcome of one TURN request. */
export type RequestOutcome =
  | { readonly kind: 'success'; readonly message: StunMessage }
  | {
      readonly kind: 'error';
      readonly code: number;
      readonly reason: string;
      /** The error answer (its own copy), when there was one. */
      readonly message?: StunMessage;
    }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'closed' };

/** Counters of a relay socket beyond those of `UdpSocketStats` (of `@x/transport`). */
export interface TurnRelayStats extends UdpSocketStats {
  /** Datagrams sent in Send indications (before a channel was bound). */
  readonly sendIndications: number;
  /** Datagrams sent as ChannelData. */
  readonly channelDataSent: number;
  /** Datagrams dropped: permission refused, queue full, or received malformed/unknown. */
  readonly dropped: number;
  /** Permissions currently installed. */
  readonly permissions: number;
  /** Channels currently bound. */
  readonly channels: number;
}

/** Options of the relay's timing (defaults per RFC 8656). */
export interface RelayTimings {
  /** Permission refresh period, ms. Default 240 000 (lifetime 300 s, §9). */
  readonly permissionRefreshMs?: number;
  /** Channel binding refresh period, ms. Default 300 000 (lifetime 600 s, §12). */
  readonly channelRefreshMs?: number;
}

const QUEUE_LIMIT = 64;

interface Permission {
  state: 'pending' | 'installed' | 'failed';
  queue: Array<{ data: Uint8Array; port: number; address: string }>;
  timer: Timer | undefined;
}

interface Channel {
  readonly number: number;
  readonly peer: SocketAddress;
  bound: boolean;
  timer: Timer | undefined;
}

/** A relayed transport address used as a UDP socket. See the file comment. */
export class TurnRelaySocket implements UdpSocket {
  private readonly permissions = new Map<string, Permission>();
  private readonly channelsByPeer = new Map<string, Channel>();
  private readonly channelsByNumber = new Map<number, Channel>();
  private nextChannel = MIN_CHANNEL;
  /** The bound channel used last (a one-entry cache in front of the maps). */
  private lastChannel: Channel | undefined;
  private readonly counters = {
    datagramsSent: 0,
    bytesSent: 0,
    datagramsReceived: 0,
    bytesReceived: 0,
    sendErrors: 0,
    sendIndications: 0,
    channelDataSent: 0,
    dropped: 0,
    permissions: 0,
    channels: 0,
  };
  private readonly permissionRefreshMs: number;
  private readonly channelRefreshMs: number;

  /** @internal built by `TurnClient.allocate`. */
  constructor(
    private readonly host: RelayHost,
    /** The relayed transport address (XOR-RELAYED-ADDRESS). */
    readonly localAddress: SocketAddress,
    private readonly onMessage: (data: Buffer, from: SocketAddress) => void,
    timings: RelayTimings,
  ) {
    this.permissionRefreshMs = timings.permissionRefreshMs ?? 240_000;
    this.channelRefreshMs = timings.channelRefreshMs ?? 300_000;
  }

  /** True once the allocation is closed or failed. */
  get closed(): boolean {
    return this.host.closed;
  }

  /** A snapshot of the counters. */
  get stats(): TurnRelayStats {
    return { ...this.counters };
  }

  /**
   * Installs a permission for `address` ahead of any send, so that the peer's datagrams are
   * let through (RFC 8656 §9). An ICE agent calls it for each remote candidate it learns.
   */
  addPermission(address: string): void {
    if (this.host.closed)
      throw new SocketClosedError('the TURN relay is closed; allocate a new one');
    if (isIP(address) === 0) throw new InvalidAddressError(address, 'not an IP literal');
    this.permission(address);
  }

  /**
   * Sends a datagram to `address:port` through the relay. It waits (up to 64 datagrams) for
   * the permission of a new peer IP; after a refused permission it is dropped and counted.
   * Throws `SocketClosedError` after close and `InvalidAddressError` for a non-IP address,
   * like any `UdpSocket`.
   */
  send(data: Uint8Array, port: number, address: string): void {
    if (this.host.closed)
      throw new SocketClosedError('the TURN relay is closed; allocate a new one');
    // Hot path: the same peer as last time over a bound channel (an ICE pair in use).
    const last = this.lastChannel;
    if (last !== undefined && last.peer.port === port && last.peer.address === address) {
      this.counters.channelDataSent++;
      this.count(data, this.host.sendFrame(encodeChannelData(last.number, data, this.host.stream)));
      return;
    }
    if (isIP(address) === 0) throw new InvalidAddressError(address, 'not an IP literal');
    const perm = this.permission(address);
    if (perm.state === 'installed') this.transmit(data, port, address);
    else if (perm.state === 'pending' && perm.queue.length < QUEUE_LIMIT) {
      perm.queue.push({ data, port, address });
    } else this.counters.dropped++;
  }

  /** Not possible through a relay: throws {@link TurnConfigError}. */
  addMembership(): void {
    throw new TurnConfigError('multicast is not possible through a TURN relay');
  }

  /** Not possible through a relay: throws {@link TurnConfigError}. */
  dropMembership(): void {
    throw new TurnConfigError('multicast is not possible through a TURN relay');
  }

  /** Deallocates (Refresh with LIFETIME 0) and closes the link to the server. */
  close(): Promise<void> {
    return this.host.close();
  }

  /** @internal a Data indication from the server (§11.4). */
  onDataIndication(msg: StunMessage): void {
    const peer = msg.getXorAddress(StunAttr.XorPeerAddress);
    const data = msg.get(StunAttr.Data);
    if (peer === undefined || data === undefined) {
      this.counters.dropped++;
      return;
    }
    this.deliver(data, peer);
  }

  /** @internal a ChannelData message from the server (§12.6). */
  onChannelData(frame: Buffer): void {
    const ch = this.channelsByNumber.get(channelDataNumber(frame));
    if (ch === undefined) {
      this.counters.dropped++;
      return;
    }
    this.deliver(channelDataPayload(frame), ch.peer);
  }

  /** @internal cancels every timer (the client is closing). */
  stop(): void {
    for (const p of this.permissions.values()) {
      p.timer?.cancel();
      p.queue.length = 0;
    }
    for (const c of this.channelsByPeer.values()) c.timer?.cancel();
  }

  private deliver(data: Buffer, from: SocketAddress): void {
    this.counters.datagramsReceived++;
    this.counters.bytesReceived += data.length;
    this.onMessage(data, from);
  }

  private permission(address: string): Permission {
    let p = this.permissions.get(address);
    if (p === undefined) {
      p = { state: 'pending', queue: [], timer: undefined };
      this.permissions.set(address, p);
      void this.createPermission(address, p);
    }
    return p;
  }

  // RFC 8656 §9.1: CreatePermission with one XOR-PEER-ADDRESS (the port is ignored).
  private async createPermission(address: string, p: Permission): Promise<void> {
    const out = await this.host.request(StunMethod.CreatePermission, (w) =>
      w.addXorAddress(StunAttr.XorPeerAddress, address, 0),
    );
    if (out.kind === 'closed' || this.host.closed) return;
    if (out.kind !== 'success') {
      if (p.state === 'installed') this.counters.permissions--;
      p.state = 'failed';
      if (this.lastChannel?.peer.address === address) this.lastChannel = undefined;
      this.counters.dropped += p.queue.length;
      p.queue.length = 0;
      if (out.kind === 'error') {
        // A refusal (403) stands: later datagrams to this IP are dropped and counted.
        this.host.report(out.code, `CreatePermission for ${address}: ${out.reason}`);
      } else {
        // No answer may be a passing outage: the next datagram or addPermission tries again.
        if (this.permissions.get(address) === p) this.permissions.delete(address);
        this.host.report(701, `CreatePermission for ${address}: no answer from the server`);
      }
      return;
    }
    if (p.state !== 'installed') this.counters.permissions++;
    p.state = 'installed';
    p.timer = this.host.clock.setTimeout(() => {
      p.timer = undefined;
      void this.createPermission(address, p);
    }, this.permissionRefreshMs);
    const queued = p.queue.splice(0);
    for (const q of queued) this.transmit(q.data, q.port, q.address);
  }

  private transmit(data: Uint8Array, port: number, address: string): void {
    const key = `${address}|${port}`;
    let ch = this.channelsByPeer.get(key);
    if (ch?.bound) {
      this.lastChannel = ch;
      this.counters.channelDataSent++;
      this.count(data, this.host.sendFrame(encodeChannelData(ch.number, data, this.host.stream)));
      return;
    }
    if (ch === undefined && this.nextChannel <= MAX_CHANNEL) {
      ch = {
        number: this.nextChannel++,
        peer: { address, port, family: isIP(address) === 6 ? 'IPv6' : 'IPv4' },
        bound: false,
        timer: undefined,
      };
      this.channelsByPeer.set(key, ch);
      // Registered now: the server may use the channel before our copy of the answer arrives.
      this.channelsByNumber.set(ch.number, ch);
      void this.bindChannel(ch);
    }
    // §11.2: a Send indication carries XOR-PEER-ADDRESS and DATA; it is not authenticated.
    const w = new StunWriter(StunMethod.Send, StunClass.Indication, undefined, data.length + 48);
    w.addXorAddress(StunAttr.XorPeerAddress, address, port).addBytes(StunAttr.Data, data);
    this.counters.sendIndications++;
    this.count(data, this.host.sendFrame(w.finish()));
  }

  private count(data: Uint8Array, ok: boolean): void {
    if (!ok) {
      this.counters.sendErrors++;
      return;
    }
    this.counters.datagramsSent++;
    this.counters.bytesSent += data.length;
  }

  // RFC 8656 §12.1: ChannelBind with CHANNEL-NUMBER and XOR-PEER-ADDRESS.
  private async bindChannel(ch: Channel): Promise<void> {
    const out = await this.host.request(StunMethod.ChannelBind, (w) => {
      const v = Buffer.alloc(4);
      v.writeUInt16BE(ch.number, 0);
      w.addBytes(StunAttr.ChannelNumber, v).addXorAddress(
        StunAttr.XorPeerAddress,
        ch.peer.address,
        ch.peer.port,
      );
    });
    if (out.kind === 'closed' || this.host.closed) return;
    if (out.kind !== 'success') {
      // Data keeps flowing in Send indications; the binding is not retried.
      if (ch.bound) this.counters.channels--;
      ch.bound = false;
      if (this.lastChannel === ch) this.lastChannel = undefined;
      if (out.kind === 'error') {
        this.host.report(
          out.code,
          `ChannelBind for ${ch.peer.address}:${ch.peer.port}: ${out.reason}`,
        );
      }
      return;
    }
    if (!ch.bound) this.counters.channels++;
    ch.bound = true;
    ch.timer = this.host.clock.setTimeout(() => {
      ch.timer = undefined;
      void this.bindChannel(ch);
    }, this.channelRefreshMs);
  }
}
