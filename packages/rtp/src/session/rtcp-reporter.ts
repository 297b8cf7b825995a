/**
 * The RTCP sender of one media session (RFC 3550 §6): regular compound reports at randomized
 * intervals (SR per sending SSRC, report blocks for every received SSRC, SDES CNAME), BYE,
 * feedback compounds or reduced-size feedback (RFC 4585 §3.1, RFC 5506), and the routing of
 * received RTCP to the streams it is about.
 */

import { RtpConfigurationError } from '../errors.js';
import { log } from '../log.js';
import { ntpTimeFromUnixMs } from '../rtcp/ntp.js';
import { buildRtcpCompound, serializeRtcp } from '../rtcp/compound.js';
import type { RtcpReportBlock } from '../rtcp/report-block.js';
import type { RtcpPacket } from '../rtcp/rtcp-packet.js';
import { SdesItemType } from '../rtcp/sdes.js';
import type { InboundRtpStream } from './inbound-stream.js';
import type { OutboundRtpStream } from './outbound-stream.js';
import { rtcpIntervalFor, rtcpReportDelay } from './rtcp-interval.js';

/** Report blocks an SR or RR carries at most (RFC 3550 §6.4.1: a 5-bit count). */
const MAX_BLOCKS = 31;

/** Options of an {@link RtcpReporter}. */
export interface RtcpReporterOptions {
  /** Our CNAME (RFC 3550 §6.5.1; RFC 7022: random, per connection), sent in every compound. */
  readonly cname: string;
  /**
   * Where compound RTCP packets go (`manager.sendRtcp`). Each call hands over a new buffer
   * the callee may keep.
   */
  readonly send: (compound: Uint8Array) => void;
  /**
   * The SSRC that sends our reports when no stream of ours sends media (RR and SDES of a
   * receive-only session). Default 1, as libwebrtc for a receive-only stream; give the same
   * value as the inbound streams' `feedbackSsrc`.
   */
  readonly ssrc?: number;
  /**
   * RFC 5506 reduced-size RTCP (both ends have `a=rtcp-rsize`): feedback goes alone. Regular
   * reports stay compound, as libwebrtc sends them. Default false.
   */
  readonly reducedSize?: boolean;
  /**
   * The mean interval between regular reports (ms). Default: 1000 when any stream is video,
   * 5000 for audio only (see {@link RTCP_VIDEO_INTERVAL_MS}); randomized in [0.5, 1.5).
   */
  readonly intervalMs?: number;
  /** Wall-clock time in Unix ms, for the NTP timestamp of sender reports. Default `Date.now`. */
  readonly wallClock?: () => number;
  /** A uniform source in [0, 1) for the interval's randomization. Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * The RTCP sender of one media session: every stream of one connection (one BUNDLE
 * transport), as libwebrtc's RTCP sender and pion v4's report interceptors are. Register the
 * streams ({@link RtcpReporter.addStream}); call {@link RtcpReporter.tick} once when media may
 * flow (SRTP keyed) and then at each {@link RtcpReporter.nextDeadline}. A tick that is due
 * sends one compound (RFC 3550 §6.1): an SR for each of our streams that has sent media
 * (§6.4.1), carrying the report blocks of the streams we receive (at most 31 a report; more
 * go in RRs that follow), or an RR from the reporting SSRC when we send nothing (§6.4.2);
 * then an SDES with our CNAME for each reporting SSRC (§6.5.1).
 *
 * Like the streams, it has no clock: `nowMs` is the monotonic time of the streams' calls,
 * and the SR's NTP timestamp comes from `wallClock` (read when the report is made). The RTT
 * is measured by the outbound stream on the monotonic clock alone (see
 * `OutboundRtpStream.reportBlockReceived`), so a wall-clock step does not disturb it.
 */
export class RtcpReporter {
  private readonly options: RtcpReporterOptions;
  private readonly ssrc: number;
  private readonly random: () => number;
  private readonly wallClock: () => number;
  private readonly outbound: OutboundRtpStream[] = [];
  private readonly inbound: InboundRtpStream[] = [];
  private nextReportMs: number | undefined;
  /** When the pending report was scheduled (ms). */
  private scheduledAtMs = 0;
  private reportsSent = 0;
  private unroutedCount = 0;

  /** Throws {@link RtpConfigurationError} for an option out of range. */
  constructor(options: RtcpReporterOptions) {
    const ssrc = options.ssrc ?? 1;
    if (!Number.isInteger(ssrc) || ssrc < 0 || ssrc > 0xffff_ffff) {
      throw new RtpConfigurationError(
        `RtcpReporter: ssrc ${ssrc} is not a 32-bit unsigned integer`,
      );
    }
    if (
      options.intervalMs !== undefined &&
      (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0)
    ) {
      throw new RtpConfigurationError(
        `RtcpReporter: intervalMs ${options.intervalMs} is not a positive number of ms`,
      );
    }
    if (options.cname.length === 0 || Buffer.byteLength(options.cname) > 255) {
      throw new RtpConfigurationError('RtcpReporter: the CNAME must have 1 to 255 bytes');
    }
    this.options = options;
    this.ssrc = ssrc;
    this.random = options.random ?? Math.random;
    this.wallClock = options.wallClock ?? Date.now;
  }

  /**
   * Registers a stream: an outbound one is reported in SRs, an inbound one in report blocks.
   * The first video stream of an audio session shortens the interval at once: a report
   * scheduled later than the new interval allows is rescheduled from the same start.
   */
  addStream(stream: OutboundRtpStream | InboundRtpStream): void {
    const list: (OutboundRtpStream | InboundRtpStream)[] = isOutbound(stream)
      ? this.outbound
      : this.inbound;
    if (list.includes(stream)) return;
    list.push(stream);
    const interval = this.intervalMs;
    if (
      this.nextReportMs !== undefined &&
      this.nextReportMs > this.scheduledAtMs + 1.5 * interval
    ) {
      this.nextReportMs = this.scheduledAtMs + rtcpReportDelay(interval, this.random);
    }
  }

  /** Forgets a stream (after its BYE, or when its transceiver stops). */
  removeStream(stream: OutboundRtpStream | InboundRtpStream): void {
    const list: (OutboundRtpStream | InboundRtpStream)[] = isOutbound(stream)
      ? this.outbound
      : this.inbound;
    const at = list.indexOf(stream);
    if (at >= 0) list.splice(at, 1);
  }

  /**
   * The mean report interval now (ms): the `intervalMs` option, or the default for the kinds
   * of the streams registered.
   */
  get intervalMs(): number {
    return (
      this.options.intervalMs ??
      rtcpIntervalFor([...this.outbound, ...this.inbound].map((s) => s.kind))
    );
  }

  /**
   * Sends the regular report when it is due at `nowMs` and schedules the next one; the first
   * call only schedules (half an interval, randomized, RFC 3550 §6.2). Returns true when a
   * report was sent. A session with no stream sends nothing but keeps its schedule.
   */
  tick(nowMs: number): boolean {
    if (this.nextReportMs === undefined) {
      this.scheduledAtMs = nowMs;
      this.nextReportMs = nowMs + rtcpReportDelay(this.intervalMs, this.random, true);
      return false;
    }
    if (nowMs < this.nextReportMs) return false;
    this.scheduledAtMs = nowMs;
    this.nextReportMs = nowMs + rtcpReportDelay(this.intervalMs, this.random);
    return this.sendReport(nowMs);
  }

  /** When {@link RtcpReporter.tick} next has a report to send (ms), or `undefined` before the first tick. */
  nextDeadline(): number | undefined {
    return this.nextReportMs;
  }

  /**
   * Builds and sends a regular report now, off schedule (the schedule is kept). Returns false
   * when there is no stream to report on.
   */
  sendReport(nowMs: number): boolean {
    const packets = this.reportPackets(nowMs, true);
    if (packets === undefined) return false;
    this.options.send(buildRtcpCompound(packets));
    this.reportsSent++;
    return true;
  }

  /**
   * Sends feedback packets (PLI, FIR, NACK, TWCC, REMB) at once (RFC 4585 §3.2 immediate
   * feedback mode, the mode of a two-party session): alone with reduced-size RTCP (RFC 5506
   * §3), else in a compound led by an empty RR from our first sending SSRC (or the reporting
   * SSRC) and our SDES (RFC 4585 §3.1, a minimal compound feedback packet; the report blocks
   * wait for the regular report, so their loss intervals stay whole).
   */
  sendFeedback(packets: readonly RtcpPacket[]): void {
    if (packets.length === 0) return;
    if (this.options.reducedSize) {
      this.options.send(serializeRtcp(packets));
      return;
    }
    const ssrc = this.outbound.find((s) => s.stats.packetsSent > 0)?.ssrc ?? this.ssrc;
    this.options.send(
      buildRtcpCompound([{ kind: 'rr', ssrc, reports: [] }, this.sdes([ssrc]), ...packets]),
    );
  }

  /**
   * Says goodbye for `ssrcs` (RFC 3550 §6.6; on a sender's `stop()` and on `close()`): sends a
   * compound of a report (§6.1: every compound starts with one), our SDES, and BYE (several,
   * 31 sources each, with the optional `reason`), and forgets the outbound streams of those
   * SSRCs, since no RTCP may follow a BYE for them (§6.3.7).
   */
  bye(ssrcs: readonly number[], nowMs: number, reason?: string): void {
    if (ssrcs.length === 0) return;
    const leaving = new Set(ssrcs);
    const packets = this.reportPackets(nowMs, false) ?? [
      { kind: 'rr', ssrc: ssrcs[0]!, reports: [] },
      this.sdes([ssrcs[0]!]),
    ];
    for (let i = 0; i < ssrcs.length; i += MAX_BLOCKS) {
      packets.push({
        kind: 'bye',
        ssrcs: ssrcs.slice(i, i + MAX_BLOCKS),
        ...(reason !== undefined ? { reason } : {}),
      });
    }
    this.options.send(buildRtcpCompound(packets));
    for (let i = this.outbound.length - 1; i >= 0; i--) {
      if (leaving.has(this.outbound[i]!.ssrc)) this.outbound.splice(i, 1);
    }
  }

  /**
   * Routes the packets of a received RTCP compound to the registered streams they are about,
   * as `Manager` does for its sinks: an SR to the inbound stream of its SSRC and its report
   * blocks to our outbound streams; RR blocks, NACK, PLI, FIR, TWCC and REMB to our outbound
   * streams; SDES and BYE to inbound streams. For an SFU or a test that has no Manager.
   * Returns the number of packets that reached no stream (also counted in `stats`).
   */
  receiveRtcp(packets: readonly RtcpPacket[], arrivalMs: number): number {
    let unrouted = 0;
    // Copies: a stream's callback may add or remove streams while the packets are routed.
    const inbound = this.inbound.slice();
    const outbound = this.outbound.slice();
    for (const packet of packets) {
      let routed = false;
      const toInbound = (ssrc: number): void => {
        for (const s of inbound) {
          if (s.ssrc !== ssrc) continue;
          s.receiveRtcp(packet, arrivalMs);
          routed = true;
        }
      };
      const toOutbound = (ssrc: number): void => {
        for (const s of outbound) {
          if (s.ssrc !== ssrc) continue;
          s.receiveRtcp(packet, arrivalMs);
          routed = true;
        }
      };
      switch (packet.kind) {
        case 'sr':
          toInbound(packet.ssrc);
          for (const b of packet.reports) toOutbound(b.ssrc);
          break;
        case 'rr':
          for (const b of packet.reports) toOutbound(b.ssrc);
          break;
        case 'sdes':
          for (const c of packet.chunks) toInbound(c.ssrc);
          break;
        case 'bye':
          for (const ssrc of packet.ssrcs) toInbound(ssrc);
          break;
        case 'nack':
        case 'pli':
        case 'twcc':
          toOutbound(packet.mediaSsrc);
          break;
        case 'fir':
          for (const e of packet.entries) toOutbound(e.ssrc);
          break;
        case 'remb':
          for (const ssrc of packet.ssrcs) toOutbound(ssrc);
          break;
        default:
          break;
      }
      if (!routed) {
        unrouted++;
        log('RTCP %s about no registered stream: dropped', packet.kind);
      }
    }
    this.unroutedCount += unrouted;
    return unrouted;
  }

  /** Regular reports sent, and received RTCP packets that reached no stream. */
  get stats(): { readonly reportsSent: number; readonly unrouted: number } {
    return { reportsSent: this.reportsSent, unrouted: this.unroutedCount };
  }

  /**
   * The packets of a regular report: SR per sending stream, report blocks spread over them
   * (31 each, extra RRs after), or RRs from the reporting SSRC; then SDES. `undefined` when
   * there is nothing to report. `blocks: false` leaves the report blocks out (a BYE compound
   * does not start a new loss interval).
   */
  private reportPackets(nowMs: number, blocks: boolean): RtcpPacket[] | undefined {
    const ntp = ntpTimeFromUnixMs(this.wallClock());
    const srs: RtcpPacket[] = [];
    for (const stream of this.outbound) {
      const sr = stream.senderReport(nowMs, ntp);
      if (sr !== undefined) srs.push(sr);
    }
    const reportBlocks: RtcpReportBlock[] = [];
    if (blocks) {
      for (const stream of this.inbound) {
        // RFC 3550 §6.3.4: a source that sent BYE is no longer a member; no block about it.
        if (stream.bye !== undefined) continue;
        const block = stream.reportBlock(nowMs);
        if (block !== undefined) reportBlocks.push(block);
      }
    }
    if (srs.length === 0 && reportBlocks.length === 0 && this.inbound.length === 0) {
      return undefined;
    }
    const packets: RtcpPacket[] = [];
    const reporters: number[] = [];
    let rest = reportBlocks;
    if (srs.length > 0) {
      for (const [i, sr] of srs.entries()) {
        if (sr.kind !== 'sr') continue;
        const mine = i === 0 ? rest.slice(0, MAX_BLOCKS) : [];
        if (i === 0) rest = rest.slice(MAX_BLOCKS);
        packets.push({ ...sr, reports: mine });
        reporters.push(sr.ssrc);
      }
    }
    const rrSsrc = reporters[0] ?? this.ssrc;
    if (reporters.length === 0) {
      packets.push({ kind: 'rr', ssrc: rrSsrc, reports: rest.slice(0, MAX_BLOCKS) });
      rest = rest.slice(MAX_BLOCKS);
      reporters.push(rrSsrc);
    }
    // RFC 3550 §6.4.2: more than 31 sources: further RRs follow the first report.
    for (; rest.length > 0; rest = rest.slice(MAX_BLOCKS)) {
      packets.push({ kind: 'rr', ssrc: rrSsrc, reports: rest.slice(0, MAX_BLOCKS) });
    }
    packets.push(this.sdes(reporters));
    return packets;
  }

  private sdes(ssrcs: readonly number[]): RtcpPacket {
    return {
      kind: 'sdes',
      chunks: ssrcs.map((ssrc) => ({
        ssrc,
        items: [{ type: SdesItemType.CNAME, text: this.options.cname }],
      })),
    };
  }
}

function isOutbound(stream: OutboundRtpStream | InboundRtpStream): stream is OutboundRtpStream {
  return 'senderReport' in stream;
}
