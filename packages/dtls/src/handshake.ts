import { createHash, type KeyObject, timingSafeEqual } from 'node:crypto';
import type { Timer } from '@x/transport';
import { type Fingerprint, fingerprintOf } from './certificate.js';
import { certificatePublicKey } from './certificate-key.js';
import { RecordProtection, type SuiteParams } from './cipher-suite.js';
import { AlertDescription, HandshakeType } from './constants.js';
import { MAX_RETRANSMIT_MS, type ResolvedConfig } from './config.js';
import {
  encodeHandshake,
  type HandshakeFragment,
  type HandshakeMessage,
  Reassembler,
} from './handshake-codec.js';
import { MIN_RECORD_SIZE_LIMIT } from './extensions.js';
import { log } from './log.js';
import { MAX_PLAINTEXT } from './record.js';
import { keyBlock, masterSecret, verifyData } from './prf.js';
import type { DtlsStateCause } from './transport-state.js';
import { ownedCopy } from './owned-copy.js';

/** @internal One element of a flight: a handshake message at an epoch, or a ChangeCipherSpec. */
export type FlightItem =
  | { readonly message: HandshakeMessage; readonly epoch: 0 | 1 }
  | { readonly ccs: true };

/** @internal Counters the handshake updates. */
export interface HandshakeCounters {
  /** Handshake messages out of place, too far ahead or at the wrong epoch. */
  handshakeDropped: number;
  /** Flights sent again (timer or peer retransmission). */
  retransmissions: number;
}

/** @internal What a handshake needs from its transport. */
export interface HandshakeHost {
  readonly config: ResolvedConfig;
  readonly counters: HandshakeCounters;
  /** Sends the records of a flight, packed into datagrams of at most the MTU. */
  transmit(items: readonly FlightItem[]): void;
  /** Installs the epoch-1 protections (RFC 6347 §4.1: the epoch changes with ChangeCipherSpec). */
  installKeys(write: RecordProtection, read: RecordProtection): void;
  /** The handshake completed. */
  complete(): void;
  /** The handshake failed; send `alert` as fatal when given. */
  fail(cause: DtlsStateCause, alert: AlertDescription | undefined): void;
}

/** The messages a handshake step accepts, by type, and what each does. */
export type StepHandlers = Partial<Record<number, (m: HandshakeMessage) => void>>;

/**
 * @internal What both roles share: the transcript, in-order delivery of reassembled messages,
 * flight retransmission with exponential backoff (RFC 6347 §4.2.4), key derivation and the
 * check of the peer's certificate against the signaled fingerprints.
 */
export abstract class Handshake {
  protected readonly transcript: Buffer[] = [];
  protected readonly reassembler = new Reassembler();
  /** message_seq of our next message (RFC 6347 §4.2.2). */
  protected sendSeq = 0;
  clientRandom: Buffer = Buffer.alloc(32);
  serverRandom: Buffer = Buffer.alloc(32);
  suite: SuiteParams | undefined;
  master: Buffer | undefined;
  srtpProfile: number | undefined;
  extendedMasterSecret = false;
  /** The peer's record_size_limit (RFC 8449), capped at DTLS 1.2's 2^14; undefined if not sent. */
  peerRecordSizeLimit: number | undefined;
  /** The peer's leaf certificate (DER) once received. */
  peerCertificate: Buffer | undefined;
  /** The peer's whole certificate chain (DER), its certificate first. */
  peerCertificates: readonly Buffer[] = [];
  protected peerKey: KeyObject | undefined;
  /** message_seq closing the peer's last complete flight, whose retransmission we answer. */
  protected peerFlightEnd = -1;
  /** True once the handshake completed. */
  done = false;
  private stopped = false;
  private flight: readonly FlightItem[] = [];
  private timer: Timer | undefined;
  private retransmits = 0;
  private timeoutMs: number;
  private flightStart = 0;
  private lastSend = Number.NEGATIVE_INFINITY;
  private draining = false;

  constructor(protected readonly host: HandshakeHost) {
    this.timeoutMs = host.config.initialRetransmitMs;
  }

  protected get config(): ResolvedConfig {
    return this.host.config;
  }

  /** Feeds the handshake fragments of one record received at `epoch`. */
  onFragments(fragments: readonly HandshakeFragment[], epoch: number): void {
    if (this.stopped) return;
    for (const f of fragments) {
      // Finished is the only handshake message under the new epoch (no renegotiation).
      if ((f.type === HandshakeType.Finished) !== (epoch === 1)) {
        this.host.counters.handshakeDropped++;
        continue;
      }
      const r = this.reassembler.add(f);
      if (r === 'old') {
        if (f.seq === this.peerFlightEnd && f.offset + f.data.length === f.length)
          this.onPeerRetransmit();
      } else if (r === 'ignored') {
        this.host.counters.handshakeDropped++;
      }
    }
    this.drain();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let m = this.reassembler.shift(); m && !this.stopped; m = this.reassembler.shift())
        this.handle(m);
    } finally {
      this.draining = false;
    }
  }

  /** Handles the next message in order. */
  protected abstract handle(m: HandshakeMessage): void;

  /** Runs the handler the current step has for `m`'s type, or drops `m` as {@link unexpected}. */
  protected dispatch(handlers: StepHandlers, m: HandshakeMessage): void {
    const handler = handlers[m.type];
    if (handler) handler(m);
    else this.unexpected(m);
  }

  /**
   * A message that has no place in the current state: dropped and counted, and its
   * message_seq freed so that an injected or corrupted message cannot block the genuine one.
   */
  protected unexpected(m: HandshakeMessage): void {
    this.host.counters.handshakeDropped++;
    this.reassembler.rewind(m.seq);
    log('handshake message %d (seq %d) out of place, dropped', m.type, m.seq);
  }

  /** Our next message, with the next message_seq. */
  protected message(type: number, body: Uint8Array): HandshakeMessage {
    return encodeHandshake(type, this.sendSeq++, body);
  }

  /** Our next message, entered in the transcript and appended to the flight being built. */
  protected append(flight: HandshakeMessage[], type: number, body: Uint8Array): void {
    const m = this.message(type, body);
    this.transcript.push(m.raw);
    flight.push(m);
  }

  /** Hash of the transcript so far with the suite's PRF hash (RFC 5246 §7.4.9). */
  protected transcriptHash(): Buffer {
    const h = createHash(this.suite!.hash);
    for (const m of this.transcript) h.update(m);
    return h.digest();
  }

  /**
   * Sends a flight; arms the retransmission timer unless it is the final one. The timer is
   * armed before the flight goes out: a `send` that hands the datagram to the peer
   * synchronously (an in-memory link) may bring back the reply, and so the end of the
   * handshake, before `transmit` returns, and that end must find the timer to cancel.
   */
  protected sendFlight(items: readonly FlightItem[], expectReply: boolean): void {
    this.cancelTimer();
    this.flight = items;
    this.retransmits = 0;
    this.timeoutMs = this.config.initialRetransmitMs;
    this.flightStart = this.config.clock.now();
    if (expectReply) this.armTimer();
    this.transmitFlight();
  }

  private transmitFlight(): void {
    this.lastSend = this.config.clock.now();
    this.host.transmit(this.flight);
  }

  private armTimer(): void {
    this.timer = this.config.clock.setTimeout(() => this.onTimeout(), this.timeoutMs);
  }

  protected cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** RFC 6347 §4.2.4.1: retransmit, double the timer, give up after maxRetransmits. */
  private onTimeout(): void {
    this.timer = undefined;
    if (this.stopped) return;
    if (this.retransmits >= this.config.maxRetransmits) {
      const elapsedMs = this.config.clock.now() - this.flightStart;
      log('handshake timed out after %d retransmissions (%d ms)', this.retransmits, elapsedMs);
      this.stop();
      this.host.fail(
        { kind: 'handshake-timeout', retransmissions: this.retransmits, elapsedMs },
        undefined,
      );
      return;
    }
    this.retransmits++;
    this.host.counters.retransmissions++;
    this.timeoutMs = Math.min(this.timeoutMs * 2, MAX_RETRANSMIT_MS);
    // Armed first, as in sendFlight: the retransmission may complete the handshake re-entrantly.
    this.armTimer();
    this.transmitFlight();
  }

  /**
   * The peer sent its previous flight again: ours was lost, send it again now (RFC 6347
   * §4.2.4, "read retransmit"), at most once per quarter of the initial timeout so that
   * duplicated datagrams do not multiply our flights.
   */
  private onPeerRetransmit(): void {
    if (this.flight.length === 0) return;
    if (this.config.clock.now() - this.lastSend < this.config.initialRetransmitMs / 4) return;
    this.host.counters.retransmissions++;
    this.transmitFlight();
  }

  /** Stops timers and further processing (failure, close). */
  stop(): void {
    this.stopped = true;
    this.cancelTimer();
  }

  /**
   * The handshake completed: no more timers. `answersRepeats`: our last flight stays, to be
   * sent again when the peer repeats its own (the server's flight 6); otherwise (the client,
   * done on the server's Finished) it is dropped. The transcript goes either way: a connection
   * lives long and nothing reads it once both Finished were checked.
   */
  protected finish(answersRepeats: boolean): void {
    this.cancelTimer();
    this.done = true;
    this.transcript.length = 0;
    if (!answersRepeats) this.flight = [];
    this.host.complete();
  }

  /** Fails with a fatal alert for a protocol violation. */
  /**
   * Takes the peer's record_size_limit (RFC 8449 §4): below 64 is fatal; above DTLS 1.2's
   * maximum counts as the maximum. Returns false after aborting.
   */
  protected acceptRecordSizeLimit(value: number | undefined): boolean {
    if (value === undefined) return true;
    if (value < MIN_RECORD_SIZE_LIMIT) {
      this.abort(AlertDescription.IllegalParameter, `record_size_limit ${value} is below 64`);
      return false;
    }
    this.peerRecordSizeLimit = Math.min(value, MAX_PLAINTEXT);
    return true;
  }

  protected abort(alert: AlertDescription, reason: string): void {
    log('handshake failed: %s', reason);
    this.stop();
    this.host.fail({ kind: 'protocol-error', alert, reason }, alert);
  }

  /**
   * Checks the peer's leaf certificate against the signaled fingerprints (RFC 8122 §5,
   * RFC 8827 §6.5) and keeps its public key. False (after failing) on a mismatch.
   */
  protected acceptCertificate(chain: readonly Buffer[]): boolean {
    const leaf = chain[0];
    if (!leaf) {
      this.abort(AlertDescription.HandshakeFailure, 'the peer sent no certificate');
      return false;
    }
    let key: KeyObject;
    try {
      key = certificatePublicKey(leaf);
    } catch {
      this.abort(AlertDescription.BadCertificate, 'the peer certificate does not parse');
      return false;
    }
    const expected = this.config.remoteFingerprints;
    if (expected && !expected.some((fp) => matches(leaf, fp))) {
      const actual = fingerprintOf(leaf, algorithmOf(expected[0]));
      log('fingerprint mismatch: got %s', actual.value);
      this.stop();
      this.host.fail(
        { kind: 'fingerprint-mismatch', expected, actual },
        AlertDescription.BadCertificate,
      );
      return false;
    }
    this.peerKey = key;
    this.peerCertificates = chain.map(ownedCopy);
    this.peerCertificate = this.peerCertificates[0];
    return true;
  }

  /** Derives master secret and record keys (RFC 5246 §6.3, §8.1; RFC 7627 §4) and installs them. */
  protected deriveKeys(preMaster: Buffer, isClient: boolean): void {
    const s = this.suite!;
    const sessionHash = this.extendedMasterSecret ? this.transcriptHash() : undefined;
    this.master = ownedCopy(
      masterSecret(s.hash, preMaster, this.clientRandom, this.serverRandom, sessionHash),
    );
    const k = s.keyLength;
    const iv = s.fixedIvLength;
    const kb = keyBlock(s.hash, this.master, this.clientRandom, this.serverRandom, 2 * (k + iv));
    const client = new RecordProtection(s, kb.subarray(0, k), kb.subarray(2 * k, 2 * k + iv));
    const server = new RecordProtection(
      s,
      kb.subarray(k, 2 * k),
      kb.subarray(2 * k + iv, 2 * k + 2 * iv),
    );
    if (isClient) this.host.installKeys(client, server);
    else this.host.installKeys(server, client);
  }

  /** verify_data for a Finished from the client or server over the transcript so far. */
  protected finishedData(fromClient: boolean): Buffer {
    return verifyData(this.suite!.hash, this.master!, fromClient, this.transcriptHash());
  }

  /** Constant-time check of a received Finished (RFC 5246 §7.4.9). */
  protected checkFinished(received: Buffer, fromClient: boolean): boolean {
    const expected = this.finishedData(fromClient);
    return received.length === expected.length && timingSafeEqual(received, expected);
  }
}

function algorithmOf(fp: Fingerprint | undefined): Fingerprint['algorithm'] {
  const a = fp?.algorithm.toLowerCase();
  return a === 'sha-1' || a === 'sha-384' || a === 'sha-512' ? a : 'sha-256';
}

function matches(der: Buffer, fp: Fingerprint): boolean {
  try {
    const algorithm = fp.algorithm.toLowerCase() as Fingerprint['algorithm'];
    return fingerprintOf(der, algorithm).value === fp.value.toUpperCase();
  } catch {
    return false;
  }
}
