/**
 * @internal What lets node:tls run over a virtual TCP connection: the connection as a Node
 * stream, the TLS session seen as a `TcpSocket`, and a socket that queues writes until its
 * connection is made.
 */
import { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { SocketAddress } from '../address.js';
import { SocketClosedError } from '../errors.js';
import type { TcpHandlers, TcpSocket } from '../net.js';

/** Wraps a connection in a Node stream, so that node:tls can run over it. */
export function toDuplex(connect: (handlers: TcpHandlers) => TcpSocket): {
  duplex: Duplex;
  raw: () => TcpSocket;
} {
  let socket: TcpSocket | undefined;
  const duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      try {
        socket?.write(chunk);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    final(callback) {
      void socket?.close();
      callback();
    },
    destroy(error, callback) {
      void socket?.close();
      callback(error);
    },
  });
  socket = connect({
    onData: (data) => duplex.push(data),
    onClose: () => duplex.push(null),
  });
  return { duplex, raw: () => socket! };
}

/** A TLS session over a virtual connection, seen as a TcpSocket. */
export class TlsOverVirtual implements TcpSocket {
  closed = false;
  constructor(
    private readonly tls: TLSSocket,
    readonly localAddress: SocketAddress,
    readonly remoteAddress: SocketAddress,
    handlers: TcpHandlers,
  ) {
    let lastError: Error | undefined;
    tls.on('data', (data: Buffer) => handlers.onData(data));
    tls.on('error', (error) => {
      lastError = error;
    });
    tls.once('close', () => {
      this.closed = true;
      handlers.onClose(lastError);
    });
  }

  write(data: Uint8Array): void {
    if (this.closed || this.tls.destroyed) throw new SocketClosedError('TLS connection is closed');
    this.tls.write(data);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.tls.once('close', () => resolve());
      this.tls.destroy();
    });
  }
}

/** A socket whose connection is still being made (for the TLS wrapper). */
export class LazySocket implements TcpSocket {
  private socket: TcpSocket | undefined;
  private readonly queue: Uint8Array[] = [];
  readonly ready: Promise<TcpSocket>;
  closed = false;

  constructor(pending: Promise<TcpSocket>) {
    this.ready = pending.then((socket) => {
      this.socket = socket;
      for (const data of this.queue.splice(0)) socket.write(data);
      if (this.closed) void socket.close();
      return socket;
    });
    this.ready.catch(() => {});
  }

  get localAddress(): SocketAddress {
    return this.socket?.localAddress ?? { address: '0.0.0.0', port: 0, family: 'IPv4' };
  }

  get remoteAddress(): SocketAddress {
    return this.socket?.remoteAddress ?? { address: '0.0.0.0', port: 0, family: 'IPv4' };
  }

  write(data: Uint8Array): void {
    if (this.socket) this.socket.write(data);
    else this.queue.push(Buffer.from(data));
  }

  close(): Promise<void> {
    this.closed = true;
    return this.socket ? this.socket.close() : Promise.resolve();
  }
}
