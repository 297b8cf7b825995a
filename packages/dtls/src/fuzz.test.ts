import { VirtualClock } from '@x/transport/testing';
import { expect, it } from 'vitest';
import { ParseError } from './errors.js';
import { readFragments } from './handshake-codec.js';
import {
  DtlsTransport,
  type DtlsTransportStats,
  DtlsTransportState,
  generateCertificate,
} from './index.js';
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeClientHello,
  decodeClientKeyExchange,
  decodeHelloVerifyRequest,
  decodeServerHello,
  decodeServerKeyExchange,
  decodeSigned,
} from './messages.js';

const certA = generateCertificate();
const certB = generateCertificate();

/** xorshift32: cheap and seeded. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

interface Party {
  t: DtlsTransport;
  out: Buffer[];
}

function party(role: 'client' | 'server', clock: VirtualClock): Party {
  const out: Buffer[] = [];
  const t = new DtlsTransport({
    role,
    clock,
    certificate: role === 'client' ? certA : certB,
    remoteFingerprints: [(role === 'client' ? certB : certA).fingerprint()],
    send: (d) => out.push(d),
    maxRetransmits: 0,
  });
  return { t, out };
}

/** Runs a handshake by hand, delivering each datagram through `filter`. */
function run(
  clock: VirtualClock,
  filter: (d: Buffer) => Buffer | undefined,
): { c: Party; s: Party; seen: Buffer[] } {
  const c = party('client', clock);
  const s = party('server', clock);
  const seen: Buffer[] = [];
  s.t.start();
  c.t.start();
  for (let rounds = 0; rounds < 20 && (c.out.length || s.out.length); rounds++) {
    for (const [from, to] of [
      [c, s],
      [s, c],
    ] as const) {
      for (const d of from.out.splice(0)) {
        seen.push(d);
        const m = filter(d);
        if (m) to.t.handleDatagram(m);
      }
    }
  }
  return { c, s, seen };
}

const errorsOf = (...ts: DtlsTransport[]): number =>
  ts.reduce((n, t) => n + (t.stats as DtlsTransportStats).internalErrors, 0);

it('a million mutated records and handshake messages never throw nor hit an internal error', () => {
  const clock = new VirtualClock();
  const next = rng(0xdecafbad);
  const mutate = (src: Buffer): Buffer => {
    const d = Buffer.from(src);
    const r = next();
    const n = 1 + (r & 3);
    for (let i = 0; i < n; i++) {
      const v = next();
      // Bias towards headers (record and handshake), where the parsers branch.
      const at = v & 1 ? (v >>> 1) % Math.min(d.length, 40) : (v >>> 1) % d.length;
      d[at] = v & 2 ? d[at]! ^ (1 << ((v >>> 8) & 7)) : (v >>> 16) & 0xff;
    }
    if ((r >>> 4) % 8 === 0) return d.subarray(0, (r >>> 8) % (d.length + 1));
    return d;
  };

  // 1. Whole handshakes with every datagram mutated at 30 %: every state meets bad input.
  let iterations = 0;
  const seeds: Buffer[] = [];
  for (let i = 0; i < 300; i++) {
    const { c, s, seen } = run(clock, (d) => {
      iterations++;
      return next() % 10 < 3 ? mutate(d) : d;
    });
    if (i === 0) seeds.push(...seen);
    expect(errorsOf(c.t, s.t)).toBe(0);
    c.t.close();
    s.t.close();
  }

  // 2. Mutated records against a connected pair and a stateless server, in bulk.
  const { c, s, seen } = run(clock, (d) => d);
  expect(c.t.state).toBe(DtlsTransportState.Connected);
  seeds.push(...seen);
  c.t.send(Buffer.alloc(100, 7));
  seeds.push(c.out.pop()!);
  const fresh = party('server', clock);
  fresh.t.start();
  const targets = [c.t, s.t, fresh.t];
  const total = 1_000_000;
  for (; iterations < total; iterations++) {
    const seed = seeds[next() % seeds.length]!;
    const target = targets[next() % 3]!;
    target.handleDatagram(mutate(seed));
    c.out.length = 0;
    s.out.length = 0;
    fresh.out.length = 0;
    if (target.state !== DtlsTransportState.Connected && target !== fresh.t) {
      // A forged alert closed it: that is allowed; keep fuzzing the others.
      targets[targets.indexOf(target)] = fresh.t;
    }
  }
  expect(errorsOf(c.t, s.t, fresh.t)).toBe(0);
  expect(iterations).toBeGreaterThanOrEqual(total);
  c.t.close();
  s.t.close();
  fresh.t.close();

  // 3. The message decoders: only ParseError, never anything else.
  const bodies = seeds
    .filter((d) => d[0] === 22 && d.readUInt16BE(3) === 0)
    .flatMap((d) => {
      try {
        return readFragments(d.subarray(13, 13 + d.readUInt16BE(11))).map((f) =>
          Buffer.from(f.data),
        );
      } catch {
        return [];
      }
    });
  const decoders = [
    decodeClientHello,
    decodeServerHello,
    decodeHelloVerifyRequest,
    decodeCertificate,
    decodeServerKeyExchange,
    decodeCertificateRequest,
    decodeClientKeyExchange,
    decodeSigned,
  ];
  for (let i = 0; i < 200_000; i++) {
    const body = mutate(bodies[next() % bodies.length]!);
    try {
      decoders[next() % decoders.length]!(body);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
    }
  }
  expect(clock.pendingTimers).toBe(0);
}, 60_000);
