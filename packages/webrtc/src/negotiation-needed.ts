/**
 * webrtc-pc §4.7.3 "update the negotiation-needed flag", with the hooks the spec gives it:
 * the operations chain emptying ([[UpdateNegotiationNeededFlagOnEmptyChain]]) and a
 * description that brings the signaling state back to `stable`. For a data-channel stack,
 * "check if negotiation is needed" is: a channel was created and no data section has been
 * negotiated yet, or `restartIce()` asked for new credentials that no offer carried yet.
 */
import type { RTCSignalingState } from './rtc-types.js';

/** What the flag reads from its peer connection. */
export interface NegotiationHost {
  readonly closed: boolean;
  /** Operations waiting or running in the chain (webrtc-pc [[Operations]]). */
  readonly pendingOperations: number;
  readonly signalingState: RTCSignalingState;
  /** webrtc-pc "check if negotiation is needed". */
  negotiationNeeded(): boolean;
  /** Fires `negotiationneeded`. */
  fire(): void;
}

/** @internal Owned by `RTCPeerConnection`. */
export class NegotiationNeededFlag {
  /** webrtc-pc [[NegotiationNeeded]]. */
  private needed = false;
  /** webrtc-pc [[UpdateNegotiationNeededFlagOnEmptyChain]]. */
  private onEmptyChain = false;
  /** A negotiation ended in `stable` while the flag was set: fire again if still needed. */
  private again = false;

  constructor(private readonly host: NegotiationHost) {}

  /** "Update the negotiation-needed flag" (the event, if any, comes from a queued task). */
  update(): void {
    const h = this.host;
    if (h.pendingOperations !== 0) {
      this.onEmptyChain = true;
      return;
    }
    queueMicrotask(() => {
      if (h.closed) return;
      if (h.pendingOperations !== 0) {
        this.onEmptyChain = true;
        return;
      }
      if (h.signalingState !== 'stable') return;
      const again = this.again;
      this.again = false;
      if (!h.negotiationNeeded()) {
        this.needed = false;
        return;
      }
      if (this.needed && !again) return;
      this.needed = true;
      h.fire();
    });
  }

  /**
   * A description made the signaling state `stable` ("set the session description"): update
   * the flag, and if negotiation was needed before and still is (the negotiation that just
   * ended did not cover it), fire again. The check runs once the chain is empty, so it sees
   * the description just applied.
   */
  stable(): void {
    if (this.needed) this.again = true;
    this.update();
  }

  /** The operations chain became empty. */
  chainEmptied(): void {
    if (!this.onEmptyChain) return;
    this.onEmptyChain = false;
    this.update();
  }
}
