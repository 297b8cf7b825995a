/**
 * The one place where `@x/sctp` meets this package: the association's state becomes the
 * W3C `RTCSctpTransportState` of this package's own enum.
 */
import { type AssociationCause, AssociationState } from '@x/sctp';
import { type SctpTransportCause, SctpTransportState } from './transport-state.js';

/** `@x/sctp` `AssociationState` → `SctpTransportState` (W3C: connecting, connected, closed). */
export function mapSctpState(state: AssociationState): SctpTransportState {
  switch (state) {
    case AssociationState.New:
    case AssociationState.Connecting:
      return SctpTransportState.Connecting;
    case AssociationState.Connected:
    // W3C: the transport stays "connected" until the association is shut down.
    case AssociationState.ShuttingDown:
      return SctpTransportState.Connected;
    case AssociationState.Closed:
      return SctpTransportState.Closed;
    default: {
      const unknown: never = state;
      throw new Error(`unknown SCTP association state ${String(unknown)}`);
    }
  }
}

/** `@x/sctp` `AssociationCause` → ours. */
export function mapSctpCause(cause: AssociationCause): SctpTransportCause {
  switch (cause.kind) {
    case 'connect-called':
    case 'shutdown-called':
    case 'shutdown-received':
    case 'shutdown-complete':
    case 'closed-by-user':
      return { kind: cause.kind };
    case 'established':
      return { kind: 'established' };
    case 'aborted-by-peer':
      return { kind: 'aborted-by-peer', causes: cause.causes.map((c) => c.code) };
    case 'aborted-locally':
      return { kind: 'aborted-locally', reason: cause.reason };
    case 'too-many-retransmissions':
      return { kind: 'too-many-retransmissions', timer: cause.timer, attempts: cause.attempts };
    default: {
      const unknown: never = cause;
      throw new Error(`unknown SCTP cause ${JSON.stringify(unknown)}`);
    }
  }
}
