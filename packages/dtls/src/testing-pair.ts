/**
 * Test helper: a client and a server DtlsTransport joined by an in-memory pipe on a
 * VirtualClock (loss, reordering, duplication, tampering), closed after each test.
 */
import type { Timer } from '@x/transport';
import { seededDraws, VirtualClock } from '@x/transport/testing';
import { afterEach } from 'vitest';
import {
  type DtlsCertificate,
  type DtlsStateChange,
  DtlsTransport,
  type DtlsTransportOptions,
  DtlsTransportState,
  generateCertificate,
} from './index.js';

export const certA = generateCertificate({ commonName: 'a' });
export const certB = generateCertificate({ commonName: 'b' });

/** A seeded PRNG in [0, 1) (the virtual network's), so that every lossy run is reproducible. */
export const prng = seededDraws;

export interface LinkOptions {
  loss?: number;
  duplicate?: number;
  /** Delay is 1 ms plus up to this many ms at random: datagrams overtake each other. */
  jitterMs?: number;
}

/** An in-memory datagram pipe on the virtual clock: loss, reordering, duplication. */
export class Pipe {
  private readonly timers = new Set<Timer>();
  delivered = 0;
  dropped = 0;
  /** Transforms or drops (undefined) a datagram on its way; for tampering tests. */
  tamper: ((d: Buffer, toB: boolean) => Buffer | undefined) | undefined;

  constructor(
    private readonly clock: VirtualClock,
    private readonly random: () => number,
    private readonly link: LinkOptions = {},
  ) {}

  send(datagram: Buffer, to: () => DtlsTransport, toB: boolean): void {
    const copies = this.random() < (this.link.duplicate ?? 0) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      if (this.random() < (this.link.loss ?? 0)) {
        this.dropped++;
        continue;
      }
      const delay = 1 + this.random() * (this.link.jitterMs ?? 0);
      const t = this.clock.setTimeout(() => {
        this.timers.delete(t);
        const d = this.tamper ? this.tamper(Buffer.from(datagram), toB) : datagram;
        if (!d) return;
        this.delivered++;
        to().handleDatagram(d);
      }, delay);
      this.timers.add(t);
    }
  }

  close(): void {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
  }
}

export interface Pair {
  clock: VirtualClock;
  pipe: Pipe;
  client: DtlsTransport;
  server: DtlsTransport;
  clientStates: DtlsStateChange[];
  serverStates: DtlsStateChange[];
  clientData: Buffer[];
  serverData: Buffer[];
  close(): void;
}

const open: Pair[] = [];
afterEach(() => {
  for (const p of open.splice(0)) p.close();
});

export function pair(
  opts: {
    seed?: number;
    link?: LinkOptions;
    client?: Partial<DtlsTransportOptions>;
    server?: Partial<DtlsTransportOptions>;
    clientCert?: DtlsCertificate;
    serverCert?: DtlsCertificate;
  } = {},
): Pair {
  const clock = new VirtualClock();
  const pipe = new Pipe(clock, prng(opts.seed ?? 1), opts.link);
  const clientCert = opts.clientCert ?? certA;
  const serverCert = opts.serverCert ?? certB;
  const p: Partial<Pair> = {
    clock,
    pipe,
    clientStates: [],
    serverStates: [],
    clientData: [],
    serverData: [],
  };
  p.client = new DtlsTransport(
    {
      role: 'client',
      certificate: clientCert,
      remoteFingerprints: [serverCert.fingerprint()],
      clock,
      send: (d) => pipe.send(d, () => p.server!, true),
      onData: (d) => p.clientData!.push(d),
      ...opts.client,
    },
    (c) => p.clientStates!.push(c),
  );
  p.server = new DtlsTransport(
    {
      role: 'server',
      certificate: serverCert,
      remoteFingerprints: [clientCert.fingerprint()],
      clock,
      send: (d) => pipe.send(d, () => p.client!, false),
      onData: (d) => p.serverData!.push(d),
      ...opts.server,
    },
    (c) => p.serverStates!.push(c),
  );
  p.close = () => {
    p.client!.close();
    p.server!.close();
    pipe.close();
  };
  open.push(p as Pair);
  return p as Pair;
}

export const settled = (t: DtlsTransport): boolean =>
  t.state !== DtlsTransportState.New && t.state !== DtlsTransportState.Connecting;

export async function handshake(p: Pair, timeoutMs = 60_000): Promise<void> {
  p.server.start();
  p.client.start();
  await p.clock.runUntil(() => settled(p.client) && settled(p.server), { timeoutMs });
}

/** Records every datagram each way (it is still delivered): to the server, to the client. */
export function captureWire(p: Pair): { toServer: Buffer[]; toClient: Buffer[] } {
  const toServer: Buffer[] = [];
  const toClient: Buffer[] = [];
  p.pipe.tamper = (d, toB) => {
    (toB ? toServer : toClient).push(d);
    return d;
  };
  return { toServer, toClient };
}
