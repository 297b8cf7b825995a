/**
 * A TURN client, RFC 8656: one allocation on one server over UDP, TCP or TLS.
 *
 * `allocate()` opens the link to the server, sends Allocate (§7.1) and answers the 401
 * challenge with long-term credentials (RFC 8489 §9.2), then keeps the allocation alive with
 * Refresh (§8) before its lifetime runs out. The relay socket it returns handles permissions,
 * channels and data ({@link TurnRelaySocket}). `close()` deallocates with a Refresh of
 * LIFETIME 0 (§8) and closes the link.
 *
 * Nothing from the network is thrown: a failure is reported as a {@link TurnCandidateError}
 * (the W3C `icecandidateerror` fields), from `allocate()` or through `onError`. Timers come
 * from the injected clock, sockets from the injected `Net`. State changes go to the notifier
 * handed to the constructor, after they are committed, once each and in order.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { debuglog } from 'node:util';
import { type Clock, type Net, nodeNet, systemClock, type Timer } from '@x/transport';
import { StunAttr, StunClass, StunMethod } from '../stun/constants.js';
import { decodeStun, type StunMessage } from '../stun/message.js';
import { StunTransactions, type RetransmitOptions } from '../stun/transaction.js';
import { StunWriter } from '../stun/writer.js';
import { LongTermAuth } from './auth.js';
import { isChannelData } from './channel-data.js';
import { TurnConfigError, type TurnCandidateError, UNREACHABLE } from './errors.js';
import { type RequestOutcome, TurnRelaySocket } from './relay-socket.js';
import { openServerLink, type ServerLink } from './server-link.js';
import {
  type TurnAllocateResult,
  type TurnClientOptions,
  type TurnNotifier,
  TurnState,
  type TurnStateCause,
} from './types.js';
import { parseTurnUrl, type TurnServerUrl } from './url.js';

const log = debuglog('x:ice:turn');

/** Reason phrases for the codes a TURN client meets (RFC 8489 §14.8, RFC 8656 §18). */
const REASONS: Record<number, string> = {
  401: 'Unauthenticated: wrong username or password',
  403: 'Forbidden',
  437: 'Allocation Mismatch',
  438: 'Stale Nonce',
  440: 'Address Family not Supported',
  441: 'Wrong Credentials',
  442: 'Unsupported Transport Protocol',
  486: 'Allocation Quota Reached',
  508: 'Insufficient Capacity',
};

/** One TURN allocation. See the file comment. */
// Structurally a RelayHost for its relay sockets (checked where `this` is handed to them);
// not declared with `implements`, since those members are internal (stripped from the .d.ts).
export class TurnClient {
  /** The server's URI, parsed. */
  readonly url: TurnServerUrl;
  /** The clock every timer of this client runs on. */
  readonly clock: Clock;
  private readonly net: Net;
  private auth: LongTermAuth;
  private readonly transactions: StunTransactions;
  private link: ServerLink | undefined;
  private relay: TurnRelaySocket | undefined;
  private refreshTimer: Timer | undefined;
  private keepaliveTimer: Timer | undefined;
  private framesSent = 0;
  private framesAtLastKeepalive = -1;
  private readonly waiting = new Set<(o: RequestOutcome) => void>();
  private closePromise: Promise<void> | undefined;
  private stateValue = TurnState.New;
  private readonly queue: Array<[TurnState, TurnStateCause]> = [];
  private draining = false;
  /** Messages from the server that were dropped (malformed, unmatched, bad integrity). */
  droppedFromServer = 0;

  constructor(
    private readonly options: TurnClientOptions,
    private readonly notifier?: TurnNotifier,
  ) {
    this.url = typeof options.url === 'string' ? parseTurnUrl(options.url) : options.url;
    if (options.username === '' || options.credential === undefined) {
      throw new TurnConfigError(`${this.url.url} needs a username and a credential`);
    }
    this.clock = options.clock ?? systemClock;
    this.net = options.net ?? nodeNet;
    this.auth = new LongTermAuth(options.username, options.credential);
    this.transactions = new StunTransactions(this.clock);
  }

  /** The current state. */
  get state(): TurnState {
    return this.stateValue;
  }

  /** True once closed or failed: nothing can be sent any more. */
  get closed(): boolean {
    return this.stateValue === TurnState.Closed || this.stateValue === TurnState.Failed;
  }

  /** True over TCP/TLS. @internal */
  get stream(): boolean {
    return this.link?.stream ?? false;
  }

  /** The relay socket, once allocated. */
  get socket(): TurnRelaySocket | undefined {
    return this.relay;
  }

  /**
   * Allocates a relayed address (RFC 8656 §7). Resolves with the relay socket, or with a
   * candidate error; never rejects for network reasons. Call once.
   */
  async allocate(options: { signal?: AbortSignal } = {}): Promise<TurnAllocateResult> {
    if (this.stateValue !== TurnState.New) {
      throw new TurnConfigError('allocate() may be called once per TurnClient');
    }
    this.setState(TurnState.Allocating, { kind: 'allocate-started' });
    const onAbort = () => void this.close();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.runAllocate(options.signal);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async runAllocate(signal: AbortSignal | undefined): Promise<TurnAllocateResult> {
    let address = this.url.host;
    let port = this.url.port;
    let host = this.url.host;
    try {
      if (isIP(address) === 0) address = await (this.options.resolve ?? defaultResolve)(address);
    } catch (e) {
      return this.unreachable(e);
    }
    for (let redirects = 0; ; redirects++) {
      try {
        const link = await openServerLink({
          net: this.net,
          transport: this.url.transport,
          address,
          port,
          host,
          ...(this.options.localAddress !== undefined
            ? { localAddress: this.options.localAddress }
            : {}),
          ...(this.options.tls !== undefined ? { tls: this.options.tls } : {}),
          ...(signal !== undefined ? { signal } : {}),
          onFrame: (frame) => this.onFrame(frame),
          onLost: (reason) => this.fail(UNREACHABLE, reason),
        });
        if (this.closed) {
          await link.close();
          return { ok: false, error: this.candidateError(UNREACHABLE, 'closed while allocating') };
        }
        this.link = link;
      } catch (e) {
        return this.unreachable(e);
      }
      // §7.1: REQUESTED-TRANSPORT UDP (17), and LIFETIME when the user asks for one.
      const out = await this.request(StunMethod.Allocate, (w) => {
        w.addUint32(StunAttr.RequestedTransport, 17 << 24);
        // §18.7: family 0x01 IPv4, 0x02 IPv6, then 24 reserved bits.
        if (this.options.relayFamily === 'IPv6')
          w.addUint32(StunAttr.RequestedAddressFamily, 0x02 << 24);
        if (this.options.lifetimeSec !== undefined)
          w.addUint32(StunAttr.Lifetime, this.options.lifetimeSec);
      });
      // RFC 8656 §7.4 and RFC 8489 §10: 300 (Try Alternate) names another server in
      // ALTERNATE-SERVER (and, for TLS, its name in ALTERNATE-DOMAIN); try it over the same
      // transport, a bounded number of times.
      const alternate =
        out.kind === 'error' && out.code === 300
          ? out.message?.getAddress(StunAttr.AlternateServer)
          : undefined;
      if (alternate !== undefined && redirects < 2 && !this.closed) {
        log('%s: redirected to %s:%d', this.url.url, alternate.address, alternate.port);
        const old = this.link;
        this.link = undefined;
        this.transactions.cancelAll();
        await old?.close();
        this.auth = new LongTermAuth(this.options.username, this.options.credential);
        address = alternate.address;
        port = alternate.port;
        host =
          out.kind === 'error'
            ? (out.message?.getString(StunAttr.AlternateDomain) ?? address)
            : address;
        continue;
      }
      if (out.kind !== 'success') {
        const error = this.outcomeError(out, 'Allocate');
        await this.teardown(TurnState.Failed, { kind: 'error', error });
        return { ok: false, error };
      }
      return this.allocated(out.message);
    }
  }

  private unreachable(e: unknown): TurnAllocateResult {
    const error = this.candidateError(
      UNREACHABLE,
      `cannot reach the TURN server: ${e instanceof Error ? e.message : String(e)}`,
    );
    if (!this.closed) this.setState(TurnState.Failed, { kind: 'error', error });
    return { ok: false, error };
  }

  private async allocated(message: StunMessage): Promise<TurnAllocateResult> {
    const relayed = message.getXorAddress(StunAttr.XorRelayedAddress);
    if (relayed === undefined) {
      const error = this.candidateError(500, 'Allocate success without XOR-RELAYED-ADDRESS');
      await this.teardown(TurnState.Failed, { kind: 'error', error });
      return { ok: false, error };
    }
    const mapped = message.getXorAddress(StunAttr.XorMappedAddress);
    const lifetimeSec = message.getUint32(StunAttr.Lifetime) ?? 600;
    const link = this.link!;
    this.relay = new TurnRelaySocket(this, relayed, this.options.onMessage, this.options);
    this.scheduleRefresh(lifetimeSec);
    if (!link.stream) this.scheduleKeepalive();
    log('allocated %s:%d on %s for %d s', relayed.address, relayed.port, this.url.url, lifetimeSec);
    this.setState(TurnState.Allocated, { kind: 'allocated', relayedAddress: relayed, lifetimeSec });
    return {
      ok: true,
      socket: this.relay,
      relayedAddress: relayed,
      mappedAddress: mapped,
      localAddress: link.localAddress,
      lifetimeSec,
    };
  }

  /**
   * Deallocates (Refresh with LIFETIME 0, RFC 8656 §8; waited for at most ~2.5 s) and closes
   * the link. Idempotent; resolves when everything is released.
   */
  close(): Promise<void> {
    this.closePromise ??= this.runClose();
    return this.closePromise;
  }

  private async runClose(): Promise<void> {
    if (this.stateValue === TurnState.Allocated && this.link !== undefined) {
      this.cancelTimers();
      const out = await this.request(StunMethod.Refresh, (w) => w.addUint32(StunAttr.Lifetime, 0), {
        rtoMs: 500,
        maxTransmissions: 3,
        lastWaitFactor: 2,
      });
      log('deallocate on %s: %s', this.url.url, out.kind);
    }
    await this.teardown(TurnState.Closed, { kind: 'closed-by-user' });
  }

  // --- RelayHost --------------------------------------------------------------------------

  /** @internal */
  sendFrame(frame: Uint8Array): boolean {
    if (this.closed || this.link === undefined) return false;
    this.framesSent++;
    return this.link.send(frame);
  }

  /** @internal */
  report(errorCode: number, errorText: string): void {
    this.emitError(this.candidateError(errorCode, errorText));
  }

  /**
   * Runs a request with credentials: a 401 is answered once with the realm and nonce it
   * brings, a 438 with its fresh nonce (RFC 8489 §9.2.5). @internal
   */
  async request(
    method: number,
    build: (w: StunWriter) => void,
    retransmit?: RetransmitOptions,
  ): Promise<RequestOutcome> {
    for (let attempt = 0; attempt < 4; attempt++) {
      if (this.link === undefined || this.stateValue === TurnState.Failed)
        return { kind: 'closed' };
      const w = new StunWriter(method, StunClass.Request);
      build(w);
      if (this.options.software !== undefined)
        w.addString(StunAttr.Software, this.options.software);
      const signed = this.auth.ready;
      const bytes = w.finish(this.auth.sign(w));
      const message = await this.transact(Buffer.from(w.transactionId), bytes, retransmit);
      if (message === 'timeout' || message === 'closed') return { kind: message };
      if (message.cls === StunClass.SuccessResponse) return { kind: 'success', message };
      const err = message.getErrorCode();
      const code = err?.code ?? 500;
      if (
        (code === 401 || code === 438) &&
        this.auth.challenge(message, code, signed) === 'retry'
      ) {
        log('%s: %d, retrying with realm %s', this.url.url, code, this.auth.realm);
        continue;
      }
      return { kind: 'error', code, reason: err?.reason || REASONS[code] || 'error', message };
    }
    return { kind: 'error', code: 401, reason: REASONS[401]! };
  }

  private transact(
    id: Buffer,
    bytes: Buffer,
    retransmit: RetransmitOptions | undefined,
  ): Promise<StunMessage | 'timeout' | 'closed'> {
    // RFC 8489 §6.2.2: over TCP/TLS a request is sent once and waited for Ti = 39.5 s.
    const base = this.options.retransmit ?? {};
    const rto = retransmit?.rtoMs ?? base.rtoMs ?? 500;
    const opts: RetransmitOptions = this.link?.stream
      ? { rtoMs: rto, maxTransmissions: 1, lastWaitFactor: retransmit ? 5 : 79 }
      : (retransmit ?? base);
    return new Promise((resolve) => {
      const settle = (o: RequestOutcome): void => {
        this.waiting.delete(settle);
        resolve(o.kind === 'success' ? o.message : o.kind === 'closed' ? 'closed' : 'timeout');
      };
      this.waiting.add(settle);
      this.transactions.start(
        id,
        () => {
          this.framesSent++;
          this.link?.send(bytes);
        },
        (outcome) =>
          settle(
            outcome.kind === 'response'
              ? { kind: 'success', message: outcome.message }
              : { kind: 'timeout' },
          ),
        opts,
      );
    });
  }

  // --- receiving ------------------------------------------------------------------------

  private onFrame(frame: Buffer): void {
    if (isChannelData(frame)) {
      if (this.relay !== undefined) this.relay.onChannelData(frame);
      else this.droppedFromServer++;
      return;
    }
    const msg = decodeStun(frame);
    if (msg === undefined) {
      this.droppedFromServer++;
      return;
    }
    if (msg.cls === StunClass.Indication) {
      if (msg.method === StunMethod.Data && this.relay !== undefined)
        this.relay.onDataIndication(msg);
      else this.droppedFromServer++;
      return;
    }
    if (msg.cls === StunClass.Request || !this.transactions.has(msg.transactionKey)) {
      this.droppedFromServer++;
      return;
    }
    // RFC 8489 §9.2.5: an answer carrying integrity that does not check out is discarded;
    // a success answer to a signed request must carry it.
    const code = msg.cls === StunClass.ErrorResponse ? msg.getErrorCode()?.code : undefined;
    const mustVerify =
      this.auth.ready &&
      (msg.cls === StunClass.SuccessResponse ||
        ((msg.integrityOffset >= 0 || msg.integritySha256Offset >= 0) &&
          code !== 401 &&
          code !== 438));
    if (mustVerify && !this.auth.verify(msg)) {
      log('%s: answer with bad integrity dropped', this.url.url);
      this.droppedFromServer++;
      return;
    }
    // The awaiting code runs after this handler returns: give it its own copy.
    this.transactions.complete(decodeStun(Buffer.from(msg.raw))!);
  }

  // --- lifetime -------------------------------------------------------------------------

  // §8: refresh well before expiry: a minute early, or at half the lifetime when it is short.
  private scheduleRefresh(lifetimeSec: number): void {
    const ms = lifetimeSec > 120 ? (lifetimeSec - 60) * 1000 : lifetimeSec * 500;
    this.refreshTimer?.cancel();
    this.refreshTimer = this.clock.setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, ms);
  }

  private scheduleKeepalive(): void {
    const ms = this.options.keepaliveMs ?? 15_000;
    if (ms <= 0) return;
    this.keepaliveTimer = this.clock.setTimeout(() => {
      this.keepaliveTimer = undefined;
      if (this.framesSent === this.framesAtLastKeepalive) {
        // RFC 8489 §6.3.2 / RFC 8656: a Binding indication needs no answer and no credentials.
        this.sendFrame(
          new StunWriter(StunMethod.Binding, StunClass.Indication).finish({ fingerprint: true }),
        );
      }
      this.framesAtLastKeepalive = this.framesSent;
      this.scheduleKeepalive();
    }, ms);
  }

  private async refresh(): Promise<void> {
    const out = await this.request(StunMethod.Refresh, (w) => {
      if (this.options.lifetimeSec !== undefined)
        w.addUint32(StunAttr.Lifetime, this.options.lifetimeSec);
    });
    if (this.stateValue !== TurnState.Allocated || this.closePromise !== undefined) return;
    if (out.kind === 'success') {
      const lifetime = out.message.getUint32(StunAttr.Lifetime) ?? 600;
      log('refreshed %s for %d s', this.url.url, lifetime);
      this.scheduleRefresh(lifetime);
      return;
    }
    if (out.kind === 'closed') return;
    this.fail(
      out.kind === 'error' ? out.code : UNREACHABLE,
      this.outcomeError(out, 'Refresh').errorText,
    );
  }

  // --- failure and teardown --------------------------------------------------------------

  private fail(code: number, text: string): void {
    if (this.closed || this.closePromise !== undefined) return;
    const error = this.candidateError(code, text);
    if (this.stateValue === TurnState.Allocated) this.emitError(error);
    void this.teardown(TurnState.Failed, { kind: 'error', error });
  }

  private cancelTimers(): void {
    this.refreshTimer?.cancel();
    this.refreshTimer = undefined;
    this.keepaliveTimer?.cancel();
    this.keepaliveTimer = undefined;
    this.relay?.stop();
  }

  private async teardown(state: TurnState, cause: TurnStateCause): Promise<void> {
    this.cancelTimers();
    this.transactions.cancelAll();
    for (const settle of [...this.waiting]) settle({ kind: 'closed' });
    const link = this.link;
    // Closed is final; a failed client still becomes Closed when the user closes it.
    if (this.stateValue !== TurnState.Closed) this.setState(state, cause);
    if (link !== undefined) await link.close();
  }

  private outcomeError(out: RequestOutcome, what: string): TurnCandidateError {
    if (out.kind === 'error') return this.candidateError(out.code, out.reason);
    if (out.kind === 'timeout')
      return this.candidateError(UNREACHABLE, `${what}: no answer from the TURN server`);
    return this.candidateError(UNREACHABLE, `${what}: closed`);
  }

  private candidateError(errorCode: number, errorText: string): TurnCandidateError {
    const local = this.link?.localAddress;
    return local === undefined
      ? { url: this.url.url, errorCode, errorText }
      : { url: this.url.url, errorCode, errorText, address: local.address, port: local.port };
  }

  private emitError(error: TurnCandidateError): void {
    log('%s: %d %s', error.url, error.errorCode, error.errorText);
    try {
      this.options.onError?.(error);
    } catch (e) {
      log('onError handler threw: %o', e);
    }
  }

  private setState(state: TurnState, cause: TurnStateCause): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.queue.push([state, cause]);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        try {
          this.notifier?.(next[0], next[1]);
        } catch (e) {
          log('state handler threw: %o', e);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}

async function defaultResolve(host: string): Promise<string> {
  return (await lookup(host)).address;
}
