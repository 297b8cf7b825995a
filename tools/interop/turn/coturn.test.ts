// The TURN client of @x/ice against a real coturn on 127.0.0.1 (RFC 8656 over UDP, TCP and
// TLS). coturn is started by the tests with its own log/pid/db files and stopped by pid.
// Imported by path until @x/ice's index exports the TURN client (the ICE agent's owner adds it).
import { type TurnCandidateError, TurnClient, type TurnClientOptions, TurnState } from '@x/ice';
import type { SocketAddress } from '@x/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Coturn, startCoturn } from './coturn.mjs';

let server: Coturn;
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  server = await startCoturn({ tls: true });
}, 20_000);
afterAll(async () => {
  await server?.stop();
});

interface Peer {
  readonly c: TurnClient;
  readonly got: Array<{ data: string; from: SocketAddress }>;
  readonly errors: TurnCandidateError[];
}

function peer(url: string, extra: Partial<TurnClientOptions> = {}): Peer {
  const got: Peer['got'] = [];
  const errors: TurnCandidateError[] = [];
  const c = new TurnClient({
    url,
    username: server.username,
    credential: server.password,
    localAddress: '127.0.0.1',
    onMessage: (data, from) => got.push({ data: data.toString(), from: { ...from } }),
    onError: (e) => errors.push(e),
    ...extra,
  });
  return { c, got, errors };
}

async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The coturn session id of the allocation with this relay port ("Local relay addr" then "new"). */
function sessionOf(log: string, relayPort: number): string {
  const lines = log.split('\n');
  const at = lines.findIndex((l) => l.includes(`Local relay addr: 127.0.0.1:${relayPort}`));
  for (const l of lines.slice(at + 1)) {
    const m = /session (\d+): new, realm/.exec(l);
    if (m) return m[1]!;
  }
  throw new Error(`no coturn session for relay port ${relayPort}`);
}

const urls = () => ({
  udp: `turn:127.0.0.1:${server.port}`,
  tcp: `turn:127.0.0.1:${server.port}?transport=tcp`,
  tls: `turns:127.0.0.1:${server.tlsPort}`,
});

describe('TURN client against coturn', () => {
  it.each(['udp', 'tcp', 'tls'] as const)(
    'two relays over %s exchange data both ways (Send indications, then channels), close deallocates',
    async (kind) => {
      const url = urls()[kind];
      const tls = kind === 'tls' ? { tls: { ca: server.cert! } } : {};
      const A = peer(url, tls);
      const B = peer(url, tls);
      const [ra, rb] = await Promise.all([A.c.allocate(), B.c.allocate()]);
      if (!ra.ok || !rb.ok) throw new Error(`allocation failed: ${JSON.stringify([ra, rb])}`);
      expect(ra.relayedAddress.address).toBe('127.0.0.1');
      expect(ra.mappedAddress).toEqual({ ...ra.localAddress });
      rb.socket.addPermission('127.0.0.1');
      ra.socket.addPermission('127.0.0.1');
      await until(
        () => ra.socket.stats.permissions === 1 && rb.socket.stats.permissions === 1,
        'permissions',
      );
      const to = (r: typeof rb) => [r.relayedAddress.port, r.relayedAddress.address] as const;
      ra.socket.send(Buffer.from('a0'), ...to(rb));
      rb.socket.send(Buffer.from('b0'), ...to(ra));
      await until(() => A.got.length === 1 && B.got.length === 1, 'first datagrams');
      await until(
        () => ra.socket.stats.channels === 1 && rb.socket.stats.channels === 1,
        'channels',
      );
      for (let i = 1; i <= 100; i++) {
        ra.socket.send(Buffer.from(`a${i}`), ...to(rb));
        rb.socket.send(Buffer.from(`b${i}`), ...to(ra));
      }
      await until(() => A.got.length >= 95 && B.got.length >= 95, 'channel data');
      expect(B.got[0]).toEqual({ data: 'a0', from: ra.relayedAddress });
      expect(A.got[0]).toEqual({ data: 'b0', from: rb.relayedAddress });
      expect(ra.socket.stats.sendIndications).toBe(1);
      expect(ra.socket.stats.channelDataSent).toBe(100);
      if (kind !== 'udp') {
        // A stream loses nothing and keeps order.
        expect(B.got.map((g) => g.data)).toEqual(Array.from({ length: 101 }, (_, i) => `a${i}`));
      }
      expect(A.errors).toEqual([]);
      await Promise.all([A.c.close(), B.c.close()]);
      expect(A.c.state).toBe(TurnState.Closed);
      // coturn logs each deallocation as a refresh of its session to lifetime 0.
      for (const r of [ra, rb]) {
        const session = sessionOf(server.log(), r.relayedAddress.port);
        await until(
          () =>
            server
              .log()
              .includes(
                `session ${session}: refreshed, realm=<x.test>, username=<alice>, lifetime=0`,
              ),
          'deallocation in the coturn log',
        );
      }
    },
    20_000,
  );

  it('wrong password: a 401 candidate error and no relay', async () => {
    const A = peer(urls().udp, { credential: 'wrong' });
    const r = await A.c.allocate();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ url: urls().udp, errorCode: 401, address: '127.0.0.1' });
    expect(A.c.socket).toBeUndefined();
    expect(A.c.state).toBe(TurnState.Failed);
    await A.c.close();
  });

  it('refreshes an allocation that coturn grants for 3 s only, and the relay keeps working', async () => {
    const short = await startCoturn({ maxLifetimeSec: 3 });
    try {
      const url = `turn:127.0.0.1:${short.port}`;
      const opts = { username: short.username, credential: short.password };
      const A = peer(url, opts);
      const B = peer(url, opts);
      closers.push(
        () => A.c.close(),
        () => B.c.close(),
      );
      const [ra, rb] = await Promise.all([A.c.allocate(), B.c.allocate()]);
      if (!ra.ok || !rb.ok) throw new Error('allocation failed');
      expect(ra.lifetimeSec).toBe(3);
      rb.socket.addPermission('127.0.0.1');
      await new Promise((r) => setTimeout(r, 5000)); // past the 3 s first granted
      ra.socket.send(Buffer.from('late'), rb.relayedAddress.port, '127.0.0.1');
      await until(() => B.got.length === 1, 'data after 5 s');
      const session = sessionOf(short.log(), ra.relayedAddress.port);
      const refreshes = short.log().split(`session ${session}: refreshed`).length - 1;
      // The refresh went out at half the lifetime (1.5 s); coturn's answer grants more.
      expect(refreshes).toBeGreaterThanOrEqual(1);
      expect(A.errors).toEqual([]);
      await Promise.all([A.c.close(), B.c.close()]);
    } finally {
      for (const c of closers.splice(0)) await c();
      await short.stop();
    }
  }, 20_000);

  it('TLS with a certificate the client does not trust: 701, no relay', async () => {
    const A = peer(urls().tls);
    const r = await A.c.allocate();
    expect(r).toMatchObject({ ok: false, error: { errorCode: 701, url: urls().tls } });
    await A.c.close();
  });
});
