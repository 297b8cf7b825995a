// ICE generations (RFC 8445 §9): a generation begun waits for the peer's credentials while the
// current one runs untouched; abandoning it (a JSEP rollback) leaves the current one as it was;
// checks and candidates of the new generation that arrive early are kept for it.
import type { UdpSocket } from '@x/transport';
import { describe, expect, it } from 'vitest';
import { ConnectionState as S } from './state.js';
import { StunAttr, StunClass, StunMethod } from './stun/constants.js';
import { decodeStun } from './stun/message.js';
import { StunWriter } from './stun/writer.js';
import { cleanupAfterEach, lanWith } from './testing-lan.js';
import { connectPair } from './testing-pair.js';

const cleanup = cleanupAfterEach();

async function completedPair(seed = 21) {
  const { clock, ha, hb, hx } = lanWith(cleanup, seed);
  const { a, b } = await connectPair({ clock, netA: ha, netB: hb });
  cleanup.push(async () => {
    await a.agent.close();
    await b.agent.close();
  });
  await clock.runUntil(() => a.agent.state === S.Completed && b.agent.state === S.Completed, {
    timeoutMs: 5000,
  });
  return { clock, hx, a, b };
}

/** A Binding request as `ufrag:theirs` signed with `pwd`; the reply's class, when one comes. */
async function ask(
  x: UdpSocket,
  replies: Buffer[],
  to: { address: string; port: number },
  username: string,
  pwd: string,
  advance: (ms: number) => Promise<void>,
): Promise<StunClass | undefined> {
  const before = replies.length;
  const request = new StunWriter(StunMethod.Binding, StunClass.Request)
    .addString(StunAttr.Username, username)
    .addUint32(StunAttr.Priority, 1)
    .addUint64(StunAttr.IceControlled, 7n)
    .finish({ integrity: pwd, fingerprint: true });
  x.send(request, to.port, to.address);
  await advance(5);
  const reply = replies[before];
  if (reply === undefined) return undefined;
  const msg = decodeStun(reply);
  return msg?.cls;
}

describe('ICE generations', () => {
  it('begins a generation without touching the current one, and abandons it leaving everything as it was', async () => {
    const { clock, hx, a } = await completedPair();
    const states = a.states.length;
    const selected = a.agent.selectedPair;
    const pairs = a.agent
      .getPairs()
      .map((p) => `${p.local.address}:${p.remote.address}:${p.state}`);
    const current = a.agent.localCredentials;
    const announced = a.candidates.length;

    const next = a.agent.beginGeneration();
    await clock.advance(2000);
    // The new credentials are the ones to signal, and our candidates went out again under them.
    expect(a.agent.localCredentials).toEqual(next);
    const again = a.candidates.slice(announced);
    expect(again.at(-1)).toBeNull();
    expect(again.filter((c) => c !== null).every((c) => c!.ufrag === next.ufrag)).toBe(true);
    // The current generation went on: same state, same selected pair, same checks, data flows.
    expect(a.states.length).toBe(states);
    expect(a.agent.state).toBe(S.Completed);
    expect(a.agent.selectedPair).toBe(selected);
    expect(
      a.agent.getPairs().map((p) => `${p.local.address}:${p.remote.address}:${p.state}`),
    ).toEqual(pairs);
    expect(a.agent.send(Buffer.from('during'))).toBe(true);

    // A stranger with the new credentials is answered; with them gone, refused (401).
    const replies: Buffer[] = [];
    const x = await hx.bindUdp({ onMessage: (d) => replies.push(Buffer.from(d)) });
    cleanup.push(() => x.close());
    const target = selected!.local;
    const advance = (ms: number) => clock.advance(ms);
    expect(await ask(x, replies, target, `${next.ufrag}:zz`, next.pwd, advance)).toBe(
      StunClass.SuccessResponse,
    );

    expect(a.agent.abandonGeneration()).toBe(true);
    expect(a.agent.abandonGeneration()).toBe(false);
    expect(a.agent.localCredentials).toEqual(current);
    expect(await ask(x, replies, target, `${next.ufrag}:zz`, next.pwd, advance)).toBe(
      StunClass.ErrorResponse,
    );
    expect(await ask(x, replies, target, `${current.ufrag}:zz`, current.pwd, advance)).toBe(
      StunClass.SuccessResponse,
    );
    await clock.advance(10_000);
    // Nothing changed state, the early check of the stranger was forgotten, consent still holds.
    expect(a.states.length).toBe(states);
    expect(a.agent.selectedPair).toBe(selected);
    expect(a.agent.getPairs().some((p) => p.remote.address === x.localAddress.address)).toBe(false);
    expect(a.agent.send(Buffer.from('after'))).toBe(true);
  });

  it('acts on checks and candidates of the new generation that arrive before its credentials', async () => {
    const { clock, a, b } = await completedPair(22);
    // Both begin. A's candidates went out before B began (B dropped them as another
    // generation's): signalling hands them over again, and B holds them, as A holds B's.
    const sentBefore = a.candidates.length;
    const ca = a.agent.beginGeneration();
    const cb = b.agent.beginGeneration();
    for (const c of a.candidates.slice(sentBefore)) b.agent.addRemoteCandidate(c);
    // B learns A's new credentials first and checks at once, while A still waits for B's: A
    // answers those checks and keeps what they ask for.
    b.agent.setRemoteCredentials(ca.ufrag, ca.pwd);
    const checksBefore = a.agent.stats.checksReceived;
    await clock.advance(200);
    expect(a.agent.stats.checksReceived).toBeGreaterThan(checksBefore);
    expect(a.agent.state).toBe(S.Completed);
    expect(a.agent.getPairs().every((p) => p.remote.ufrag !== cb.ufrag)).toBe(true);
    a.agent.setRemoteCredentials(cb.ufrag, cb.pwd);
    expect(
      await clock.runUntil(() => a.agent.state === S.Completed && b.agent.state === S.Completed, {
        timeoutMs: 5000,
      }),
    ).toBe(true);
    expect(a.selected.at(-1)!.cause.kind).toBe('restart');
    expect(b.selected.at(-1)!.cause.kind).toBe('restart');
    // Each took the other's candidates trickled ahead of the credentials (host, not prflx).
    expect(a.agent.selectedPair!.remote.type).toBe('host');
    expect(b.agent.selectedPair!.remote.type).toBe('host');
    a.agent.send(Buffer.from('new generation'));
    await clock.advance(20);
    expect(b.received.map(String)).toContain('new generation');
  });

  it('learns the peer from checks that came before its credentials (nothing else tells it)', async () => {
    const { clock, a, b } = await completedPair(24);
    // B begins first: its candidates reach A, which has no generation waiting, and are dropped.
    const cb = b.agent.beginGeneration();
    const sentBefore = a.candidates.length;
    const ca = a.agent.beginGeneration();
    for (const c of a.candidates.slice(sentBefore)) b.agent.addRemoteCandidate(c);
    b.agent.setRemoteCredentials(ca.ufrag, ca.pwd);
    await clock.advance(200);
    // B's checks all succeeded (A answered them): B sends no more until consent is due.
    const started = clock.now();
    a.agent.setRemoteCredentials(cb.ufrag, cb.pwd);
    expect(
      await clock.runUntil(() => a.selected.at(-1)?.cause.kind === 'restart', {
        timeoutMs: 5000,
      }),
    ).toBe(true);
    expect(clock.now() - started).toBeLessThan(500);
    expect(a.agent.selectedPair!.remote.type).toBe('prflx');
  });

  it('a peer restarting alone (new credentials, no generation begun) makes us begin one', async () => {
    const { clock, a, b } = await completedPair(23);
    const before = a.agent.localCredentials;
    const cb = b.agent.beginGeneration();
    a.agent.setRemoteCredentials(cb.ufrag, cb.pwd);
    const ca = a.agent.localCredentials;
    expect(ca.ufrag).not.toBe(before.ufrag);
    b.agent.setRemoteCredentials(ca.ufrag, ca.pwd);
    // A's candidates of the new generation reached B after B began: held, then taken. B's went
    // out before A's generation existed, so A knows B from its checks (RFC 8445 §7.3.1.3).
    expect(
      await clock.runUntil(
        () => b.agent.state === S.Completed && a.selected.at(-1)?.cause.kind === 'restart',
        { timeoutMs: 5000 },
      ),
    ).toBe(true);
    expect(a.agent.selectedPair!.remote.type).toBe('prflx');
    expect(a.agent.state).toBe(S.Connected);
  });
});
