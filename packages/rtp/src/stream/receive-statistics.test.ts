import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import { compactNtp, ntpTimeFromUnixMs } from '../rtcp/ntp.js';
import { decodeReportBlock, encodeReportBlock, REPORT_BLOCK_SIZE } from '../rtcp/report-block.js';
import { ReceiveStatistics } from './receive-statistics.js';
import { reportBlockRoundTripMs } from './rtt.js';

const make = () => new ReceiveStatistics({ ssrc: 0xabcd_ef01, clockRate: 90_000 });

/** Feeds sequence numbers `seqs` at 20 ms spacing, 3000 ticks apart (constant transit). */
function feed(s: ReceiveStatistics, seqs: Iterable<number>, t0 = 0): number {
  let t = t0;
  for (const seq of seqs) {
    s.receive(seq & 0xffff, (seq * 1800) >>> 0, t);
    t += 20;
  }
  return t;
}
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe('ReceiveStatistics: RFC 3550 §A.1 validation', () => {
  it('keeps a new source on probation until two packets in sequence', () => {
    const s = make();
    expect(s.receive(1000, 0, 0)).toBe(false);
    expect(s.validated).toBe(false);
    expect(s.reportBlock(0)).toBeUndefined();
    expect(s.receive(1001, 1800, 20)).toBe(true);
    expect(s.validated).toBe(true);
    expect(s.packetsReceived).toBe(1);
    expect(s.expected).toBe(1);
    expect(s.highestSequenceNumber).toBe(1001);
  });

  it('starts probation over when the second packet does not follow the first', () => {
    const s = make();
    s.receive(10, 0, 0);
    expect(s.receive(50, 0, 0)).toBe(false);
    expect(s.receive(51, 0, 0)).toBe(true);
    expect(s.expected).toBe(1);
  });

  it('counts cycles across the wrap in the extended highest sequence number', () => {
    const s = make();
    feed(s, range(65530, 65546));
    expect(s.highestSequenceNumber).toBe(65536 + 9);
    expect(s.cumulativeLost).toBe(0);
    expect(s.packetsReceived).toBe(15);
  });

  it('takes reordering within MAX_MISORDER; drops an unconfirmed jump, re-syncs on two', () => {
    const s = make();
    feed(s, range(1, 100));
    expect(s.receive(50, 0, 0)).toBe(true); // old: a duplicate, counted
    expect(s.highestSequenceNumber).toBe(99);
    expect(s.receive(20_000, 0, 0)).toBe(false);
    expect(s.receive(100, 0, 0)).toBe(true);
    expect(s.receive(30_000, 0, 0)).toBe(false);
    expect(s.receive(30_001, 0, 0)).toBe(true); // the other side restarted
    expect(s.highestSequenceNumber).toBe(30_001);
    expect(s.packetsReceived).toBe(1);
    expect(s.expected).toBe(1);
  });

  it('a packet 3000 or more ahead is a jump, one less is a gap', () => {
    const s = make();
    feed(s, [1, 2]);
    expect(s.receive(2 + 2999, 0, 0)).toBe(true);
    expect(s.cumulativeLost).toBe(2998);
    expect(s.receive(3001 + 3000, 0, 0)).toBe(false);
  });
});

describe('ReceiveStatistics: loss (§A.3)', () => {
  it('reports cumulative loss and the fraction lost per interval', () => {
    const s = make();
    feed(
      s,
      range(0, 100).filter((i) => i % 20 !== 7),
    ); // 5 of 100 lost
    const a = s.reportBlock(2000)!;
    expect(a).toMatchObject({ ssrc: 0xabcd_ef01, cumulativeLost: 5, highestSequenceNumber: 99 });
    // Probation ate seq 0: 99 expected from base 1, 94 received: 5/99 × 256.
    expect(a.fractionLost).toBe(Math.floor((5 * 256) / 99));
    feed(s, range(100, 200), 2000);
    const b = s.reportBlock(4000)!;
    expect(b).toMatchObject({ fractionLost: 0, cumulativeLost: 5, highestSequenceNumber: 199 });
    expect(s.reportBlock(4000)!.fractionLost).toBe(0); // empty interval
  });

  it('goes negative with duplicates; the fraction stays 0', () => {
    const s = make();
    feed(s, [...range(0, 10), 5, 6, 7]);
    const r = s.reportBlock(0)!;
    expect(r.cumulativeLost).toBe(-3);
    expect(r.fractionLost).toBe(0);
  });

  it('clamps the cumulative loss to 24 signed bits', () => {
    const s = make();
    let seq = 0;
    s.receive(seq++, 0, 0);
    s.receive(seq, 0, 0);
    // Steps of 2999 are gaps, not jumps: 2998 lost each.
    for (let i = 0; i < 3000; i++) {
      seq += 2999;
      s.receive(seq & 0xffff, 0, 0);
    }
    expect(s.expected - s.packetsReceived).toBe(2998 * 3000);
    expect(s.cumulativeLost).toBe(0x7f_ffff);
    expect(s.reportBlock(0)!.fractionLost).toBe(255);
  });
});

describe('ReceiveStatistics: jitter (§A.8)', () => {
  it('is 0 for a constant transit', () => {
    const s = make();
    feed(s, range(0, 50));
    expect(s.jitter).toBe(0);
  });

  it('converges to |D| when arrivals alternate early and late', () => {
    const s = new ReceiveStatistics({ ssrc: 1, clockRate: 48_000 });
    // 20 ms frames (960 ticks); every other packet 5 ms late: |D| = 5 ms = 240 ticks.
    for (let i = 0; i < 200; i++) s.receive(i, i * 960, i * 20 + (i % 2) * 5);
    expect(s.jitter).toBeCloseTo(240, 2);
    expect(s.reportBlock(0)!.jitter).toBe(239);
  });

  it('follows the first packet of each frame, not the pacing inside one', () => {
    const s = make();
    let seq = 0;
    for (let f = 0; f < 50; f++) {
      // 30 fps, 3000 ticks; each frame's 5 packets are paced 2 ms apart.
      for (let p = 0; p < 5; p++) s.receive(seq++, f * 3000, f * (100 / 3) + p * 2);
    }
    expect(s.jitter).toBeCloseTo(0, 6);
  });

  it('handles the timestamp wrap', () => {
    const s = make();
    for (let i = 0; i < 20; i++) s.receive(i, (0xffff_0000 + i * 3000) >>> 0, i * (100 / 3));
    expect(s.jitter).toBeCloseTo(0, 6);
  });

  it('ignores reordered packets', () => {
    const s = make();
    feed(s, range(0, 10));
    s.receive(5, 0, 10_000);
    expect(s.jitter).toBe(0);
  });
});

describe('ReceiveStatistics: LSR and DLSR', () => {
  it('echoes the middle of the last SR and the delay since, in 1/65536 s', () => {
    const s = make();
    feed(s, [1, 2, 3]);
    expect(s.reportBlock(100)).toMatchObject({
      lastSenderReport: 0,
      delaySinceLastSenderReport: 0,
    });
    s.senderReportReceived({ seconds: 0x1234_5678, fraction: 0x9abc_def0 }, 1000);
    expect(s.reportBlock(2500)).toMatchObject({
      lastSenderReport: 0x5678_9abc,
      delaySinceLastSenderReport: 1.5 * 65536,
    });
  });

  it('rejects an SSRC or clock rate out of range', () => {
    expect(() => new ReceiveStatistics({ ssrc: -1, clockRate: 8000 })).toThrow(
      RtpConfigurationError,
    );
    expect(() => new ReceiveStatistics({ ssrc: 1, clockRate: 0 })).toThrow(RtpConfigurationError);
  });
});

describe('ReceiveStatistics with the RTCP layer', () => {
  it('its report block encodes as RTCP and gives the RTT back to the sender', () => {
    const s = make();
    feed(
      s,
      range(0, 50).filter((i) => i !== 20),
    );
    // Our SR leaves at wall time T; the peer gets it 40 ms later, reports 1.5 s after that.
    const t = Date.UTC(2026, 0, 1);
    s.senderReportReceived(ntpTimeFromUnixMs(t), 10_040);
    const block = s.reportBlock(11_540)!;
    const bytes = new Uint8Array(REPORT_BLOCK_SIZE);
    encodeReportBlock(block, bytes, 0);
    expect(decodeReportBlock(bytes, 0)).toEqual(block);
    // The RR is back 40 ms after it left: A = T + 40 + 1500 + 40.
    const arrival = compactNtp(ntpTimeFromUnixMs(t + 1580));
    expect(reportBlockRoundTripMs(block, arrival)).toBeCloseTo(80, 0);
  });
});
