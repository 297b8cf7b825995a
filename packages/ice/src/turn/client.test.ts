import type { SocketAddress } from '@x/transport';
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { StunAttr, StunClass, StunMethod } from '../stun/constants.js';
import { StunWriter } from '../stun/writer.js';
import {
  type TurnAllocateResult,
  TurnClient,
  type TurnClientOptions,
  TurnState,
  type TurnCandidateError,
} from './index.js';
import { TestTurnServer, type TestTurnServerOptions } from './testing-server.js';

let world: VirtualNetwork | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await world?.close();
  world = undefined;
});

const SERVER_IP = '203.0.113.10';

async function setup(server: Partial<TestTurnServerOptions> = {}) {
  const clock = new VirtualClock();
  world = new VirtualNetwork({ clock, seed: 7 });
  const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
  const nat = {
    mapping: 'address-and-port-dependent',
    filtering: 'address-and-port-dependent',
    mappingTimeoutMs: 120_000,
    hairpinning: false,
  } as const;
  const lanA = world.addRouter({ name: 'lan-a', cidr: '192.168.1.0/24', parent: wan, nat });
  const lanB = world.addRouter({ name: 'lan-b', cidr: '192.168.2.0/24', parent: wan, nat });
  const a = world.addHost({ name: 'a', router: lanA });
  const b = world.addHost({ name: 'b', router: lanB });
  const s = world.addHost({ name: 'turn', router: wan, ip: SERVER_IP });
  const turn = await new TestTurnServer({
    net: s,
    clock,
    address: SERVER_IP,
    users: { alice: 'secret', bob: 'hunter2' },
    tcp: true,
    ...server,
  }).start();
  cleanups.push(() => drive(clock, turn.close()));
  return { clock, world, wan, a, b, s, turn };
}

/** Runs the virtual clock until `p` settles. */
async function drive<T>(clock: VirtualClock, p: Promise<T>, timeoutMs = 120_000): Promise<T> {
  let done = false;
  const q = p.finally(() => {
    done = true;
  });
  await clock.runUntil(() => done, { timeoutMs });
  return q;
}

interface Rx {
  readonly got: Array<{ data: string; from: SocketAddress }>;
  readonly errors: TurnCandidateError[];
  readonly states: TurnState[];
}

function client(
  clock: VirtualClock,
  net: TurnClientOptions['net'],
  extra: Partial<TurnClientOptions> = {},
): { c: TurnClient; rx: Rx } {
  const rx: Rx = { got: [], errors: [], states: [] };
  const c = new TurnClient(
    {
      url: `turn:${SERVER_IP}`,
      username: 'alice',
      credential: 'secret',
      net,
      clock,
      onMessage: (data, from) => rx.got.push({ data: data.toString(), from: { ...from } }),
      onError: (e) => rx.errors.push(e),
      ...extra,
    },
    (state) => rx.states.push(state),
  );
  cleanups.push(() => drive(clock, c.close()));
  return { c, rx };
}

function ok(r: TurnAllocateResult): Extract<TurnAllocateResult, { ok: true }> {
  if (!r.ok) throw new Error(`allocation failed: ${r.error.errorCode} ${r.error.errorText}`);
  return r;
}

describe('TurnClient on the virtual network', () => {
  it.each(['udp', 'tcp'] as const)(
    'two clients behind NATs allocate over %s and exchange data, Send indications then ChannelData',
    async (transport) => {
      const { clock, a, b, turn } = await setup();
      const url = `turn:${SERVER_IP}?transport=${transport}`;
      const A = client(clock, a, { url });
      const B = client(clock, b, { url, username: 'bob', credential: 'hunter2' });
      const ra = ok(await drive(clock, A.c.allocate()));
      const rb = ok(await drive(clock, B.c.allocate()));
      expect(ra.relayedAddress.address).toBe(SERVER_IP);
      expect(ra.mappedAddress?.address).toMatch(/^203\.0\.113\./); // A's NAT, not the server
      expect(ra.localAddress.port).toBeGreaterThan(0);
      expect(A.rx.states).toEqual([TurnState.Allocating, TurnState.Allocated]);
      expect(turn.counts.unauthorized).toBe(2); // one 401 challenge each

      // B lets A in; A sends: the first datagrams wait for A's permission, then go in Send
      // indications while the channel is being bound, then in ChannelData.
      rb.socket.addPermission(ra.relayedAddress.address);
      for (let i = 0; i < 3; i++) {
        ra.socket.send(Buffer.from(`a${i}`), rb.relayedAddress.port, rb.relayedAddress.address);
      }
      await clock.runUntil(() => B.rx.got.length === 3);
      expect(B.rx.got.map((g) => g.data)).toEqual(['a0', 'a1', 'a2']);
      expect(B.rx.got[0]!.from).toEqual(ra.relayedAddress);
      expect(turn.counts.sendIndications).toBe(3);
      await clock.advance(100);
      ra.socket.send(Buffer.from('a3'), rb.relayedAddress.port, rb.relayedAddress.address);
      rb.socket.send(Buffer.from('b0'), ra.relayedAddress.port, ra.relayedAddress.address);
      await clock.runUntil(() => B.rx.got.length === 4 && A.rx.got.length === 1);
      expect(turn.counts.channelData).toBe(1);
      await clock.advance(100);
      rb.socket.send(Buffer.from('b1'), ra.relayedAddress.port, ra.relayedAddress.address);
      await clock.runUntil(() => A.rx.got.length === 2);
      expect(A.rx.got.map((g) => g.data)).toEqual(['b0', 'b1']);
      expect(A.rx.got[1]!.from).toEqual(rb.relayedAddress);
      expect(ra.socket.stats).toMatchObject({
        datagramsSent: 4,
        sendIndications: 3,
        channelDataSent: 1,
        permissions: 1,
        channels: 1,
      });

      await drive(clock, Promise.all([A.c.close(), B.c.close()]));
      expect(turn.counts.deallocations).toBe(2);
      expect(turn.allocationCount).toBe(0);
      expect(A.rx.states.at(-1)).toBe(TurnState.Closed);
      expect(() => ra.socket.send(Buffer.from('x'), 1, SERVER_IP)).toThrow(/closed/);
    },
  );

  it('uses PASSWORD-ALGORITHMS SHA-256 and MESSAGE-INTEGRITY-SHA256 when the server offers them', async () => {
    const { clock, a, turn } = await setup({ sha256: true });
    const A = client(clock, a);
    ok(await drive(clock, A.c.allocate()));
    expect(turn.allocationCount).toBe(1);
  });

  it('wrong password: a 401 candidate error, no relay, nothing left open', async () => {
    const { clock, a, turn } = await setup();
    const A = client(clock, a, { credential: 'wrong' });
    const r = await drive(clock, A.c.allocate());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ url: `turn:${SERVER_IP}`, errorCode: 401 });
    expect(turn.allocationCount).toBe(0);
    expect(turn.counts.unauthorized).toBe(2); // the challenge and the one signed retry
    expect(A.rx.states).toEqual([TurnState.Allocating, TurnState.Failed]);
    expect(A.c.socket).toBeUndefined();
  });

  it('unreachable server: 701 after the RFC 8489 retransmissions (39.5 s), or at once over TCP', async () => {
    const { clock, a } = await setup();
    const A = client(clock, a, { url: 'turn:203.0.113.99' });
    const t0 = clock.now();
    const r = await drive(clock, A.c.allocate());
    expect(r).toMatchObject({ ok: false, error: { errorCode: 701 } });
    expect(clock.now() - t0).toBe(39_500);
    const B = client(clock, a, { url: 'turn:203.0.113.10:9?transport=tcp' });
    const r2 = await drive(clock, B.c.allocate());
    expect(r2).toMatchObject({
      ok: false,
      error: { errorCode: 701, url: 'turn:203.0.113.10:9?transport=tcp' },
    });
  });

  it('300 Try Alternate: allocates on the ALTERNATE-SERVER instead', async () => {
    const { clock, world, wan, a, turn } = await setup({
      alternate: { address: '203.0.113.11', port: 3478 },
    });
    const host2 = world.addHost({ name: 'turn2', router: wan, ip: '203.0.113.11' });
    const turn2 = await new TestTurnServer({
      net: host2,
      clock,
      address: '203.0.113.11',
      users: { alice: 'secret' },
      realm: 'other.realm',
    }).start();
    cleanups.push(() => drive(clock, turn2.close()));
    const A = client(clock, a);
    const r = ok(await drive(clock, A.c.allocate()));
    expect(r.relayedAddress.address).toBe('203.0.113.11');
    expect(turn.allocationCount).toBe(0);
    expect(turn2.allocationCount).toBe(1);
    await drive(clock, A.c.close());
    expect(turn2.counts.deallocations).toBe(1);
  });

  it('IPv6 relays with REQUESTED-ADDRESS-FAMILY, and 440 where the server has none', async () => {
    const clock = new VirtualClock();
    world = new VirtualNetwork({ clock, seed: 9 });
    const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24', cidr6: '2001:db8::/64' });
    const hosts = [0, 1].map((i) => world!.addHost({ name: `c${i}`, router: wan }));
    const s = world.addHost({
      name: 'turn',
      interfaces: [{ router: wan, ip: SERVER_IP, ip6: '2001:db8::10' }],
    });
    const turn = await new TestTurnServer({
      net: s,
      clock,
      address: SERVER_IP,
      address6: '2001:db8::10',
      users: { alice: 'secret' },
    }).start();
    cleanups.push(() => drive(clock, turn.close()));
    const [A, B] = hosts.map((h) => client(clock, h, { relayFamily: 'IPv6' })) as [
      ReturnType<typeof client>,
      ReturnType<typeof client>,
    ];
    const ra = ok(await drive(clock, A.c.allocate()));
    const rb = ok(await drive(clock, B.c.allocate()));
    expect(ra.relayedAddress).toMatchObject({ address: '2001:db8::10', family: 'IPv6' });
    expect(ra.mappedAddress?.family).toBe('IPv4'); // the link to the server is IPv4
    rb.socket.addPermission('2001:db8::10');
    ra.socket.send(Buffer.from('v6'), rb.relayedAddress.port, rb.relayedAddress.address);
    await clock.runUntil(() => B.rx.got.length === 1);
    expect(B.rx.got[0]).toEqual({ data: 'v6', from: ra.relayedAddress });

    const plain = await new TestTurnServer({
      net: s,
      clock,
      address: SERVER_IP,
      port: 3479,
      users: { alice: 'secret' },
    }).start();
    cleanups.push(() => drive(clock, plain.close()));
    const C = client(clock, hosts[0]!, { url: `turn:${SERVER_IP}:3479`, relayFamily: 'IPv6' });
    const r = await drive(clock, C.c.allocate());
    expect(r).toMatchObject({ ok: false, error: { errorCode: 440 } });
  });

  it('allocation quota: 486', async () => {
    const { clock, a, b } = await setup({ quota: 1 });
    ok(await drive(clock, client(clock, a).c.allocate()));
    const r = await drive(clock, client(clock, b).c.allocate());
    expect(r).toMatchObject({ ok: false, error: { errorCode: 486 } });
  });

  it('403 on a permission is reported and datagrams to that peer are dropped', async () => {
    const { clock, a } = await setup({ forbiddenPeers: ['198.51.100.7'] });
    const A = client(clock, a);
    const ra = ok(await drive(clock, A.c.allocate()));
    ra.socket.send(Buffer.from('x'), 5000, '198.51.100.7');
    await clock.runUntil(() => A.rx.errors.length > 0);
    expect(A.rx.errors[0]).toMatchObject({ errorCode: 403, url: `turn:${SERVER_IP}` });
    ra.socket.send(Buffer.from('y'), 5000, '198.51.100.7');
    expect(ra.socket.stats.dropped).toBe(2);
    expect(A.c.state).toBe(TurnState.Allocated);
  });

  it('refreshes the allocation, permissions and channels before they expire, for an hour', async () => {
    const { clock, a, b, turn } = await setup({ lifetimeSec: 600 });
    const A = client(clock, a);
    const B = client(clock, b, { username: 'bob', credential: 'hunter2' });
    const ra = ok(await drive(clock, A.c.allocate()));
    const rb = ok(await drive(clock, B.c.allocate()));
    rb.socket.addPermission(ra.relayedAddress.address);
    ra.socket.send(Buffer.from('hello'), rb.relayedAddress.port, rb.relayedAddress.address);
    await clock.runUntil(() => B.rx.got.length === 1);
    const start = clock.now();
    await clock.advance(3_600_000);
    // Refresh every 540 s (a minute before 600 s): 6 per client in an hour.
    expect(turn.counts.refreshes).toBe(12);
    expect(turn.counts.expired).toBe(0);
    expect(turn.allocationCount).toBe(2);
    // Permissions every 240 s, channels every 300 s (each also counts as a permission refresh).
    expect(turn.counts.byMethod.get(StunMethod.CreatePermission)).toBe(2 * (1 + 15));
    expect(turn.counts.channelBinds).toBe(1 + 12);
    ra.socket.send(Buffer.from('still here'), rb.relayedAddress.port, rb.relayedAddress.address);
    await clock.runUntil(() => B.rx.got.length === 2);
    expect(B.rx.got[1]!.data).toBe('still here');
    expect(clock.now() - start).toBeGreaterThanOrEqual(3_600_000);
  });

  it('a stale nonce (438) is retried with the new nonce', async () => {
    const { clock, a, turn } = await setup({ lifetimeSec: 120 });
    const A = client(clock, a);
    ok(await drive(clock, A.c.allocate()));
    turn.rotateNonce();
    await clock.advance(61_000); // the refresh at 60 s meets the stale nonce
    expect(turn.counts.stale).toBe(1);
    expect(turn.counts.refreshes).toBe(1);
    expect(A.rx.errors).toEqual([]);
    await clock.advance(120_000);
    expect(turn.counts.expired).toBe(0);
  });

  it('a stale nonce on CreatePermission and ChannelBind is retried too', async () => {
    const { clock, a, b, turn } = await setup();
    const A = client(clock, a);
    const B = client(clock, b, { username: 'bob', credential: 'hunter2' });
    const ra = ok(await drive(clock, A.c.allocate()));
    const rb = ok(await drive(clock, B.c.allocate()));
    turn.rotateNonce();
    rb.socket.addPermission(ra.relayedAddress.address);
    ra.socket.send(Buffer.from('x'), rb.relayedAddress.port, rb.relayedAddress.address);
    await clock.runUntil(() => B.rx.got.length === 1 && ra.socket.stats.channels === 1);
    // One 438 per client: the fresh nonce then serves A's ChannelBind as well.
    expect(turn.counts.stale).toBe(2);
    expect(turn.counts.channelBinds).toBe(1);
    expect([...A.rx.errors, ...B.rx.errors]).toEqual([]);
  });

  it('close() during the allocation ends it: no relay, state Closed, nothing left open', async () => {
    const { clock, a, turn } = await setup();
    a.link.set({ delayMs: 50 });
    const A = client(clock, a);
    const pending = A.c.allocate();
    await clock.advance(60); // the first Allocate is on its way
    const closing = A.c.close();
    const r = await drive(clock, pending);
    await drive(clock, closing);
    expect(r).toMatchObject({ ok: false, error: { errorCode: 701 } });
    expect(A.rx.states).toEqual([TurnState.Allocating, TurnState.Closed]);
    await clock.advance(1000);
    expect(turn.allocationCount).toBe(0);
  });

  it('an aborted signal stops the allocation', async () => {
    const { clock, a } = await setup();
    const A = client(clock, a, { url: 'turn:203.0.113.99' });
    const ac = new AbortController();
    const pending = A.c.allocate({ signal: ac.signal });
    await clock.advance(1000);
    ac.abort();
    const r = await drive(clock, pending);
    expect(r).toMatchObject({ ok: false, error: { errorCode: 701 } });
    expect(clock.now()).toBeLessThan(2000);
  });

  it('garbage from the server is dropped and counted, never thrown', async () => {
    const { clock, a, b, turn } = await setup();
    const A = client(clock, a);
    const B = client(clock, b, { username: 'bob', credential: 'hunter2' });
    const ra = ok(await drive(clock, A.c.allocate()));
    const rb = ok(await drive(clock, B.c.allocate()));
    rb.socket.addPermission(ra.relayedAddress.address);
    ra.socket.send(Buffer.from('x'), rb.relayedAddress.port, rb.relayedAddress.address);
    await clock.runUntil(() => B.rx.got.length === 1 && ra.socket.stats.channels === 1);
    const to = ra.mappedAddress!;
    let x = 0x12345678;
    const random = (n: number) => {
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out[i] = x & 0xff;
      }
      return out;
    };
    const data = new StunWriter(StunMethod.Data, StunClass.Indication)
      .addXorAddress(StunAttr.XorPeerAddress, '198.51.100.1', 9)
      .addBytes(StunAttr.Data, Buffer.from('payload'))
      .finish();
    for (let i = 0; i < 2000; i++) {
      const m = Buffer.from(i % 2 ? data : random(4 + (i % 60)));
      if (i % 2) m[20 + (i % (m.length - 20))]! ^= 1 << (i % 8); // flip a bit of a Data indication
      if (i % 5 === 0) m.writeUInt16BE(0x4000 + (i % 0x1000), 0); // a ChannelData header
      turn.inject(to, m);
    }
    // A success response to no transaction, and a Data indication without DATA.
    turn.inject(to, new StunWriter(StunMethod.Refresh, StunClass.SuccessResponse).finish());
    turn.inject(
      to,
      new StunWriter(StunMethod.Data, StunClass.Indication)
        .addXorAddress(StunAttr.XorPeerAddress, '198.51.100.1', 9)
        .finish(),
    );
    await clock.advance(100);
    expect(A.c.state).toBe(TurnState.Allocated);
    expect(A.c.droppedFromServer + ra.socket.stats.dropped).toBeGreaterThan(500);
    // Still working afterwards.
    ra.socket.send(Buffer.from('y'), rb.relayedAddress.port, rb.relayedAddress.address);
    await clock.runUntil(() => B.rx.got.length === 2);
  });

  it('a permission refresh lost in an outage is reported, then installed again by the next send', async () => {
    const { clock, a, b, turn } = await setup();
    const A = client(clock, a);
    const B = client(clock, b, { username: 'bob', credential: 'hunter2' });
    const ra = ok(await drive(clock, A.c.allocate()));
    const rb = ok(await drive(clock, B.c.allocate()));
    rb.socket.addPermission(ra.relayedAddress.address);
    const to = [rb.relayedAddress.port, rb.relayedAddress.address] as const;
    ra.socket.send(Buffer.from('before'), ...to);
    await clock.runUntil(() => B.rx.got.length === 1);
    // A's permission refresh (at 240 s) goes unanswered for its whole 39.5 s transaction.
    await clock.advanceTo(235_000);
    a.link.partition();
    await clock.runUntil(() => A.rx.errors.length === 1, { timeoutMs: 60_000 });
    expect(A.rx.errors[0]).toMatchObject({ errorCode: 701 });
    expect(ra.socket.stats.permissions).toBe(0);
    a.link.heal();
    const creates = turn.counts.byMethod.get(StunMethod.CreatePermission) ?? 0;
    ra.socket.send(Buffer.from('after'), ...to);
    await clock.runUntil(() => B.rx.got.length === 2);
    expect(B.rx.got[1]!.data).toBe('after');
    expect(turn.counts.byMethod.get(StunMethod.CreatePermission)).toBe(creates + 1);
    expect(A.c.state).toBe(TurnState.Allocated);
  });

  it('survives 20 % loss on the client link (retransmissions), and fails with 701 when the server goes silent', async () => {
    const { clock, a, turn } = await setup({ lifetimeSec: 60 });
    a.link.set({ lossRate: 0.2, delayMs: 20 });
    const A = client(clock, a);
    const ra = ok(await drive(clock, A.c.allocate()));
    await clock.advance(600_000);
    expect(turn.counts.expired).toBe(0);
    expect(turn.counts.refreshes).toBeGreaterThanOrEqual(20);
    expect(world!.stats.dropped.loss).toBeGreaterThan(5);
    expect(A.c.state).toBe(TurnState.Allocated);
    a.link.partition();
    await clock.runUntil(() => A.c.state === TurnState.Failed, { timeoutMs: 200_000 });
    expect(A.rx.errors).toMatchObject([{ errorCode: 701 }]);
    expect(() => ra.socket.send(Buffer.from('x'), 1, SERVER_IP)).toThrow(/closed/);
    a.link.heal();
  });

  it('TCP: the server closing the connection fails the allocation', async () => {
    const { clock, a, turn } = await setup();
    const A = client(clock, a, { url: `turn:${SERVER_IP}?transport=tcp` });
    ok(await drive(clock, A.c.allocate()));
    await drive(clock, turn.close());
    await clock.runUntil(() => A.c.state === TurnState.Failed);
    expect(A.rx.errors[0]?.errorCode).toBe(701);
  });
});
