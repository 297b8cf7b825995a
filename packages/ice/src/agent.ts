/**
 * The ICE agent, RFC 8445 (full implementation, one component, UDP), with trickle (RFC 8838),
 * consent freshness (RFC 7675) and restarts. See SELECTION.md for how the data path is chosen.
 */
import { lookup } from 'node:dns/promises';
import { debuglog } from 'node:util';
import {
  type Clock,
  type Net,
  nodeNet,
  type SocketAddress,
  systemClock,
  type Timer,
  type UdpSocket,
  StateMachine,
} from '@x/transport';
import { type Candidate, describeCandidate, isMdnsName, parseCandidate } from './candidate.js';
import {
  type CandidatePair,
  type CandidatePairInfo,
  type LocalBase,
  type LocalCandidate,
  PairState,
  pathKey,
} from './candidate-pair.js';
import {
  type AgentConfig,
  checkCredentials,
  randomIceString,
  type ResolvedConfig,
  resolveConfig,
} from './config.js';
import { Checklist, isLoopback } from './checklist.js';
import { type ConsentEvents, ConsentMonitor } from './consent.js';
import { AgentClosedError } from './errors.js';
import { bindHostBases, Foundations, hostAddresses } from './gather.js';
import { MdnsService } from './mdns.js';
import { TurnClient } from './turn/client.js';
import type { TurnCandidateError } from './turn/errors.js';
import { candidatePriority } from './priority.js';
import { ReflexiveQueries, srflxCandidate } from './reflexive.js';
import { answerCheck } from './responder.js';
import { chooseNomination } from './selection.js';
import {
  type AgentStats,
  ConnectionState,
  emptyStats,
  type SelectedPairCause,
  type StateCause,
} from './state.js';
import { formatIpv6, ipv6Bytes } from './stun/address.js';
import { MAGIC_COOKIE, StunAttr, StunClass, StunMethod } from './stun/constants.js';
import { verifyFingerprint, verifyIntegrity } from './stun/integrity.js';
import { decodeStun, type StunMessage } from './stun/message.js';
import { StunTransactions, type TransactionOutcome } from './stun/transaction.js';
import { StunWriter } from './stun/writer.js';

const log = debuglog('x:ice');

/** ICE credentials (RFC 8445 §5.3). */
export interface IceCredentials {
  readonly ufrag: string;
  readonly pwd: string;
}

/** Options of {@link Agent.setRemoteCredentials}. */
export interface RemoteOptions {
  /** The peer is an ICE-lite agent (RFC 8445 §2.5): we take the controlling role. */
  readonly iceLite?: boolean;
}

/** A TURN allocation offered to the agent as a relay candidate (see {@link Agent.addRelayCandidate}). */
export interface RelayEndpoint {
  /** Sends through the allocation; `localAddress` is the relayed address. */
  readonly socket: UdpSocket;
  /** The server-reflexive address the server saw (the candidate's `raddr`/`rport`). */
  readonly mappedAddress?: SocketAddress;
  /** The TURN server (`host:port`), part of the foundation (RFC 8445 §5.1.1.3). */
  readonly server?: string;
  /** Local preference (RFC 8445 §5.1.2.1) among relay candidates. Default 65535. */
  readonly localPreference?: number;
}

/** Called for every state change, after it is committed, once, in order. */
export type StateNotifier = (state: ConnectionState, cause: StateCause) => void;

interface TxContext {
  readonly kind: 'check' | 'consent';
  readonly pair: CandidatePair;
  readonly pwd: string;
  readonly useCandidate: boolean;
  readonly controlling: boolean;
  readonly sentAt: number;
  readonly key: string;
}

/**
 * An ICE agent. Construct it with a configuration and a state notifier, call
 * {@link Agent.gather}, exchange credentials and candidates with the peer (trickle is fine),
 * and send over the selected pair with {@link Agent.send}.
 *
 * ```ts
 * const agent = new Agent({ controlling: true, onCandidate: (c) => signal(c) }, (state, cause) => log(state, cause));
 * await agent.gather();
 * agent.setRemoteCredentials(remoteUfrag, remotePwd);
 * agent.addRemoteCandidate('candidate:1 1 udp 2130706431 192.0.2.7 5000 typ host');
 * agent.addRemoteCandidate(null); // end-of-candidates
 * ```
 */
export class Agent {
  private readonly cfg: ResolvedConfig;
  private readonly net: Net;
  private readonly clock: Clock;
  private readonly machine: StateMachine<ConnectionState, StateCause>;
  private readonly transactions: StunTransactions;
  private readonly reflexive: ReflexiveQueries;
  private readonly txContext = new Map<string, TxContext>();
  private readonly transactionHandles = new Map<string, { cancel(): void }>();
  private readonly foundations = new Foundations();
  private readonly stats_ = emptyStats();
  private readonly tieBreaker: bigint;
  private local: IceCredentials;
  private previousLocal: IceCredentials | undefined;
  private remote: (IceCredentials & RemoteOptions) | undefined;
  private controlling_: boolean;
  private bases: LocalBase[] = [];
  private nextBaseId = 0;
  private locals: LocalCandidate[] = [];
  private remotes: Candidate[] = [];
  private readonly list = new Checklist();
  private nominating: CandidatePair | undefined;
  private nominationDone = false;
  private selected: CandidatePair | undefined;
  private restarting = false;
  private completedBeforeDisconnect = false;
  private gathering: 'new' | 'gathering' | 'complete' = 'new';
  private remoteEnded = false;
  private checkTimer: Timer | undefined;
  private nominationTimer: Timer | undefined;
  private readonly consent: ConsentMonitor;
  private mdns: MdnsService | undefined;
  /** TURN clients of the relay candidates (closed, and so deallocated, with the agent). */
  private readonly turnClients: TurnClient[] = [];
  /** mDNS names still being resolved (end-of-candidates waits for them). */
  private pendingResolutions = 0;
  private closed = false;

  /**
   * @param config see {@link AgentConfig}; invalid values throw `IceConfigError`.
   * @param notifier gets every state change with its cause (the contract of ARCHITECTURE.md).
   */
  constructor(
    private readonly config: AgentConfig,
    notifier: StateNotifier,
  ) {
    this.cfg = resolveConfig(config);
    this.net = config.net ?? nodeNet;
    this.clock = config.clock ?? systemClock;
    this.local = { ufrag: this.cfg.ufrag, pwd: this.cfg.pwd };
    this.controlling_ = this.cfg.controlling;
    this.tieBreaker = BigInt.asUintN(64, BigInt(`0x${randomIceHex()}`));
    this.transactions = new StunTransactions(this.clock);
    this.reflexive = new ReflexiveQueries(this.clock, (base, data, port, ip) => {
      this.rawSend(base, data, port, ip);
    });
    this.consent = new ConsentMonitor(
      this.clock,
      {
        intervalMs: this.cfg.consentInterval,
        probeAfterMs: this.cfg.probeAfter,
        disconnectedAfterMs: this.cfg.disconnectedAfter,
        failedAfterMs: this.cfg.failedAfter,
        random: this.config.consent?.random ?? Math.random,
      },
      this.consentEvents(),
    );
    this.machine = new StateMachine<ConnectionState, StateCause>(
      ConnectionState.New,
      notifier,
      (error) => {
        this.stats_.handlerErrors++;
        log('state notifier threw: %o', error);
      },
    );
  }

  /** The current state. */
  get state(): ConnectionState {
    return this.machine.state;
  }

  /** Our credentials (change on {@link Agent.restart}). */
  get localCredentials(): IceCredentials {
    return this.local;
  }

  /** True while we are the controlling agent (may change on a role conflict). */
  get controlling(): boolean {
    return this.controlling_;
  }

  /** The pair carrying data, if any (a live read-only view). */
  get selectedPair(): CandidatePairInfo | undefined {
    return this.selected;
  }

  /** Counters (a live object: read, do not write). */
  get stats(): Readonly<AgentStats> {
    return this.stats_;
  }

  /** `'new'`, `'gathering'` or `'complete'`. */
  get gatheringState(): 'new' | 'gathering' | 'complete' {
    return this.gathering;
  }

  /** Local candidates gathered so far. */
  getLocalCandidates(): Candidate[] {
    return this.locals.map((l) => l.candidate);
  }

  /** Remote candidates known (signalled or peer-reflexive). */
  getRemoteCandidates(): Candidate[] {
    return [...this.remotes];
  }

  /** Snapshots of the current check list. */
  getPairs(): CandidatePairInfo[] {
    return this.list.pairs.map((p) => p.info());
  }

  /**
   * Gathers host candidates (and server-reflexive ones through the STUN servers), announcing
   * each through `onCandidate` and `null` at the end. Resolves when gathering is complete.
   */
  async gather(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.assertOpen();
    if (this.gathering !== 'new') return;
    this.gathering = 'gathering';
    if (this.cfg.mdns !== 'off')
      this.mdns = new MdnsService(this.net, this.clock, this.cfg.mdns === 'hide');
    // Relay allocations run beside host gathering (they take a round trip or more).
    const relays = this.gatherRelays(options.signal);
    const relayOnly = this.cfg.transportPolicy === 'relay';
    const addresses = relayOnly ? [] : hostAddresses(this.net, this.cfg.gather);
    const { bases, errors } = await bindHostBases(
      this.net,
      addresses,
      this.foundations,
      (base, data, from) => this.onDatagram(base, data, from),
      () => this.nextBaseId++,
    );
    for (const e of errors) log('bind failed: %o', e);
    if (this.closed || options.signal?.aborted) {
      await Promise.all(bases.map((b) => b.socket.close()));
      await relays;
      this.gathering = 'new';
      options.signal?.throwIfAborted();
      return;
    }
    for (const base of bases) {
      this.bases.push(base);
      let host = base.host;
      if (this.mdns?.hiding) {
        host = { ...host, address: this.mdns.announce(base.address) };
      }
      this.addLocal({ candidate: host, base }, true);
    }
    if (this.mdns?.hiding) await this.mdns.start();
    if (!relayOnly) await this.gatherReflexive();
    await relays;
    if (this.closed) return;
    this.gathering = 'complete';
    this.emitCandidate(null);
    this.afterChange();
  }

  /**
   * One TURN allocation per `turn:`/`turns:` URL (RFC 8656), each becoming a relay candidate;
   * a server that fails is reported through `onCandidateError` and gathering goes on.
   */
  private async gatherRelays(signal: AbortSignal | undefined): Promise<void> {
    const servers = this.cfg.servers.filter((s) => s.scheme === 'turn' || s.scheme === 'turns');
    await Promise.all(
      servers.map(async (server) => {
        const host = server.host.includes(':') ? `[${server.host}]` : server.host;
        const url = `${server.scheme}:${host}:${server.port}?transport=${server.transport}`;
        let deliver: ((data: Buffer, from: SocketAddress) => void) | undefined;
        const client = new TurnClient({
          url,
          username: server.username ?? '',
          credential: server.credential ?? '',
          net: this.net,
          clock: this.clock,
          ...(this.config.turnTls ? { tls: this.config.turnTls } : {}),
          onMessage: (data, from) => deliver?.(data, from),
          onError: (error) => this.reportCandidateError(error),
        });
        this.turnClients.push(client);
        const result = await client.allocate(signal ? { signal } : {});
        if (this.closed) return;
        if (!result.ok) {
          this.reportCandidateError(result.error);
          await client.close();
          return;
        }
        deliver = this.addRelayCandidate({
          socket: result.socket,
          ...(result.mappedAddress ? { mappedAddress: result.mappedAddress } : {}),
          server: `${host}:${server.port}`,
        });
      }),
    );
  }

  private reportCandidateError(error: TurnCandidateError): void {
    log('candidate error %s: %d %s', error.url, error.errorCode, error.errorText);
    try {
      this.config.onCandidateError?.(error);
    } catch (e) {
      this.stats_.handlerErrors++;
      log('onCandidateError threw: %o', e);
    }
  }

  private async gatherReflexive(): Promise<void> {
    const servers = this.cfg.servers.filter((s) => s.scheme === 'stun' && s.transport === 'udp');
    // TURN servers (relay candidates) are gathered by the TURN client (issue 5), which hands
    // each allocation to addRelayCandidate().
    const jobs: Promise<void>[] = [];
    for (const server of servers) {
      jobs.push(
        resolveHost(server.host).then((ips) => {
          const work: Promise<void>[] = [];
          for (const base of this.bases) {
            if (base.host.type !== 'host' || isLoopback(base.address)) continue;
            const ip = ips.find((x) => (x.includes(':') ? 'IPv6' : 'IPv4') === base.family);
            if (ip !== undefined && !this.closed) work.push(this.querySrflx(base, ip, server.port));
          }
          return Promise.all(work).then(() => undefined);
        }),
      );
    }
    await Promise.all(jobs);
  }

  private async querySrflx(base: LocalBase, ip: string, port: number): Promise<void> {
    const mapped = await this.reflexive.query(base, ip, port);
    if (mapped === undefined || this.closed) return;
    const candidate = srflxCandidate(base, mapped, `${ip}:${port}`, this.foundations);
    if (candidate !== undefined) this.addLocal({ base, candidate }, true);
  }

  private addLocal(l: LocalCandidate, announce: boolean): void {
    if (
      this.locals.some(
        (x) => x.candidate.address === l.candidate.address && x.candidate.port === l.candidate.port,
      )
    )
      return;
    this.locals.push(l);
    if (announce) this.emitCandidate(l.candidate);
    // RFC 8445 §6.1.2.4: pairs use the base of a reflexive candidate, so only a new base
    // (a host candidate) yields new pairs.
    if (l.candidate.type === 'host' || l.candidate.type === 'relay') {
      for (const r of this.remotes) this.formPair(l.base, l.candidate, r);
      this.schedule();
    }
  }

  private emitCandidate(c: Candidate | null): void {
    const cb = this.config.onCandidate;
    if (cb === undefined) return;
    const out = c === null ? null : { ...c, ufrag: this.local.ufrag };
    try {
      cb(out);
    } catch (error) {
      this.stats_.handlerErrors++;
      log('onCandidate threw: %o', error);
    }
  }

  /**
   * Sets the peer's credentials (from its SDP). Checks start once these and a remote candidate
   * are known. New credentials after earlier ones mean the peer restarted: call
   * {@link Agent.restart} first to restart our side too (JSEP does both); otherwise we restart
   * implicitly.
   */
  setRemoteCredentials(ufrag: string, pwd: string, options: RemoteOptions = {}): void {
    this.assertOpen();
    checkCredentials(ufrag, pwd, 'remote ufrag', 'remote pwd');
    if (this.remote !== undefined && this.remote.ufrag !== ufrag) this.restart();
    this.remote = { ufrag, pwd, iceLite: options.iceLite ?? false };
    if (options.iceLite && !this.controlling_) {
      // RFC 8445 §6.1.1: a full agent facing a lite agent is controlling.
      this.setRole(true);
    }
    this.schedule();
  }

  /**
   * Adds a remote candidate (an object, or a `candidate:` line); `null` means
   * end-of-candidates (RFC 8838 §8.2). Candidates of another ufrag (an old generation), TCP
   * candidates and malformed lines are ignored (counted in debug logs, not thrown), except a
   * malformed string which throws `CandidateParseError` since it comes from the application.
   */
  addRemoteCandidate(candidate: Candidate | string | null): void {
    this.assertOpen();
    if (candidate === null) {
      this.endOfRemoteCandidates();
      return;
    }
    const c = typeof candidate === 'string' ? parseCandidate(candidate) : candidate;
    if (c.transport !== 'udp' || c.component !== 1) {
      log('ignoring remote candidate %s', describeCandidate(c));
      return;
    }
    if (c.ufrag !== undefined && this.remote !== undefined && c.ufrag !== this.remote.ufrag) {
      log('ignoring remote candidate of ufrag %s', c.ufrag);
      return;
    }
    if (isMdnsName(c.address)) {
      if (this.cfg.mdns === 'off') return;
      this.mdns ??= new MdnsService(this.net, this.clock, false);
      const pending = this.mdns.resolve(c.address);
      this.pendingResolutions++;
      void pending.then((ip) => {
        this.pendingResolutions--;
        if (this.closed) return;
        if (ip === undefined) log('mDNS name %s did not resolve', c.address);
        else this.addResolvedRemote(c, ip);
        this.afterChange();
      });
      return;
    }
    const ip = canonicalIp(c.address);
    if (ip === undefined) {
      log('ignoring remote candidate with bad address %s', c.address);
      return;
    }
    this.addResolvedRemote(c, ip);
  }

  private addResolvedRemote(c: Candidate, ip: string): void {
    const existing = this.remotes.findIndex(
      (r) => (r as ResolvedCandidate).ip === ip && r.port === c.port,
    );
    const resolved: ResolvedCandidate = { ...c, ip };
    if (existing >= 0) {
      const old = this.remotes[existing]!;
      if (old.type !== 'prflx') return;
      // RFC 8838 §11.1 / RFC 8445 §7.3.1.3: a signalled candidate replaces the peer-reflexive
      // one learned from a check.
      this.remotes[existing] = resolved;
      for (const p of this.list.pairs) {
        if (p.remote === old) {
          p.remote = resolved;
          p.updatePriority(this.controlling_);
        }
      }
      return;
    }
    this.remotes.push(resolved);
    for (const l of this.locals) {
      if (l.candidate.type === 'host' || l.candidate.type === 'relay')
        this.formPair(l.base, l.candidate, resolved);
    }
    this.schedule();
  }

  /**
   * Adds a relayed candidate (RFC 8445 §5.1.1.2): the TURN client (issue 5) hands over the
   * allocation as a `UdpSocket` whose `send(data, port, address)` reaches peers through the
   * server and whose `localAddress` is the relayed transport address. Returns the handler the
   * TURN client must call for every datagram a peer sends through the allocation. The agent
   * closes the socket on {@link Agent.close}. Call before `gather()` resolves to have the
   * candidate announced before end-of-candidates.
   */
  addRelayCandidate(relay: RelayEndpoint): (data: Buffer, from: SocketAddress) => void {
    this.assertOpen();
    const relayed = relay.socket.localAddress;
    const server = relay.server ?? '';
    const lp = relay.localPreference ?? 0xffff;
    const candidate: Candidate = {
      foundation: this.foundations.get('relay', relayed.address, 'udp', server),
      component: 1,
      transport: 'udp',
      priority: candidatePriority('relay', lp),
      address: relayed.address,
      port: relayed.port,
      type: 'relay',
      ...(relay.mappedAddress !== undefined
        ? { relatedAddress: relay.mappedAddress.address, relatedPort: relay.mappedAddress.port }
        : {}),
    };
    const base: LocalBase = {
      id: this.nextBaseId++,
      socket: relay.socket,
      address: relayed.address,
      port: relayed.port,
      family: relayed.family,
      interfaceName: `relay:${server}`,
      host: candidate,
    };
    this.bases.push(base);
    this.addLocal({ candidate, base }, true);
    return (data, from) => this.onDatagram(base, data, from);
  }

  /** The peer has no more candidates (RFC 8838 end-of-candidates). */
  endOfRemoteCandidates(): void {
    this.assertOpen();
    this.remoteEnded = true;
    this.afterChange();
  }

  private formPair(
    base: LocalBase,
    local: Candidate,
    remote: Candidate,
    learned = false,
  ): CandidatePair | undefined {
    const ip = (remote as ResolvedCandidate).ip ?? remote.address;
    const pair = this.list.form(
      base,
      local,
      remote,
      ip,
      this.controlling_,
      this.nominationDone,
      learned,
    );
    if (pair !== undefined) log('pair %s', pair.toString());
    return pair;
  }

  // ---- checks -------------------------------------------------------------------------

  /** Starts the Ta timer when there is work and we may check. */
  private schedule(): void {
    if (this.closed || this.remote === undefined || this.checkTimer !== undefined) return;
    if (this.machine.state === ConnectionState.Failed && !this.restarting) return;
    if (!this.list.hasWork()) return;
    if (this.machine.state === ConnectionState.New) {
      this.machine.set(ConnectionState.Checking, { kind: 'checks-started' });
    }
    // First check at once, then one every Ta (RFC 8445 §6.1.4.2).
    this.checkTimer = this.clock.setTimeout(() => this.onCheckTimer(), 0);
  }

  private onCheckTimer(): void {
    this.checkTimer = undefined;
    if (this.closed || this.remote === undefined) return;
    const pair = this.list.next(this.nominating);
    if (pair === undefined) return;
    this.sendCheck(pair, pair === this.nominating);
    if (this.list.hasWork())
      this.checkTimer = this.clock.setTimeout(() => this.onCheckTimer(), this.cfg.ta);
  }

  private sendCheck(
    pair: CandidatePair,
    useCandidate: boolean,
    kind: 'check' | 'consent' = 'check',
  ): void {
    const remote = this.remote;
    if (remote === undefined) return;
    if (kind === 'check' && pair.transactionKey !== undefined)
      this.cancelTransaction(pair.transactionKey);
    const w = new StunWriter(StunMethod.Binding, StunClass.Request)
      .addString(StunAttr.Username, `${remote.ufrag}:${this.local.ufrag}`)
      // RFC 8445 §7.1.1: PRIORITY is that of a peer-reflexive candidate from this base.
      .addUint32(
        StunAttr.Priority,
        candidatePriority('prflx', (pair.local.priority >>> 8) & 0xffff),
      )
      .addUint64(
        this.controlling_ ? StunAttr.IceControlling : StunAttr.IceControlled,
        this.tieBreaker,
      );
    if (useCandidate && this.controlling_) w.addFlag(StunAttr.UseCandidate);
    const bytes = w.finish({ integrity: remote.pwd, fingerprint: true });
    const key = w.transactionId.toString('hex');
    const ctx: TxContext = {
      kind,
      pair,
      pwd: remote.pwd,
      useCandidate: useCandidate && this.controlling_,
      controlling: this.controlling_,
      sentAt: this.clock.now(),
      key,
    };
    this.txContext.set(key, ctx);
    if (kind === 'check') {
      pair.state = PairState.InProgress;
      pair.transactionKey = key;
      this.stats_.checksSent++;
    } else {
      this.stats_.consentRequestsSent++;
    }
    const handle = this.transactions.start(
      w.transactionId,
      () => this.rawSend(pair.base, bytes, pair.remote.port, pair.remoteIp),
      (outcome) => {
        this.transactionHandles.delete(key);
        this.onCheckOutcome(ctx, outcome);
      },
      kind === 'check'
        ? { rtoMs: this.cfg.checkRto, maxTransmissions: this.cfg.checkTransmissions }
        : { rtoMs: this.cfg.consentInterval, maxTransmissions: 1, lastWaitFactor: 4 },
    );
    this.transactionHandles.set(key, handle);
  }

  private cancelTransaction(key: string): void {
    this.txContext.delete(key);
    this.transactionHandles.get(key)?.cancel();
    this.transactionHandles.delete(key);
  }

  private onCheckOutcome(
    ctx: TxContext & { kind: 'check' | 'consent' },
    outcome: TransactionOutcome,
  ): void {
    this.txContext.delete(ctx.key);
    const pair = ctx.pair;
    if (ctx.kind === 'check' && pair.transactionKey === ctx.key) pair.transactionKey = undefined;
    if (this.closed) return;
    if (outcome.kind === 'timeout') {
      if (ctx.kind === 'consent') return;
      log('check timed out on %s', pair.toString());
      pair.state = PairState.Failed;
      if (this.nominating === pair) this.nominating = undefined;
      this.afterChange();
      return;
    }
    const msg = outcome.message;
    const now = this.clock.now();
    if (msg.cls === StunClass.ErrorResponse) {
      const code = msg.getErrorCode()?.code;
      if (code === 487 && ctx.kind === 'check') {
        // RFC 8445 §7.2.5.1: switch roles if we still have the role we sent, and retry.
        this.stats_.roleConflicts++;
        if (ctx.controlling === this.controlling_) this.setRole(!this.controlling_);
        pair.state = PairState.Waiting;
        this.list.triggered.push(pair);
        this.schedule();
        return;
      }
      log('check on %s got error %s', pair.toString(), code);
      if (ctx.kind === 'check') {
        pair.state = PairState.Failed;
        if (this.nominating === pair) this.nominating = undefined;
      }
      this.afterChange();
      return;
    }
    pair.lastReceivedAt = now;
    pair.lastConsentAt = now;
    pair.rttMs = now - ctx.sentAt;
    if (pair === this.selected) this.onSelectedHeard();
    if (ctx.kind === 'consent') return;
    this.learnPrflxLocal(pair, msg);
    if (pair.state !== PairState.Succeeded) {
      pair.state = PairState.Succeeded;
      pair.validAt = now;
      log('pair valid: %s', pair.toString());
      // RFC 8445 §7.2.5.3.3: unfreeze the pairs of the same foundation.
      this.list.unfreeze(pair.foundation);
    }
    if (ctx.useCandidate && this.controlling_) {
      if (this.nominating === pair) this.nominating = undefined;
      pair.nominated = true;
      this.select(pair);
    } else if (!this.controlling_ && pair.nominateOnSuccess) {
      pair.nominated = true;
      this.considerNominated(pair);
    } else if (
      this.controlling_ &&
      this.consent.probing &&
      this.selected &&
      pair !== this.selected &&
      this.nominating === undefined
    ) {
      // The selected pair is silent and this one answers: switch to it (SELECTION.md).
      this.startNomination(pair);
    }
    this.afterChange();
  }

  /** RFC 8445 §7.2.5.3.1: a mapped address we do not know is a peer-reflexive candidate. */
  private learnPrflxLocal(pair: CandidatePair, msg: StunMessage): void {
    const mapped = msg.getXorAddress();
    if (mapped === undefined) return;
    if (
      this.locals.some(
        (l) => l.candidate.address === mapped.address && l.candidate.port === mapped.port,
      )
    )
      return;
    const lp = (pair.base.host.priority >>> 8) & 0xffff;
    this.addLocal(
      {
        base: pair.base,
        candidate: {
          foundation: this.foundations.get('prflx', pair.base.address, 'udp'),
          component: 1,
          transport: 'udp',
          priority: candidatePriority('prflx', lp),
          address: mapped.address,
          port: mapped.port,
          type: 'prflx',
          relatedAddress: pair.base.address,
          relatedPort: pair.base.port,
        },
      },
      false,
    );
  }

  private setRole(controlling: boolean): void {
    if (this.controlling_ === controlling) return;
    log('role switch: controlling=%s', controlling);
    this.controlling_ = controlling;
    this.list.setRole(controlling);
  }

  // ---- nomination and selection (SELECTION.md) -----------------------------------------

  private startNomination(pair: CandidatePair): void {
    this.nominating = pair;
    this.list.triggered.unshift(pair);
    log('nominating %s', pair.toString());
    if (this.checkTimer === undefined) {
      this.checkTimer = this.clock.setTimeout(() => this.onCheckTimer(), 0);
    }
  }

  /** Controlling side: nominate the best valid pair when the selection rule says so. */
  private evaluateNomination(): void {
    this.nominationTimer?.cancel();
    this.nominationTimer = undefined;
    if (
      !this.controlling_ ||
      this.nominationDone ||
      this.nominating !== undefined ||
      this.remote === undefined
    )
      return;
    const decision = chooseNomination(this.list.pairs, this.clock.now(), this.cfg.nominationWait);
    if (decision.action === 'nominate') this.startNomination(decision.pair);
    else if (decision.action === 'wait') {
      this.nominationTimer = this.clock.setTimeout(() => {
        this.nominationTimer = undefined;
        this.evaluateNomination();
      }, decision.untilMs - this.clock.now());
    }
  }

  /**
   * Controlled side, RFC 8445 §8.1.1: a nominated valid pair becomes selected when none is,
   * when it has a higher priority than the selected one, or when the selected one is silent.
   */
  private considerNominated(pair: CandidatePair): void {
    const cur = this.selected;
    if (cur === undefined || this.restarting || pair.priority > cur.priority || this.isSilent(cur))
      this.select(pair);
  }

  private isSilent(pair: CandidatePair): boolean {
    return this.clock.now() - pair.lastReceivedAt >= this.cfg.probeAfter;
  }

  private select(pair: CandidatePair): void {
    const previous = this.selected;
    this.nominationDone = true;
    // RFC 8445 §8.1.2: with a nominated pair, Waiting and Frozen pairs leave the schedule,
    // and In-Progress checks of lower-priority pairs stop retransmitting. We stop the
    // higher-priority ones too: a pair is nominated once (SELECTION.md), so their outcome can
    // no longer change the selection and would only hold `completed` back for up to 39.5 s.
    // They stay in the list as candidates for a switch if the selected pair goes silent.
    for (const p of this.list.pairs) {
      if (p.state === PairState.Waiting || p.state === PairState.Frozen) p.retired = true;
      else if (p.state === PairState.InProgress && p !== pair && p !== this.nominating) {
        if (p.transactionKey !== undefined) this.cancelTransaction(p.transactionKey);
        p.transactionKey = undefined;
        p.state = PairState.Waiting;
        p.retired = true;
      }
    }
    if (previous === pair) return;
    let cause: SelectedPairCause;
    if (previous === undefined) cause = { kind: 'nominated' };
    else if (this.restarting) cause = { kind: 'restart', previous };
    else if (this.isSilent(previous)) cause = { kind: 'previous-pair-silent', previous };
    else cause = { kind: 'higher-priority-nominated', previous };
    this.selected = pair;
    this.restarting = false;
    log('selected %s (%s)', pair.toString(), cause.kind);
    const cb = this.config.onSelectedPairChange;
    if (cb !== undefined) {
      try {
        cb(pair, cause);
      } catch (error) {
        this.stats_.handlerErrors++;
        log('onSelectedPairChange threw: %o', error);
      }
    }
    this.consent.watch(pair);
    const s = this.machine.state;
    if (
      s === ConnectionState.New ||
      s === ConnectionState.Checking ||
      s === ConnectionState.Disconnected ||
      s === ConnectionState.Failed
    ) {
      this.machine.set(ConnectionState.Connected, { kind: 'nominated', pair });
    }
  }

  // ---- consent freshness and liveness (RFC 7675), see consent.ts -------------------------

  private consentEvents(): ConsentEvents {
    return {
      request: (pair) => this.sendCheck(pair, false, 'consent'),
      wantsProbe: () => this.controlling_,
      probe: () => {
        // Probe every other pair that may work: the first to answer gets nominated.
        this.list.probeAll(this.selected!);
        this.schedule();
      },
      silent: (pair, silentMs) => {
        const s = this.machine.state;
        if (s !== ConnectionState.Connected && s !== ConnectionState.Completed) return;
        this.completedBeforeDisconnect = s === ConnectionState.Completed;
        this.machine.set(ConnectionState.Disconnected, { kind: 'no-packets', pair, silentMs });
      },
      expired: (pair, silentMs) => {
        log('consent expired on %s', pair.toString());
        this.enterFailed({ kind: 'consent-expired', pair, silentMs });
      },
    };
  }

  /** Something arrived on the selected pair while the monitor was paying attention. */
  private onSelectedHeard(): void {
    if (!this.consent.attention) return;
    this.consent.heard();
    if (this.machine.state === ConnectionState.Disconnected && !this.consent.lost) {
      this.machine.set(
        this.completedBeforeDisconnect ? ConnectionState.Completed : ConnectionState.Connected,
        { kind: 'packets-resumed', pair: this.selected! },
      );
    }
  }

  private enterFailed(cause: StateCause): void {
    this.checkTimer?.cancel();
    this.checkTimer = undefined;
    this.nominationTimer?.cancel();
    this.nominationTimer = undefined;
    for (const key of [...this.txContext.keys()]) this.cancelTransaction(key);
    this.list.triggered.length = 0;
    this.nominating = undefined;
    this.machine.set(ConnectionState.Failed, cause);
  }

  // ---- overall state -----------------------------------------------------------------------

  /** Re-evaluates nomination, failure and completion after any change. */
  private afterChange(): void {
    if (this.closed) return;
    this.evaluateNomination();
    this.schedule();
    const s = this.machine.state;
    const noMoreCandidates =
      this.remoteEnded && this.gathering === 'complete' && this.pendingResolutions === 0;
    const checksRunning = this.list.running();
    if (
      (s === ConnectionState.Checking ||
        (s === ConnectionState.New && this.remote !== undefined)) &&
      this.selected === undefined &&
      noMoreCandidates &&
      !checksRunning
    ) {
      if (
        !this.list.pairs.some((p) => p.state === PairState.Succeeded) ||
        this.list.pairs.length === 0
      ) {
        this.enterFailed({ kind: 'all-pairs-failed', pairs: this.list.pairs.length });
        return;
      }
    }
    if (
      s === ConnectionState.Connected &&
      this.nominationDone &&
      noMoreCandidates &&
      !checksRunning &&
      !this.consent.probing &&
      this.nominating === undefined
    ) {
      this.machine.set(ConnectionState.Completed, {
        kind: 'checks-completed',
        pair: this.selected!,
      });
    }
  }

  // ---- input -------------------------------------------------------------------------------

  private onDatagram(base: LocalBase, data: Buffer, from: SocketAddress): void {
    if (this.closed) return;
    this.stats_.datagramsReceived++;
    if (data.length >= 20 && (data[0]! & 0xc0) === 0 && data.readUInt32BE(4) === MAGIC_COOKIE) {
      this.onStun(base, data, from);
      return;
    }
    const pair = this.findPair(base, from);
    if (pair === undefined) {
      this.stats_.unknownSource++;
      log('dropped %d bytes from unknown %s:%d', data.length, from.address, from.port);
      return;
    }
    pair.lastReceivedAt = this.clock.now();
    if (pair === this.selected && this.consent.attention) this.onSelectedHeard();
    this.stats_.dataReceived++;
    const cb = this.config.onData;
    if (cb === undefined) return;
    try {
      cb(data, pair);
    } catch (error) {
      this.stats_.handlerErrors++;
      log('onData threw: %o', error);
    }
  }

  /** The pair of a path: the selected pair first (hot path, no key built), then the list. */
  private findPair(base: LocalBase, from: SocketAddress): CandidatePair | undefined {
    const sel = this.selected;
    if (
      sel !== undefined &&
      sel.base === base &&
      sel.remote.port === from.port &&
      sel.remoteIp === from.address
    ) {
      return sel;
    }
    return this.list.byKey.get(pathKey(base.id, from.address, from.port));
  }

  private onStun(base: LocalBase, data: Buffer, from: SocketAddress): void {
    const msg = decodeStun(data);
    if (msg === undefined) {
      this.stats_.malformedStun++;
      log('dropped malformed STUN from %s:%d', from.address, from.port);
      return;
    }
    if (msg.fingerprintOffset >= 0 && !verifyFingerprint(msg)) {
      this.stats_.badFingerprint++;
      log('dropped STUN with bad FINGERPRINT from %s:%d', from.address, from.port);
      return;
    }
    if (msg.method !== StunMethod.Binding) {
      // TURN responses will be routed to the TURN client here (issue 5).
      this.stats_.unknownTransaction++;
      return;
    }
    switch (msg.cls) {
      case StunClass.Request:
        this.onRequest(base, msg, from);
        return;
      case StunClass.Indication: {
        // RFC 8445 §11: Binding indications are keepalives.
        const pair = this.findPair(base, from);
        if (pair !== undefined) {
          pair.lastReceivedAt = this.clock.now();
          if (pair === this.selected) this.onSelectedHeard();
        }
        return;
      }
      default:
        this.onResponse(base, msg, from);
    }
  }

  private onResponse(base: LocalBase, msg: StunMessage, from: SocketAddress): void {
    const key = msg.transactionKey;
    const ctx = this.txContext.get(key);
    if (ctx === undefined) {
      const r = this.reflexive.handle(base, msg, from);
      if (r === 'consumed') return;
      if (r === 'unexpected-source') this.stats_.unexpectedSource++;
      else this.stats_.unknownTransaction++;
      log('dropped response (%s) from %s:%d', r, from.address, from.port);
      return;
    }
    // RFC 8445 §7.2.5.2.1: the response must come from where the request went, to the base
    // it left from.
    const pair = ctx.pair;
    if (pair.base !== base || pair.remoteIp !== from.address || pair.remote.port !== from.port) {
      this.stats_.unexpectedSource++;
      log('dropped response from unexpected %s:%d', from.address, from.port);
      return;
    }
    if (!verifyIntegrity(msg, ctx.pwd)) {
      this.stats_.badIntegrity++;
      log('dropped response with bad MESSAGE-INTEGRITY from %s:%d', from.address, from.port);
      return;
    }
    this.transactionHandles.delete(key);
    this.transactions.complete(msg);
  }

  private onRequest(base: LocalBase, msg: StunMessage, from: SocketAddress): void {
    const verdict = answerCheck(
      msg,
      from,
      this.local,
      this.previousLocal,
      this.controlling_,
      this.tieBreaker,
    );
    this.rawSend(base, verdict.reply, from.port, from.address);
    if (verdict.kind === 'rejected') {
      if (verdict.reason === 'unknown-attributes') this.stats_.unknownAttributes++;
      else if (verdict.reason === 'bad-username') this.stats_.badUsername++;
      else if (verdict.reason === 'role-conflict') this.stats_.roleConflicts++;
      else this.stats_.badIntegrity++;
      log('refused a check from %s:%d: %s', from.address, from.port, verdict.reason);
      return;
    }
    this.stats_.checksReceived++;
    const current = verdict.current;
    if (verdict.role === 'switch') {
      this.stats_.roleConflicts++;
      this.setRole(!this.controlling_);
    }
    const useCandidate = msg.has(StunAttr.UseCandidate);
    let pair = this.findPair(base, from);
    if (pair !== undefined) {
      pair.lastReceivedAt = this.clock.now();
      if (pair === this.selected) this.onSelectedHeard();
    }
    if (!current || this.closed) return;
    if (this.machine.state === ConnectionState.Failed && !this.restarting) return;
    if (pair === undefined) {
      // RFC 8445 §7.3.1.3: an unknown source is a peer-reflexive remote candidate.
      let remote = this.remotes.find(
        (r) => (r as ResolvedCandidate).ip === from.address && r.port === from.port,
      );
      if (remote === undefined) {
        const prflx: ResolvedCandidate = {
          foundation: randomIceString(8).replace(/[+/]/g, 'x'),
          component: 1,
          transport: 'udp',
          priority: msg.getUint32(StunAttr.Priority) ?? candidatePriority('prflx', 0),
          address: from.address,
          port: from.port,
          type: 'prflx',
          ip: from.address,
        };
        this.remotes.push(prflx);
        remote = prflx;
        log('learned prflx remote %s', describeCandidate(prflx));
      }
      pair = this.formPair(base, base.host, remote, true);
      if (pair === undefined) return;
      pair.retired = false;
      pair.lastReceivedAt = this.clock.now();
    }
    // RFC 8445 §7.3.1.4: triggered checks.
    if (pair.state !== PairState.Succeeded && pair.state !== PairState.InProgress) {
      pair.retired = false;
      pair.state = PairState.Waiting;
      this.list.triggered.push(pair);
    }
    // RFC 8445 §7.3.1.5: nomination on the controlled side (regular or aggressive).
    if (useCandidate && !this.controlling_) {
      if (pair.state === PairState.Succeeded) {
        pair.nominated = true;
        this.considerNominated(pair);
      } else {
        pair.nominateOnSuccess = true;
      }
    }
    this.afterChange();
  }

  // ---- output ------------------------------------------------------------------------------

  /**
   * Sends one datagram over the selected pair. Returns false (and counts it) when there is no
   * selected pair, when consent has expired (RFC 7675 §5.2: sending must stop) or the agent is
   * closed. The bytes are consumed before it returns.
   */
  send(data: Uint8Array): boolean {
    const pair = this.selected;
    if (pair === undefined || this.consent.lost || this.closed) {
      this.stats_.sendRefused++;
      return false;
    }
    this.stats_.dataSent++;
    return this.rawSend(pair.base, data, pair.remote.port, pair.remoteIp);
  }

  private rawSend(base: LocalBase, data: Uint8Array, port: number, ip: string): boolean {
    if (base.socket.closed) return false;
    try {
      base.socket.send(data, port, ip);
      return true;
    } catch (error) {
      log('send to %s:%d failed: %o', ip, port, error);
      return false;
    }
  }

  // ---- restart and close -------------------------------------------------------------------

  /**
   * ICE restart, RFC 8445 §9: new local credentials (given, or random), the check list starts
   * over, and the pair selected before keeps carrying data until a new one is selected. Local
   * candidates are announced again through `onCandidate` with the new ufrag, then `null`.
   * Signal the new credentials to the peer, then give the agent the peer's new ones.
   * States: `completed` → `connected`, `disconnected`/`failed`/`checking` → `checking`
   * (cause `restart`); `new` and `connected` stay.
   */
  restart(credentials?: IceCredentials): IceCredentials {
    this.assertOpen();
    const next = credentials ?? { ufrag: randomIceString(8), pwd: randomIceString(24) };
    checkCredentials(next.ufrag, next.pwd, 'ufrag', 'pwd');
    this.previousLocal = this.local;
    this.local = next;
    this.remote = undefined;
    this.remoteEnded = false;
    for (const [key, ctx] of this.txContext) if (ctx.kind === 'check') this.cancelTransaction(key);
    this.checkTimer?.cancel();
    this.checkTimer = undefined;
    this.nominationTimer?.cancel();
    this.nominationTimer = undefined;
    this.list.triggered.length = 0;
    this.nominating = undefined;
    this.nominationDone = false;
    this.remotes = [];
    this.list.clear();
    // The selected pair stays selected (data keeps flowing over it, found by the fast path of
    // onDatagram) until the restarted check list selects a new one.
    this.restarting = true;
    const s = this.machine.state;
    if (s === ConnectionState.Completed)
      this.machine.set(ConnectionState.Connected, { kind: 'restart' });
    else if (s !== ConnectionState.Connected && s !== ConnectionState.New)
      this.machine.set(ConnectionState.Checking, { kind: 'restart' });
    if (this.gathering === 'complete') {
      for (const l of this.locals)
        if (l.candidate.type !== 'prflx') this.emitCandidate(l.candidate);
      this.emitCandidate(null);
    }
    return next;
  }

  /** Closes every socket and timer; the state becomes `closed`. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.transactions.cancelAll();
    this.reflexive.cancel();
    this.transactionHandles.clear();
    this.txContext.clear();
    this.checkTimer?.cancel();
    this.nominationTimer?.cancel();
    this.checkTimer = this.nominationTimer = undefined;
    this.consent.stop();
    this.machine.set(ConnectionState.Closed, { kind: 'closed-by-user' });
    await Promise.all([
      ...this.bases.map((b) => b.socket.close()),
      ...this.turnClients.map((c) => c.close()),
      this.mdns?.close(),
    ]);
  }

  private assertOpen(): void {
    if (this.closed) throw new AgentClosedError();
  }
}

/** A remote candidate with its IP (resolved from mDNS when needed). */
type ResolvedCandidate = Candidate & { readonly ip: string };

function canonicalIp(address: string): string | undefined {
  if (address.includes(':')) {
    const b = ipv6Bytes(address);
    return b === undefined ? undefined : formatIpv6(b, 0);
  }
  return /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(address) ? address : undefined;
}

/** IP literals as they are; names through the system resolver (both families). */
async function resolveHost(host: string): Promise<string[]> {
  if (canonicalIp(host) !== undefined) return [canonicalIp(host)!];
  try {
    const found = await lookup(host, { all: true });
    return found.map((a) => a.address);
  } catch (error) {
    log('cannot resolve STUN server %s: %o', host, error);
    return [];
  }
}

function randomIceHex(): string {
  return Buffer.from(randomIceString(12), 'latin1').toString('hex').slice(0, 16);
}
