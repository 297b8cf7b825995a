/**
 * W3C `RTCDTMFSender` and `RTCDTMFToneChangeEvent` (webrtc-pc §7 "Peer-to-peer DTMF"): the
 * tone buffer, the DTMF playout task on the connection's clock, the `tonechange` events, and
 * the RFC 4733 telephone-event packets each tone becomes on the audio sender's RTP stream
 * (RFC 7874 §4: WebRTC sends DTMF as RFC 4733 events, never as audio).
 *
 * On the wire, one tone of `duration` ms starting at t0 (RFC 4733 §2.5):
 * - every packet carries the audio sender's SSRC, the next number of its sequence, the
 *   telephone-event payload type negotiated at the audio codec's clock rate, and the RTP
 *   timestamp the audio stream had at t0 (its timeline, so a receiver places the tone in the
 *   audio: §2.5.1.1); volume 10 (−10 dBm0), as browsers send;
 * - one packet every 50 ms (t0 + 50, t0 + 100, …), the duration field counting the samples
 *   since t0; the marker bit on the first (§2.5.1.3);
 * - at t0 + duration the final packet, with the E bit and the whole duration, three times
 *   back to back (§2.5.1.4 asks for three; libwebrtc sends them at once, as here);
 * - a tone longer than the 16-bit duration field (1.36 s at 48 kHz) is cut in segments
 *   (§2.5.2.3): each full segment's last packet (duration 0xFFFF) three times, the next
 *   segment's timestamp 0xFFFF further, no marker.
 */
import type { Timer } from '@x/transport';
import { defineEventHandler, SafeEventTarget } from './events.js';
import { sendCodecOf } from './media-send.js';
import type { DtmfPlayout, SenderState } from './rtp-state.js';
import { isTelephoneEvent } from './sdp/jsep-media.js';
import type { SdpCodec } from './sdp/rtp-media.js';

/** The characters `insertDTMF()` takes once `a`–`d` are upper-cased (webrtc-pc §7.2). */
const TONES = '0123456789ABCD#*,';
/** RFC 4733 §3.2 Table 1: the DTMF event codes. */
const EVENT_CODES: Readonly<Record<string, number>> = {
  '0': 0,
  '1': 1,
  '2': 2,
  '3': 3,
  '4': 4,
  '5': 5,
  '6': 6,
  '7': 7,
  '8': 8,
  '9': 9,
  '*': 10,
  '#': 11,
  A: 12,
  B: 13,
  C: 14,
  D: 15,
};
/** webrtc-pc: "," delays the next tone by 2 seconds. */
const PAUSE_MS = 2000;
/** How often an event's packet is updated (RFC 4733 §2.5.1.2; 50 ms, a common choice). */
const PACKET_INTERVAL_MS = 50;
/** The volume field: −10 dBm0, what browsers send (RFC 4733 §2.3: 0 to 63, the power below 0 dBm0). */
const VOLUME = 10;
/** The final packet of an event or segment goes this many times (RFC 4733 §2.5.1.4). */
const FINAL_COPIES = 3;
/** The largest duration one packet can carry (RFC 4733 §2.5.2.3: longer events are segmented). */
const MAX_SEGMENT = 0xffff;

/** WebIDL `unsigned long` of a value: ToNumber, truncated, modulo 2^32 (NaN and ±∞ give 0). */
const toUnsignedLong = (value: unknown): number => {
  const x = Number(value);
  if (!Number.isFinite(x)) return 0;
  const t = Math.trunc(x) % 0x1_0000_0000;
  return t < 0 ? t + 0x1_0000_0000 : t;
};

const clamp = (value: number, min: number, max: number): number =>
  Math.min(max, Math.max(min, value));

/**
 * RFC 4733 §2.3 payload of a telephone event: the event code, the E(nd) bit, the reserved
 * bit (0) and the volume, then the duration in samples of the event's clock.
 */
function telephoneEventPayload(
  event: number,
  end: boolean,
  volume: number,
  duration: number,
): Uint8Array {
  return Uint8Array.of(
    event & 0xff,
    (end ? 0x80 : 0) | (volume & 0x3f),
    (duration >> 8) & 0xff,
    duration & 0xff,
  );
}

/**
 * The telephone-event codec `sender` sends DTMF with: the negotiated one at the clock rate of
 * the codec its audio goes out with (libwebrtc's choice too), so that the event's timestamp
 * and duration are on the audio stream's timeline; undefined when none was negotiated.
 */
function telephoneEventOf(sender: SenderState): SdpCodec | undefined {
  const audio = sendCodecOf(sender);
  if (audio === undefined) return undefined;
  return sender.codecs.find((c) => isTelephoneEvent(c) && c.clockRate === audio.clockRate);
}

/** webrtc-pc "determine if DTMF can be sent" (§7.3), step by step. */
function canSendDtmf(sender: SenderState): boolean {
  const transceiver = sender.transceiver;
  // "If connection's RTCPeerConnectionState is not "connected" return false."
  if (sender.host.connectionState !== 'connected') return false;
  // "If transceiver.[[Stopping]] is true return false."
  if (transceiver === undefined || transceiver.stopping) return false;
  // "If sender.[[SenderTrack]] is null return false."
  if (sender.track === null) return false;
  // "If transceiver.[[CurrentDirection]] is neither "sendrecv" nor "sendonly" return false."
  const direction = transceiver.currentDirection;
  if (direction !== 'sendrecv' && direction !== 'sendonly') return false;
  // "If sender.[[SendEncodings]][0].active is false return false."
  if (sender.encodings[0]?.active === false) return false;
  // "If no codec with mimetype "audio/telephone-event" has been negotiated for sending with
  // this sender, return false." (One at the audio codec's clock rate, see telephoneEventOf.)
  return telephoneEventOf(sender) !== undefined;
}

/** webrtc-pc `RTCDTMFToneChangeEventInit`. */
export interface RTCDTMFToneChangeEventInit {
  /** As `EventInit`. */
  bubbles?: boolean;
  /** As `EventInit`. */
  cancelable?: boolean;
  /** As `EventInit`. */
  composed?: boolean;
  /** The tone that has just begun (`","` included); default `""`. */
  tone?: string;
}

/**
 * W3C `RTCDTMFToneChangeEvent` (webrtc-pc §7.4): what `tonechange` carries. `tone` is the
 * character of the tone that has just begun playout (`","` for a pause), or the empty string
 * once the tone buffer is empty and the previous tones have been played.
 */
export class RTCDTMFToneChangeEvent extends Event {
  readonly #tone: string;

  constructor(type: string, init: RTCDTMFToneChangeEventInit = {}) {
    // biome-ignore lint/complexity/noArguments: WebIDL: the type is required.
    if (arguments.length < 1) throw new TypeError('RTCDTMFToneChangeEvent needs a type');
    if (init !== undefined && init !== null && typeof init !== 'object')
      throw new TypeError('RTCDTMFToneChangeEvent: the init must be a dictionary');
    super(type, init ?? {});
    this.#tone = init?.tone === undefined ? '' : String(init.tone);
  }

  /** The tone that has just begun playout, or `""` when the tone buffer ran out. */
  get tone(): string {
    return this.#tone;
  }
}

/** The slots and timers behind one `RTCDTMFSender`. */
interface DtmfState {
  readonly sender: SenderState;
  /** [[ToneBuffer]], upper-cased. */
  toneBuffer: string;
  /** [[Duration]] and [[InterToneGap]], clamped, in ms. */
  duration: number;
  interToneGap: number;
  /** The scheduled run of the DTMF playout task steps. */
  task: Timer | undefined;
  /** The next packet of the tone being played. */
  packet: Timer | undefined;
}

const states = new WeakMap<RTCDTMFSender, DtmfState>();

/**
 * W3C `RTCDTMFSender` (webrtc-pc §7.2): `sender.dtmf` of an audio sender. `insertDTMF()` fills
 * the tone buffer; a playout task on the connection's clock takes one tone at a time, sends it
 * as RFC 4733 telephone events on the sender's RTP stream, and fires `tonechange`. Made with
 * its `RTCRtpSender`, never by the application (`new RTCDTMFSender()` is a TypeError).
 *
 * @example
 * ```ts
 * const [sender] = pc.getSenders();
 * sender.dtmf!.ontonechange = (e) => console.log(e.tone || 'done');
 * if (sender.dtmf!.canInsertDTMF) sender.dtmf!.insertDTMF('1234#', 120, 60);
 * ```
 */
export class RTCDTMFSender extends SafeEventTarget {
  /** The `tonechange` event handler (an {@link RTCDTMFToneChangeEvent} per tone, then `""`). */
  declare ontonechange: ((event: RTCDTMFToneChangeEvent) => unknown) | null;

  /** @internal */
  constructor(sender: SenderState) {
    super();
    if (sender === undefined || typeof sender !== 'object' || !('ssrc' in sender))
      throw new TypeError('Illegal constructor');
    const state: DtmfState = {
      sender,
      toneBuffer: '',
      duration: 100,
      interToneGap: 70,
      task: undefined,
      packet: undefined,
    };
    states.set(this, state);
    const playout: DtmfPlayout = {
      cancel: () => {
        state.task?.cancel();
        state.task = undefined;
        state.packet?.cancel();
        state.packet = undefined;
      },
    };
    sender.dtmf = playout;
  }

  /**
   * webrtc-pc `canInsertDTMF`: "determine if DTMF can be sent": the connection is connected,
   * the transceiver is not stopping and was negotiated to send (`currentDirection` `sendrecv`
   * or `sendonly`), the sender has a track and its first encoding is active, and a
   * telephone-event codec was negotiated at the clock rate of the audio codec.
   */
  get canInsertDTMF(): boolean {
    return canSendDtmf(states.get(this)!.sender);
  }

  /** webrtc-pc `toneBuffer`: the tones still to be played (`a`–`d` upper-cased). */
  get toneBuffer(): string {
    return states.get(this)!.toneBuffer;
  }

  /**
   * webrtc-pc `insertDTMF()`: replaces the tone buffer with `tones` (`0`–`9`, `A`–`D` in
   * either case, `#`, `*`, and `,` for a 2 s pause), each tone lasting `duration` ms (clamped
   * to 40–6000) followed by `interToneGap` ms of silence (clamped to 30–6000), and starts the
   * playout unless it is already running (then the new tones follow the current one). `""`
   * cancels the tones after the one playing. Throws InvalidStateError when DTMF cannot be
   * sent (see {@link RTCDTMFSender.canInsertDTMF}), InvalidCharacterError for any other
   * character.
   */
  insertDTMF(tones: string, duration = 100, interToneGap = 70): void {
    // biome-ignore lint/complexity/noArguments: WebIDL: tones is required.
    if (arguments.length < 1) throw new TypeError('insertDTMF(): tones is required');
    const text = String(tones);
    const durationMs = toUnsignedLong(duration);
    const gapMs = toUnsignedLong(interToneGap);
    const state = states.get(this)!;
    // "If determine if DTMF can be sent for dtmf returns false, throw an InvalidStateError."
    if (!canSendDtmf(state.sender))
      throw new DOMException(
        'insertDTMF(): DTMF cannot be sent: the connection must be connected and the audio sender negotiated to send with telephone-event',
        'InvalidStateError',
      );
    // "The characters a to d MUST be normalized to uppercase on entry"; any character other
    // than the recognized ones is an InvalidCharacterError.
    let normalized = '';
    for (const ch of text) {
      const c = ch >= 'a' && ch <= 'd' ? ch.toUpperCase() : ch;
      if (!TONES.includes(c))
        throw new DOMException(
          `insertDTMF(): "${ch}" is not a DTMF tone (0-9, A-D, #, * or ",")`,
          'InvalidCharacterError',
        );
      normalized += c;
    }
    state.toneBuffer = normalized;
    state.duration = clamp(durationMs, 40, 6000);
    state.interToneGap = clamp(gapMs, 30, 6000);
    // "If [[ToneBuffer]] is an empty string, abort these steps."
    if (normalized === '') return;
    // "If a task to run the DTMF playout task steps is scheduled to be run, abort these
    // steps; otherwise queue a task that runs the DTMF playout task steps."
    if (state.task !== undefined) return;
    this.schedule(state, 0);
  }

  private schedule(state: DtmfState, delayMs: number): void {
    state.task = state.sender.host.clock.setTimeout(() => this.playoutTask(state), delayMs);
  }

  /** webrtc-pc "DTMF playout task steps". */
  private playoutTask(state: DtmfState): void {
    state.task = undefined;
    // "If determine if DTMF can be sent for dtmf returns false, abort these steps."
    if (!canSendDtmf(state.sender)) return;
    // "If the [[ToneBuffer]] slot is the empty string, fire an event named tonechange ...
    // with the tone attribute set to an empty string ... and abort these steps."
    if (state.toneBuffer === '') {
      this.dispatchEvent(new RTCDTMFToneChangeEvent('tonechange', { tone: '' }));
      return;
    }
    // "Remove the first character from the [[ToneBuffer]] slot and let that character be tone."
    const tone = state.toneBuffer[0]!;
    state.toneBuffer = state.toneBuffer.slice(1);
    if (tone === ',') {
      // "delay sending tones for 2000 ms ... and queue a task to be executed in 2000 ms".
      this.schedule(state, PAUSE_MS);
    } else {
      // "start playout of tone for [[Duration]] ms ... then queue a task to be executed in
      // [[Duration]] + [[InterToneGap]] ms from now".
      this.playTone(state, EVENT_CODES[tone]!, state.duration);
      this.schedule(state, state.duration + state.interToneGap);
    }
    // "Fire an event named tonechange ... with the tone attribute set to tone" (last: a
    // listener sees the buffer without the tone and may call anything).
    this.dispatchEvent(new RTCDTMFToneChangeEvent('tonechange', { tone }));
  }

  /**
   * One tone as RFC 4733 events on the sender's stream (see the module comment). When the
   * sender cannot send now (no live track, an inactive encoding), the tone is timed all the
   * same, without packets.
   */
  private playTone(state: DtmfState, event: number, durationMs: number): void {
    const sender = state.sender;
    const codec = telephoneEventOf(sender);
    const media = sender.host.media;
    const start = media.rtpTimestampOf(sender);
    if (codec === undefined || start === undefined) return;
    const startMs = sender.host.clock.now();
    const rate = codec.clockRate;
    const total = Math.round((durationMs * rate) / 1000);
    let segment = 0; // samples before the current segment
    let first = true;
    const send = (duration: number, end: boolean, copies: number): void => {
      const payload = telephoneEventPayload(event, end, VOLUME, duration);
      for (let i = 0; i < copies; i++) {
        media.writePayload(sender, payload, {
          payloadType: codec.payloadType,
          rtpTimestamp: start + segment,
          marker: first,
        });
        first = false;
      }
    };
    const packet = (k: number): void => {
      state.packet = undefined;
      const end = k * PACKET_INTERVAL_MS >= durationMs;
      const samples = end ? total : Math.round((k * PACKET_INTERVAL_MS * rate) / 1000);
      // RFC 4733 §2.5.2.3: a full segment ends (its last packet three times), the next one
      // begins 0xFFFF samples later.
      while (samples - segment > MAX_SEGMENT) {
        send(MAX_SEGMENT, false, FINAL_COPIES);
        segment += MAX_SEGMENT;
      }
      send(samples - segment, end, end ? FINAL_COPIES : 1);
      if (!end) next(k + 1);
    };
    const next = (k: number): void => {
      const at = startMs + Math.min(k * PACKET_INTERVAL_MS, durationMs);
      state.packet = sender.host.clock.setTimeout(() => packet(k), at - sender.host.clock.now());
    };
    next(1);
  }
}
defineEventHandler(RTCDTMFSender.prototype, 'tonechange');
