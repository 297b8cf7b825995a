/** Counters of a DTLS transport. */

/** Counters of a `DtlsTransport`; bad input is counted here instead of thrown. */
export interface DtlsTransportStats {
  datagramsSent: number;
  datagramsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Application data records delivered. */
  messagesReceived: number;
  /** Application data records sent. */
  messagesSent: number;
  /**
   * Datagrams or records that do not parse (truncated, bad version, bad lengths), and records
   * above our `recordSizeLimit` (RFC 8449 §4: the peer was told not to send them).
   */
  malformed: number;
  /** Records that failed authentication (RFC 6347 §4.1.2.7: dropped, never fatal). */
  badMac: number;
  /** Records rejected by the replay window (RFC 6347 §4.1.2.6). */
  replayed: number;
  /** Records of an epoch we cannot or must not read (old, future, or data in epoch 0). */
  wrongEpoch: number;
  /** Handshake messages out of place, too far ahead, or at the wrong epoch. */
  handshakeDropped: number;
  /** Flights sent again. */
  retransmissions: number;
  alertsSent: number;
  alertsReceived: number;
  /** Inputs that raised an unexpected internal error (dropped like bad input; a bug to report). */
  internalErrors: number;
}
