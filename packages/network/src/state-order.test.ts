// 10 000 ICE state changes through the Manager's real path (issue 17: "a test per layer pushes
// 10 000 state changes and receives 10 000, in order"): two Managers on the virtual network,
// the path between them cut and healed 5 000 times, so that each Manager's own ICE agent goes
// `disconnected` when consent freshness hears nothing (RFC 7675) and back when packets return.
// Each change travels agent → `onIceState` → `mapIceState`/`mapIceCause` → the Manager's
// serial notifier → the handler, which checks that it is delivered in the phase that made it,
// committed, not nested in another event, and with its cause.
import type { Net } from '@x/transport';
import { Prng, VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { afterEach, expect, it } from 'vitest';
import { generateCertificate, Manager, type ManagerEvent } from './manager.js';
import { IceTransportState as S, SctpTransportState } from './transport-state.js';

/** A flap is 50 ms of silence at most before `disconnected`: 5 000 of them in seconds. */
const SILENT_MS = 50;
const FLAPS = 5000;

/** One Manager and what its handler saw. */
interface Side {
  readonly name: string;
  readonly manager: Manager;
  /** The ICE state events, with the phase of the test that was running when each arrived. */
  readonly ice: {
    phase: number;
    at: number;
    event: Extract<ManagerEvent, { kind: 'ice-state' }>;
  }[];
  /** Every event's kind, in order, with `return` once the handler has returned. */
  readonly trace: string[];
  /** Every event, in order. */
  readonly events: ManagerEvent[];
}

let managers: Manager[] = [];
afterEach(async () => {
  for (const m of managers) await m.close();
  managers = [];
});

it('delivers 10 000 ICE state changes of a flapping path in order, each in the phase that made it, none nested, each with its cause', async () => {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 3 });
  const wan = world.addRouter({ name: 'wan', cidr: '10.0.0.0/24' });
  const hostA = world.addHost({ name: 'a', router: wan, link: { delayMs: 1 } });
  const hostB = world.addHost({ name: 'b', router: wan, link: { delayMs: 1 } });
  /** What the test is doing: -1 while connecting, then 2k (path cut) and 2k + 1 (healed). */
  let phase = -1;
  /** Broken rules, noted (a throw inside the handler would be caught by the notifier). */
  const problems: string[] = [];
  const note = (problem: string): void => {
    if (problems.length < 20) problems.push(problem);
  };
  /** A call to make from inside the handler, once, on an event that matches. */
  let reenter: ((side: Side, event: ManagerEvent) => boolean) | undefined;

  const side = (name: string, host: Net, controlling: boolean, seed: number): Side => {
    const random = new Prng(seed);
    let depth = 0;
    const s: Side = {
      name,
      manager: new Manager(
        {
          net: host,
          clock,
          controlling,
          certificate: generateCertificate(),
          mdns: 'off',
          consent: {
            disconnectedAfterMs: SILENT_MS,
            // Consent never expires here: only liveness flaps.
            failedAfterMs: 3_600_000,
            random: () => random.next(),
          },
        },
        undefined,
        (event) => {
          if (depth !== 0) note(`${name}: ${event.kind} delivered inside another event`);
          depth++;
          s.trace.push(event.kind);
          s.events.push(event);
          if (event.kind === 'ice-state') {
            // Committed before it is delivered.
            if (s.manager.iceTransportState !== event.state)
              note(`${name}: ice ${event.state} delivered while ${s.manager.iceTransportState}`);
            s.ice.push({ phase, at: clock.now(), event });
          }
          if (event.kind === 'local-candidate') {
            const other = s === a ? b : a;
            other.manager.addRemoteCandidate(event.candidate?.candidate ?? null);
          }
          if (reenter?.(s, event)) reenter = undefined;
          s.trace.push('return');
          depth--;
        },
      ),
      ice: [],
      trace: [],
      events: [],
    };
    managers.push(s.manager);
    return s;
  };
  const a: Side = side('a', hostA as Net, true, 1);
  const b: Side = side('b', hostB as Net, false, 2);
  // A change caused from inside a notification comes after it, not inside it: `a` ends SCTP
  // (as a rejected data section does) from inside its `sctp-state connected` event.
  let asked = -1;
  reenter = (s, event) => {
    if (s !== a || event.kind !== 'sctp-state' || event.state !== SctpTransportState.Connected)
      return false;
    asked = a.trace.length;
    a.manager.stopSctp();
    if (a.trace.length !== asked) note(`a: ${a.trace.slice(asked)} delivered inside the handler`);
    return true;
  };
  b.manager.start({ ...a.manager.localParameters, dtlsRole: 'client' });
  a.manager.start({ ...b.manager.localParameters, dtlsRole: 'server' });
  // An input's events are delivered before it returns: `gather()` says `gathering` at once.
  const gathering = Promise.all([a.manager.gather(), b.manager.gather()]);
  expect(a.trace.slice(-2)).toEqual(['gathering-state', 'return']);
  await gathering;
  const both = (ok: (s: S) => boolean) => () =>
    ok(a.manager.iceTransportState) && ok(b.manager.iceTransportState);
  const sctpClosed = (s: Side) => s.manager.sctpTransportState === SctpTransportState.Closed;
  const connected = both((s) => s === S.Completed);
  expect(
    await clock.runUntil(() => connected() && sctpClosed(a) && sctpClosed(b), {
      timeoutMs: 10_000,
    }),
  ).toBe(true);
  expect(problems).toEqual([]);
  expect(a.trace.slice(asked - 1, asked + 3)).toEqual([
    'sctp-state',
    'return',
    'sctp-state',
    'return',
  ]);
  const sctp = (s: Side) =>
    s.events.flatMap((e) => (e.kind === 'sctp-state' ? [`${e.state} ${e.cause.kind}`] : []));
  expect(sctp(a)).toEqual(['1 connect-called', '2 established', '3 aborted-locally']);
  expect(sctp(b)).toEqual(['1 connect-called', '2 established', '3 aborted-by-peer']);
  const before = new Map([a, b].map((s) => [s, s.ice.length]));

  // 5 000 cuts and heals: each Manager's agent reports `disconnected`, then `completed` again.
  const link = hostA.link;
  const healedAt: number[] = [];
  for (let k = 0; k < FLAPS; k++) {
    phase = 2 * k;
    link.partition();
    expect(
      await clock.runUntil(
        both((s) => s === S.Disconnected),
        { timeoutMs: 1000 },
      ),
    ).toBe(true);
    phase = 2 * k + 1;
    link.heal();
    healedAt.push(clock.now());
    expect(
      await clock.runUntil(
        both((s) => s === S.Completed),
        { timeoutMs: 1000 },
      ),
    ).toBe(true);
  }

  expect(problems).toEqual([]);
  for (const s of [a, b]) {
    const flaps = s.ice.slice(before.get(s));
    expect(flaps, s.name).toHaveLength(2 * FLAPS);
    // Before the flaps: from checking to completed.
    expect(s.ice[0]!.event.cause.kind).toBe('checks-started');
    expect(s.ice[before.get(s)! - 1]!.event.state).toBe(S.Completed);
    // The one pair, selected while connecting, names every cause.
    const selected = s.manager.selectedPair!.label;
    const wrong: string[] = [];
    flaps.forEach(({ phase: p, at, event }, i) => {
      const { state, cause } = event;
      const cut = i % 2 === 0;
      const want = cut ? S.Disconnected : S.Completed;
      if (p !== i || state !== want) wrong.push(`#${i}: state ${state} in phase ${p}`);
      else if (cut) {
        // The silence that made it: at least SILENT_MS, and no longer than since the last heal.
        const since = i === 0 ? Number.POSITIVE_INFINITY : at - healedAt[i / 2 - 1]!;
        if (
          cause.kind !== 'no-packets' ||
          cause.pair.label !== selected ||
          cause.silentMs < SILENT_MS ||
          cause.silentMs > since
        )
          wrong.push(`#${i}: ${JSON.stringify(cause)}`);
      } else if (cause.kind !== 'packets-resumed' || cause.pair.label !== selected)
        wrong.push(`#${i}: ${JSON.stringify(cause)}`);
    });
    expect(wrong.slice(0, 10), s.name).toEqual([]);
  }
  // After close() nothing: `a` is closed from inside its next notification (the path is cut
  // once more), and fires nothing for its own close nor later.
  let closedAt = -1;
  reenter = (s) => {
    if (s !== a) return false;
    closedAt = a.trace.length;
    void a.manager.close();
    return true;
  };
  link.partition();
  expect(await clock.runUntil(() => closedAt >= 0, { timeoutMs: 1000 })).toBe(true);
  expect(a.ice.at(-1)!.event.state).toBe(S.Disconnected);
  link.heal();
  await clock.advance(60_000);
  expect(a.trace.slice(closedAt - 1)).toEqual(['ice-state', 'return']);
  expect(problems).toEqual([]);
});
