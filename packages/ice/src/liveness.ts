/**
 * The agent's side of consent freshness and liveness (RFC 7675, see consent.ts): consent
 * requests go out as Binding requests on the selected pair, the controlling agent probes the
 * other pairs when the selected one falls silent (SELECTION.md), and what the monitor sees
 * (silence, packets again, consent expired) is handed on as events.
 */
import type { CandidatePair } from './candidate-pair.js';
import type { ConnectivityChecks } from './checks.js';
import { ConsentMonitor } from './consent.js';
import type { AgentSession } from './session.js';

/** What liveness reports about the selected pair. */
export interface LivenessEvents {
  /** Nothing at all arrived on the pair for `silentMs` (`disconnectedAfterMs`). */
  silent(pair: CandidatePair, silentMs: number): void;
  /** A packet arrived while liveness paid attention (quiet, probing, or after {@link silent}). */
  resumed(pair: CandidatePair): void;
  /** No consent response for `silentMs`: consent expired, sending must stop (RFC 7675 §5.2). */
  expired(pair: CandidatePair, silentMs: number): void;
}

/** Watches the selected pair. */
export class Liveness {
  private readonly consent: ConsentMonitor;

  constructor(
    session: AgentSession,
    checks: ConnectivityChecks,
    private readonly events: LivenessEvents,
  ) {
    const cfg = session.cfg;
    this.consent = new ConsentMonitor(
      session.clock,
      {
        intervalMs: cfg.consentInterval,
        // RFC 7675: a lite agent sends no consent requests, so it has no quick ones either.
        ...(cfg.lite ? {} : { quietAfterMs: cfg.quietAfter, quietIntervalMs: cfg.quietInterval }),
        probeAfterMs: cfg.probeAfter,
        disconnectedAfterMs: cfg.disconnectedAfter,
        failedAfterMs: cfg.failedAfter,
        random: session.config.consent?.random ?? Math.random,
      },
      {
        // RFC 7675: a lite agent sends no consent requests; the peer's checks are its consent.
        request: (pair) => {
          if (!session.cfg.lite) checks.send(pair, false, 'consent');
        },
        wantsProbe: () => session.controlling,
        probe: (pair) => {
          // Probe every other pair that may work: the first to answer gets nominated.
          session.list.probeAll(pair);
          checks.schedule();
        },
        silent: (pair, silentMs) => events.silent(pair, silentMs),
        expired: (pair, silentMs) => events.expired(pair, silentMs),
      },
    );
  }

  /** The controlling agent is looking for a spare path (the selected one is silent). */
  get probing(): boolean {
    return this.consent.probing;
  }

  /** A packet on the selected pair would change something: call {@link heard}. */
  get attention(): boolean {
    return this.consent.attention;
  }

  /** Consent expired on the selected pair: do not send (RFC 7675 §5.2). */
  get lost(): boolean {
    return this.consent.lost;
  }

  /** Starts watching a newly selected pair. */
  watch(pair: CandidatePair): void {
    this.consent.watch(pair);
  }

  /** Something arrived on the selected pair `pair` (its timestamps are already updated). */
  heard(pair: CandidatePair): void {
    if (!this.consent.attention) return;
    this.consent.heard();
    if (!this.consent.lost) this.events.resumed(pair);
  }

  /** Stops every timer. */
  stop(): void {
    this.consent.stop();
  }
}
