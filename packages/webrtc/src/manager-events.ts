/**
 * The Manager's notifications as the W3C objects and events show them: the transport states
 * first (`ConnectionStates`), then local candidates and the gathering state
 * (`LocalGathering`), candidate errors (`icecandidateerror`) and the channels the peer opened
 * (`datachannel`). None once the peer connection is closed.
 */
import type { Manager, ManagerEvent } from '@x/network';
import type { ConnectionStates } from './connection-states.js';
import type { DataChannels } from './data-channels.js';
import type { LocalGathering } from './local-gathering.js';
import { RTCDataChannelEvent, RTCPeerConnectionIceErrorEvent } from './rtc-types.js';

/** @internal The parts of a peer connection that the Manager's notifications reach. */
export interface ManagerEventRoutes {
  /** The peer connection, which dispatches the events. */
  readonly target: EventTarget;
  /** webrtc-pc [[IsClosed]]. */
  readonly closed: boolean;
  readonly states: ConnectionStates;
  readonly gathering: LocalGathering;
  readonly manager: Manager;
  readonly channels: DataChannels;
}

/** @internal One notification of the Manager, delivered to what shows it. */
export function routeManagerEvent(to: ManagerEventRoutes, event: ManagerEvent): void {
  if (to.closed || to.states.onEvent(event)) return;
  switch (event.kind) {
    case 'local-candidate':
      to.gathering.onCandidate(event.candidate, to.manager.localParameters.ufrag);
      return;
    case 'gathering-state':
      to.gathering.onState(event.state);
      return;
    case 'candidate-error': {
      const { url, errorCode, errorText, address, port } = event;
      to.target.dispatchEvent(
        new RTCPeerConnectionIceErrorEvent('icecandidateerror', {
          url,
          errorCode,
          errorText,
          address,
          port,
        }),
      );
      return;
    }
    case 'data-channel': {
      const channel = to.channels.adopt(event.channel);
      to.target.dispatchEvent(new RTCDataChannelEvent('datachannel', { channel }));
      return;
    }
  }
}
