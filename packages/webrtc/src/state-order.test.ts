// 10 000 transport state changes up to the W3C events (issue 17: "a test per layer pushes
// 10 000 state changes and receives 10 000, in order"): two RTCPeerConnections on the virtual
// network, the path between them cut and healed 5 000 times, so that the ICE transport goes
// `disconnected` and back 10 000 times. Each change must come out as webrtc-pc orders it
// (`statechange` of the RTCIceTransport, then `iceconnectionstatechange`, then
// `connectionstatechange`), in the phase of the test that made it, each event's state being
// the attribute read inside its listener and its cause the attribute's cause; after `close()`
// nothing fires.
import { Prng, VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { afterEach, expect, it } from 'vitest';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCStateChangeEvent } from './rtc-state-change-event.js';
import type { RTCStateCause } from './state/causes.js';
import { closeAll, negotiate, trickle } from './testing-peers.js';

/** A flap is 50 ms of silence at most before `disconnected`: 5 000 of them in seconds. */
const SILENT_MS = 50;
const FLAPS = 5000;

let pcs: RTCPeerConnection[] = [];
afterEach(async () => {
  await closeAll(...pcs);
  pcs = [];
});

/** One event as its listener saw it. */
interface Seen {
  /** The phase of the test when it fired: -1 connecting, 2k the path cut, 2k + 1 healed. */
  readonly phase: number;
  /** `<what> <attribute read inside the listener>`, e.g. `ice disconnected`. */
  readonly what: string;
  readonly cause: RTCStateCause | undefined;
}

it('fires 10 000 changes of the ICE transport as W3C events in the spec order, each with the state and cause its attributes give, and nothing after close()', async () => {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 5 });
  const wan = world.addRouter({ name: 'wan', cidr: '198.51.100.0/24' });
  const hostA = world.addHost({ name: 'a', router: wan, link: { delayMs: 1 } });
  const hostB = world.addHost({ name: 'b', router: wan, link: { delayMs: 1 } });
  const peer = (net: typeof hostA, seed: number): RTCPeerConnection => {
    const random = new Prng(seed);
    const pc = new RTCPeerConnection({
      net,
      clock,
      mdns: 'off',
      // Consent never expires here: only liveness flaps.
      consent: {
        disconnectedAfterMs: SILENT_MS,
        failedAfterMs: 3_600_000,
        random: () => random.next(),
      },
    });
    pcs.push(pc);
    return pc;
  };
  const a = peer(hostA, 1);
  const b = peer(hostB, 2);
  trickle(a, b);
  trickle(b, a);

  let phase = -1;
  const seen: Seen[] = [];
  /** Broken rules, noted (a throw inside a listener would be reported, not fail the test). */
  const problems: string[] = [];
  const note = (problem: string): void => {
    if (problems.length < 20) problems.push(problem);
  };
  let depth = 0;
  /** Something to do from inside a listener, once, on the event it matches. */
  let reenter: ((what: string) => boolean) | undefined;
  /**
   * Listens to `type` on `target`: `read` is the attribute, `cause` the attribute's cause
   * (undefined for events without one).
   */
  const listen = (
    target: EventTarget,
    type: string,
    name: string,
    read: () => string,
    cause?: () => RTCStateCause,
  ): void => {
    target.addEventListener(type, (e) => {
      const what = `${name} ${read()}`.trim();
      if (depth !== 0) note(`${what} fired inside another listener (phase ${phase})`);
      depth++;
      const c = (e as Partial<RTCStateChangeEvent>).cause;
      if (cause !== undefined && c !== cause())
        note(`${what}: the event's cause is not the attribute's`);
      seen.push({ phase, what, cause: c });
      if (reenter?.(what)) reenter = undefined;
      depth--;
    });
  };
  listen(
    a,
    'iceconnectionstatechange',
    'ice',
    () => a.iceConnectionState,
    () => a.iceConnectionStateCause,
  );
  listen(
    a,
    'connectionstatechange',
    'pc',
    () => a.connectionState,
    () => a.connectionStateCause,
  );
  for (const type of [
    'signalingstatechange',
    'icegatheringstatechange',
    'negotiationneeded',
    'datachannel',
    'track',
  ])
    listen(a, type, type, () => '');

  const channel = a.createDataChannel('x');
  for (const type of ['open', 'closing', 'close', 'error'])
    listen(channel, type, `channel ${type}`, () => '');
  await negotiate(a, b);
  const sctp = a.sctp!;
  const dtls = sctp.transport;
  const ice = dtls.iceTransport;
  listen(
    ice,
    'statechange',
    'transport',
    () => ice.state,
    () => ice.stateCause,
  );
  listen(ice, 'selectedcandidatepairchange', 'pair', () =>
    ice.getSelectedCandidatePair() ? 'set' : 'none',
  );
  listen(ice, 'gatheringstatechange', 'gathering', () => ice.gatheringState);
  listen(
    dtls,
    'statechange',
    'dtls',
    () => dtls.state,
    () => dtls.stateCause,
  );
  listen(dtls, 'error', 'dtls error', () => '');
  listen(
    sctp,
    'statechange',
    'sctp',
    () => sctp.state,
    () => sctp.stateCause,
  );

  expect(
    await clock.runUntil(
      () =>
        a.iceConnectionState === 'completed' &&
        a.connectionState === 'connected' &&
        b.iceConnectionState === 'completed' &&
        channel.readyState === 'open',
      { timeoutMs: 10_000 },
    ),
  ).toBe(true);
  // While connecting (not counted in the 10 000), each change in webrtc-pc's order: the
  // selected pair, the transport's `statechange`, then the states derived from it.
  const connecting = seen.map((s) => s.what);
  const after = (what: string, count: number) => {
    const at = connecting.indexOf(what);
    return at < 0 ? [] : connecting.slice(at, at + count);
  };
  expect(after('pair set', 3)).toEqual(['pair set', 'transport connected', 'ice connected']);
  expect(after('transport completed', 2)).toEqual(['transport completed', 'ice completed']);
  expect(after('dtls connected', 2)).toEqual(['dtls connected', 'pc connected']);
  expect(after('sctp connected', 2)).toEqual(['sctp connected', 'channel open']);
  expect(connecting.filter((w) => w.startsWith('pc '))).toEqual(['pc connecting', 'pc connected']);
  const before = seen.length;

  const link = hostA.link;
  const both = (state: string) => () =>
    a.iceConnectionState === state && b.iceConnectionState === state;
  for (let k = 0; k < FLAPS; k++) {
    phase = 2 * k;
    link.partition();
    expect(await clock.runUntil(both('disconnected'), { timeoutMs: 1000 })).toBe(true);
    phase = 2 * k + 1;
    link.heal();
    expect(await clock.runUntil(both('completed'), { timeoutMs: 1000 })).toBe(true);
  }
  expect(problems).toEqual([]);

  // 10 000 changes in, 30 000 events out: three per change, in order, in the phase that made it.
  const flaps = seen.slice(before);
  expect(flaps).toHaveLength(3 * 2 * FLAPS);
  const wrong: string[] = [];
  for (let i = 0; i < 2 * FLAPS; i++) {
    const [t, c, p] = flaps.slice(3 * i, 3 * i + 3) as [Seen, Seen, Seen];
    const cut = i % 2 === 0;
    const want = cut
      ? ['transport disconnected', 'ice disconnected', 'pc disconnected']
      : ['transport completed', 'ice completed', 'pc connected'];
    const got = [t.what, c.what, p.what];
    if (t.phase !== i || c.phase !== i || p.phase !== i || got.join() !== want.join())
      wrong.push(`change ${i}: ${got.join(', ')} in phases ${t.phase} ${c.phase} ${p.phase}`);
    // One cause, the ICE transport's, on the three events.
    else if (
      t.cause !== c.cause ||
      t.cause !== p.cause ||
      t.cause?.layer !== 'ice' ||
      t.cause.kind !== (cut ? 'no-packets' : 'packets-resumed')
    )
      wrong.push(
        `change ${i}: causes ${[t, c, p].map((s) => `${s.cause?.layer}:${s.cause?.kind}`)}`,
      );
  }
  expect(wrong.slice(0, 10)).toEqual([]);

  // After close() nothing fires: closed from inside the transport's next `statechange`, the
  // first event of its change, neither `iceconnectionstatechange` nor `connectionstatechange`
  // follows, nor anything later.
  let closedAt = -1;
  reenter = (what) => {
    if (what !== 'transport disconnected') return false;
    closedAt = seen.length;
    a.close();
    if (ice.state !== 'closed' || a.connectionState !== 'closed')
      note('close() did not close at once');
    return true;
  };
  phase = 2 * FLAPS;
  link.partition();
  expect(await clock.runUntil(() => closedAt >= 0, { timeoutMs: 1000 })).toBe(true);
  link.heal();
  await clock.advance(1000);
  hostB.link.partition();
  await clock.advance(60_000);
  expect(seen.slice(closedAt - 1).map((s) => s.what)).toEqual(['transport disconnected']);
  expect([
    a.iceConnectionState,
    a.connectionState,
    ice.state,
    dtls.state,
    sctp.state,
    channel.readyState,
  ]).toEqual(['closed', 'closed', 'closed', 'closed', 'closed', 'closed']);
  expect(problems).toEqual([]);
});
