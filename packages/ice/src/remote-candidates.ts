/**
 * The peer's candidates as signalling brings them (trickle, RFC 8838): which ones the agent
 * takes, the resolution of mDNS names, and end-of-candidates (RFC 8838 §8.2).
 */
import { debuglog } from 'node:util';
import { type Candidate, describeCandidate, isMdnsName } from './candidate.js';
import type { Gathering } from './gathering.js';
import type { Pairing } from './pairing.js';
import { canonicalIp } from './resolve.js';
import type { AgentSession } from './session.js';

const log = debuglog('x:ice');

/** The intake of remote candidates of one agent. */
export class RemoteCandidates {
  /** The peer signalled end-of-candidates (for the current ICE generation). */
  ended = false;
  /** mDNS names still being resolved (end-of-candidates waits for them). */
  private pendingResolutions = 0;
  /**
   * While a generation we began waits for the peer's credentials: the candidates of a ufrag
   * not current (that generation's, trickled ahead of its credentials), and the peer's
   * end-of-candidates after them, taken when the generation starts (at most
   * {@link MAX_HELD_CANDIDATES}).
   */
  private held: { readonly ufrag: string; readonly candidate: Candidate | null }[] = [];

  /** @param onResolved called after an mDNS name resolved (or did not). */
  constructor(
    private readonly session: AgentSession,
    private readonly pairing: Pairing,
    private readonly gathering: Gathering,
    private readonly onResolved: () => void,
  ) {}

  /** True when no candidate can come any more: end-of-candidates and no name left to resolve. */
  get complete(): boolean {
    return this.ended && this.pendingResolutions === 0;
  }

  /** Takes a candidate; see {@link Agent.addRemoteCandidate}. */
  add(c: Candidate): void {
    const s = this.session;
    const remote = s.remote;
    if (c.ufrag !== undefined && remote !== undefined && c.ufrag !== remote.ufrag) {
      if (s.pending !== undefined && this.held.length < MAX_HELD_CANDIDATES) {
        this.held.push({ ufrag: c.ufrag, candidate: c });
        return;
      }
      log(
        'ignoring remote candidate of ufrag %s (current %s, pending %s)',
        c.ufrag,
        remote.ufrag,
        s.pending?.ufrag,
      );
      return;
    }
    // RFC 6544: an active TCP candidate connects to our passive ones (the pair is made by the
    // connection); passive and simultaneous-open ones would need us to connect: ignored.
    if (c.transport === 'tcp' && c.tcpType === 'active' && c.component === 1)
      this.gathering.expectTcpConnection();
    if (c.transport !== 'udp' || c.component !== 1) {
      log('ignoring remote candidate %s', describeCandidate(c));
      return;
    }
    if (isMdnsName(c.address)) {
      if (this.session.cfg.mdns === 'off') return;
      const pending = this.gathering.mdnsResolver().resolve(c.address);
      this.pendingResolutions++;
      void pending.then((ip) =>
        this.session.run(() => {
          this.pendingResolutions--;
          if (this.session.closed) return;
          if (ip === undefined) log('mDNS name %s did not resolve', c.address);
          else this.pairing.addRemote(c, ip);
          this.onResolved();
        }),
      );
      return;
    }
    const ip = canonicalIp(c.address);
    if (ip === undefined) {
      log('ignoring remote candidate with bad address %s', c.address);
      return;
    }
    this.pairing.addRemote(c, ip);
  }

  /**
   * End-of-candidates (RFC 8838 §8.2): of the generation whose candidates were held last when
   * a generation of ours waits and the peer trickled ahead, else of the current one.
   */
  end(): void {
    const last = this.held.at(-1);
    if (this.session.pending !== undefined && last !== undefined && last.candidate !== null) {
      if (this.held.length < MAX_HELD_CANDIDATES) this.held.push({ ...last, candidate: null });
      return;
    }
    this.ended = true;
  }

  /**
   * The generation of the peer's `ufrag` started: the candidates held for it (and its
   * end-of-candidates) are taken, in the order they came; the others are dropped.
   */
  generationStarted(ufrag: string): void {
    this.ended = false;
    const held = this.held;
    this.held = [];
    for (const h of held) {
      if (h.ufrag !== ufrag) continue;
      if (h.candidate === null) this.ended = true;
      else this.add(h.candidate);
    }
  }

  /** The generation we began was abandoned: what was held for it goes. */
  dropHeld(): void {
    this.held = [];
  }
}

/** Remote candidates held for a generation not yet started, at most. */
const MAX_HELD_CANDIDATES = 64;
