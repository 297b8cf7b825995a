/**
 * The transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2):
 * one 16-bit counter for every RTP packet a transport sends, whatever its stream, so the
 * peer's transport-wide feedback (TWCC) can report each packet's arrival.
 */

import { RtpConfigurationError } from '../errors.js';

/**
 * The counter that every {@link OutboundRtpStream} of one transport (one BUNDLE group) shares:
 * give the same object to each stream's `transportSequence` option. Each packet sent, first
 * transmission or retransmission, takes the next number (draft-holmer-rmcat-transport-wide-cc-
 * extensions-01 §2: "incremented by one for each packet sent over the transport").
 */
export class TransportSequenceCounter {
  private nextValue: number;

  /** Throws {@link RtpConfigurationError} when `initial` is not a 16-bit integer. Default 1. */
  constructor(initial = 1) {
    if (!Number.isInteger(initial) || initial < 0 || initial > 0xffff) {
      throw new RtpConfigurationError(
        `TransportSequenceCounter: initial ${initial} is not a 16-bit unsigned integer`,
      );
    }
    this.nextValue = initial;
  }

  /** Takes the next number (16 bits, wrapping). */
  take(): number {
    const value = this.nextValue;
    this.nextValue = (value + 1) & 0xffff;
    return value;
  }

  /** The number the next packet will take, without taking it. */
  get next(): number {
    return this.nextValue;
  }
}
