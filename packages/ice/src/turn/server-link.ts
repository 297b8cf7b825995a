/**
 * The 5-tuple between the client and its TURN server (RFC 8656 §3.1): a UDP socket, or a TCP
 * or TLS connection whose bytes are split into STUN and ChannelData messages (§12.5). One
 * link per allocation: the allocation is identified by this 5-tuple on the server.
 */
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { Net, SocketAddress, TcpSocket, UdpSocket } from '@x/transport';
import { StreamFramer } from './stream-framer.js';

/** Options of {@link openServerLink}. */
export interface ServerLinkOptions {
  readonly net: Net;
  readonly transport: 'udp' | 'tcp' | 'tls';
  /** The server's IP address (already resolved). */
  readonly address: string;
  readonly port: number;
  /** Host name for TLS certificate checks (the URI's host). */
  readonly host: string;
  /** Local address to bind or connect from. */
  readonly localAddress?: string;
  /** Extra TLS options (`ca`, `rejectUnauthorized`...). */
  readonly tls?: ConnectionOptions;
  readonly signal?: AbortSignal;
  /** Called with every message from the server (a view valid until it returns). */
  readonly onFrame: (frame: Buffer) => void;
  /** Called once when the link ends without {@link ServerLink.close} (stream closed, desync). */
  readonly onLost: (reason: string) => void;
}

/** An open link to the TURN server. */
export interface ServerLink {
  /** True for TCP and TLS: no retransmissions, ChannelData padded (§12.5). */
  readonly stream: boolean;
  readonly localAddress: SocketAddress;
  /** Sends one message to the server. False when the link is closed. */
  send(frame: Uint8Array): boolean;
  /** Datagrams from other sources than the server (dropped). */
  readonly strangers: number;
  close(): Promise<void>;
}

class UdpLink implements ServerLink {
  readonly stream = false;
  strangers = 0;
  socket!: UdpSocket;
  constructor(private readonly o: ServerLinkOptions) {}
  get localAddress(): SocketAddress {
    return this.socket.localAddress;
  }
  async open(): Promise<void> {
    const family = isIP(this.o.address) === 6 ? 'IPv6' : 'IPv4';
    this.socket = await this.o.net.bindUdp({
      ...(this.o.localAddress !== undefined ? { address: this.o.localAddress } : { family }),
      onMessage: (data, from) => {
        // RFC 8656 §3.1: only the server's transport address speaks on this 5-tuple.
        if (from.port !== this.o.port || from.address !== this.o.address) {
          this.strangers++;
          return;
        }
        this.o.onFrame(data);
      },
    });
  }
  send(frame: Uint8Array): boolean {
    if (this.socket.closed) return false;
    this.socket.send(frame, this.o.port, this.o.address);
    return true;
  }
  close(): Promise<void> {
    return this.socket.close();
  }
}

class StreamLink implements ServerLink {
  readonly stream = true;
  readonly strangers = 0;
  socket!: TcpSocket;
  private closing = false;
  private readonly framer: StreamFramer;
  constructor(private readonly o: ServerLinkOptions) {
    this.framer = new StreamFramer(o.onFrame, () => {
      if (this.closing) return;
      this.closing = true;
      void this.socket.close();
      o.onLost('the server sent bytes that are neither STUN nor ChannelData');
    });
  }
  get localAddress(): SocketAddress {
    return this.socket.localAddress;
  }
  async open(): Promise<void> {
    const o = this.o;
    const tls: ConnectionOptions | undefined =
      o.transport === 'tls'
        ? // SNI carries host names only (RFC 6066 §3): none for an IP literal.
          { servername: isIP(o.host) === 0 ? o.host : '', ...o.tls }
        : undefined;
    this.socket = await o.net.connectTcp(
      {
        host: o.address,
        port: o.port,
        ...(o.localAddress !== undefined ? { localAddress: o.localAddress } : {}),
        ...(tls !== undefined ? { tls } : {}),
        ...(o.signal !== undefined ? { signal: o.signal } : {}),
      },
      {
        onData: (data) => this.framer.push(data),
        onClose: (error) => {
          if (this.closing) return;
          this.closing = true;
          o.onLost(
            error
              ? `connection to the server lost: ${error.message}`
              : 'the server closed the connection',
          );
        },
      },
    );
  }
  send(frame: Uint8Array): boolean {
    if (this.closing || this.socket.closed) return false;
    this.socket.write(frame);
    return true;
  }
  close(): Promise<void> {
    this.closing = true;
    return this.socket.close();
  }
}

/** Opens the link; rejects with the transport's error (BindError, ConnectError...). */
export async function openServerLink(options: ServerLinkOptions): Promise<ServerLink> {
  const link = options.transport === 'udp' ? new UdpLink(options) : new StreamLink(options);
  await link.open();
  return link;
}
