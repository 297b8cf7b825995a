/**
 * The ICE agent, RFC 8445 (full implementation, one component, UDP), with trickle (RFC 8838),
 * consent freshness (RFC 7675) and restarts. See SELECTION.md for how the data path is chosen.
 *
 * `Agent` is the public facade; the work is done by its parts, each in its own module:
 * gathering.ts (host, srflx, relay), remote-candidates.ts (trickle, mDNS), pairing.ts (the
 * candidate sets and their pairs), checks.ts (pacing, Binding requests, transactions),
 * check-outcome.ts and inbound.ts (what responses and requests mean), nomination.ts
 * (nomination and selection), liveness.ts (consent), transitions.ts (the state and its
 * causes), all sharing one session.ts. With `AgentConfig.udpMux`, gathering joins a shared
 * port (mux/udp-mux.ts) instead of binding sockets, and the rest of the agent cannot tell.
 * With `AgentConfig.tcpMux`, it also offers passive ICE-TCP candidates and takes each
 * connection made to them as a base of its own (tcp/tcp-bases.ts).
 */
import { debuglog } from 'node:util';
import type { SocketAddress } from '@x/transport';
import { type Candidate, parseCandidate } from './candidate.js';
import type { CandidatePairInfo } from './candidate-pair.js';
import { CheckOutcomes } from './check-outcome.js';
import { ConnectivityChecks } from './checks.js';
import { type AgentConfig, checkCredentials } from './config.js';
import { type IceServer, parseIceServers } from './ice-server.js';
import { generateIceCredentials, type IceCredentials, type RemoteOptions } from './credentials.js';
import { AgentClosedError, IceConfigError } from './errors.js';
import { Gathering, type RelayEndpoint } from './gathering.js';
import { Inbound } from './inbound.js';
import { Liveness } from './liveness.js';
import { Nomination } from './nomination.js';
import { Pairing } from './pairing.js';
import { RemoteCandidates } from './remote-candidates.js';
import { AgentSession } from './session.js';
import type { AgentStats, ConnectionState, StateNotifier } from './state.js';
import { StateTransitions } from './transitions.js';

const log = debuglog('x:ice');

export type { IceCredentials, RemoteOptions } from './credentials.js';
export type { RelayEndpoint } from './gathering.js';
export type { StateNotifier } from './state.js';

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
  private readonly session: AgentSession;
  private readonly checks: ConnectivityChecks;
  private readonly nomination: Nomination;
  private readonly pairing: Pairing;
  private readonly gathering: Gathering;
  private readonly remotes: RemoteCandidates;
  private readonly liveness: Liveness;
  private readonly transitions: StateTransitions;
  private readonly outcomes: CheckOutcomes;
  private readonly inbound: Inbound;

  /**
   * @param config - see {@link AgentConfig}; invalid values throw `IceConfigError`.
   * @param notifier - gets every state change with its cause (the contract of ARCHITECTURE.md).
   */
  constructor(config: AgentConfig, notifier: StateNotifier) {
    const session = new AgentSession(config, notifier);
    const changed = () => this.afterChange();
    this.session = session;
    this.checks = new ConnectivityChecks(
      session,
      (tx, outcome) => this.outcomes.apply(tx, outcome),
      () => this.transitions.checksStarted(),
    );
    this.nomination = new Nomination(
      session,
      this.checks,
      (pair) => {
        this.liveness.watch(pair);
        this.transitions.selected(pair);
        this.gathering.releaseSuperseded(pair.base);
      },
      // RFC 7675 §5.1: consent is for every pair that carries data, also before nomination.
      (pair) => this.liveness.watch(pair),
    );
    this.pairing = new Pairing(session, this.checks, this.nomination);
    this.gathering = new Gathering(
      session,
      this.pairing,
      // A datagram is one input (no closure on this path: see AgentSession.enterInput).
      (base, data, from) => {
        session.enterInput();
        try {
          this.inbound.receive(base, data, from);
        } finally {
          session.exitInput();
        }
      },
      changed,
    );
    this.remotes = new RemoteCandidates(session, this.pairing, this.gathering, changed);
    this.liveness = new Liveness(session, this.checks, {
      silent: (pair, silentMs) => this.transitions.silent(pair, silentMs),
      resumed: (pair) => this.transitions.resumed(pair),
      expired: (pair, silentMs) => this.transitions.expired(pair, silentMs),
    });
    const parts = {
      checks: this.checks,
      nomination: this.nomination,
      pairing: this.pairing,
      gathering: this.gathering,
      remotes: this.remotes,
      liveness: this.liveness,
    };
    this.transitions = new StateTransitions(session, parts);
    this.outcomes = new CheckOutcomes(session, parts, changed);
    this.inbound = new Inbound(session, { ...parts, transitions: this.transitions }, changed);
  }

  /** The current state. */
  get state(): ConnectionState {
    return this.session.machine.state;
  }

  /**
   * Our credentials: those of the newest generation, the one to signal (a generation begun
   * with {@link Agent.beginGeneration} and not yet current, else the current one).
   */
  get localCredentials(): IceCredentials {
    const s = this.session;
    return s.pending ?? s.local;
  }

  /** True while we are the controlling agent (may change on a role conflict). */
  get controlling(): boolean {
    return this.session.controlling;
  }

  /**
   * Sets the role before the peer's credentials are known (RFC 8445 §6.1.1: the offerer is
   * controlling), e.g. when an offer of ours is rolled back because the peer's offer came
   * first (glare) and we answer instead. Pair priorities follow the new role. Throws
   * {@link IceConfigError} once the peer's credentials are set: from then on only a role
   * conflict (§7.3.1.1) changes it.
   */
  setRole(controlling: boolean): void {
    this.session.run(() => {
      this.assertOpen();
      const s = this.session;
      if (s.controlling === controlling) return;
      if (s.remote !== undefined)
        throw new IceConfigError(
          'controlling',
          'the role is fixed once the peer credentials are set',
        );
      s.setRole(controlling);
    });
  }

  /**
   * The pair carrying data, if any (a live read-only view): the selected pair, or before one
   * is nominated the valid pair data goes on (RFC 8445 §12.1; its `nominated` is false).
   */
  get selectedPair(): CandidatePairInfo | undefined {
    return this.nomination.dataPair;
  }

  /** Counters (a live object: read, do not write). */
  get stats(): Readonly<AgentStats> {
    return this.session.stats;
  }

  /** `'new'`, `'gathering'` or `'complete'`. */
  get gatheringState(): 'new' | 'gathering' | 'complete' {
    return this.gathering.state;
  }

  /** Local candidates gathered so far. */
  getLocalCandidates(): Candidate[] {
    return this.pairing.locals.map((l) => l.candidate);
  }

  /** Remote candidates known (signalled or peer-reflexive). */
  getRemoteCandidates(): Candidate[] {
    return [...this.pairing.remotes];
  }

  /** Snapshots of the current check list. */
  getPairs(): CandidatePairInfo[] {
    return this.session.list.pairs.map((p) => p.info());
  }

  /**
   * Gathers host candidates (and server-reflexive ones through the STUN servers), announcing
   * each through `onCandidate` and `null` at the end. Resolves when gathering is complete.
   */
  async gather(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.assertOpen();
    await this.gathering.gather(options.signal);
  }

  /**
   * Sets the peer's credentials (from its SDP). Checks start once these and a remote candidate
   * are known. While a generation begun with {@link Agent.beginGeneration} waits, the peer's
   * credentials are that generation's and make it current (RFC 8445 §9): the check list starts
   * over, and the pair selected before keeps carrying data until the new generation selects
   * one. New credentials without a generation begun mean the peer restarted alone: we begin
   * one implicitly (random credentials, announced again through `onCandidate`).
   */
  setRemoteCredentials(ufrag: string, pwd: string, options: RemoteOptions = {}): void {
    this.session.run(() => {
      this.assertOpen();
      checkCredentials(ufrag, pwd, 'remote ufrag', 'remote pwd');
      const s = this.session;
      if (s.pending === undefined && s.remote !== undefined && s.remote.ufrag !== ufrag)
        this.begin(generateIceCredentials());
      const starting = s.pending !== undefined;
      if (starting) this.commitGeneration();
      s.remote = { ufrag, pwd, iceLite: options.iceLite ?? false };
      if (options.iceLite && !s.controlling) {
        // RFC 8445 §6.1.1: a full agent facing a lite agent is controlling.
        s.setRole(true);
      }
      if (starting) this.remotes.generationStarted(ufrag);
      this.checks.schedule();
      if (starting) this.inbound.replayEarlyChecks();
    });
  }

  /**
   * Adds a remote candidate (an object, or a `candidate:` line); `null` means
   * end-of-candidates (RFC 8838 §8.2). Candidates of another ufrag (an old generation), TCP
   * candidates and malformed lines are ignored (counted in debug logs, not thrown), except a
   * malformed string which throws `CandidateParseError` since it comes from the application.
   */
  addRemoteCandidate(candidate: Candidate | string | null): void {
    this.session.run(() => {
      this.assertOpen();
      if (candidate === null) this.endOfRemoteCandidates();
      else this.remotes.add(typeof candidate === 'string' ? parseCandidate(candidate) : candidate);
    });
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
    return this.session.run(() => {
      this.assertOpen();
      return this.gathering.addRelay(relay);
    });
  }

  /** The peer has no more candidates (RFC 8838 end-of-candidates). */
  endOfRemoteCandidates(): void {
    this.session.run(() => {
      this.assertOpen();
      this.remotes.end();
      // A peer without UDP (a browser told to avoid it) may signal no candidate at all and
      // still connect to our passive TCP candidates.
      this.gathering.expectTcpConnection();
      this.afterChange();
    });
  }

  /**
   * Sends one datagram over the selected pair or, before any pair is selected, over the best
   * valid pair (RFC 8445 §12.1; the state is `Connected` from the first valid pair on). Returns
   * false (and counts it) when no pair is valid yet, when consent has expired (RFC 7675 §5.2:
   * sending must stop) or the agent is closed. The bytes are consumed before it returns.
   */
  send(data: Uint8Array): boolean {
    const s = this.session;
    const pair = this.nomination.dataPair;
    if (pair === undefined || this.liveness.lost || s.closed) {
      s.stats.sendRefused++;
      return false;
    }
    s.stats.dataSent++;
    return s.send(pair.base, data, pair.remote.port, pair.remoteIp);
  }

  /**
   * Replaces the STUN and TURN servers (and the transport policy) for the next gathering: the
   * first one, or the one an ICE restart runs (JSEP §4.1.18), e.g. with new TURN credentials.
   * Throws {@link IceConfigError} for a bad server, changing nothing.
   */
  setServers(iceServers: readonly IceServer[], transportPolicy?: 'all' | 'relay'): void {
    this.session.run(() => {
      this.assertOpen();
      const s = this.session;
      s.cfg = {
        ...s.cfg,
        servers: parseIceServers(iceServers),
        ...(transportPolicy !== undefined ? { transportPolicy } : {}),
      };
    });
  }

  /**
   * Begins a new ICE generation (an ICE restart, RFC 8445 §9) with new local credentials,
   * given or random, and returns them. The current generation goes on untouched (its checks,
   * its selected pair, consent) until the peer's credentials of the new one arrive through
   * {@link Agent.setRemoteCredentials}, which makes it current; {@link Agent.abandonGeneration}
   * drops it instead (a rollback). Meanwhile checks with the new credentials are answered, and
   * what they ask for (at most 32 of them) waits for the generation to start. Local candidates
   * are announced again through `onCandidate` under the new ufrag, then those of servers given
   * to {@link Agent.setServers} since the last gathering, then `null`. Beginning another
   * generation while one waits replaces it. Throws {@link IceConfigError} for bad credentials
   * or a ufrag another agent uses on a shared mux.
   */
  beginGeneration(credentials?: IceCredentials): IceCredentials {
    return this.session.run(() => {
      this.assertOpen();
      const next = credentials ?? generateIceCredentials();
      checkCredentials(next.ufrag, next.pwd, 'ufrag', 'pwd');
      this.gathering.checkUfrag(next.ufrag);
      this.begin(next);
      return next;
    });
  }

  /**
   * Drops the generation begun with {@link Agent.beginGeneration} and not yet current (JSEP
   * rollback of the offer that began it): its credentials are no longer answered and its early
   * checks are forgotten; the current generation is as it was. Returns false when none waits.
   */
  abandonGeneration(): boolean {
    return this.session.run(() => {
      const s = this.session;
      if (s.closed || s.pending === undefined) return false;
      log('abandoning generation %s', s.pending.ufrag);
      s.pending = undefined;
      s.earlyChecks.length = 0;
      this.remotes.dropHeld();
      this.gathering.credentialsChanged();
      return true;
    });
  }

  private begin(next: IceCredentials): void {
    const s = this.session;
    s.pending = next;
    s.earlyChecks.length = 0;
    this.gathering.credentialsChanged();
    this.gathering
      .restart()
      .catch((error: unknown) => log('gathering for a new generation failed: %o', error));
  }

  /**
   * The generation begun becomes current (the peer's credentials of it arrived): the check
   * list starts over; the selected pair stays selected (data keeps flowing over it, found by
   * the fast path of inbound.ts) until the new check list selects one. States: `completed` →
   * `connected`, `disconnected`/`failed`/`checking` → `checking` (cause `restart`); `new` and
   * `connected` stay.
   */
  private commitGeneration(): void {
    const s = this.session;
    s.previousLocal = s.local;
    s.local = s.pending ?? s.local;
    s.pending = undefined;
    this.gathering.credentialsChanged();
    s.remote = undefined;
    this.checks.restart();
    this.nomination.restart();
    this.pairing.clearRemotes();
    s.list.clear();
    s.restarting = true;
    this.transitions.restart();
  }

  /** Closes every socket and timer; the state becomes `closed`. Idempotent. */
  async close(): Promise<void> {
    const s = this.session;
    if (s.closed) return;
    s.run(() => {
      s.closed = true;
      this.checks.stop();
      this.gathering.cancel();
      this.nomination.stop();
      this.liveness.stop();
      // Nothing queued before is delivered after Closed (a callback may be closing us).
      s.discardOutbox();
      this.transitions.closed();
    });
    await this.gathering.close();
  }

  /** Re-evaluates nomination, the schedule, failure and completion after any change. */
  private afterChange(): void {
    if (this.session.closed) return;
    this.nomination.evaluate();
    this.checks.schedule();
    this.transitions.evaluate();
  }

  private assertOpen(): void {
    if (this.session.closed) throw new AgentClosedError();
  }
}
