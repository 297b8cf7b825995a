import { describe, expect, it } from 'vitest';
import { CongestionControl } from './congestion.js';

const MTU = 1200;

describe('CongestionControl (RFC 9260 §7.2)', () => {
  it('starts with cwnd = min(4 MTU, max(2 MTU, 4404)) and ssthresh = the peer window (§7.2.1)', () => {
    expect(new CongestionControl(MTU, 100_000).cwnd).toBe(4404);
    expect(new CongestionControl(MTU, 100_000).ssthresh).toBe(100_000);
    expect(new CongestionControl(3000, 100_000).cwnd).toBe(6000);
    expect(new CongestionControl(1000, 100_000).cwnd).toBe(4000);
  });

  it('in slow start grows by at most one MTU a SACK, only when the window was in use', () => {
    const cc = new CongestionControl(MTU, 1_000_000);
    cc.onSack(10, true, 5000, 5000, 4404);
    expect(cc.cwnd).toBe(4404 + MTU);
    cc.onSack(11, true, 500, 500, 5604);
    expect(cc.cwnd).toBe(4404 + MTU + 500);
    // Flight well below cwnd: the window was not the limit, no growth.
    cc.onSack(12, true, 1000, 1000, 1000);
    expect(cc.cwnd).toBe(4404 + MTU + 500);
    // No cumulative progress: no growth.
    cc.onSack(12, false, 0, 1000, 10_000);
    expect(cc.cwnd).toBe(4404 + MTU + 500);
  });

  it('in congestion avoidance grows by one MTU per window of acknowledged bytes (§7.2.2)', () => {
    const cc = new CongestionControl(MTU, 4000);
    expect(cc.cwnd).toBeGreaterThan(cc.ssthresh);
    cc.onSack(1, true, 3000, 3000, 4404);
    expect(cc.cwnd).toBe(4404);
    cc.onSack(2, true, 1404, 1404, 4404);
    expect(cc.cwnd).toBe(4404 + MTU);
    cc.onSack(3, true, 1000, 1000, 5604);
    expect(cc.cwnd).toBe(4404 + MTU);
  });

  it('halves once on fast retransmit, holds during fast recovery, leaves it at the exit TSN (§7.2.4)', () => {
    const cc = new CongestionControl(MTU, 1_000_000);
    for (let i = 0; i < 20; i++) cc.onSack(i, true, MTU, MTU, cc.cwnd);
    const before = cc.cwnd;
    expect(before).toBe(4404 + 20 * MTU);
    cc.onFastRetransmit(0xfffffffe);
    expect(cc.ssthresh).toBe(before >>> 1);
    expect(cc.cwnd).toBe(before >>> 1);
    cc.onFastRetransmit(0xffffffff);
    expect(cc.cwnd).toBe(before >>> 1);
    // Below the exit point (serial arithmetic across the wrap): no growth.
    cc.onSack(0xfffffffd, true, MTU, MTU, cc.cwnd);
    expect(cc.cwnd).toBe(before >>> 1);
    // At the exit point: recovery ends, and that SACK already grows the window (cwnd is at
    // ssthresh: slow start), the next one in congestion avoidance.
    cc.onSack(0xfffffffe, true, MTU, MTU, cc.cwnd);
    expect(cc.cwnd).toBe((before >>> 1) + MTU);
    cc.onSack(0xffffffff, true, 100_000, 100_000, cc.cwnd);
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
    for (let i = 0; i < 10; i++) cc.onSack(i, true, MTU, MTU, cc.cwnd);
    const before = cc.cwnd;
    cc.onFastRetransmit(1000);
    cc.onT3Expired();
    expect(cc.cwnd).toBe(MTU);
    expect(cc.ssthresh).toBe(Math.max((before >>> 1) >>> 1, 4 * MTU));
    // Slow start again at once, though the old exit point was not reached.
    cc.onSack(20, true, 5000, 5000, MTU);
    expect(cc.cwnd).toBe(2 * MTU);
  });

  it('takes its steps in the new PMTU after setMtu (RFC 8899)', () => {
    const cc = new CongestionControl(MTU, 1_000_000);
    cc.setMtu(9000);
    cc.onSack(1, true, 20_000, 20_000, cc.cwnd);
    expect(cc.cwnd).toBe(4404 + 9000);
    cc.onT3Expired();
    expect(cc.cwnd).toBe(9000);
  });
});
