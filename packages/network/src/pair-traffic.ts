/**
 * Application traffic per candidate pair, for webrtc-stats (`RTCIceCandidatePairStats` and
 * `RTCTransportStats`: packets and bytes of data, not of STUN, and when the last one passed).
 * The Manager counts here what it hands to the agent and what the agent hands back, so the
 * agent's hot path stays as it is.
 */
import type { CandidatePairInfo } from '@x/ice';

/** Counters of one pair. Times are the Manager's clock times in ms, -Infinity when none. */
export interface PairTrafficCounters {
  packetsSent: number;
  bytesSent: number;
  packetsReceived: number;
  bytesReceived: number;
  lastPacketSentAt: number;
  lastPacketReceivedAt: number;
}

function emptyCounters(): PairTrafficCounters {
  return {
    packetsSent: 0,
    bytesSent: 0,
    packetsReceived: 0,
    bytesReceived: 0,
    lastPacketSentAt: Number.NEGATIVE_INFINITY,
    lastPacketReceivedAt: Number.NEGATIVE_INFINITY,
  };
}

/** The key of a pair's path: snapshots and live pairs of the agent give the same key. */
export function pairKey(pair: Pick<CandidatePairInfo, 'local' | 'remote'>): string {
  const { local, remote } = pair;
  return `${local.address}|${local.port}|${remote.address}|${remote.port}`;
}

/** @internal Owned by the Manager. */
export class PairTraffic {
  /** Over every pair since the start (RTCTransportStats). */
  readonly total = emptyCounters();
  private readonly byPair = new Map<string, PairTrafficCounters>();
  /** The selected pair's counters, cached: sends always go there. */
  private selected: PairTrafficCounters | undefined;
  private selectedPair: CandidatePairInfo | undefined;

  /** The agent selected another pair. */
  select(pair: CandidatePairInfo): void {
    this.selectedPair = pair;
    this.selected = this.of(pair);
  }

  /** The counters of a pair (created at zero). */
  of(pair: Pick<CandidatePairInfo, 'local' | 'remote'>): PairTrafficCounters {
    const key = pairKey(pair);
    let counters = this.byPair.get(key);
    if (!counters) {
      counters = emptyCounters();
      this.byPair.set(key, counters);
    }
    return counters;
  }

  /** A datagram went out on the selected pair. */
  sent(bytes: number, now: number): void {
    const t = this.total;
    t.packetsSent++;
    t.bytesSent += bytes;
    t.lastPacketSentAt = now;
    const c = this.selected;
    if (!c) return;
    c.packetsSent++;
    c.bytesSent += bytes;
    c.lastPacketSentAt = now;
  }

  /** A datagram arrived on `pair`. */
  received(pair: CandidatePairInfo, bytes: number, now: number): void {
    const t = this.total;
    t.packetsReceived++;
    t.bytesReceived += bytes;
    t.lastPacketReceivedAt = now;
    const c = pair === this.selectedPair ? this.selected! : this.of(pair);
    c.packetsReceived++;
    c.bytesReceived += bytes;
    c.lastPacketReceivedAt = now;
  }
}
