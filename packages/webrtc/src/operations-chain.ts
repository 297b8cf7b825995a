/**
 * webrtc-pc "chain an operation" (§4.4.1.3) and its [[Operations]] list: `createOffer()`,
 * `createAnswer()`, `setLocalDescription()`, `setRemoteDescription()` and `addIceCandidate()`
 * run one at a time, in call order (`getStats()` is not chained).
 */

/** @internal Owned by `RTCPeerConnection`. */
export class OperationsChain {
  private chain: Promise<unknown> = Promise.resolve();
  /** Operations in the chain, waiting or running (webrtc-pc [[Operations]]). */
  private pendingOperations = 0;

  /**
   * @param closed - webrtc-pc [[IsClosed]] of the peer connection.
   * @param emptied - the chain became empty (the negotiation-needed flag's hook).
   */
  constructor(
    private readonly closed: () => boolean,
    private readonly emptied: () => void,
  ) {}

  /** Operations in the chain, waiting or running (webrtc-pc [[Operations]]). */
  get pending(): number {
    return this.pendingOperations;
  }

  /**
   * webrtc-pc "chain an operation" (§4.4.1.3): `createOffer()`, `createAnswer()`,
   * `setLocalDescription()`, `setRemoteDescription()` and `addIceCandidate()` run one at a
   * time, in call order (`getStats()` is not chained). Once closed, a new one rejects with
   * InvalidStateError, and one already chained settles neither way ("If connection.[[IsClosed]]
   * is true, abort these steps").
   */
  enqueue<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed())
      return Promise.reject(
        new DOMException('the RTCPeerConnection is closed', 'InvalidStateError'),
      );
    this.pendingOperations++;
    const result = this.chain.then(operation);
    this.chain = result
      .catch(() => {})
      .then(() => {
        if (--this.pendingOperations === 0) this.emptied();
      });
    return new Promise<T>((resolve, reject) => {
      result.then(
        (value) => {
          if (!this.closed()) resolve(value);
        },
        (error: unknown) => {
          if (!this.closed()) reject(error);
        },
      );
    });
  }
}
