import { VirtualClock } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { CongestionControl } from './congestion.js';
import { AssociationState } from './state.js';
import { queuedPair } from './testing-pair.js';

const MTU = 1200;

/** A SACK after which nothing is outstanding (`nextTsn` just above the cumulative ack). */
function sack(
  cc: CongestionControl,
  cumAck: number,
  cumAdvanced: boolean,
  ackedByCum: number,
  newlyAcked: number,
  flightBefore: number,
): void {
  cc.onSack(cumAck, cumAdvanced, ackedByCum, newlyAcked, flightBefore, (cumAck + 1) >>> 0);
}

describe('CongestionControl (RFC 9260 §7.2)', () => {
  it('starts with cwnd = min(4 MTU, max(2 MTU, 4404)) and ssthresh = the peer window (§7.2.1)', () => {
    expect(new CongestionControl(MTU, 100_000).cwnd).toBe(4404);
    expect(new CongestionControl(MTU, 100_000).ssthresh).toBe(100_000);
    expect(new CongestionControl(3000, 100_000).cwnd).toBe(6000);
    expect(new CongestionControl(1000, 100_000).cwnd).toBe(4000);
  });

  it('in slow start grows by at most one MTU a SACK, only when the window was in use', () => {
    const cc = new CongestionControl(MTU, 1_000_000);
    sack(cc, 10, true, 5000, 5000, 4404);
    expect(cc.cwnd).toBe(4404 + MTU);
    sack(cc, 11, true, 500, 500, 5604);
    expect(cc.cwnd).toBe(4404 + MTU + 500);
    // Flight well below cwnd: the window was not the limit, no growth.
    sack(cc, 12, true, 1000, 1000, 1000);
    expect(cc.cwnd).toBe(4404 + MTU + 500);
    // No cumulative progress: no growth.
    sack(cc, 12, false, 0, 1000, 10_000);
    expect(cc.cwnd).toBe(4404 + MTU + 500);
  });

  it('in congestion avoidance grows by one MTU per window of acknowledged bytes (§7.2.2)', () => {
    const cc = new CongestionControl(MTU, 4000);
    expect(cc.cwnd).toBeGreaterThan(cc.ssthresh);
    sack(cc, 1, true, 3000, 3000, 4404);
    expect(cc.cwnd).toBe(4404);
    sack(cc, 2, true, 1404, 1404, 4404);
    expect(cc.cwnd).toBe(4404 + MTU);
    sack(cc, 3, true, 1000, 1000, 5604);
    expect(cc.cwnd).toBe(4404 + MTU);
  });

  it('halves once on fast retransmit, holds during fast recovery, leaves it at the exit TSN (§7.2.4)', () => {
    const cc = new CongestionControl(MTU, 1_000_000);
    for (let i = 0; i < 20; i++) sack(cc, i, true, MTU, MTU, cc.cwnd);
    const before = cc.cwnd;
    expect(before).toBe(4404 + 20 * MTU);
    cc.onFastRetransmit(0xfffffffe);
    expect(cc.ssthresh).toBe(before >>> 1);
    expect(cc.cwnd).toBe(before >>> 1);
    cc.onFastRetransmit(0xffffffff);
    expect(cc.cwnd).toBe(before >>> 1);
    // Below the exit point (serial arithmetic across the wrap): no growth.
    sack(cc, 0xfffffffd, true, MTU, MTU, cc.cwnd);
    expect(cc.cwnd).toBe(before >>> 1);
    // At the exit point: recovery ends, and that SACK already grows the window (cwnd is at
    // ssthresh: slow start), the next one in congestion avoidance.
    sack(cc, 0xfffffffe, true, MTU, MTU, cc.cwnd);
    expect(cc.cwnd).toBe((before >>> 1) + MTU);
    sack(cc, 0xffffffff, true, 100_000, 100_000, cc.cwnd);
    expect(cc.cwnd).toBe((before >>> 1) + 2 * MTU);
  });

  it('never sets ssthresh below 4 MTU on a loss', () => {
    const cc = new CongestionControl(MTU, 1_000_000);
    cc.onFastRetransmit(5);
    expect(cc.ssthresh).toBe(4 * MTU);
    expect(cc.cwnd).toBe(4 * MTU);
  });

  it('collapses to one MTU on T3-rtx and leaves fast recovery (§7.2.3)', () => {
    const cc = new CongestionControl(MTU, 1_000_000);
    for (let i = 0; i < 10; i++) sack(cc, i, true, MTU, MTU, cc.cwnd);
    const before = cc.cwnd;
    cc.onFastRetransmit(1000);
    cc.onT3Expired();
    expect(cc.cwnd).toBe(MTU);
    expect(cc.ssthresh).toBe(Math.max((before >>> 1) >>> 1, 4 * MTU));
    // Slow start again at once, though the old exit point was not reached.
    sack(cc, 20, true, 5000, 5000, MTU);
    expect(cc.cwnd).toBe(2 * MTU);
  });

  it('takes its steps in the new PMTU after setMtu (RFC 8899)', () => {
    const cc = new CongestionControl(MTU, 1_000_000);
    cc.setMtu(9000);
    sack(cc, 1, true, 20_000, 20_000, cc.cwnd);
    expect(cc.cwnd).toBe(4404 + 9000);
    cc.onT3Expired();
    expect(cc.cwnd).toBe(9000);
  });
});

describe('a fully utilized window (RFC 9260 §7.2.1, §7.2.2)', () => {
  it('is judged by the flight when the sender last stopped, for every SACK read before it sends again', () => {
    const cc = new CongestionControl(MTU, 1_000_000);
    // The sender stopped at the window (4 chunks of 1172 bytes in a 4404-byte window).
    cc.onSendStopped(4688);
    // Two SACKs read in one turn: the second finds only half the flight left, as the window
    // has not been refilled in between; the window was in use all the same.
    sack(cc, 2, true, 2344, 2344, 4688);
    sack(cc, 4, true, 2344, 2344, 2344);
    expect(cc.cwnd).toBe(4404 + 2 * MTU);
  });

  it('does not grow when the queue, not the window, stopped the sender (application-limited)', () => {
    const cc = new CongestionControl(MTU, 1_000_000);
    cc.onSendStopped(2000);
    sack(cc, 2, true, 2000, 2000, 2000);
    expect(cc.cwnd).toBe(4404);
    // In congestion avoidance neither.
    const ca = new CongestionControl(MTU, 4000);
    ca.onSendStopped(1000);
    for (let i = 0; i < 10; i++) sack(ca, i, true, 1000, 1000, 1000);
    expect(ca.cwnd).toBe(4404);
  });

  it('grows by one MTU for each SACK handed over in one batch, with an association', async () => {
    const clock = new VirtualClock();
    const { a, b, toA, toB, pump } = queuedPair(clock);
    a.connect();
    b.connect();
    await pump();
    expect(a.state).toBe(AssociationState.Connected);
    const initial = a.stats.cwnd;
    expect(initial).toBe(4404);

    // Far more than the window: the window, not the queue, is what stops a.
    for (let i = 0; i < 16; i++) a.send(1, 53, new Uint8Array(16 * 1024).fill(i));
    await clock.advance(0);
    const burst = toB.splice(0);
    expect(burst).toHaveLength(4); // 4 chunks of 1172 bytes fill 4404
    for (const p of burst) b.handlePacket(p);
    const sacks = toA.splice(0);
    expect(sacks).toHaveLength(2); // every second packet (RFC 9260 §6.2)
    // Both SACKs arrive in one turn, before a refills its window: each grows it by one MTU.
    for (const p of sacks) a.handlePacket(p);
    expect(a.stats.cwnd).toBe(initial + 2 * 1200);

    // The next round: the refilled window is acknowledged by SACKs read together again.
    await clock.advance(0);
    const second = toB.splice(0);
    expect(second).toHaveLength(6); // 6804 bytes of window
    for (const p of second) b.handlePacket(p);
    for (const p of toA.splice(0)) a.handlePacket(p);
    expect(a.stats.cwnd).toBe(initial + 5 * 1200);
    a.close();
    b.close();
    await clock.runUntilIdle();
  });

  it('does not grow for an application that sends less than the window, with an association', async () => {
    const clock = new VirtualClock();
    const { a, b, toA, toB, pump } = queuedPair(clock);
    a.connect();
    b.connect();
    await pump();
    for (let round = 0; round < 5; round++) {
      a.send(1, 53, new Uint8Array(1000));
      a.send(1, 53, new Uint8Array(1000));
      await clock.advance(0);
      for (const p of toB.splice(0)) b.handlePacket(p);
      for (const p of toA.splice(0)) a.handlePacket(p);
      await clock.advance(0);
    }
    expect(a.stats.unackedChunks).toBe(0);
    expect(a.stats.cwnd).toBe(4404);
    a.close();
    b.close();
    await clock.runUntilIdle();
  });
});

describe('the initial slow start ends on a rising RTT (RFC 9406 HyStart++)', () => {
  /** Rounds of slow start: `rtt(round)` is each SACK's RTT sample, 8 SACKs a round. */
  function run(cc: CongestionControl, rounds: number, rtt: (round: number) => number): number[] {
    const windows: number[] = [];
    let tsn = 0;
    for (let round = 0; round < rounds; round++) {
      cc.onSendStopped(cc.cwnd);
      const end = tsn + 8;
      for (; tsn < end; tsn++) {
        cc.onRtt(rtt(round));
        cc.onSack(tsn, true, MTU, MTU, cc.cwnd, end);
      }
      windows.push(cc.cwnd);
    }
    return windows;
  }

  it('keeps slow start while the RTT holds', () => {
    const cc = new CongestionControl(MTU, 100_000_000);
    const w = run(cc, 10, () => 2);
    expect(w[9]).toBe(4404 + 80 * MTU);
    expect(cc.ssthresh).toBe(100_000_000);
  });

  it('grows by a quarter once the round minimum RTT rose by 4 ms, then enters congestion avoidance after 5 rounds', () => {
    const cc = new CongestionControl(MTU, 100_000_000);
    // 2 ms for 4 rounds, then 7 ms: round 4 is the first whose minimum is 4 ms above the one
    // before; its 8th sample (the first SACK of round 5) starts CSS.
    const w = run(cc, 12, (round) => (round < 4 ? 2 : 7));
    const step = (i: number): number => w[i]! - w[i - 1]!;
    expect(step(3)).toBe(8 * MTU); // slow start
    expect(step(4)).toBe(8 * MTU); // the round that shows the rise: still slow start
    expect(step(5)).toBe(8 * (MTU / 4)); // Conservative Slow Start
    expect(cc.ssthresh).toBeLessThan(100_000_000); // congestion avoidance after 5 CSS rounds
    // The 5th round to start in CSS (round 9) enters congestion avoidance at the window
    // round 8 ended with.
    expect(cc.ssthresh).toBe(w[8]);
    expect(step(8)).toBe(8 * (MTU / 4));
    expect(step(11)).toBeLessThanOrEqual(MTU); // one MTU a window at most
  });

  it('returns to slow start when the RTT falls back below the CSS baseline', () => {
    const cc = new CongestionControl(MTU, 100_000_000);
    const w = run(cc, 9, (round) => (round < 4 ? 2 : round < 6 ? 7 : 2));
    expect(w[8]! - w[7]!).toBe(8 * MTU);
    expect(cc.ssthresh).toBe(100_000_000);
  });

  it('is over after the first loss: slow start after T3-rtx grows at the full rate', () => {
    const cc = new CongestionControl(MTU, 100_000_000);
    run(cc, 10, () => 2);
    cc.onT3Expired();
    expect(cc.ssthresh).toBe((4404 + 80 * MTU) >>> 1);
    const w = run(cc, 5, (round) => (round < 2 ? 2 : 20));
    expect(w[4]).toBeLessThan(cc.ssthresh);
    expect(w[4]! - w[3]!).toBe(8 * MTU);
  });
});
