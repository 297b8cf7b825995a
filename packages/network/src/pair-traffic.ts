/**
 * Application traffic per candidate pair, for webrtc-stats (`RTCIceCandidatePairStats` and
 * `RTCTransportStats`: packets and bytes of data, not of STUN, and when the last one passed).
 * The Manager counts here what it hands to the agent and what the agent hands back, so the
 * agent's hot path stays as it is.
 */
import type { Agent, CandidatePairInfo } from '@x/ice';
import { describeCandidate, describePairStats } from './map-ice.js';
import type { IceTransportStats } from './transport-state.js';

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

  /** The ICE transport's counters, pairs and candidates (webrtc-stats) with `agent`'s pairs. */
  iceStats(agent: Agent | undefined): IceTransportStats {
    const t = this.total;
    const selected = agent?.selectedPair;
    const selectedKey = selected ? pairKey(selected) : undefined;
    const pairs = agent?.getPairs() ?? [];
    // After a restart the old selected pair carries data until a new one is selected, but is
    // no longer in the check list: report it too.
    if (selected && !pairs.some((p) => pairKey(p) === selectedKey)) pairs.push(selected);
    return {
      packetsSent: t.packetsSent,
      bytesSent: t.bytesSent,
      packetsReceived: t.packetsReceived,
      bytesReceived: t.bytesReceived,
      pairs: pairs.map((p) => describePairStats(p, pairKey(p) === selectedKey, this.of(p))),
      localCandidates: agent?.getLocalCandidates().map((c) => describeCandidate(c)) ?? [],
      remoteCandidates: agent?.getRemoteCandidates().map((c) => describeCandidate(c)) ?? [],
    };
  }
}
