/**
 * Server-reflexive gathering, RFC 8445 §5.1.1.2: a Binding request from each host base to
 * each STUN server (RFC 8489 §6.2.1 retransmissions, shortened: 3 transmissions, answer
 * within 3.5 s), and the candidate built from the mapped address.
 */
import type { Clock, SocketAddress } from '@x/transport';
import type { Candidate } from './candidate.js';
import type { LocalBase } from './candidate-pair.js';
import type { Foundations } from './gather.js';
import { candidatePriority } from './priority.js';
import { StunClass, StunMethod } from './stun/constants.js';
import type { StunMessage } from './stun/message.js';
import { StunTransactions } from './stun/transaction.js';
import { StunWriter } from './stun/writer.js';

interface Query {
  readonly base: LocalBase;
  readonly ip: string;
  readonly port: number;
  readonly resolve: (mapped: SocketAddress | undefined) => void;
}

/** Outcome of {@link ReflexiveQueries.handle}. */
export type ReflexiveResponse = 'consumed' | 'unexpected-source' | 'not-mine';

/** The outstanding Binding requests to STUN servers of one agent. */
export class ReflexiveQueries {
  private readonly transactions: StunTransactions;
  private readonly pending = new Map<string, Query>();

  constructor(
    clock: Clock,
    private readonly send: (base: LocalBase, data: Uint8Array, port: number, ip: string) => void,
  ) {
    this.transactions = new StunTransactions(clock);
  }

  /** Asks the server at `ip:port` for `base`'s mapped address; undefined on timeout. */
  query(base: LocalBase, ip: string, port: number): Promise<SocketAddress | undefined> {
    return new Promise((resolve) => {
      const w = new StunWriter(StunMethod.Binding, StunClass.Request);
      const bytes = w.finish({ fingerprint: true });
      const key = w.transactionId.toString('hex');
      this.pending.set(key, { base, ip, port, resolve });
      this.transactions.start(
        w.transactionId,
        () => this.send(base, bytes, port, ip),
        (outcome) => {
          this.pending.delete(key);
          if (outcome.kind !== 'response') {
            resolve(undefined);
            return;
          }
          const m = outcome.message;
          resolve(
            m.cls === StunClass.SuccessResponse ? (m.getXorAddress() ?? m.getAddress()) : undefined,
          );
        },
        { rtoMs: 500, maxTransmissions: 3, lastWaitFactor: 4 },
      );
    });
  }

  /**
   * Takes a response if it answers one of our queries; it must come from the server the
   * request went to, on the base it left from (else `'unexpected-source'`, dropped).
   */
  handle(base: LocalBase, msg: StunMessage, from: SocketAddress): ReflexiveResponse {
    const q = this.pending.get(msg.transactionKey);
    if (q === undefined) return 'not-mine';
    if (q.base !== base || q.ip !== from.address || q.port !== from.port)
      return 'unexpected-source';
    this.transactions.complete(msg);
    return 'consumed';
  }

  /** Cancels every query; their promises resolve to undefined. */
  cancel(): void {
    this.transactions.cancelAll();
    const queries = [...this.pending.values()];
    this.pending.clear();
    for (const q of queries) q.resolve(undefined);
  }
}

/**
 * The srflx candidate of `base` for `mapped` (RFC 8445 §5.1.1.2), or undefined when the
 * mapped address is the base itself (no NAT: the candidate would be redundant, §5.1.3).
 */
export function srflxCandidate(
  base: LocalBase,
  mapped: SocketAddress,
  server: string,
  foundations: Foundations,
): Candidate | undefined {
  if (mapped.address === base.address && mapped.port === base.port) return undefined;
  // A host candidate announced with its public address (1:1 NAT) is that address already.
  if (mapped.address === base.host.address && mapped.port === base.host.port) return undefined;
  const lp = (base.host.priority >>> 8) & 0xffff;
  return {
    foundation: foundations.get('srflx', base.address, 'udp', server),
    component: 1,
    transport: 'udp',
    priority: candidatePriority('srflx', lp),
    address: mapped.address,
    port: mapped.port,
    type: 'srflx',
    relatedAddress: base.address,
    relatedPort: base.port,
  };
}
