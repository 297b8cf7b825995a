/** Shared plumbing of the DTLS interop tests: UDP sockets, waiting, child process output. */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { type DtlsStateChange, DtlsTransport, type DtlsTransportOptions } from '@x/dtls';

/** Resolves once `pred()` holds, polling every 5 ms; rejects after `ms`. */
export function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = (): void => {
      if (pred()) resolve();
      else if (Date.now() - start > ms) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

/** A UDP socket bound to 127.0.0.1 on a free port. */
export async function udp(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return s;
}

export function closeSocket(s: Socket): Promise<void> {
  return new Promise((r) => s.close(() => r()));
}

/** Ends a child process (SIGTERM) and waits for it. */
export function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

/** Collects a child's output; `wait(text)` resolves when it appears. */
export class Output {
  text = '';
  private waiters: Array<{ text: string; resolve: () => void }> = [];

  constructor(child: ChildProcessWithoutNullStreams) {
    const on = (chunk: Buffer): void => {
      this.text += chunk.toString('latin1');
      const pending = this.waiters;
      this.waiters = [];
      for (const w of pending) {
        if (this.text.includes(w.text)) w.resolve();
        else this.waiters.push(w);
      }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
  }

  wait(text: string, ms = 5000): Promise<void> {
    if (this.text.includes(text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`timed out waiting for ${JSON.stringify(text)}; output:\n${this.text}`)),
        ms,
      );
      this.waiters.push({
        text,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

/** An @x/dtls endpoint on its own UDP socket; a server answers whoever writes first. */
export interface UdpEndpoint {
  readonly transport: DtlsTransport;
  readonly socket: Socket;
  readonly port: number;
  readonly received: string[];
  readonly states: DtlsStateChange[];
  close(): Promise<void>;
}

export async function udpEndpoint(
  options: Omit<DtlsTransportOptions, 'send' | 'onData'>,
  remotePort?: number,
): Promise<UdpEndpoint> {
  const socket = await udp();
  let peer: { port: number; address: string } | undefined =
    remotePort === undefined ? undefined : { port: remotePort, address: '127.0.0.1' };
  const received: string[] = [];
  const states: DtlsStateChange[] = [];
  const transport = new DtlsTransport(
    {
      ...options,
      send: (d) => peer && socket.send(d, peer.port, peer.address),
      onData: (d) => received.push(d.toString()),
    },
    (c) => states.push(c),
  );
  socket.on('message', (m, rinfo) => {
    peer ??= rinfo;
    transport.handleDatagram(m);
  });
  return {
    transport,
    socket,
    port: socket.address().port,
    received,
    states,
    close: async () => {
      transport.close();
      await closeSocket(socket);
    },
  };
}
