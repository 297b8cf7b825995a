/**
 * STUN client transactions over UDP, RFC 8489 §6.2.1: a request is retransmitted after RTO,
 * 2·RTO, 4·RTO... up to Rc transmissions; after the last one the client waits Rm·RTO for a
 * response. With the defaults (RTO 500 ms, Rc 7, Rm 16) requests go out at 0, 500, 1500, 3500,
 * 7500, 15 500 and 31 500 ms and the transaction fails at 39 500 ms. Timers come from the
 * injected {@link Clock}.
 */
import type { Clock, Timer } from '@x/transport';
import type { StunMessage } from './message.js';

/** Retransmission parameters, RFC 8489 §6.2.1. */
export interface RetransmitOptions {
  /** Initial retransmission timeout in ms. Default 500 (RFC 8489 §6.2.1 recommends ≥ 500). */
  readonly rtoMs?: number;
  /** Rc: total transmissions of the request. Default 7. */
  readonly maxTransmissions?: number;
  /** Rm: the wait after the last transmission, in multiples of RTO. Default 16. */
  readonly lastWaitFactor?: number;
}

/** How a transaction ended. */
export type TransactionOutcome =
  | { readonly kind: 'response'; readonly message: StunMessage }
  | { readonly kind: 'timeout' };

/** A running client transaction. */
export interface ClientTransaction {
  /** The transaction id as hex. */
  readonly key: string;
  /** Transmissions so far. */
  readonly transmissions: number;
  /** Stops retransmitting; the completion callback is not called. Idempotent. */
  cancel(): void;
}

class Transaction implements ClientTransaction {
  transmissions = 0;
  timer: Timer | undefined;
  rto: number;
  readonly initialRto: number;
  readonly max: number;
  readonly rm: number;

  constructor(
    readonly owner: StunTransactions,
    readonly key: string,
    readonly send: () => void,
    readonly done: (outcome: TransactionOutcome) => void,
    options: RetransmitOptions,
  ) {
    this.rto = options.rtoMs ?? 500;
    this.initialRto = this.rto;
    this.max = options.maxTransmissions ?? 7;
    this.rm = options.lastWaitFactor ?? 16;
  }

  transmit(): void {
    this.transmissions++;
    this.send();
    const last = this.transmissions >= this.max;
    const wait = last ? this.rm * this.initialRto : this.rto;
    if (!last) this.rto *= 2;
    this.timer = this.owner.clock.setTimeout(() => this.fire(last), wait);
  }

  private fire(last: boolean): void {
    this.timer = undefined;
    if (last) {
      this.owner.remove(this);
      this.done({ kind: 'timeout' });
    } else {
      this.transmit();
    }
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.owner.remove(this);
  }
}

/** The set of outstanding client transactions of one STUN user (an agent, a TURN client). */
export class StunTransactions {
  private readonly pending = new Map<string, Transaction>();

  constructor(readonly clock: Clock) {}

  /** Outstanding transactions. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Starts a transaction: `send` (re)transmits the request, `done` gets the response or the
   * timeout. `transactionId` must be the id written into the request.
   */
  start(
    transactionId: Uint8Array,
    send: () => void,
    done: (outcome: TransactionOutcome) => void,
    options: RetransmitOptions = {},
  ): ClientTransaction {
    const key = Buffer.from(transactionId.buffer, transactionId.byteOffset, 12).toString('hex');
    const t = new Transaction(this, key, send, done, options);
    this.pending.get(key)?.cancel();
    this.pending.set(key, t);
    t.transmit();
    return t;
  }

  /**
   * Completes the transaction a response belongs to. False when no transaction matches (the
   * caller drops and counts it). The caller has already authenticated the response.
   */
  complete(message: StunMessage): boolean {
    const t = this.pending.get(message.transactionKey);
    if (t === undefined) return false;
    t.cancel();
    t.done({ kind: 'response', message });
    return true;
  }

  /** True when a transaction with this id is outstanding. */
  has(key: string): boolean {
    return this.pending.has(key);
  }

  /** Cancels every outstanding transaction (no callbacks). */
  cancelAll(): void {
    for (const t of [...this.pending.values()]) t.cancel();
  }

  /** @internal */
  remove(t: ClientTransaction): void {
    if (this.pending.get(t.key) === t) this.pending.delete(t.key);
  }
}
