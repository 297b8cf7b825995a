/**
 * RFC 3550 receive statistics for one source: sequence validation (§A.1), loss (§A.3) and
 * interarrival jitter (§A.8), and the reception report block (§6.4.1) a receiver sends
 * about it.
 */

import { RtpConfigurationError } from '../errors.js';
import { compactNtp, type NtpTime } from '../rtcp/ntp.js';
import type { RtcpReportBlock } from '../rtcp/report-block.js';

/** RFC 3550 §A.1: packets in sequence before a source is valid. */
const MIN_SEQUENTIAL = 2;
/** RFC 3550 §A.1: the largest forward step still taken as the same sequence. */
const MAX_DROPOUT = 3000;
/** RFC 3550 §A.1: the largest backward step taken as reordering rather than a restart. */
const MAX_MISORDER = 100;
const SEQ_MOD = 0x1_0000;

/** Options of {@link ReceiveStatistics}. */
export interface ReceiveStatisticsOptions {
  /** The SSRC of the source, put in the report block. */
  readonly ssrc: number;
  /** RTP clock rate of the source's payload in Hz: the unit of the jitter. */
  readonly clockRate: number;
}

/**
 * Receive statistics of one SSRC, as RFC 3550 Appendix A computes them. Feed every RTP packet
 * of the source to {@link ReceiveStatistics.receive} (retransmissions included, once restored
 * from RTX: they count as received and, being old, do not move the jitter), every sender
 * report to {@link ReceiveStatistics.senderReportReceived}, and ask for
 * {@link ReceiveStatistics.reportBlock} when an RR or SR is due. Times are ms on any
 * monotonic clock, the same for every call.
 */
export class ReceiveStatistics {
  /** The SSRC of the source (SSRC_n of its report blocks). */
  readonly ssrc: number;
  private readonly clockRate: number;

  // RFC 3550 §A.1 `source`.
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = SEQ_MOD + 1;
  private probation = MIN_SEQUENTIAL;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private started = false;

  // RFC 3550 §A.8.
  private jitterValue = 0;
  private lastArrivalMs = Number.NaN;
  private lastTimestamp = 0;

  private lsr = 0;
  private lsrArrivalMs = Number.NaN;

  /** Throws {@link RtpConfigurationError} for an SSRC or clock rate out of range. */
  constructor(options: ReceiveStatisticsOptions) {
    if (!Number.isInteger(options.ssrc) || options.ssrc < 0 || options.ssrc > 0xffff_ffff) {
      throw new RtpConfigurationError(
        `ReceiveStatistics: ssrc ${options.ssrc} is not a 32-bit unsigned integer`,
      );
    }
    if (!Number.isInteger(options.clockRate) || options.clockRate <= 0) {
      throw new RtpConfigurationError(
        `ReceiveStatistics: clockRate ${options.clockRate} is not a positive integer (Hz)`,
      );
    }
    this.ssrc = options.ssrc;
    this.clockRate = options.clockRate;
  }

  /**
   * Takes one RTP packet of the source. Returns false while the source is on probation (fewer
   * than 2 packets in sequence, §A.1) and for a packet far outside the sequence that the next
   * packet has not confirmed yet; such packets are not counted.
   */
  receive(sequenceNumber: number, timestamp: number, arrivalMs: number): boolean {
    const seq = sequenceNumber & 0xffff;
    if (!this.started) {
      // §A.1: init_seq(s, seq); s->max_seq = seq - 1; s->probation = MIN_SEQUENTIAL;
      this.started = true;
      this.initSeq(seq);
      this.maxSeq = (seq - 1) & 0xffff;
      this.probation = MIN_SEQUENTIAL;
    }
    const udelta = (seq - this.maxSeq) & 0xffff;
    let inOrder = false;
    if (this.probation > 0) {
      // Source not valid until MIN_SEQUENTIAL packets in sequence have been received.
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.maxSeq = seq;
        this.updateJitter(timestamp, arrivalMs, true);
        if (this.probation === 0) {
          this.initSeq(seq);
          this.received++;
          return true;
        }
      } else {
        this.probation = MIN_SEQUENTIAL - 1;
        this.maxSeq = seq;
      }
      return false;
    }
    if (udelta < MAX_DROPOUT) {
      // In order, with permissible gap; a smaller number means the 16-bit counter wrapped.
      if (seq < this.maxSeq) this.cycles += SEQ_MOD;
      inOrder = udelta !== 0;
      this.maxSeq = seq;
    } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
      // The sequence number made a very large jump.
      if (seq !== this.badSeq) {
        this.badSeq = (seq + 1) & 0xffff;
        return false;
      }
      // Two sequential packets: the other side restarted without telling us; re-sync.
      this.initSeq(seq);
      inOrder = true;
    }
    // Otherwise a duplicate or reordered packet: counted, nothing else.
    this.received++;
    this.updateJitter(timestamp, arrivalMs, inOrder);
    return true;
  }

  /**
   * Records a sender report of this source (RFC 3550 §6.4.1): its NTP timestamp and when it
   * arrived, for the LSR (the middle 32 bits of that timestamp) and DLSR of the next blocks.
   */
  senderReportReceived(ntp: NtpTime, arrivalMs: number): void {
    this.lsr = compactNtp(ntp);
    this.lsrArrivalMs = arrivalMs;
  }

  /**
   * The report block on this source at `nowMs` (RFC 3550 §6.4.1), ready for an RR or SR, and
   * the start of a new interval
   * for the fraction lost (§A.3: call it once per report sent). `undefined` while the source
   * has not been validated (§A.1 probation): there is nothing to report yet.
   */
  reportBlock(nowMs: number): RtcpReportBlock | undefined {
    if (!this.validated) return undefined;
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval === 0 || lostInterval <= 0
        ? 0
        : Math.floor((lostInterval * 256) / expectedInterval);
    let dlsr = 0;
    if (this.lsr !== 0 && nowMs > this.lsrArrivalMs) {
      dlsr = Math.min(0xffff_ffff, Math.round(((nowMs - this.lsrArrivalMs) * 65536) / 1000));
    }
    return {
      ssrc: this.ssrc,
      fractionLost,
      cumulativeLost: this.cumulativeLost,
      highestSequenceNumber: this.highestSequenceNumber,
      jitter: Math.min(0xffff_ffff, Math.trunc(this.jitterValue)),
      lastSenderReport: this.lsr,
      delaySinceLastSenderReport: dlsr,
    };
  }

  /** True once the source passed probation (§A.1): its packets are counted. */
  get validated(): boolean {
    return this.started && this.probation === 0;
  }

  /** Packets counted as received since the last (re)synchronisation, duplicates included. */
  get packetsReceived(): number {
    return this.received;
  }

  /** §A.3: packets expected, from the base to the extended highest sequence number. */
  get expected(): number {
    return this.validated ? this.cycles + this.maxSeq - this.baseSeq + 1 : 0;
  }

  /** §A.3: packets lost (expected − received), clamped to the signed 24 bits RTCP carries. */
  get cumulativeLost(): number {
    const lost = this.expected - this.received;
    return Math.max(-0x80_0000, Math.min(0x7f_ffff, lost));
  }

  /** The extended highest sequence number received (cycles × 65536 + highest, 32 bits). */
  get highestSequenceNumber(): number {
    return (this.cycles + this.maxSeq) % 0x1_0000_0000;
  }

  /** §A.8 interarrival jitter in timestamp units (not rounded). */
  get jitter(): number {
    return this.jitterValue;
  }

  /** §A.1 init_seq: a new base; the counters and the interval start over. */
  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = SEQ_MOD + 1; // so seq == bad_seq is false
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  /**
   * RFC 3550 §A.8: J += (|D| − J) / 16, D the difference of two packets' transit times in
   * timestamp units. Like libwebrtc, only packets that advance the sequence and carry a new
   * timestamp take part: the packets of one video frame share a timestamp but are sent paced,
   * and a retransmission's transit says nothing of the network's jitter.
   */
  private updateJitter(timestamp: number, arrivalMs: number, inOrder: boolean): void {
    if (!inOrder) return;
    const ts = timestamp >>> 0;
    if (!Number.isNaN(this.lastArrivalMs) && ts !== this.lastTimestamp) {
      const arrivalDelta = ((arrivalMs - this.lastArrivalMs) * this.clockRate) / 1000;
      const tsDelta = (ts - this.lastTimestamp) | 0; // signed, modulo 2^32
      const d = Math.abs(arrivalDelta - tsDelta);
      this.jitterValue += (d - this.jitterValue) / 16;
    }
    if (Number.isNaN(this.lastArrivalMs) || ts !== this.lastTimestamp) {
      this.lastArrivalMs = arrivalMs;
      this.lastTimestamp = ts;
    }
  }
}
