/**
 * A small TURN server (RFC 8656) for tests only: UDP and TCP listeners on any `Net`, long-term
 * credentials with nonces that can be made stale on demand, optional PASSWORD-ALGORITHMS
 * (RFC 8489 §14.11), lifetimes on the injected clock, permissions, channels, Send/Data
 * indications, ChannelData, a quota and forbidden peers. It is not a production server: it
 * trusts its tests, and keeps counters for them to assert on.
 */
import type {
  Clock,
  Net,
  SocketAddress,
  TcpServer,
  TcpSocket,
  Timer,
  UdpSocket,
} from '@x/transport';
import { StunAttr, StunClass, StunMethod } from '../stun/constants.js';
import { decodeStun, type StunMessage } from '../stun/message.js';
import { verifyIntegrity } from '../stun/integrity.js';
import { type FinishOptions, StunWriter } from '../stun/writer.js';
import { longTermKeyFor, PasswordAlgorithm, parsePasswordAlgorithms } from './auth.js';
import {
  channelDataNumber,
  channelDataPayload,
  encodeChannelData,
  isChannelData,
} from './channel-data.js';
import { StreamFramer } from './stream-framer.js';

/** Options of {@link TestTurnServer}. */
export interface TestTurnServerOptions {
  readonly net: Net;
  readonly clock: Clock;
  /** The server's address on `net`. */
  readonly address: string;
  /** An IPv6 address on `net` for IPv6 relays (REQUESTED-ADDRESS-FAMILY); none: 440. */
  readonly address6?: string;
  readonly port?: number;
  readonly realm?: string;
  /** username → password. */
  readonly users: Record<string, string>;
  /** Default and maximum allocation lifetime, seconds. Default 600. */
  readonly lifetimeSec?: number;
  /** Permission lifetime, seconds (§9: 300). */
  readonly permissionLifetimeSec?: number;
  /** Allocations allowed in total before 486. Default unlimited. */
  readonly quota?: number;
  /** Peer IPs whose CreatePermission gets 403. */
  readonly forbiddenPeers?: readonly string[];
  /** Offer PASSWORD-ALGORITHMS SHA-256 then MD5 in 401s (an RFC 8489 server). */
  readonly sha256?: boolean;
  /** Answer Allocate with 300 (Try Alternate) naming this server (RFC 8656 §7.2). */
  readonly alternate?: { readonly address: string; readonly port: number };
  /** Listen on TCP too (same port). */
  readonly tcp?: boolean;
}

interface Allocation {
  readonly key: string;
  readonly relay: UdpSocket;
  readonly reply: (frame: Uint8Array) => void;
  readonly stream: boolean;
  readonly username: string;
  /** The transaction that created it and the success answer (for retransmissions, §7.2). */
  readonly transactionKey: string;
  expires: number;
  timer: Timer;
  readonly permissions: Map<string, number>;
  readonly channels: Map<number, SocketAddress>;
  readonly channelOf: Map<string, number>;
}

/** An authenticated request of a client (its 5-tuple key) and the ways to answer it. */
interface Request {
  readonly msg: StunMessage;
  readonly key: string;
  readonly from: SocketAddress;
  readonly reply: (frame: Uint8Array) => void;
  readonly stream: boolean;
  readonly username: string;
  /** Sends the success response that `build` fills in. */
  readonly answer: (build: (w: StunWriter) => void) => undefined;
  /** Sends an error response. */
  readonly fail: (code: number, reason: string) => undefined;
}

/** A TURN server for tests. */
export class TestTurnServer {
  private udp: UdpSocket | undefined;
  private tcp: TcpServer | undefined;
  private readonly conns = new Set<TcpSocket>();
  private readonly allocations = new Map<string, Allocation>();
  private nonceCounter = 0;
  private nonce = 'n0';
  /** Counters, for assertions. */
  readonly counts = {
    allocates: 0,
    refreshes: 0,
    deallocations: 0,
    expired: 0,
    permissions: 0,
    channelBinds: 0,
    sendIndications: 0,
    channelData: 0,
    unauthorized: 0,
    stale: 0,
    /** Requests by method number. */
    byMethod: new Map<number, number>(),
  };

  constructor(private readonly o: TestTurnServerOptions) {}

  get realm(): string {
    return this.o.realm ?? 'test.realm';
  }

  /** Allocations alive. */
  get allocationCount(): number {
    return this.allocations.size;
  }

  /** The UDP listening address. */
  get address(): SocketAddress {
    return this.udp!.localAddress;
  }

  async start(): Promise<this> {
    this.udp = await this.o.net.bindUdp({
      address: this.o.address,
      port: this.o.port ?? 3478,
      onMessage: (data, from) => {
        const key = `udp|${from.address}|${from.port}`;
        this.onFrame(
          Buffer.from(data),
          key,
          from,
          (f) => this.udp!.send(f, from.port, from.address),
          false,
        );
      },
    });
    if (this.o.tcp) {
      this.tcp = await this.o.net.listenTcp({
        address: this.o.address,
        port: this.udp.localAddress.port,
        onConnection: (socket) => {
          this.conns.add(socket);
          const from = socket.remoteAddress;
          const key = `tcp|${from.address}|${from.port}`;
          const framer = new StreamFramer(
            (f) =>
              this.onFrame(
                Buffer.from(f),
                key,
                from,
                (out) => !socket.closed && socket.write(out),
                true,
              ),
            () => void socket.close(),
          );
          return {
            onData: (d) => framer.push(d),
            onClose: () => {
              this.conns.delete(socket);
              // RFC 8656 §3.1: a TCP allocation dies with its connection.
              const a = this.allocations.get(key);
              if (a !== undefined) void this.free(a);
            },
          };
        },
      });
    }
    return this;
  }

  /** Sends raw bytes from the server's UDP port (to test what clients do with garbage). */
  inject(to: SocketAddress, data: Uint8Array): void {
    this.udp!.send(data, to.port, to.address);
  }

  /** Makes the current nonce stale: the next authenticated request gets 438. */
  rotateNonce(): void {
    this.nonce = `n${++this.nonceCounter}`;
  }

  async close(): Promise<void> {
    for (const a of [...this.allocations.values()]) await this.free(a);
    for (const c of [...this.conns]) await c.close();
    await this.tcp?.close();
    await this.udp?.close();
  }

  private async free(a: Allocation): Promise<void> {
    a.timer.cancel();
    this.allocations.delete(a.key);
    await a.relay.close();
  }

  private onFrame(
    frame: Buffer,
    key: string,
    from: SocketAddress,
    reply: (f: Uint8Array) => void,
    stream: boolean,
  ): void {
    const alloc = this.allocations.get(key);
    if (isChannelData(frame)) {
      const ch = channelDataNumber(frame);
      const peer = alloc?.channels.get(ch);
      if (alloc === undefined || peer === undefined || !this.permitted(alloc, peer.address)) return;
      this.counts.channelData++;
      alloc.relay.send(Buffer.from(channelDataPayload(frame)), peer.port, peer.address);
      return;
    }
    const msg = decodeStun(frame);
    if (msg === undefined) return;
    if (msg.cls === StunClass.Indication && msg.method === StunMethod.Send) {
      const peer = msg.getXorAddress(StunAttr.XorPeerAddress);
      const data = msg.get(StunAttr.Data);
      if (alloc === undefined || peer === undefined || data === undefined) return;
      if (!this.permitted(alloc, peer.address)) return;
      this.counts.sendIndications++;
      alloc.relay.send(Buffer.from(data), peer.port, peer.address);
      return;
    }
    if (msg.cls !== StunClass.Request) return;
    this.counts.byMethod.set(msg.method, (this.counts.byMethod.get(msg.method) ?? 0) + 1);
    const auth = this.authenticate(msg, reply);
    if (auth === undefined) return;
    this.dispatch(alloc, {
      msg,
      key,
      from,
      reply,
      stream,
      username: auth.username,
      answer: (build) => {
        const w = new StunWriter(msg.method, StunClass.SuccessResponse, msg.transactionId);
        build(w);
        reply(w.finish(auth.finish));
      },
      fail: (code, reason) => {
        const w = new StunWriter(msg.method, StunClass.ErrorResponse, msg.transactionId);
        reply(w.addErrorCode(code, reason).finish(auth.finish));
      },
    });
  }

  private dispatch(alloc: Allocation | undefined, req: Request): undefined {
    const { msg, answer, fail } = req;
    switch (msg.method) {
      case StunMethod.Allocate:
        void this.allocate(req);
        return;
      case StunMethod.Refresh: {
        if (alloc === undefined) return fail(437, 'Allocation Mismatch');
        const asked = msg.getUint32(StunAttr.Lifetime);
        if (asked === 0) {
          this.counts.deallocations++;
          void this.free(alloc);
          return answer((w) => w.addUint32(StunAttr.Lifetime, 0));
        }
        this.counts.refreshes++;
        const life = this.arm(alloc, asked);
        return answer((w) => w.addUint32(StunAttr.Lifetime, life));
      }
      case StunMethod.CreatePermission: {
        if (alloc === undefined) return fail(437, 'Allocation Mismatch');
        const peer = msg.getXorAddress(StunAttr.XorPeerAddress);
        if (peer === undefined) return fail(400, 'Bad Request');
        if (this.o.forbiddenPeers?.includes(peer.address)) return fail(403, 'Forbidden IP');
        this.counts.permissions++;
        alloc.permissions.set(peer.address, this.o.clock.now() + this.permissionMs());
        return answer(() => {});
      }
      case StunMethod.ChannelBind: {
        if (alloc === undefined) return fail(437, 'Allocation Mismatch');
        const peer = msg.getXorAddress(StunAttr.XorPeerAddress);
        const num = msg.get(StunAttr.ChannelNumber);
        if (peer === undefined || num === undefined || num.length !== 4)
          return fail(400, 'Bad Request');
        const ch = num.readUInt16BE(0);
        if (this.o.forbiddenPeers?.includes(peer.address)) return fail(403, 'Forbidden IP');
        this.counts.channelBinds++;
        alloc.channels.set(ch, peer);
        alloc.channelOf.set(`${peer.address}|${peer.port}`, ch);
        alloc.permissions.set(peer.address, this.o.clock.now() + this.permissionMs());
        return answer(() => {});
      }
      default:
        return fail(400, 'Bad Request');
    }
  }

  private permissionMs(): number {
    return (this.o.permissionLifetimeSec ?? 300) * 1000;
  }

  private permitted(a: Allocation, ip: string): boolean {
    const until = a.permissions.get(ip);
    return until !== undefined && until > this.o.clock.now();
  }

  // RFC 8489 §9.2.4: 401 with REALM and NONCE; 438 for a nonce that is no longer current.
  private authenticate(
    msg: StunMessage,
    reply: (f: Uint8Array) => void,
  ): { username: string; finish: FinishOptions } | undefined {
    const challenge = (code: number, reason: string): undefined => {
      const w = new StunWriter(msg.method, StunClass.ErrorResponse, msg.transactionId);
      w.addErrorCode(code, reason).addString(StunAttr.Realm, this.realm);
      w.addString(StunAttr.Nonce, this.o.sha256 ? `obMatJos2AAAB${this.nonce}` : this.nonce);
      if (this.o.sha256) {
        const algs = Buffer.alloc(8);
        algs.writeUInt16BE(PasswordAlgorithm.SHA256, 0);
        algs.writeUInt16BE(PasswordAlgorithm.MD5, 4);
        w.addBytes(StunAttr.PasswordAlgorithms, algs);
      }
      reply(w.finish({ fingerprint: true }));
      return undefined;
    };
    const username = msg.getString(StunAttr.Username);
    const nonce = msg.getString(StunAttr.Nonce);
    if (username === undefined || nonce === undefined) {
      this.counts.unauthorized++;
      return challenge(401, 'Unauthorized');
    }
    const password = this.o.users[username];
    let algorithm: number = PasswordAlgorithm.MD5;
    if (this.o.sha256) {
      const chosen = msg.get(StunAttr.PasswordAlgorithm);
      const list = msg.get(StunAttr.PasswordAlgorithms);
      if (
        chosen === undefined ||
        list === undefined ||
        parsePasswordAlgorithms(list) === undefined
      ) {
        this.counts.unauthorized++;
        return challenge(400, 'Bad Request');
      }
      algorithm = chosen.readUInt16BE(0);
    }
    const key =
      password === undefined
        ? undefined
        : longTermKeyFor(algorithm, username, this.realm, password);
    if (key === undefined || !verifyIntegrity(msg, key)) {
      this.counts.unauthorized++;
      return challenge(401, 'Unauthorized');
    }
    const expected = this.o.sha256 ? `obMatJos2AAAB${this.nonce}` : this.nonce;
    if (nonce !== expected) {
      this.counts.stale++;
      return challenge(438, 'Stale Nonce');
    }
    return {
      username,
      finish: this.o.sha256
        ? { integritySha256: key, fingerprint: true }
        : { integrity: key, fingerprint: true },
    };
  }

  private async allocate(req: Request): Promise<void> {
    const { msg, key, from, reply, stream, username, answer, fail } = req;
    const existing = this.allocations.get(key);
    if (existing !== undefined) {
      // RFC 8656 §7.2: a retransmitted Allocate (same transaction) gets the same success.
      if (existing.transactionKey === msg.transactionKey) {
        return answer((w) => this.describe(existing, from, w));
      }
      return fail(437, 'Allocation Mismatch');
    }
    if (this.o.alternate !== undefined) {
      const w = new StunWriter(msg.method, StunClass.ErrorResponse, msg.transactionId);
      w.addErrorCode(300, 'Try Alternate');
      w.addAddress(StunAttr.AlternateServer, this.o.alternate.address, this.o.alternate.port);
      reply(w.finish({ fingerprint: true }));
      return;
    }
    if (msg.getUint32(StunAttr.RequestedTransport) !== 17 << 24) {
      return fail(442, 'Unsupported Transport Protocol');
    }
    if (this.o.quota !== undefined && this.counts.allocates >= this.o.quota) {
      return fail(486, 'Allocation Quota Reached');
    }
    const family = msg.get(StunAttr.RequestedAddressFamily);
    const ipv6 = family !== undefined && family.length === 4 && family[0] === 0x02;
    if (ipv6 && this.o.address6 === undefined) {
      return fail(440, 'Address Family not Supported');
    }
    this.counts.allocates++;
    let alloc: Allocation;
    const relay = await this.o.net.bindUdp({
      address: ipv6 ? this.o.address6! : this.o.address,
      onMessage: (data, peer) => {
        if (!this.permitted(alloc, peer.address)) return;
        const ch = alloc.channelOf.get(`${peer.address}|${peer.port}`);
        if (ch !== undefined) {
          alloc.reply(encodeChannelData(ch, data, alloc.stream));
          return;
        }
        const w = new StunWriter(
          StunMethod.Data,
          StunClass.Indication,
          undefined,
          data.length + 48,
        );
        w.addXorAddress(StunAttr.XorPeerAddress, peer.address, peer.port).addBytes(
          StunAttr.Data,
          data,
        );
        alloc.reply(w.finish());
      },
    });
    alloc = {
      key,
      relay,
      reply,
      stream,
      username,
      transactionKey: msg.transactionKey,
      expires: 0,
      timer: { cancel() {} },
      permissions: new Map(),
      channels: new Map(),
      channelOf: new Map(),
    };
    this.allocations.set(key, alloc);
    this.arm(alloc, msg.getUint32(StunAttr.Lifetime));
    answer((w) => this.describe(alloc, from, w));
  }

  private describe(a: Allocation, from: SocketAddress, w: StunWriter): void {
    const relayed = a.relay.localAddress;
    w.addXorAddress(StunAttr.XorRelayedAddress, relayed.address, relayed.port);
    w.addXorAddress(StunAttr.XorMappedAddress, from.address, from.port);
    w.addUint32(
      StunAttr.Lifetime,
      Math.max(0, Math.round((a.expires - this.o.clock.now()) / 1000)),
    );
  }

  private arm(a: Allocation, asked: number | undefined): number {
    const max = this.o.lifetimeSec ?? 600;
    const life = Math.min(asked ?? max, max);
    a.timer.cancel();
    a.expires = this.o.clock.now() + life * 1000;
    a.timer = this.o.clock.setTimeout(() => {
      this.counts.expired++;
      void this.free(a);
    }, life * 1000);
    return life;
  }
}
