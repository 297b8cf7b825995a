/**
 * libwebrtc M106 (npm `@roamhq/wrtc`, in process) as a media peer: a camera and a microphone
 * made of its nonstandard sources (`RTCVideoSource` fed with moving I420 frames,
 * `RTCAudioSource` fed with 10 ms of a 48 kHz sine), and sinks (`RTCVideoSink`,
 * `RTCAudioSink`) that count what its decoders give back. Its candidates of other addresses
 * than 127.0.0.1 are dropped in signaling (it gathers every interface).
 */
import { createRequire } from 'node:module';
import { loopbackOnly } from '../webrtc/harness.js';

/** The parts of a libwebrtc `MediaStreamTrack` used here. */
export interface WrtcTrack {
  readonly kind: 'audio' | 'video';
  readonly id: string;
  stop(): void;
}

interface WrtcFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

interface WrtcAudioData {
  samples: Int16Array;
  sampleRate: number;
  bitsPerSample?: number;
  channelCount?: number;
  numberOfFrames?: number;
}

interface WrtcSink {
  stop(): void;
}

interface WrtcTransceiver {
  readonly mid: string | null;
  readonly currentDirection: string | null;
}

/** An entry of libwebrtc's stats report (members vary by type). */
export type WrtcStats = Record<string, unknown> & { readonly type: string; readonly id: string };

/** The parts of libwebrtc's `RTCPeerConnection` used here. */
export interface WrtcPeerConnection {
  createOffer(): Promise<{ type: 'offer'; sdp: string }>;
  createAnswer(): Promise<{ type: 'answer'; sdp: string }>;
  setLocalDescription(d: { type: string; sdp: string }): Promise<void>;
  setRemoteDescription(d: { type: string; sdp: string }): Promise<void>;
  addIceCandidate(c: unknown): Promise<void>;
  addTrack(track: WrtcTrack, ...streams: unknown[]): unknown;
  getTransceivers(): WrtcTransceiver[];
  getStats(): Promise<Map<string, WrtcStats>>;
  close(): void;
  readonly connectionState: string;
  onicecandidate:
    | ((e: {
        candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null };
      }) => void)
    | null;
  ontrack: ((e: { track: WrtcTrack }) => void) | null;
}

interface Wrtc {
  RTCPeerConnection: new (config: unknown) => WrtcPeerConnection;
  MediaStream: new (tracks?: WrtcTrack[]) => unknown;
  nonstandard: {
    RTCVideoSource: new () => { createTrack(): WrtcTrack; onFrame(frame: WrtcFrame): void };
    RTCAudioSource: new () => { createTrack(): WrtcTrack; onData(data: WrtcAudioData): void };
    RTCVideoSink: new (
      track: WrtcTrack,
    ) => WrtcSink & { onframe: ((e: { frame: WrtcFrame }) => void) | null };
    RTCAudioSink: new (
      track: WrtcTrack,
    ) => WrtcSink & { ondata: ((e: WrtcAudioData) => void) | null };
  };
}

const require = createRequire(import.meta.url);
const wrtc = require('@roamhq/wrtc') as Wrtc;

/** What the fake camera and microphone produce. */
export interface SourceOptions {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** The sine's frequency in Hz (48 kHz, mono, 16 bits). */
  readonly toneHz: number;
}

export const AUDIO_RATE = 48_000;
/** libwebrtc's audio sources and sinks take and give 10 ms at a time. */
const CHUNK = AUDIO_RATE / 100;

/**
 * An I420 picture that changes every frame (a diagonal gradient that slides, a bright square
 * that crosses the picture, chroma that drifts), so that the encoder has real work and
 * produces full frames, not near-empty ones.
 */
export function movingI420(width: number, height: number, n: number): Uint8Array {
  const data = new Uint8Array(width * height * 1.5);
  const shift = n * 3;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) data[row + x] = (x + y + shift) & 0xff;
  }
  const side = height >> 2;
  const left = (n * 4) % (width - side);
  const top = (n * 2) % (height - side);
  for (let y = top; y < top + side; y++) data.fill(235, y * width + left, y * width + left + side);
  const chroma = (width >> 1) * (height >> 1);
  data.fill(128 + ((n * 2) % 64), width * height, width * height + chroma);
  data.fill(160 - ((n * 3) % 64), width * height + chroma);
  return data;
}

/** What the sinks counted. */
export interface SinkCounts {
  videoFrames: number;
  /** Width × height of the last decoded frame. */
  videoSize: string;
  audioSamples: number;
  /** Sign changes of the samples: twice the tone's frequency per second of a clean sine. */
  audioCrossings: number;
  /** Sample rate and channels of the last chunk. */
  audioFormat: string;
}

/** libwebrtc with a fake camera and microphone sending, and sinks on what it receives. */
export class LibwebrtcMediaPeer {
  readonly pc: WrtcPeerConnection;
  readonly sinks: SinkCounts = {
    videoFrames: 0,
    videoSize: '',
    audioSamples: 0,
    audioCrossings: 0,
    audioFormat: '',
  };
  /** Frames and 10 ms chunks handed to the sources so far. */
  videoFramesFed = 0;
  audioChunksFed = 0;
  private readonly video = new wrtc.nonstandard.RTCVideoSource();
  private readonly audio = new wrtc.nonstandard.RTCAudioSource();
  private readonly tracks: WrtcTrack[];
  private readonly open: WrtcSink[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastSign = 0;
  private started = 0;
  private readonly tone: Int16Array;

  constructor(private readonly options: SourceOptions) {
    this.pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    this.tracks = [this.video.createTrack(), this.audio.createTrack()];
    const stream = new wrtc.MediaStream(this.tracks);
    for (const track of this.tracks) this.pc.addTrack(track, stream);
    // One period-aligned second of the sine, read 10 ms at a time.
    this.tone = new Int16Array(AUDIO_RATE);
    for (let i = 0; i < AUDIO_RATE; i++)
      this.tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * options.toneHz * i) / AUDIO_RATE));
    this.pc.ontrack = ({ track }) => this.sink(track);
  }

  /** Starts the camera and microphone: frames and chunks are fed on time from now on. */
  start(): void {
    this.started = performance.now();
    this.timer = setInterval(() => this.feed(), 5);
  }

  /** Hands the sources what is due: every 10 ms chunk, and the frame of this instant. */
  private feed(): void {
    const elapsed = performance.now() - this.started;
    while (this.audioChunksFed < Math.floor(elapsed / 10)) {
      const offset = (this.audioChunksFed % 100) * CHUNK;
      this.audio.onData({
        samples: this.tone.slice(offset, offset + CHUNK),
        sampleRate: AUDIO_RATE,
        bitsPerSample: 16,
        channelCount: 1,
        numberOfFrames: CHUNK,
      });
      this.audioChunksFed++;
    }
    // A camera that is late skips the frames it missed rather than bursting them.
    const due = Math.floor((elapsed * this.options.fps) / 1000);
    if (due >= this.videoFramesFed) {
      const { width, height } = this.options;
      this.video.onFrame({ width, height, data: movingI420(width, height, due) });
      this.videoFramesFed = due + 1;
    }
  }

  private sink(track: WrtcTrack): void {
    if (track.kind === 'video') {
      const sink = new wrtc.nonstandard.RTCVideoSink(track);
      sink.onframe = ({ frame }) => {
        this.sinks.videoFrames++;
        this.sinks.videoSize = `${frame.width}x${frame.height}`;
      };
      this.open.push(sink);
    } else {
      const sink = new wrtc.nonstandard.RTCAudioSink(track);
      sink.ondata = (data) => {
        // Mono here (the check below); counts where the wave crosses zero.
        for (const sample of data.samples) {
          const sign = Math.sign(sample);
          if (sign !== 0 && sign !== this.lastSign) {
            if (this.lastSign !== 0) this.sinks.audioCrossings++;
            this.lastSign = sign;
          }
        }
        this.sinks.audioSamples += data.numberOfFrames ?? data.samples.length;
        this.sinks.audioFormat = `${data.sampleRate}/${data.channelCount ?? 1}`;
      };
      this.open.push(sink);
    }
  }

  /** Sends libwebrtc's 127.0.0.1 UDP candidates to `deliver` (the others are dropped). */
  onCandidate(
    deliver: (c: {
      candidate: string;
      sdpMid: string | null;
      sdpMLineIndex: number | null;
    }) => void,
  ): void {
    this.pc.onicecandidate = ({ candidate: c }) => {
      if (c?.candidate && loopbackOnly(c.candidate))
        deliver({
          candidate: c.candidate,
          sdpMid: c.sdpMid ?? null,
          sdpMLineIndex: c.sdpMLineIndex ?? null,
        });
    };
  }

  /** Stops the sources, the sinks and the connection. Safe to call again. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const sink of this.open.splice(0)) sink.stop();
    for (const track of this.tracks) track.stop();
    this.pc.close();
  }
}
