/**
 * The option dictionaries of `createOffer()` and `createAnswer()` as WebIDL converts them
 * (webrtc-pc `RTCOfferOptions`, with the legacy `offerToReceiveAudio`/`offerToReceiveVideo`
 * of webrtc-pc §11, and `RTCAnswerOptions`, which has no member).
 */
import type { RTCAnswerOptions, RTCOfferOptions } from './rtc-types.js';

/** WebIDL dictionary conversion: undefined and null are `{}`, another non-object a TypeError. */
function dictionary<T extends object>(value: T | null | undefined, name: string): Partial<T> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' && typeof value !== 'function')
    throw new TypeError(`the argument must be an ${name} dictionary`);
  return value;
}

/** @internal `RTCOfferOptions` once converted. */
export interface OfferOptions {
  /** New ICE credentials in the offer. */
  readonly iceRestart: boolean;
  /** The legacy members given, by kind (see `Transceivers.offerToReceive`). */
  readonly legacy: { audio?: boolean; video?: boolean };
}

/** @internal Converts `createOffer()`'s argument (TypeError for one that is not a dictionary). */
export function offerOptions(options: RTCOfferOptions | undefined): OfferOptions {
  const o = dictionary(options, 'RTCOfferOptions');
  return {
    iceRestart: Boolean(o.iceRestart),
    legacy: {
      ...(o.offerToReceiveAudio !== undefined ? { audio: Boolean(o.offerToReceiveAudio) } : {}),
      ...(o.offerToReceiveVideo !== undefined ? { video: Boolean(o.offerToReceiveVideo) } : {}),
    },
  };
}

/** @internal Converts `createAnswer()`'s argument (TypeError for one that is not a dictionary). */
export function answerOptions(options: RTCAnswerOptions | undefined): void {
  dictionary(options, 'RTCAnswerOptions');
}
