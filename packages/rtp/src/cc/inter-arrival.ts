/**
 * Packet groups and their inter-group delay variation, draft-ietf-rmcat-gcc-02 §5.2 (and
 * libwebrtc's `InterArrivalDelta`): packets sent within 5 ms of a group's first are one group
 * (a burst a frame makes); the delay variation between two groups is
 * d(i) = (t(i) − t(i−1)) − (T(i) − T(i−1)), arrival spacing minus send spacing, taken at the
 * last packet of each group.
 */

/** A group of packets sent within {@link PacketGroupOptions.groupLengthMs} of its first. */
interface Group {
  firstSendMs: number;
  /** Latest send time in the group. */
  sendMs: number;
  firstArrivalMs: number;
  /** Arrival of the group's last packet ("complete time"). */
  completeMs: number;
  sizeBytes: number;
}

/** The deltas between two consecutive packet groups. */
export interface GroupDelta {
  /** T(i) − T(i−1): send time spacing of the groups' last packets, ms. */
  readonly sendDeltaMs: number;
  /** t(i) − t(i−1): arrival spacing of the groups' last packets, ms. */
  readonly arrivalDeltaMs: number;
  /** Size of the new group minus the previous one's, bytes. */
  readonly sizeDeltaBytes: number;
  /** Arrival time of the completed group's last packet, ms. */
  readonly arrivalMs: number;
}

/** Options of {@link PacketGrouper}. */
export interface PacketGroupOptions {
  /** Send-time length of a group, ms. Default 5 (gcc-02 §5.2 burst_time, libwebrtc). */
  readonly groupLengthMs?: number;
}

/** Arrival spacing under which a packet whose delay went down joins the burst (libwebrtc). */
const BURST_DELTA_MS = 5;
/** The longest a burst may last at the receiver (libwebrtc `kMaxBurstDuration`). */
const MAX_BURST_MS = 100;
/** Arrival clock jumps beyond this (vs. the send clock) reset the grouping (libwebrtc). */
const ARRIVAL_OFFSET_RESET_MS = 3000;
/** Consecutive groups arriving in reverse order before a reset (libwebrtc). */
const REORDER_RESET = 3;

/**
 * Splits acknowledged packets, fed in arrival order, into send-time groups and yields the
 * deltas of each completed group against the previous one (draft-ietf-rmcat-gcc-02 §5.2).
 * A packet sent before its group's first (reordered on the way) is ignored; packets that
 * arrive in a burst after a queue drains (their delay went down and they came less than 5 ms
 * apart) join the current group, as libwebrtc does.
 */
export class PacketGrouper {
  private readonly groupLengthMs: number;
  private current: Group | undefined;
  private previous: Group | undefined;
  private reordered = 0;

  constructor(options: PacketGroupOptions = {}) {
    this.groupLengthMs = options.groupLengthMs ?? 5;
  }

  /** Adds one packet; returns the deltas when it completes a group that has a predecessor. */
  add(sendMs: number, arrivalMs: number, sizeBytes: number): GroupDelta | undefined {
    const cur = this.current;
    if (cur === undefined) {
      this.current = newGroup(sendMs, arrivalMs, sizeBytes);
      return undefined;
    }
    if (sendMs < cur.firstSendMs) return undefined; // reordered: older than the group
    let delta: GroupDelta | undefined;
    if (this.startsNewGroup(cur, sendMs, arrivalMs)) {
      const prev = this.previous;
      if (prev !== undefined) {
        const sendDeltaMs = cur.sendMs - prev.sendMs;
        const arrivalDeltaMs = cur.completeMs - prev.completeMs;
        if (arrivalDeltaMs - sendDeltaMs >= ARRIVAL_OFFSET_RESET_MS) {
          this.reset();
          this.current = newGroup(sendMs, arrivalMs, sizeBytes);
          return undefined;
        }
        if (arrivalDeltaMs < 0) {
          if (++this.reordered >= REORDER_RESET) this.reset();
          // As libwebrtc: the group is neither measured nor becomes the previous one.
          this.current = newGroup(sendMs, arrivalMs, sizeBytes);
          return undefined;
        }
        this.reordered = 0;
        delta = {
          sendDeltaMs,
          arrivalDeltaMs,
          sizeDeltaBytes: cur.sizeBytes - prev.sizeBytes,
          arrivalMs: cur.completeMs,
        };
      }
      this.previous = cur;
      this.current = newGroup(sendMs, arrivalMs, sizeBytes);
      return delta;
    }
    cur.sendMs = Math.max(cur.sendMs, sendMs);
    cur.sizeBytes += sizeBytes;
    cur.completeMs = arrivalMs;
    return undefined;
  }

  /** Forgets every group (the next packet starts afresh). */
  reset(): void {
    this.current = undefined;
    this.previous = undefined;
    this.reordered = 0;
  }

  private startsNewGroup(cur: Group, sendMs: number, arrivalMs: number): boolean {
    // libwebrtc BelongsToBurst: same send time, or delay going down in a quick burst.
    const arrivalDelta = arrivalMs - cur.completeMs;
    const sendDelta = sendMs - cur.sendMs;
    if (sendDelta === 0) return false;
    if (
      arrivalDelta - sendDelta < 0 &&
      arrivalDelta <= BURST_DELTA_MS &&
      arrivalMs - cur.firstArrivalMs < MAX_BURST_MS
    ) {
      return false;
    }
    return sendMs - cur.firstSendMs > this.groupLengthMs;
  }
}

/** A group that starts with one packet. */
function newGroup(sendMs: number, arrivalMs: number, sizeBytes: number): Group {
  return {
    firstSendMs: sendMs,
    sendMs,
    firstArrivalMs: arrivalMs,
    completeMs: arrivalMs,
    sizeBytes,
  };
}
