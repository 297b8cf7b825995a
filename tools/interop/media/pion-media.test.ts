// Media echo against pion/webrtc 3.1 (a Go loopback SFU, tools/interop/pion/peer/media.go):
// we send the demo clip's VP8 and Opus frames on two local tracks in real time, pion writes
// every RTP packet it reads back to us on its own track of the same transceiver, and our
// remote tracks must yield every frame we wrote, identical and in order. Both offer
// directions; a PLI from us goes round through pion's forwarder; our getStats() agrees with
// pion's counters; then each side closes once. The pion peer is built from Debian's packages
// at the start (apt golang-go golang-github-pion-webrtc.v3-dev), as for the data channels.
import { existsSync } from 'node:fs';
import type { KeyframeRequestEvent, RTCPeerConnection } from '@x/webrtc';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ClipTrack, readClip } from '../../demo/media/clip.mjs';
import { now } from '../webrtc/harness.js';
import { buildPion } from '../webrtc/pion.js';
import {
  clipFrames,
  codecOf,
  connectEcho,
  digests,
  type EchoSession,
  KINDS,
  type Kind,
  ourPeerConnection,
  play,
  statsOf,
  until,
} from './pion-echo.js';
import { type PionKindStats, PionMediaPeer } from './pion-media.js';

const PION_SOURCES = '/usr/share/gocode/src/github.com/pion/webrtc';
/** How much of the clip each session sends: 30 VP8 frames (15 fps) and 100 Opus frames. */
const SECONDS = 2;
/** The echoed video frame after which we ask pion for a keyframe. */
const PLI_AFTER = 10;
/**
 * The speed of the faster session. Unpaced (the whole clip, 211 packets, in about 9 ms) loses
 * the burst's tail in pion's UDP receive buffer (tools/interop/media/README.md).
 */
const FAST = 4;
/** Loopback bounds, in ms: far above what is measured (README), far below a timeout. */
const ROUND_TRIP_MS = 500;

let binary = '';
let clip: ClipTrack[] = [];

beforeAll(async () => {
  if (!existsSync(PION_SOURCES))
    throw new Error(
      `${PION_SOURCES} is missing: apt-get install golang-go golang-github-pion-webrtc.v3-dev (.ci/run does)`,
    );
  [binary, clip] = await Promise.all([buildPion(), readClip()]);
}, 180_000);

const sent = (kind: Kind) => clipFrames(clip, kind, SECONDS);

/** The media sections' directions of a description, in order. */
const directions = (sdp: string): string[] =>
  sdp
    .split(/\r?\n/)
    .filter((l) => /^a=(sendrecv|sendonly|recvonly|inactive)$/.test(l))
    .map((l) => l.slice(2));

/** What the whole echo gave, for the close step and the figures. */
interface Echoed {
  readonly session: EchoSession;
  readonly pionStats: Record<Kind, PionKindStats>;
  /** Wall-clock ms from our requestKeyFrame() to our local track's `keyframerequest`. */
  readonly pliRoundTripMs: number;
}

/**
 * Connects, checks the negotiation (VP8 and Opus, sendrecv on both sides), plays the clip
 * with a PLI after the 10th echoed video frame, and checks the echo, the PLI's way round
 * and the stats against pion's counters.
 */
async function echoScenario(
  pc: RTCPeerConnection,
  pion: PionMediaPeer,
  weOffer: boolean,
): Promise<Echoed> {
  const session = await connectEcho(pc, pion, weOffer);
  const { local, echoes, offer, answer } = session;

  // Negotiation: each side's description sends and receives audio and video.
  expect(directions(offer)).toEqual(['sendrecv', 'sendrecv']);
  expect(directions(answer)).toEqual(['sendrecv', 'sendrecv']);
  expect(pc.getTransceivers().map((t) => t.currentDirection)).toEqual(['sendrecv', 'sendrecv']);
  expect([...echoes.keys()].sort()).toEqual(['audio', 'video']);

  // The keyframe request: sent by our receiver of pion's video once 10 frames came back.
  const requests: { at: number; request: string }[] = [];
  local.video.addEventListener('keyframerequest', (e) =>
    requests.push({ at: now(), request: (e as KeyframeRequestEvent).request }),
  );
  const video = echoes.get('video')!;
  let askedAt: number | undefined;
  const accepted = await play(
    local,
    { video: sent('video'), audio: sent('audio') },
    {
      onFrame: () => {
        if (askedAt === undefined && video.frames.length >= PLI_AFTER) {
          askedAt = now();
          expect(video.receiver.requestKeyFrame()).toBe(true);
        }
      },
    },
  );
  expect(accepted).toEqual({ video: sent('video').length, audio: sent('audio').length });
  expect(askedAt).toBeDefined();

  // Every frame comes back: complete, identical, in order, with its timing and keyframe flag.
  await until(
    () => KINDS.every((k) => echoes.get(k)!.frames.length >= sent(k).length),
    2_000,
    'every echoed frame',
  );
  for (const kind of KINDS) expect(echoes.get(kind)!.frames).toEqual(digests(sent(kind)));

  // pion saw VP8 and Opus, on the mids we negotiated, and forwarded everything it read.
  const tracks = pion.eventsNamed('track');
  const mids = new Map(pc.getTransceivers().map((t) => [t.receiver.track.kind, t.mid]));
  expect(Object.fromEntries(tracks.map((t) => [t.kind, [t.mimeType, t.clockRate, t.mid]]))).toEqual(
    {
      video: ['video/VP8', 90_000, mids.get('video')],
      audio: ['audio/opus', 48_000, mids.get('audio')],
    },
  );

  // The PLI went round: our PLI reached pion on its video sender's SSRC, pion's forwarder
  // asked us with a PLI on our video SSRC, our local video track fired keyframerequest.
  const [pli] = await pion.waitFor('keyframeRequest', { timeoutMs: ROUND_TRIP_MS });
  await until(() => requests.length > 0, ROUND_TRIP_MS, 'keyframerequest on our video track');
  const pionStats0 = await pion.call<Record<Kind, PionKindStats>>('mediaStats');
  expect(pli).toMatchObject({
    kind: 'video',
    request: 'pli',
    mediaSsrc: pionStats0.video.localSsrc,
    forwardedTo: pionStats0.video.remoteSsrc,
  });
  expect(requests.map((r) => r.request)).toEqual(['pli']);
  const pliRoundTripMs = requests[0]!.at - askedAt!;

  // Stats: pion reports on our streams (remote-inbound-rtp) within its 1 s report interval.
  let report = new Map<string, Record<string, unknown>>();
  await until(
    async () => {
      report = (await pc.getStats()) as Map<string, Record<string, unknown>>;
      return KINDS.every(
        (k) => Number(statsOf(report, 'remote-inbound-rtp', k)[0]?.roundTripTimeMeasurements) >= 1,
      );
    },
    3_000,
    "pion's receiver reports with a round trip",
  );
  const pionStats = await pion.call<Record<Kind, PionKindStats>>('mediaStats');
  report = (await pc.getStats()) as Map<string, Record<string, unknown>>;
  for (const kind of KINDS) {
    const frames = sent(kind);
    const p = pionStats[kind];
    const outbound = statsOf(report, 'outbound-rtp', kind);
    const inbound = statsOf(report, 'inbound-rtp', kind);
    expect(outbound).toHaveLength(1);
    expect(inbound).toHaveLength(1);
    const [out, into] = [outbound[0]!, inbound[0]!];
    expect(out.ssrc).toBe(p.remoteSsrc);
    expect(into.ssrc).toBe(p.localSsrc);
    // What we sent is what pion read, what pion wrote back and what we received.
    expect(out.framesSent).toBe(frames.length);
    expect(out.keyFramesSent).toBe(
      kind === 'video' ? frames.filter((f) => f.keyframe).length : frames.length,
    );
    expect(out.packetsSent).toBeGreaterThanOrEqual(frames.length);
    expect(p.packetsIn).toBe(out.packetsSent);
    expect(p.bytesIn).toBe(out.bytesSent);
    expect(p.packetsOut).toBe(p.packetsIn);
    expect(p.writeErrors).toBe(0);
    expect(into.packetsReceived).toBe(p.packetsOut);
    expect(into.bytesReceived).toBe(p.bytesIn);
    expect(into.framesReceived).toBe(frames.length);
    expect(into.packetsLost).toBe(0);
    // The codecs: VP8 and Opus both ways.
    const mime = kind === 'video' ? 'video/VP8' : 'audio/opus';
    expect(codecOf(report, out)?.mimeType).toBe(mime);
    expect(codecOf(report, into)?.mimeType).toBe(mime);
    // The PLI counted on both of our ends: one sent on the receiver, one heard on the sender.
    expect([into.pliCount, out.pliCount]).toEqual(kind === 'video' ? [1, 1] : [0, 0]);
    expect([p.pli, p.forwarded]).toEqual(kind === 'video' ? [1, 1] : [0, 0]);
    // pion's receiver reports on our stream: nothing lost, a round trip measured.
    const remote = statsOf(report, 'remote-inbound-rtp', kind)[0]!;
    expect(remote.localId).toBe(out.id);
    expect(remote.packetsLost).toBe(0);
    expect(remote.roundTripTimeMeasurements).toBeGreaterThanOrEqual(1);
    expect(remote.roundTripTime).toBeGreaterThan(0);
    expect(remote.roundTripTime).toBeLessThan(ROUND_TRIP_MS / 1000);
    // And ours reached pion: SR and SDES about our streams, report blocks about pion's.
    expect(p.sr).toBeGreaterThanOrEqual(1);
    expect(p.sdes).toBeGreaterThanOrEqual(1);
    expect(p.rrBlocks).toBeGreaterThanOrEqual(1);
  }
  return { session, pionStats, pliRoundTripMs };
}

/**
 * We close: pion reads our RTCP BYE for both SSRCs; our remote tracks end with
 * `connection-closed` and no `ended` event (webrtc-pc close()). pion 3.1 ends its remote
 * tracks on neither the BYE nor the DTLS close_notify: only its own Close() does.
 */
async function weClose({ session, pionStats }: Echoed): Promise<Record<string, number>> {
  const { pc, pion, echoes } = session;
  const closedAt = now();
  pc.close();
  await pc.released;
  const ours = KINDS.map((k) => pionStats[k].remoteSsrc).sort();
  const byes = await pion.waitFor('bye', { count: 2, timeoutMs: 1_000 });
  for (const bye of byes) expect([...(bye.sources as number[])].sort()).toEqual(ours);
  for (const kind of KINDS) {
    const echo = echoes.get(kind)!;
    await echo.done;
    expect(echo.track.readyState).toBe('ended');
    expect(echo.track.stateCause).toEqual({ kind: 'connection-closed' });
    expect(echo.ended).toEqual([]);
  }
  // pion's tracks are still read 1 s after our BYE (its ICE agent goes `disconnected` only
  // when consent checks go unanswered, about 6.7 s after our close).
  await new Promise((r) => setTimeout(r, 1_000));
  expect(pion.eventsNamed('trackEnded')).toEqual([]);
  const pionClosedAt = await pion.close();
  const ended = pion.eventsNamed('trackEnded');
  expect(ended.map((e) => e.kind).sort()).toEqual(['audio', 'video']);
  for (const e of ended) expect(e.t).toBeGreaterThanOrEqual(pionClosedAt);
  return { byeMs: Math.max(...byes.map((b) => b.t)) - closedAt };
}

/**
 * pion closes, as a pion application must to be heard: an RTCP BYE for its echo tracks'
 * SSRCs (pion 3.1 sends none by itself), then Close(). Our remote tracks fire `ended` with
 * cause `rtcp-bye` and pion's SSRC, and their `frames()` end.
 */
async function pionCloses({ session, pionStats }: Echoed): Promise<Record<string, number>> {
  const { pc, pion, echoes } = session;
  const byeAt = now();
  const { sources } = await pion.call<{ sources: number[] }>('bye');
  expect([...sources].sort()).toEqual(KINDS.map((k) => pionStats[k].localSsrc).sort());
  await until(
    () => KINDS.every((k) => echoes.get(k)!.ended.length > 0),
    ROUND_TRIP_MS,
    'ended on our remote tracks',
  );
  for (const kind of KINDS) {
    const echo = echoes.get(kind)!;
    await echo.done;
    const cause = { kind: 'rtcp-bye', ssrc: pionStats[kind].localSsrc };
    expect(echo.track.readyState).toBe('ended');
    expect(echo.track.stateCause).toEqual(cause);
    expect(echo.ended.map((e) => e.event.cause)).toEqual([cause]);
  }
  const endedMs = Math.max(...KINDS.map((k) => echoes.get(k)!.ended[0]!.at)) - byeAt;
  await pion.close();
  // Nothing of ours changes after: the tracks keep their cause through our close().
  pc.close();
  await pc.released;
  for (const kind of KINDS)
    expect(echoes.get(kind)!.track.stateCause).toEqual({
      kind: 'rtcp-bye',
      ssrc: pionStats[kind].localSsrc,
    });
  return { endedMs };
}

const figures = (title: string, echoed: Echoed, close: Record<string, number>): void => {
  const f = {
    connectMs: echoed.session.connectMs,
    pliRoundTripMs: echoed.pliRoundTripMs,
    ...close,
  };
  const text = Object.entries(f)
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(', ');
  console.log(`pion media echo, ${title}: ${text}`);
};

describe.each([
  ['x-webrtc offers, pion answers', true],
  ['pion offers, x-webrtc answers', false],
] as const)('%s', (title, weOffer) => {
  const TITLE =
    'negotiates VP8 and Opus sendrecv, gets every frame of the clip back identical and in order, a PLI round trip through pion, stats that agree with pion';

  it(`${TITLE}; then we close: pion reads our BYE, our tracks end (connection-closed)`, async () => {
    const pion = new PionMediaPeer(binary);
    const pc = ourPeerConnection();
    try {
      const echoed = await echoScenario(pc, pion, weOffer);
      figures(`${title}, we close`, echoed, await weClose(echoed));
    } finally {
      pc.close();
      await pc.released;
      await pion.close();
    }
  }, 30_000);

  it(`${TITLE}; then pion sends BYE and closes: our tracks end (rtcp-bye)`, async () => {
    const pion = new PionMediaPeer(binary);
    const pc = ourPeerConnection();
    try {
      const echoed = await echoScenario(pc, pion, weOffer);
      figures(`${title}, pion closes`, echoed, await pionCloses(echoed));
    } finally {
      pc.close();
      await pc.released;
      await pion.close();
    }
  }, 30_000);
});

describe("pion's Close() alone", () => {
  it('sends no RTCP BYE: our DTLS transport closes on its close_notify, our remote tracks stay live (rtp-received)', async () => {
    const pion = new PionMediaPeer(binary);
    const pc = ourPeerConnection();
    try {
      const { local, echoes } = await connectEcho(pc, pion, false);
      const frames = {
        video: clipFrames(clip, 'video', 0.6),
        audio: clipFrames(clip, 'audio', 0.6),
      };
      await play(local, frames);
      await until(
        () => KINDS.every((k) => echoes.get(k)!.frames.length >= frames[k].length),
        2_000,
        'every echoed frame',
      );
      const pionStats = await pion.call<Record<Kind, PionKindStats>>('mediaStats');
      const closedAt = await pion.close();
      const dtls = pc.getTransceivers()[0]!.sender.transport!;
      await until(() => dtls.state === 'closed', ROUND_TRIP_MS, 'our DTLS transport closed');
      const dtlsClosedMs = now() - closedAt;
      // A closed DTLS transport still counts as connected (webrtc-pc RTCPeerConnectionState);
      // nothing else came from pion, so the tracks are as the last RTP packet left them.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(pc.connectionState).toBe('connected');
      for (const kind of KINDS) {
        const { track, ended } = echoes.get(kind)!;
        expect([track.readyState, track.muted]).toEqual(['live', false]);
        expect(track.stateCause).toEqual({ kind: 'rtp-received', ssrc: pionStats[kind].localSsrc });
        expect(ended).toEqual([]);
      }
      pc.close();
      await pc.released;
      for (const kind of KINDS)
        expect(echoes.get(kind)!.track.stateCause).toEqual({ kind: 'connection-closed' });
      console.log(`pion media echo, pion's Close() alone: dtlsClosedMs ${dtlsClosedMs.toFixed(1)}`);
    } finally {
      pc.close();
      await pc.released;
      await pion.close();
    }
  }, 30_000);
});

describe('faster than real time', () => {
  it('gets the whole clip back identical and in order when it is written 4 times faster than real time', async () => {
    const pion = new PionMediaPeer(binary);
    const pc = ourPeerConnection();
    try {
      const { local, echoes } = await connectEcho(pc, pion, true);
      const frames = {
        video: clipFrames(clip, 'video', Number.POSITIVE_INFINITY),
        audio: clipFrames(clip, 'audio', Number.POSITIVE_INFINITY),
      };
      const start = now();
      await play(local, frames, { speed: FAST });
      const writeMs = now() - start;
      await until(
        () => KINDS.every((k) => echoes.get(k)!.frames.length >= frames[k].length),
        2_000,
        'every echoed frame',
      );
      const echoMs = now() - start;
      for (const kind of KINDS) expect(echoes.get(kind)!.frames).toEqual(digests(frames[kind]));
      const { video, audio } = await pion.call<Record<Kind, PionKindStats>>('mediaStats');
      console.log(
        `pion media echo, ${frames.video.length + frames.audio.length} frames at ${FAST}x: writeMs ${writeMs.toFixed(1)}, echoMs ${echoMs.toFixed(1)}, pion NACKs ${video.nack + audio.nack}`,
      );
    } finally {
      pc.close();
      await pc.released;
      await pion.close();
    }
  }, 30_000);
});
