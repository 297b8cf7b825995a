/**
 * webrtc-pc [[Configuration]] of one peer connection, once "set a configuration" checked it
 * (`network-options.ts`): what `getConfiguration()` returns, what `setConfiguration()` hands
 * the Manager, and the ICE candidate pool (`iceCandidatePoolSize`, JSEP §3.5.4) that it may
 * start ahead of `setLocalDescription()`.
 */
import type { Manager } from '@x/network';
import { type Clock, systemClock } from '@x/transport';
import { debuglog } from 'node:util';
import type { LocalGathering } from './local-gathering.js';
import { checkConfiguration } from './network-options.js';
import type { RTCConfiguration } from './rtc-types.js';

const log = debuglog('x:webrtc');

/** @internal What the configuration drives in its peer connection. */
export interface ConfigurationHost {
  readonly manager: Manager;
  readonly gathering: LocalGathering;
  /** webrtc-pc [[IsClosed]]. */
  readonly closed: boolean;
}

/** @internal Owned by `RTCPeerConnection`. */
export class PeerConfiguration {
  /** `setLocalDescription()` was called (webrtc-pc: iceCandidatePoolSize is then fixed). */
  localDescriptionSet = false;
  /** Gathering started ahead of `setLocalDescription()` (an ICE candidate pool). */
  private prefetched = false;

  /** @param configuration - the constructor's, checked (`checkConfiguration()`). */
  constructor(
    private configuration: RTCConfiguration,
    private readonly host: ConfigurationHost,
  ) {}

  /** The configuration in use, with the defaults filled in. */
  get current(): RTCConfiguration {
    return this.configuration;
  }

  /** The configuration's clock, or the system's. */
  get clock(): Clock {
    return this.configuration.clock ?? systemClock;
  }

  /** A copy for `getConfiguration()`: the lists are the caller's own. */
  copy(): RTCConfiguration {
    const c = this.configuration;
    return {
      ...c,
      iceServers: (c.iceServers ?? []).map((s) => ({ ...s, urls: [...s.urls] })),
      certificates: [...(c.certificates ?? [])],
    };
  }

  /**
   * `setConfiguration()` once the connection is known not to be closed: checks the new
   * configuration against the one in use, gives the Manager its ICE servers and policy for the
   * next gathering, and starts a candidate pool it now asks for.
   */
  set(configuration: RTCConfiguration): void {
    const checked = checkConfiguration(configuration, {
      configuration: this.configuration,
      localDescriptionSet: this.localDescriptionSet,
    });
    this.host.manager.setIceServers({
      iceServers: checked.iceServers,
      ...(checked.configuration.iceTransportPolicy
        ? { iceTransportPolicy: checked.configuration.iceTransportPolicy }
        : {}),
    });
    this.configuration = checked.configuration;
    this.prefetchCandidates();
  }

  /**
   * webrtc-pc `iceCandidatePoolSize` (JSEP §3.5.4): with a pool, gathering (sockets, STUN and
   * TURN servers) starts now, before `setLocalDescription()`, which then finds the candidates
   * ready. Their `icecandidate` events, and the gathering state, wait for it. The ICE role is
   * the offerer's until a remote offer comes first (it can still change then).
   */
  prefetchCandidates(): void {
    if (this.prefetched || this.localDescriptionSet || !this.configuration.iceCandidatePoolSize)
      return;
    this.prefetched = true;
    const { gathering, manager } = this.host;
    gathering.hold();
    manager.setRole(true);
    manager.gather().catch((error: unknown) => {
      if (!this.host.closed) log('gathering ahead of setLocalDescription() failed: %s', error);
    });
  }
}
