/**
 * Test helper: two Managers on a virtual network, signaled in-process (candidates trickled,
 * parameters exchanged as SDP would), recording every event. Not part of the package build.
 */
import type { Net } from '@x/transport';
import { VirtualClock, type VirtualHost, VirtualNetwork } from '@x/transport/testing';
import {
  generateCertificate,
  Manager,
  type ManagerConfig,
  type ManagerEvent,
  type RemoteParameters,
} from './manager.js';
import type { MediaGenerator } from './media/media-types.js';
import { describeCause } from './transport-state.js';

export interface Side {
  readonly manager: Manager;
  readonly events: ManagerEvent[];
  readonly host: VirtualHost;
}

export interface Pair {
  readonly clock: VirtualClock;
  readonly world: VirtualNetwork;
  readonly offerer: Side;
  /** The answering side (a new one after {@link Pair.replaceAnswerer}). */
  answerer: Side;
  /**
   * The answerer's process restarts: it is closed, and a new Manager with a new certificate
   * (on the same host, a new port) takes its place; candidates go to it from now on.
   */
  replaceAnswerer(onMedia?: MediaGenerator): Promise<Side>;
  /** Exchanges parameters (answerer is the DTLS client, as JSEP's default answer `active`). */
  connect(): Promise<void>;
  close(): Promise<void>;
  /** `kind:state cause` lines of a side's state events, for asserting order. */
  timeline(side: Side): string[];
}

const certificate = generateCertificate();
const certificate2 = generateCertificate();

export function managerPair(
  options: {
    seed?: number;
    link?: Parameters<VirtualHost['link']['set']>[0];
    config?: Partial<ManagerConfig>;
    /** What each side's remote parameters say beyond ICE, DTLS and the message size. */
    remote?: Partial<RemoteParameters>;
    /** Options of the answerer only, on top of `config`. */
    answererConfig?: Partial<ManagerConfig>;
    /** This side's candidates never reach the peer (which learns its address from checks). */
    withhold?: 'offerer' | 'answerer';
    /**
     * The answer reaches the offerer this many ms after the answerer started (signaling slower
     * than the peers' own path), so the answerer's checks and first DTLS flight come first.
     */
    answerDelayMs?: number;
    /** Each side's media generator (the Manager's second argument). */
    onMedia?: { offerer?: MediaGenerator; answerer?: MediaGenerator };
  } = {},
): Pair {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: options.seed ?? 1 });
  const wan = world.addRouter({ name: 'wan', cidr: '10.0.0.0/24' });
  const hostA = world.addHost({
    name: 'offerer',
    router: wan,
    link: options.link ?? { delayMs: 5 },
  });
  const hostB = world.addHost({
    name: 'answerer',
    router: wan,
    link: options.link ?? { delayMs: 5 },
  });
  const side = (
    host: VirtualHost,
    controlling: boolean,
    cert: typeof certificate,
    onMedia = controlling ? options.onMedia?.offerer : options.onMedia?.answerer,
  ): Side => {
    const events: ManagerEvent[] = [];
    const manager = new Manager(
      {
        net: host as Net,
        clock,
        controlling,
        certificate: cert,
        mdns: 'off',
        ...options.config,
        ...(controlling ? {} : options.answererConfig),
      },
      onMedia,
      (e) => {
        events.push(e);
        if (
          e.kind === 'local-candidate' &&
          options.withhold !== (controlling ? 'offerer' : 'answerer')
        ) {
          const other = side === undefined ? undefined : controlling ? pair.answerer : pair.offerer;
          other?.manager.addRemoteCandidate(e.candidate?.candidate ?? null);
        }
      },
    );
    return { manager, events, host };
  };
  const pair: Pair = {
    clock,
    world,
    offerer: side(hostA, true, certificate),
    answerer: side(hostB, false, certificate2),
    async replaceAnswerer(onMedia) {
      await pair.answerer.manager.close();
      pair.answerer = side(hostB, false, generateCertificate(), onMedia);
      return pair.answerer;
    },
    async connect() {
      const a = pair.offerer.manager;
      const b = pair.answerer.manager;
      const extra = options.remote ?? {};
      b.start({ ...a.localParameters, dtlsRole: 'client', maxMessageSize: 262_144, ...extra });
      const answer = {
        ...b.localParameters,
        dtlsRole: 'server' as const,
        maxMessageSize: 262_144,
        ...extra,
      };
      if (options.answerDelayMs === undefined) a.start(answer);
      else clock.setTimeout(() => a.start(answer), options.answerDelayMs);
      await Promise.all([a.gather(), b.gather()]);
    },
    async close() {
      await pair.offerer.manager.close();
      await pair.answerer.manager.close();
    },
    timeline(s) {
      return s.events
        .filter((e) => e.kind.endsWith('-state') && e.kind !== 'gathering-state')
        .map((e) => {
          const { kind, state, cause } = e as Extract<
            ManagerEvent,
            { kind: 'ice-state' | 'dtls-state' | 'sctp-state' }
          >;
          return `${kind.replace('-state', '')}:${state} ${describeCause(cause)}`;
        });
    },
  };
  return pair;
}
