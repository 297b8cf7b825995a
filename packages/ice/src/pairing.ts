/**
 * The local and remote candidates of one agent and the pairs they form (RFC 8445 §6.1.2.2):
 * every new local base meets every remote candidate and the other way round, and
 * peer-reflexive candidates learned from checks (§7.2.5.3.1, §7.3.1.3) join both sets.
 */
import { debuglog } from 'node:util';
import type { SocketAddress } from '@x/transport';
import { type Candidate, describeCandidate } from './candidate.js';
import type { CandidatePair, LocalBase, LocalCandidate } from './candidate-pair.js';
import type { ConnectivityChecks } from './checks.js';
import type { CandidateSource } from './config.js';
import { randomIceString } from './credentials.js';
import { Foundations } from './gather.js';
import type { Nomination } from './nomination.js';
import { candidatePriority } from './priority.js';
import type { AgentSession } from './session.js';

const log = debuglog('x:ice');

/** A remote candidate with its IP (resolved from mDNS when needed). */
type ResolvedCandidate = Candidate & { readonly ip: string };

/** The candidate sets and the pairs formed from them. */
export class Pairing {
  /** Foundations of our candidates (RFC 8445 §5.1.1.3), stable for the agent's life. */
  readonly foundations = new Foundations();
  private readonly locals_: LocalCandidate[] = [];
  private remotes_: ResolvedCandidate[] = [];

  constructor(
    private readonly session: AgentSession,
    private readonly checks: ConnectivityChecks,
    private readonly nomination: Nomination,
  ) {}

  /** Local candidates, in the order they were found. */
  get locals(): readonly LocalCandidate[] {
    return this.locals_;
  }

  /** Remote candidates (signalled or peer-reflexive). */
  get remotes(): readonly Candidate[] {
    return this.remotes_;
  }

  /** Adds a local candidate, announced through `onCandidate` when `announce`. */
  addLocal(l: LocalCandidate, announce: boolean): void {
    if (this.hasLocal(l.candidate.address, l.candidate.port, l.candidate.transport)) return;
    this.locals_.push(l);
    if (announce) this.session.announce(l.candidate, candidateSource(l));
    // RFC 8445 §6.1.2.4: pairs use the base of a reflexive candidate, so only a new base
    // (a host candidate) yields new pairs. A passive TCP candidate pairs only through the
    // connections made to it (RFC 6544 §7.1, see tcp/tcp-bases.ts).
    if (
      l.candidate.transport === 'udp' &&
      (l.candidate.type === 'host' || l.candidate.type === 'relay')
    ) {
      for (const r of this.remotes_) this.form(l.base, l.candidate, r);
      this.checks.schedule();
    }
  }

  private hasLocal(address: string, port: number, transport: 'udp' | 'tcp'): boolean {
    return this.locals_.some(
      (x) =>
        x.candidate.address === address &&
        x.candidate.port === port &&
        x.candidate.transport === transport,
    );
  }

  /** RFC 8445 §7.2.5.3.1: a mapped address we do not know is a peer-reflexive candidate. */
  learnLocal(pair: CandidatePair, mapped: SocketAddress): void {
    // ICE-TCP: the peer connected to us, so it has our address already; a mapping of a
    // passive candidate tells it nothing it could use.
    if (pair.local.transport === 'tcp') return;
    if (this.hasLocal(mapped.address, mapped.port, 'udp')) return;
    const base = pair.base;
    this.addLocal(
      {
        base,
        candidate: {
          foundation: this.foundations.get('prflx', base.address, 'udp'),
          component: 1,
          transport: 'udp',
          priority: candidatePriority('prflx', (base.host.priority >>> 8) & 0xffff),
          address: mapped.address,
          port: mapped.port,
          type: 'prflx',
          relatedAddress: base.address,
          relatedPort: base.port,
        },
      },
      false,
    );
  }

  /**
   * Adds a signalled remote candidate at `ip`. RFC 8838 §11.1 / RFC 8445 §7.3.1.3: it
   * replaces a peer-reflexive one learned from a check at the same address.
   */
  addRemote(c: Candidate, ip: string): void {
    const existing = this.remotes_.findIndex(
      (r) => r.ip === ip && r.port === c.port && r.transport === c.transport,
    );
    const resolved: ResolvedCandidate = { ...c, ip };
    if (existing >= 0) {
      const old = this.remotes_[existing]!;
      if (old.type !== 'prflx') return;
      this.remotes_[existing] = resolved;
      for (const p of this.session.list.pairs) {
        if (p.remote === old) {
          p.remote = resolved;
          p.updatePriority(this.session.controlling);
        }
      }
      return;
    }
    this.remotes_.push(resolved);
    for (const l of this.locals_) {
      if (
        l.candidate.transport === 'udp' &&
        (l.candidate.type === 'host' || l.candidate.type === 'relay')
      )
        this.form(l.base, l.candidate, resolved);
    }
    this.checks.schedule();
  }

  /**
   * RFC 8445 §7.3.1.3: a check from an unknown source is a peer-reflexive remote candidate
   * (with the PRIORITY of the request); returns the pair of the path it came over.
   */
  learnRemote(base: LocalBase, from: SocketAddress, priority: number): CandidatePair | undefined {
    const transport = base.host.transport;
    let remote = this.remotes_.find(
      (r) => r.ip === from.address && r.port === from.port && r.transport === transport,
    );
    if (remote === undefined) {
      // At most maxPairs peer-reflexive remotes: a check keeps its MESSAGE-INTEGRITY whatever
      // address it is replayed from, so one captured check replayed from many source ports
      // would otherwise add a candidate for each (RFC 8445 §19.5.1). A real peer reveals a
      // handful, one per NAT mapping of each of its bases; more could not all be paired anyway.
      let learned = 0;
      for (const r of this.remotes_) if (r.type === 'prflx') learned++;
      if (learned >= this.session.cfg.maxPairs) {
        this.session.stats.peerReflexiveDropped++;
        log(
          'not learning %s:%d: %d peer-reflexive candidates known',
          from.address,
          from.port,
          learned,
        );
        return undefined;
      }
      remote = {
        foundation: randomIceString(8).replace(/[+/]/g, 'x'),
        component: 1,
        transport,
        priority,
        address: from.address,
        port: from.port,
        type: 'prflx',
        // RFC 6544 §7.2: the peer that connected to our passive candidate is the active one.
        ...(transport === 'tcp' ? { tcpType: 'active' as const } : {}),
        ip: from.address,
      };
      this.remotes_.push(remote);
      log('learned prflx remote %s', describeCandidate(remote));
    }
    return this.form(base, base.host, remote, true);
  }

  /** ICE restart (RFC 8445 §9): the peer's candidates of the old generation are forgotten. */
  clearRemotes(): void {
    this.remotes_ = [];
  }

  private form(
    base: LocalBase,
    local: Candidate,
    remote: ResolvedCandidate,
    learned = false,
  ): CandidatePair | undefined {
    // A relay-only policy set after host candidates were gathered (Agent.setServers, then a
    // restart): only relayed candidates pair from then on.
    if (this.session.cfg.transportPolicy === 'relay' && local.type !== 'relay') return undefined;
    // A released TURN allocation (replaced at a restart) pairs no more.
    if (base.socket.closed) return undefined;
    if (local.transport !== remote.transport) return undefined;
    const pair = this.session.list.form(
      base,
      local,
      remote,
      remote.ip,
      this.session.controlling,
      this.nomination.done,
      learned,
    );
    if (pair !== undefined) log('pair %s', pair.toString());
    return pair;
  }
}

/** The server a local candidate came from: the STUN server, or the TURN server of its base. */
export function candidateSource(l: LocalCandidate): CandidateSource | undefined {
  if (l.url !== undefined) return { url: l.url };
  const { url, relayProtocol } = l.base;
  if (url === undefined || l.candidate.type !== 'relay') return undefined;
  return relayProtocol === undefined ? { url } : { url, relayProtocol };
}
