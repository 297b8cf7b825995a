/**
 * When the next regular RTCP report is due (RFC 3550 §6.2, §6.3.1; RFC 4585 §3.4), with the
 * figures WebRTC endpoints use.
 */

import type { MediaKind } from './stage.js';

/**
 * The mean interval of regular reports of a session with video, in ms: libwebrtc's
 * `kDefaultVideoReportInterval`. RFC 4585 §3.4 (AVPF, which WebRTC uses) lifts RFC 3550
 * §6.2's fixed 5 s minimum, and at video rates RFC 3550's bandwidth share (5 %) allows far
 * more than one report a second; one a second keeps the round-trip time and loss fresh for
 * the rate controllers at a cost of about 100 bytes a second.
 */
export const RTCP_VIDEO_INTERVAL_MS = 1000;

/**
 * The mean interval of regular reports of an audio-only session, in ms: RFC 3550 §6.2's
 * minimum of 5 s, which libwebrtc keeps for audio (`kDefaultAudioReportInterval`).
 */
export const RTCP_AUDIO_INTERVAL_MS = 5000;

/** The mean report interval for a session whose streams are of `kinds`: video's if any is video. */
export function rtcpIntervalFor(kinds: Iterable<MediaKind>): number {
  for (const kind of kinds) if (kind === 'video') return RTCP_VIDEO_INTERVAL_MS;
  return RTCP_AUDIO_INTERVAL_MS;
}

/**
 * The time to wait before the next report, in ms: the mean `intervalMs` times a uniform
 * factor in [0.5, 1.5) (RFC 3550 §6.3.1, so that reports of many participants do not
 * synchronise), halved before the first report (§6.2: "the initial … is halved", so a new
 * participant is heard soon). RFC 3550's division by e − 3/2 compensates for timer
 * reconsideration, which a two-party WebRTC session does not run; libwebrtc does neither, and
 * neither does this. `random` gives a uniform number in [0, 1).
 */
export function rtcpReportDelay(intervalMs: number, random: () => number, initial = false): number {
  const mean = initial ? intervalMs / 2 : intervalMs;
  return mean * (0.5 + random());
}
