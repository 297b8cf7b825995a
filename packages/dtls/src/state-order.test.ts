// 10 000 state changes out of `DtlsTransport.setState` and the transports' serial notifiers,
// into one handler shared by every transport (issue 17: "a test per layer pushes 10 000 state
// changes and receives 10 000, in order"). A transport lives through three changes at most
// (connecting, connected, closed or failed), so the 10 000 are the whole lives of 4 500
// transports on one virtual clock: handshakes that complete and close, handshakes that fail
// on a fingerprint, fatal alerts from the peer, handshake timeouts, and transports closed from
// inside their own `connecting` or `connected` notification. Nothing here sets a state by
// hand: every change comes from a public call, a datagram or a timer.
import { Prng, VirtualClock } from '@x/transport/testing';
import { afterEach, expect, it } from 'vitest';
import { ContentType } from './constants.js';
import {
  AlertDescription,
  AlertLevel,
  type DtlsStateChange,
  DtlsStateError,
  DtlsTransport,
  type DtlsTransportOptions,
  DtlsTransportState as S,
} from './index.js';
import { plainRecord } from './record.js';
import { certA, certB, Pipe, prng } from './testing-pair.js';

/** How a transport's life goes, and the changes (`state cause`) it must report. */
const LIVES = {
  /** Handshake, then closes itself from inside its `connected` notification. */
  'closes-when-connected': [
    'Connecting started',
    'Connected handshake-complete',
    'Closed closed-by-user',
  ],
  /** Handshake, then the peer closes: its close_notify arrives. */
  'hears-close-notify': [
    'Connecting started',
    'Connected handshake-complete',
    'Closed close-notify-received',
  ],
  /** Handshake, then `close()` from the test, outside any notification. */
  'closed-by-test': ['Connecting started', 'Connected handshake-complete', 'Closed closed-by-user'],
  /** The client: the server's certificate matches no signaled fingerprint. */
  'wrong-fingerprint': ['Connecting started', 'Failed fingerprint-mismatch'],
  /** The server of that client: it hears the client's fatal alert. */
  'hears-fatal-alert': ['Connecting started', 'Failed alert-received'],
  /** A server fed a fatal alert by the test while it waits for a ClientHello. */
  'fed-fatal-alert': ['Connecting started', 'Failed alert-received'],
  /** A client whose flights go nowhere. */
  'times-out': ['Connecting started', 'Failed handshake-timeout'],
  /** Closes itself from inside its `connecting` notification. */
  'closes-when-connecting': ['Connecting started', 'Closed closed-by-user'],
} as const satisfies Record<string, readonly string[]>;
type Life = keyof typeof LIVES;

interface Subject {
  readonly id: number;
  readonly life: Life;
  transport: DtlsTransport;
  /** The last state delivered to the handler (New before the first). */
  delivered: S;
}

const line = (id: number, c: DtlsStateChange): string => `${id} ${S[c.state]} ${c.cause.kind}`;

function shuffled<T>(items: readonly T[], random: Prng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.nextUint32() % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** What a failed run leaves open, closed before the leak check. */
let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

it('delivers 10 000 changes of 4 500 transports sharing one handler once each, in the order they were made, none nested, nothing after the end', async () => {
  const clock = new VirtualClock();
  const pipe = new Pipe(clock, prng(7), { jitterMs: 3 });
  const random = new Prng(17);
  const subjects: Subject[] = [];
  cleanup = () => {
    for (const x of subjects) x.transport.close();
    pipe.close();
  };
  /** What the handler received, in order: `id state cause`. */
  const log: string[] = [];
  /** Broken rules, noted rather than thrown (a throw in a handler is caught by the notifier). */
  const problems: string[] = [];
  const note = (problem: string): void => {
    if (problems.length < 20) problems.push(problem);
  };
  let depth = 0;

  const handler = (x: Subject) => (change: DtlsStateChange) => {
    if (depth !== 0) note(`${line(x.id, change)} delivered inside another notification`);
    depth++;
    // Committed before it is delivered, and delivered right after the one before it.
    if (x.transport.state !== change.state)
      note(`${line(x.id, change)} delivered while the transport is ${S[x.transport.state]}`);
    if (change.previous !== x.delivered)
      note(`${line(x.id, change)} follows ${S[x.delivered]}, not ${S[change.previous]}`);
    // Across transports: no other transport holds a change not delivered yet, so the one
    // handler hears every change in the order the transports committed them.
    for (const o of subjects)
      if (o !== x && o.transport.state !== o.delivered)
        note(`${line(x.id, change)} overtook ${o.id} ${S[o.transport.state]}`);
    x.delivered = change.state;
    log.push(line(x.id, change));
    // A change caused from inside a notification waits until this one has returned.
    const closeNow =
      (x.life === 'closes-when-connecting' && change.state === S.Connecting) ||
      (x.life === 'closes-when-connected' && change.state === S.Connected);
    if (closeNow) {
      const before = log.length;
      x.transport.close();
      if (x.transport.state !== S.Closed) note(`${x.id}: close() did not commit Closed`);
      if (log.length !== before) note(`${x.id}: Closed delivered inside the notification`);
    }
    depth--;
  };

  const add = (
    life: Life,
    options: Partial<DtlsTransportOptions> & Pick<DtlsTransportOptions, 'role' | 'send'>,
  ): Subject => {
    const x: Subject = { id: subjects.length, life, transport: undefined!, delivered: S.New };
    x.transport = new DtlsTransport(
      {
        certificate: options.role === 'client' ? certA : certB,
        remoteFingerprints: [(options.role === 'client' ? certB : certA).fingerprint()],
        clock,
        onHandlerError: (e) => note(`${x.id}: handler threw ${String(e)}`),
        ...options,
      },
      handler(x),
    );
    subjects.push(x);
    return x;
  };
  const pair = (clientLife: Life, serverLife: Life, client: Partial<DtlsTransportOptions> = {}) => {
    const c: Subject = add(clientLife, {
      role: 'client',
      send: (d) => pipe.send(d, () => s.transport, true),
      ...client,
    });
    const s: Subject = add(serverLife, {
      role: 'server',
      send: (d) => pipe.send(d, () => c.transport, false),
    });
    return { c, s };
  };
  const nowhere = (): void => {};
  /** Both ends of the pairs whose server the test closes once both are connected. */
  const waiting = new Set<Subject>();
  const byTest: Subject[] = [];
  for (let i = 0; i < 250; i++) {
    pair('closes-when-connected', 'hears-close-notify');
    const { c, s } = pair('hears-close-notify', 'closed-by-test');
    waiting.add(c).add(s);
    byTest.push(s);
    pair('wrong-fingerprint', 'hears-fatal-alert', { remoteFingerprints: [certA.fingerprint()] });
  }
  const fed: Subject[] = [];
  for (let i = 0; i < 750; i++) {
    fed.push(add('fed-fatal-alert', { role: 'server', send: nowhere }));
    add('times-out', { role: 'client', send: nowhere, maxRetransmits: 2 });
  }
  for (let i = 0; i < 1500; i++)
    add('closes-when-connecting', { role: i % 2 === 0 ? 'client' : 'server', send: nowhere });
  expect(subjects).toHaveLength(4500);
  expect(subjects.reduce((n, x) => n + LIVES[x.life].length, 0)).toBe(10_000);

  // Public calls one after the other, in a random order: the changes of each are delivered
  // before it returns, in the order it made them (a close from inside the `connecting`
  // notification right after it).
  const made: string[] = [];
  for (const x of shuffled(subjects, random)) {
    x.transport.start();
    made.push(`${x.id} Connecting started`);
    if (x.life === 'closes-when-connecting') made.push(`${x.id} Closed closed-by-user`);
    expect(log.length).toBe(made.length);
  }
  // A datagram is an input too: a fatal alert to a server waiting for its ClientHello.
  const alert = plainRecord(
    ContentType.Alert,
    0,
    0,
    Buffer.of(AlertLevel.Fatal, AlertDescription.HandshakeFailure),
  );
  for (const x of shuffled(fed, random)) {
    x.transport.handleDatagram(alert);
    made.push(`${x.id} Failed alert-received`);
    expect(log.length).toBe(made.length);
  }
  expect(log).toEqual(made);

  // Datagrams and timers on the virtual clock: 1 500 handshakes complete or fail at once, and
  // 750 clients give up; the handler's check of every other transport orders them.
  const terminal = (x: Subject): boolean =>
    x.transport.state === S.Closed || x.transport.state === S.Failed;
  expect(
    await clock.runUntil(
      () =>
        subjects.every((x) => terminal(x) || (waiting.has(x) && x.transport.state === S.Connected)),
      { timeoutMs: 60_000 },
    ),
  ).toBe(true);
  // The test closes one end of 250 connected pairs: delivered within close(), in that order.
  const atClose = log.length;
  const closes: string[] = [];
  for (const x of shuffled(byTest, random)) {
    x.transport.close();
    closes.push(`${x.id} Closed closed-by-user`);
    expect(log.length - atClose).toBe(closes.length);
  }
  expect(log.slice(atClose)).toEqual(closes);
  expect(await clock.runUntil(() => subjects.every(terminal), { timeoutMs: 60_000 })).toBe(true);

  // 10 000 in, 10 000 out: each transport's changes in its life's order, with their causes.
  expect(problems).toEqual([]);
  expect(log).toHaveLength(10_000);
  const byId = subjects.map((): string[] => []);
  for (const l of log) {
    const [id, ...rest] = l.split(' ');
    byId[Number(id)]!.push(rest.join(' '));
  }
  for (const x of subjects) expect(byId[x.id], `${x.id} (${x.life})`).toEqual(LIVES[x.life]);

  // After Closed or Failed nothing more: a second close(), a stray alert, a late start()
  // (refused) and two minutes of timers deliver nothing and leave no timer behind.
  for (const x of subjects) {
    x.transport.close();
    x.transport.handleDatagram(alert);
    expect(() => x.transport.start()).toThrow(DtlsStateError);
  }
  await clock.advance(120_000);
  expect(log).toHaveLength(10_000);
  expect(problems).toEqual([]);
  expect(clock.pendingTimers).toBe(0);
});
