/**
 * The peer's view of one of our streams: what its report blocks say (RFC 3550 §6.4.1), and
 * the round-trip time from the sender reports they echo.
 */

import { compactNtp, type NtpTime } from '../rtcp/ntp.js';
import type { RtcpReportBlock } from '../rtcp/report-block.js';
import type { RemoteInboundRtpCounters } from './outbound-options.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Sender reports remembered to match the LSR of report blocks: 8 s of reports at 1 s. */
const SR_MEMORY = 8;

/**
 * The sender reports an outbound stream made, and what the peer reported back. The round-trip
 * time is RFC 3550 §6.4.1's A − LSR − DLSR with A on the monotonic clock: the block's LSR picks
 * the report it echoes among the last {@link SR_MEMORY}, and A − LSR is the time since that
 * report was made, so neither a wall-clock step nor the peer's clock matters.
 */
export class RemoteInboundState {
  private readonly sentReports: { lsr: number; sentMs: number }[] = [];
  private remote: Mutable<RemoteInboundRtpCounters> | undefined;

  constructor(private readonly clockRate: number) {}

  /** Remembers a sender report made at `nowMs` with the NTP time `ntp`. */
  senderReportSent(ntp: NtpTime, nowMs: number): void {
    this.sentReports.push({ lsr: compactNtp(ntp), sentMs: nowMs });
    if (this.sentReports.length > SR_MEMORY) this.sentReports.shift();
  }

  /**
   * Takes a report block about the stream. Returns false when it carries no round-trip time:
   * LSR 0 (no SR received yet), an SR not remembered, or values that do not fit.
   */
  reportBlockReceived(block: RtcpReportBlock, arrivalMs: number): boolean {
    const r = (this.remote ??= {
      packetsLost: 0,
      fractionLost: 0,
      jitter: 0,
      highestSequenceNumber: 0,
      roundTripTime: undefined,
      totalRoundTripTime: 0,
      roundTripTimeMeasurements: 0,
      reportsReceived: 0,
      lastReportMs: arrivalMs,
    });
    r.packetsLost = block.cumulativeLost;
    r.fractionLost = block.fractionLost / 256;
    r.jitter = block.jitter / this.clockRate;
    r.highestSequenceNumber = block.highestSequenceNumber;
    r.reportsReceived++;
    r.lastReportMs = arrivalMs;
    if (block.lastSenderReport === 0) return false;
    const sr = this.sentReports.find((s) => s.lsr === block.lastSenderReport);
    if (sr === undefined) return false;
    const rttMs = arrivalMs - sr.sentMs - (block.delaySinceLastSenderReport * 1000) / 65536;
    // DLSR has a resolution of 1/65536 s: a path faster than that may come out just below 0.
    if (rttMs < -1) return false;
    const seconds = Math.max(0, rttMs) / 1000;
    r.roundTripTime = seconds;
    r.totalRoundTripTime += seconds;
    r.roundTripTimeMeasurements++;
    return true;
  }

  /** A copy of the counters, or `undefined` before the first block. */
  get counters(): RemoteInboundRtpCounters | undefined {
    return this.remote === undefined ? undefined : { ...this.remote };
  }
}
