// An RTCPeerConnection closed from inside each event its objects fire during a connection's
// life on the virtual network (a user may call close() from any listener): nothing follows on
// any of its targets, every attribute reads closed at once, nothing throws, the operations in
// flight never settle and new ones reject, no socket or timer is left (the leak check of every
// test), and the other peer hears it.
//
// `track`, and a remote track's `unmute` and `ended`, are covered by "can be closed from inside
// track, unmute and ended listeners" in rtc-rtp-media-conformance.test.ts. A case that a known
// bug breaks is an `it.fails` whose `bug` names it.
import { readFileSync } from 'node:fs';
import { debuglog } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setListenerErrorHandler } from './events.js';
import { MediaStreamTrack } from './media-stream-track.js';
import type { RTCDataChannel, RTCErrorEvent } from './rtc-data-channel.js';
import type { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCStateChangeEvent } from './rtc-state-change-event.js';
import type { RTCDtlsTransport, RTCIceTransport, RTCSctpTransport } from './rtc-transports.js';
import type { RTCDataChannelEvent, RTCPeerConnectionIceEvent } from './rtc-types.js';
import { tasks } from './testing-media.js';
import { closeAll, type VirtualPeers, virtualPeers } from './testing-peers.js';

type Side = 'a' | 'b';
type TargetKind = 'pc' | 'ice' | 'dtls' | 'sctp' | 'channel' | 'track';

/** Every event each kind of target can fire (the event handler attributes of this package). */
const EVENTS: Record<TargetKind, readonly string[]> = {
  pc: [
    'icecandidate',
    'icecandidateerror',
    'signalingstatechange',
    'iceconnectionstatechange',
    'icegatheringstatechange',
    'connectionstatechange',
    'negotiationneeded',
    'datachannel',
    'track',
  ],
  ice: ['statechange', 'gatheringstatechange', 'selectedcandidatepairchange'],
  dtls: ['statechange', 'error'],
  sctp: ['statechange'],
  channel: ['open', 'message', 'bufferedamountlow', 'error', 'closing', 'close'],
  track: [
    'mute',
    'unmute',
    'ended',
    'keyframerequest',
    'targetbitratechange',
    'silence',
    'silenceend',
  ],
};

/**
 * What the other peer learns of the close, and the bound our stack promises for it (virtual ms
 * after the close).
 */
type Heard =
  /** Nothing to hear: it had not started checking against the closed peer. */
  | 'nothing'
  /** SCTP's ABORT (cause 12, User-Initiated Abort) and DTLS's close_notify, within a trip. */
  | 'abort'
  /** DTLS's close_notify (before SCTP was up on the closed side), within a trip. */
  | 'close-notify'
  /** Its DTLS handshake gets no answer and times out (12.7 s with the defaults). */
  | 'dtls-timeout'
  /** Its checks go unanswered and every pair fails (39.5 s with the defaults). */
  | 'checks-fail';

interface Case {
  /** Whose connection closes (a offers and creates the channel; b answers). */
  readonly side: Side;
  readonly target: TargetKind;
  readonly event: string;
  /** The occurrence to close from, by the detail its log entry ends with (default: the first). */
  readonly detail?: string;
  /** A video track is sent from a to b. */
  readonly media?: boolean;
  /** The operations of the closed side in flight at the close: they never settle. */
  readonly inFlight?: readonly string[];
  readonly heard: Heard;
  /** A known bug makes this case fail (`it.fails`): what it is. */
  readonly bug?: string;
}

/** The bound of each promise, in virtual ms. */
const WITHIN = {
  // README: the peer hears close() within one trip across the path (10 ms here).
  trip: 50,
  // @x/ice: consent expires 12 s after the last response (the last one came before the close).
  consent: 12_000 + 50,
  // @x/dtls: the first flight's 7 attempts, 12.7 s from the start of the handshake.
  dtls: 12_700,
  // @x/ice: a check is sent 7 times (RTO 500 ms doubling, RFC 8489 §6.2.1): 39.5 s.
  checks: 39_500,
};

const cases: Case[] = [
  { side: 'a', target: 'pc', event: 'negotiationneeded', heard: 'nothing' },
  {
    side: 'a',
    target: 'pc',
    event: 'signalingstatechange',
    inFlight: ['setLocalDescription'],
    heard: 'nothing',
  },
  // The gathering follows the description: setLocalDescription() has resolved by then.
  { side: 'a', target: 'ice', event: 'gatheringstatechange', heard: 'nothing' },
  // The gathering follows the description: setLocalDescription() has resolved by then.
  { side: 'a', target: 'pc', event: 'icegatheringstatechange', heard: 'nothing' },
  { side: 'a', target: 'pc', event: 'icecandidate', heard: 'nothing' },
  // The last gathering events: the null candidate follows the state's.
  {
    side: 'a',
    target: 'pc',
    event: 'icegatheringstatechange',
    detail: 'complete',
    heard: 'nothing',
  },
  {
    side: 'a',
    target: 'ice',
    event: 'statechange',
    inFlight: ['setRemoteDescription'],
    heard: 'checks-fail',
  },
  {
    side: 'a',
    target: 'pc',
    event: 'iceconnectionstatechange',
    inFlight: ['setRemoteDescription'],
    heard: 'checks-fail',
  },
  {
    side: 'a',
    target: 'pc',
    event: 'connectionstatechange',
    inFlight: ['setRemoteDescription'],
    heard: 'checks-fail',
  },
  {
    side: 'a',
    target: 'ice',
    event: 'selectedcandidatepairchange',
    heard: 'dtls-timeout',
  },
  {
    side: 'a',
    target: 'pc',
    event: 'iceconnectionstatechange',
    detail: 'connected',
    heard: 'dtls-timeout',
  },
  {
    side: 'a',
    target: 'dtls',
    event: 'statechange',
    heard: 'close-notify',
  },
  {
    side: 'a',
    target: 'pc',
    event: 'connectionstatechange',
    detail: 'connected',
    heard: 'close-notify',
  },
  // SCTP's first statechange is `connecting` (connect-called), its second `connected`.
  { side: 'a', target: 'sctp', event: 'statechange', heard: 'close-notify' },
  { side: 'a', target: 'sctp', event: 'statechange', detail: 'connected', heard: 'abort' },
  { side: 'b', target: 'pc', event: 'datachannel', heard: 'abort' },
  { side: 'a', target: 'channel', event: 'open', heard: 'abort' },
  { side: 'a', target: 'channel', event: 'message', heard: 'abort' },
  { side: 'a', target: 'channel', event: 'bufferedamountlow', heard: 'abort' },
  { side: 'a', target: 'channel', event: 'closing', heard: 'abort' },
  { side: 'a', target: 'channel', event: 'close', heard: 'abort' },
  { side: 'a', target: 'track', event: 'keyframerequest', media: true, heard: 'abort' },
];

/** The first video frame of the demo clip (a VP8 keyframe), for the keyframe request. */
const keyframe = Buffer.from(
  (
    JSON.parse(readFileSync(new URL('./fixtures/clip-frames.json', import.meta.url), 'utf8')) as {
      tracks: { kind: string; frames: { data: string }[] }[];
    }
  ).tracks.find((t) => t.kind === 'video')!.frames[0]!.data,
  'base64',
);

/** Listener errors (the guard of every target reports them here) and unhandled rejections. */
const thrown: string[] = [];
const onRejection = (reason: unknown): void => void thrown.push(`unhandled rejection: ${reason}`);
beforeAll(() => {
  setListenerErrorHandler((error, type) => thrown.push(`a "${type}" listener threw: ${error}`));
  process.on('unhandledRejection', onRejection);
});
afterAll(() => {
  const log = debuglog('x:webrtc');
  setListenerErrorHandler((error, type) => log('a "%s" listener threw: %s', type, error));
  process.off('unhandledRejection', onRejection);
});

let peers: VirtualPeers | undefined;
afterEach(async () => {
  await closeAll(peers?.a, peers?.b);
  peers = undefined;
  thrown.length = 0;
});

/** What a connection's attributes read (those webrtc-pc's close() sets). */
function attributesOf(pc: RTCPeerConnection, channels: readonly RTCDataChannel[]) {
  const sctp = pc.sctp;
  return {
    signalingState: pc.signalingState,
    connectionState: pc.connectionState,
    iceConnectionState: pc.iceConnectionState,
    sctp: sctp?.state ?? null,
    dtls: sctp?.transport.state ?? null,
    ice: sctp?.transport.iceTransport.state ?? null,
    selectedPair: sctp?.transport.iceTransport.getSelectedCandidatePair() ?? null,
    channels: channels.map((c) => c.readyState),
    remoteTracks: pc.getTransceivers().map((t) => t.receiver.track.readyState),
  };
}

/**
 * What {@link attributesOf} reads once closed (webrtc-pc close(): the signaling state, each
 * transceiver stopped with its receiver's track ended, the channels, the SCTP, DTLS and ICE
 * transports, `iceConnectionState` and `connectionState`, all without an event).
 */
function closedAttributes(pc: RTCPeerConnection, channels: readonly RTCDataChannel[]) {
  const transport = pc.sctp === null ? null : 'closed';
  return {
    signalingState: 'closed',
    connectionState: 'closed',
    iceConnectionState: 'closed',
    sctp: transport,
    dtls: transport,
    ice: transport,
    selectedPair: null,
    channels: channels.map(() => 'closed'),
    remoteTracks: pc.getTransceivers().map(() => 'ended'),
  };
}

/** Whether `promise` has settled by now (its reaction is queued before the marker's). */
async function settledNow(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const first = await Promise.race([promise, Promise.resolve(marker)]).catch(() => undefined);
  return first !== marker;
}

/** One connection's life, `c.side` closed from the event `c` names. */
async function closeFrom(c: Case) {
  peers = virtualPeers({ seed: 17 });
  const { a, b, clock } = peers;
  const pcs = { a, b };
  const pc = pcs[c.side];
  const otherSide: Side = c.side === 'a' ? 'b' : 'a';
  const other = pcs[otherSide];
  const trigger = `${c.side} ${c.target} ${c.event}`;
  /** Every event of both connections and every operation settled, with its virtual time. */
  const log: { at: number; entry: string }[] = [];
  const channels: Record<Side, RTCDataChannel[]> = { a: [], b: [] };
  const adopted = new Set<EventTarget>();
  let closedAt: number | undefined;
  let atClose: ReturnType<typeof attributesOf> | undefined;
  let signalClosed: () => void = () => {};
  const closedSignal = new Promise<void>((resolve) => {
    signalClosed = resolve;
  });
  /** The operations started, by name, and whether each had settled when close() ran. */
  const operations = new Map<string, Promise<unknown>>();
  let settledAtClose: Promise<Map<string, boolean>> | undefined;
  let openAtClose: readonly boolean[] = [];

  const detailOf = (side: Side, kind: TargetKind, target: EventTarget, event: Event): string => {
    const p = pcs[side];
    switch (`${kind} ${event.type}`) {
      case 'pc signalingstatechange':
        return p.signalingState;
      case 'pc iceconnectionstatechange':
        return p.iceConnectionState;
      case 'pc connectionstatechange':
        return p.connectionState;
      case 'pc icegatheringstatechange':
        return p.iceGatheringState;
      case 'pc icecandidate': {
        const { candidate } = event as RTCPeerConnectionIceEvent;
        return candidate === null ? 'null' : candidate.candidate === '' ? 'end' : 'candidate';
      }
      case 'ice statechange':
      case 'dtls statechange':
      case 'sctp statechange': {
        const { state, stateCause } = target as
          | RTCIceTransport
          | RTCDtlsTransport
          | RTCSctpTransport;
        return `${state} ${stateCause.kind}`;
      }
      case 'ice gatheringstatechange':
        return (target as RTCIceTransport).gatheringState;
      case 'channel error': {
        const { error } = event as RTCErrorEvent;
        return `${error.errorDetail} ${error.sctpCauseCode}`;
      }
      case 'channel closing':
      case 'channel close':
        return (event as RTCStateChangeEvent).cause.kind;
      default:
        return '';
    }
  };

  // Records every event of `target` (one listener per name), then closes when it is the trigger.
  const record = (side: Side, kind: TargetKind, target: EventTarget | null): void => {
    if (target === null || adopted.has(target)) return;
    adopted.add(target);
    for (const type of EVENTS[kind]) {
      target.addEventListener(type, (event) => {
        if (kind === 'pc') adopt(side);
        if (type === 'datachannel') {
          const { channel } = event as RTCDataChannelEvent;
          channels[side].push(channel);
          record(side, 'channel', channel);
        }
        const entry = `${side} ${kind} ${type}`;
        const detail = detailOf(side, kind, target, event);
        log.push({ at: clock.now(), entry: detail === '' ? entry : `${entry} ${detail}` });
        if (entry !== trigger || closedAt !== undefined) return;
        if (c.detail !== undefined && !detail.startsWith(c.detail)) return;
        log.push({ at: clock.now(), entry: 'close()' });
        closedAt = clock.now();
        openAtClose = channels[otherSide].map((ch) => ch.readyState === 'open');
        const names = [...operations.keys()];
        settledAtClose = Promise.all(names.map((n) => settledNow(operations.get(n)!))).then(
          (settled) => new Map(names.map((n, i) => [n, settled[i]!])),
        );
        pc.close();
        atClose = attributesOf(pc, channels[c.side]);
        signalClosed();
      });
    }
  };
  // The targets a connection has so far: its transports once a description names SCTP, the
  // tracks of its transceivers.
  const adopt = (side: Side): void => {
    const p = pcs[side];
    record(side, 'sctp', p.sctp);
    record(side, 'dtls', p.sctp?.transport ?? null);
    record(side, 'ice', p.sctp?.transport.iceTransport ?? null);
    for (const t of p.getTransceivers()) {
      record(side, 'track', t.sender.track);
      record(side, 'track', t.receiver.track);
    }
  };
  record('a', 'pc', a);
  record('b', 'pc', b);

  const closed = (): boolean => closedAt !== undefined;
  // An operation, logged when it settles; the life goes on at once if the close comes first.
  const run = (side: Side, name: string, promise: Promise<unknown>): Promise<unknown> => {
    const entry = `${side} ${name}`;
    operations.set(entry, promise);
    const logged = promise.then(
      () => void log.push({ at: clock.now(), entry: `${entry} resolved` }),
      (error: Error) =>
        void log.push({ at: clock.now(), entry: `${entry} rejected ${error.name}` }),
    );
    return Promise.race([logged, closedSignal]);
  };
  const seen = (prefix: string): boolean => log.some((e) => e.entry.startsWith(prefix));

  // The life of the connection, each step taken only while it is open.
  const c1 = a.createDataChannel('chat');
  channels.a.push(c1);
  record('a', 'channel', c1);
  const video = c.media ? MediaStreamTrack.create('video') : undefined;
  if (video) a.addTrack(video);
  adopt('a');
  await tasks();
  // Signaling takes a millisecond each way: what each step queued (its events, which follow
  // its promise) runs before the next message arrives, as it would between two hosts.
  const signal = (): Promise<void> => clock.advance(1);
  if (!closed()) await run('a', 'setLocalDescription', a.setLocalDescription());
  if (!closed()) await signal();
  if (!closed())
    await run('b', 'setRemoteDescription', b.setRemoteDescription(a.localDescription!));
  if (!closed()) await run('b', 'setLocalDescription', b.setLocalDescription());
  if (!closed()) await signal();
  if (!closed())
    await run('a', 'setRemoteDescription', a.setRemoteDescription(b.localDescription!));
  const c2 = (): RTCDataChannel | undefined => channels.b[0];
  await clock.runUntil(
    () => closed() || (c1.readyState === 'open' && c2()?.readyState === 'open'),
    { timeoutMs: 10_000 },
  );
  if (!closed()) {
    // Two messages sent at once: the second must not follow a close from the first.
    c2()!.send('one');
    c2()!.send('two');
    await clock.runUntil(() => closed() || seen('a channel message'), { timeoutMs: 1000 });
  }
  if (!closed()) {
    c1.send(new Uint8Array(10_000));
    await clock.runUntil(() => closed() || seen('a channel bufferedamountlow'), {
      timeoutMs: 1000,
    });
  }
  if (!closed() && video) {
    const receiver = b.getReceivers().find((r) => r.track.kind === 'video')!;
    expect(video.writeFrame(keyframe, { timestamp: 0, keyframe: true })).toBe(true);
    await clock.advance(50);
    expect(receiver.requestKeyFrame()).toBe(true);
    await clock.runUntil(() => closed() || seen('a track keyframerequest'), { timeoutMs: 1000 });
  }
  if (!closed()) {
    c2()!.close();
    await clock.runUntil(() => closed() || seen('a channel close'), { timeoutMs: 1000 });
  }
  expect(closedAt, `${trigger} never fired:\n${log.map((e) => e.entry).join('\n')}`).toBeDefined();
  const start = closedAt!;
  const settled = await settledAtClose!;
  const inFlight = [...settled]
    .filter(([name, done]) => !done && name.startsWith(`${c.side} `))
    .map(([name]) => name.slice(2));

  // Once closed, a new operation rejects, and createDataChannel() throws (InvalidStateError).
  const late = await Promise.allSettled([
    pc.createOffer(),
    pc.createAnswer(),
    pc.setLocalDescription(),
    pc.setRemoteDescription({ type: 'offer', sdp: 'v=0\r\n' }),
    pc.addIceCandidate({ candidate: '', sdpMid: '0' }),
  ]);
  const lateErrors = late.map((r) => (r.status === 'rejected' ? (r.reason as Error).name : 'ok'));
  let createError = 'none';
  try {
    pc.createDataChannel('late');
  } catch (error) {
    createError = (error as Error).name;
  }

  // The other peer, for longer than any bound; the closed side is watched all along.
  await clock.advance(WITHIN.checks + 1000);
  const released = await Promise.race([pc.released.then(() => true), tasks(10).then(() => false)]);
  const index = log.findIndex((e) => e.entry === 'close()');
  const after = log.slice(index + 1);
  /** Virtual ms from the close to the first entry of the other side that starts with `prefix`. */
  const heardAfter = (prefix: string): number => {
    const found = after.find((e) => e.entry.startsWith(`${otherSide} ${prefix}`));
    return found === undefined ? Number.POSITIVE_INFINITY : found.at - start;
  };
  return {
    entries: log.map((e) => e.entry),
    // What the closed side said after close(): only operations settled before it may show.
    after: after
      .map((e) => e.entry)
      .filter((e) => e.startsWith(`${c.side} `))
      .filter((e) => ![...settled].some(([name, done]) => done && e.startsWith(`${name} `))),
    inFlight,
    atClose,
    atEnd: attributesOf(pc, channels[c.side]),
    expected: closedAttributes(pc, channels[c.side]),
    lateErrors,
    createError,
    released,
    other,
    otherChannels: channels[otherSide],
    openAtClose,
    heardAfter,
  };
}

const titled = (c: Case): [string, Case] => [
  `${c.side} closed from its ${c.target} ${c.event}${c.detail ? ` (${c.detail})` : ''}: nothing follows, the peer hears it (${c.heard})`,
  c,
];

describe('an RTCPeerConnection closed from inside a listener', () => {
  const check = async (_: string, c: Case): Promise<void> => {
    const r = await closeFrom(c);
    const trace = r.entries.join('\n');
    // Nothing follows on any of its targets, and what was in flight never settles.
    expect(r.after, trace).toEqual([]);
    expect(r.inFlight).toEqual(c.inFlight ?? []);
    // Everything reads closed at once, and stays so.
    expect(r.atClose).toEqual(r.expected);
    expect(r.atEnd).toEqual(r.expected);
    // webrtc-pc: operations after close() reject, createDataChannel() throws.
    expect(r.lateErrors).toEqual(Array(5).fill('InvalidStateError'));
    expect(r.createError).toBe('InvalidStateError');
    expect(r.released).toBe(true);
    expect(thrown).toEqual([]);

    const { other, heardAfter } = r;
    switch (c.heard) {
      case 'nothing':
        expect([other.iceConnectionState, other.connectionState]).toEqual(['new', 'new']);
        break;
      case 'abort': {
        // README: the ABORT then close_notify, within one trip; every channel closes.
        expect(heardAfter('sctp statechange closed aborted-by-peer')).toBeLessThanOrEqual(
          WITHIN.trip,
        );
        expect(other.sctp!.stateCause).toMatchObject({ kind: 'aborted-by-peer', causes: [12] });
        expect(heardAfter('dtls statechange closed close-notify-received')).toBeLessThanOrEqual(
          WITHIN.trip,
        );
        expect(r.otherChannels.map((ch) => ch.readyState)).toEqual(
          r.otherChannels.map(() => 'closed'),
        );
        if (r.openAtClose.includes(true))
          expect(heardAfter('channel error sctp-failure 12')).toBeLessThanOrEqual(WITHIN.trip);
        // webrtc-pc: a closed DTLS transport counts as connected; consent then fails ICE.
        expect(heardAfter('pc connectionstatechange failed')).toBeLessThanOrEqual(WITHIN.consent);
        break;
      }
      case 'close-notify':
        expect(heardAfter('dtls statechange closed close-notify-received')).toBeLessThanOrEqual(
          WITHIN.trip,
        );
        expect(heardAfter('pc connectionstatechange failed')).toBeLessThanOrEqual(WITHIN.consent);
        break;
      case 'dtls-timeout':
        expect(heardAfter('dtls statechange failed handshake-timeout')).toBeLessThanOrEqual(
          WITHIN.dtls,
        );
        expect(heardAfter('pc connectionstatechange failed')).toBeLessThanOrEqual(WITHIN.dtls);
        break;
      case 'checks-fail':
        expect(heardAfter('ice statechange failed all-pairs-failed')).toBeLessThanOrEqual(
          WITHIN.checks,
        );
        expect(heardAfter('pc connectionstatechange failed')).toBeLessThanOrEqual(WITHIN.checks);
        break;
    }
    expect(other.connectionState).toBe(c.heard === 'nothing' ? 'new' : 'failed');
  };
  it.each(cases.filter((c) => c.bug === undefined).map(titled))('%s', check);
  // Each fails for the bug its case names (see `bug`); the test turns red once it is fixed.
  it.fails.each(cases.filter((c) => c.bug !== undefined).map(titled))('%s', check);
});
