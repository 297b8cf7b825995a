/**
 * Our side of the media echo against pion (pion-media.test.ts): an RTCPeerConnection with a
 * VP8 and an Opus local track, negotiated with the pion loopback SFU of pion-media.ts in
 * either offer direction, the demo clip's frames written in real time, and the echoed frames
 * read from the remote tracks with their sha-256.
 */
import { createHash } from 'node:crypto';
import {
  type EncodedMediaFrame,
  MediaStream,
  MediaStreamTrack,
  RTCPeerConnection,
  type RTCRtpReceiver,
  type RTCRtpTransceiver,
  type TrackStateEvent,
} from '@x/webrtc';
import type { ClipFrame, ClipTrack } from '../../demo/media/clip.mjs';
import { now } from '../webrtc/harness.js';
import type { Candidate, PionMediaPeer } from './pion-media.js';

export type Kind = 'video' | 'audio';
export const KINDS: readonly Kind[] = ['video', 'audio'];

/** A frame as compared on both sides: its bytes' sha-256, its µs from the first, keyframe. */
export interface FrameDigest {
  readonly sha256: string;
  readonly timestamp: number;
  readonly keyframe: boolean;
}

/** One remote track of ours (pion's echo) and what it yielded. */
export interface Echo {
  readonly track: MediaStreamTrack;
  readonly receiver: RTCRtpReceiver;
  readonly transceiver: RTCRtpTransceiver;
  readonly frames: FrameDigest[];
  /** Resolves when `frames()` ends (the track ended). */
  readonly done: Promise<void>;
  /** The `ended` events it fired, with their wall-clock time. */
  readonly ended: { at: number; event: TrackStateEvent }[];
}

/** A negotiated session: our peer connection, its local tracks and pion's echo of them. */
export interface EchoSession {
  readonly pc: RTCPeerConnection;
  readonly pion: PionMediaPeer;
  readonly local: Record<Kind, MediaStreamTrack>;
  /** Filled by `track` events as the descriptions are applied. */
  readonly echoes: Map<Kind, Echo>;
  readonly offer: string;
  readonly answer: string;
  /** Wall-clock ms from the first description to `connected`. */
  readonly connectMs: number;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** What a list of frames should come back as: timestamps counted from the first. */
export function digests(frames: readonly ClipFrame[]): FrameDigest[] {
  const first = frames[0]?.timestampUs ?? 0;
  return frames.map((f) => ({
    sha256: sha256(f.data),
    timestamp: f.timestampUs - first,
    keyframe: f.keyframe,
  }));
}

/** The clip's frames of `kind` whose timestamp is below `seconds`. */
export function clipFrames(clip: readonly ClipTrack[], kind: Kind, seconds: number): ClipFrame[] {
  const track = clip.find((t) => t.kind === kind);
  if (track === undefined) throw new Error(`the clip has no ${kind} track`);
  return track.frames.filter((f) => f.timestampUs < seconds * 1e6);
}

/** Our RTCPeerConnection, on 127.0.0.1 only. */
export const ourPeerConnection = (): RTCPeerConnection =>
  new RTCPeerConnection({
    gather: { includeLoopback: true, ipv6: false, addressFilter: (a) => a === '127.0.0.1' },
    mdns: 'resolve',
  });

/**
 * `pc` with a video and an audio track, negotiated with `pion`: we offer (pion takes the offer's transceivers for its echo tracks with AddTrack,
 * so that its answer says sendrecv), or pion offers (its echo tracks on sendrecv
 * transceivers first) and we answer with our tracks added to the offer's transceivers.
 * Trickled candidates wait for the description they belong to. Resolves once `connected`.
 */
export async function connectEcho(
  pc: RTCPeerConnection,
  pion: PionMediaPeer,
  weOffer: boolean,
): Promise<EchoSession> {
  const local = {
    video: MediaStreamTrack.create('video', { label: 'clip-video' }),
    audio: MediaStreamTrack.create('audio', { label: 'clip-audio' }),
  };
  const stream = new MediaStream();
  const echoes = new Map<Kind, Echo>();
  pc.ontrack = ({ track, receiver, transceiver }) => {
    const frames: FrameDigest[] = [];
    const ended: Echo['ended'] = [];
    track.addEventListener('ended', (event) =>
      ended.push({ at: now(), event: event as TrackStateEvent }),
    );
    const done = (async () => {
      for await (const f of track.frames() as AsyncIterable<EncodedMediaFrame>)
        frames.push({ sha256: sha256(f.data), timestamp: f.timestamp, keyframe: f.keyframe });
    })();
    echoes.set(track.kind, { track, receiver, transceiver, frames, done, ended });
  };

  // Trickle: each side's candidates wait until the other side has the description.
  let pionReady = false;
  let oursReady = false;
  const toPion: Candidate[] = [];
  const toUs: Candidate[] = [];
  const failed: string[] = [];
  const flush = async (): Promise<void> => {
    try {
      if (pionReady)
        for (const c of toPion.splice(0)) await pion.call('addCandidate', { candidate: c });
      if (oursReady) for (const c of toUs.splice(0)) await pc.addIceCandidate(c);
    } catch (error) {
      failed.push(String(error));
    }
  };
  pc.onicecandidate = ({ candidate }) => {
    if (candidate === null || candidate.candidate === '') return;
    const c = candidate.toJSON();
    toPion.push({
      candidate: c.candidate ?? '',
      sdpMid: c.sdpMid ?? null,
      sdpMLineIndex: c.sdpMLineIndex ?? null,
    });
    void flush();
  };
  pion.onCandidate((c) => {
    toUs.push(c);
    void flush();
  });
  const connected = new Promise<void>((resolve, reject) => {
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'connected') resolve();
      if (pc.connectionState === 'failed') reject(new Error('our connection failed'));
    };
  });
  connected.catch(() => {}); // awaited below, once the descriptions are set

  const start = now();
  let offer: string;
  let answer: string;
  if (weOffer) {
    pc.addTrack(local.video, stream);
    pc.addTrack(local.audio, stream);
    await pc.setLocalDescription();
    offer = pc.localDescription!.sdp;
    await pion.call('setRemote', { description: { type: 'offer', sdp: offer } });
    pionReady = true;
    await pion.call('addEchoTracks');
    const made = await pion.call<{ type: 'answer'; sdp: string }>('createAnswer');
    await pion.call('setLocal', { description: made });
    answer = made.sdp;
    await pc.setRemoteDescription(made);
  } else {
    await pion.call('addEchoTracks');
    const made = await pion.call<{ type: 'offer'; sdp: string }>('createOffer');
    await pion.call('setLocal', { description: made });
    offer = made.sdp;
    await pc.setRemoteDescription(made);
    // addTrack takes the offer's transceiver of the kind (webrtc-pc §5.1 step 7), so that
    // the answer sends on it.
    pc.addTrack(local.video, stream);
    pc.addTrack(local.audio, stream);
    await pc.setLocalDescription();
    answer = pc.localDescription!.sdp;
    await pion.call('setRemote', { description: { type: 'answer', sdp: answer } });
    pionReady = true;
  }
  oursReady = true;
  await flush();
  await withTimeout(
    connected,
    10_000,
    () => `connected (candidates refused: ${failed.join('; ')})`,
  );
  return { pc, pion, local, echoes, offer, answer, connectMs: now() - start };
}

/**
 * Writes the frames of both kinds in timestamp order, each when its time comes (real time
 * from the first frame, `speed` times faster when given), and calls `onFrame` after each.
 * Resolves how many writes each kind had accepted.
 */
export async function play(
  local: Record<Kind, MediaStreamTrack>,
  frames: Record<Kind, readonly ClipFrame[]>,
  { speed = 1, onFrame }: { speed?: number; onFrame?: (kind: Kind, index: number) => void } = {},
): Promise<Record<Kind, number>> {
  const all = KINDS.flatMap((kind) => frames[kind].map((f, index) => ({ kind, f, index }))).sort(
    (a, b) => a.f.timestampUs - b.f.timestampUs,
  );
  const first = all[0]?.f.timestampUs ?? 0;
  const start = performance.now();
  const accepted: Record<Kind, number> = { video: 0, audio: 0 };
  for (const { kind, f, index } of all) {
    const wait = start + (f.timestampUs - first) / 1000 / speed - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (local[kind].writeFrame(f.data, { timestamp: f.timestampUs, keyframe: f.keyframe }))
      accepted[kind]++;
    onFrame?.(kind, index);
  }
  return accepted;
}

/** The entries of our stats report of one type and kind. */
export function statsOf(
  report: Map<string, Record<string, unknown>>,
  type: string,
  kind: Kind,
): Record<string, unknown>[] {
  return [...report.values()].filter((s) => s.type === type && s.kind === kind);
}

/** The codec entry an RTP stats entry points at. */
export function codecOf(
  report: Map<string, Record<string, unknown>>,
  entry: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  return entry === undefined ? undefined : report.get(String(entry.codecId));
}

/** Polls `check` every 10 ms until it holds; rejects after `ms` naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
