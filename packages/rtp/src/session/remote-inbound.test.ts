import { describe, expect, it } from 'vitest';
import { compactNtp, ntpTimeFromUnixMs } from '../rtcp/ntp.js';
import { RemoteInboundState } from './remote-inbound.js';

const block = (lsr: number, dlsr: number) => ({
  ssrc: 1,
  fractionLost: 0,
  cumulativeLost: 0,
  highestSequenceNumber: 0,
  jitter: 0,
  lastSenderReport: lsr,
  delaySinceLastSenderReport: dlsr,
});

describe('RemoteInboundState (RFC 3550 §6.4.1 round-trip time)', () => {
  it('matches a block to one of the last 8 sender reports', () => {
    const state = new RemoteInboundState(90_000);
    const lsrs: number[] = [];
    for (let i = 0; i < 9; i++) {
      const ntp = ntpTimeFromUnixMs(1_700_000_000_000 + i * 1000);
      lsrs.push(compactNtp(ntp));
      state.senderReportSent(ntp, i * 1000);
    }
    // The first report is forgotten; the second is still known: 8 s + 50 ms later, 8 s held.
    expect(state.reportBlockReceived(block(lsrs[0]!, 0), 9000)).toBe(false);
    expect(state.reportBlockReceived(block(lsrs[1]!, 8 * 65536), 9050)).toBe(true);
    expect(state.counters!.roundTripTime).toBeCloseTo(0.05, 6);
    expect(state.counters!.reportsReceived).toBe(2);
  });

  it('takes a path faster than the DLSR resolution as 0, refuses a negative time', () => {
    const state = new RemoteInboundState(48_000);
    const ntp = ntpTimeFromUnixMs(1_700_000_000_000);
    state.senderReportSent(ntp, 0);
    expect(state.reportBlockReceived(block(compactNtp(ntp), 66), 1)).toBe(true); // 1.007 ms held
    expect(state.counters!.roundTripTime).toBe(0);
    expect(state.reportBlockReceived(block(compactNtp(ntp), 65536), 500)).toBe(false);
    expect(state.counters!.roundTripTimeMeasurements).toBe(1);
  });
});
