/**
 * The one place where `@x/network` meets this package: its transport state enums become the
 * W3C strings of `RTCIceTransport.state` and `RTCDtlsTransport.state`.
 */
import { DtlsTransportState, IceTransportState } from '@x/network';
import type { RTCDtlsTransportState, RTCIceTransportState } from './states.js';

/** `@x/network` `IceTransportState` → `RTCIceTransport.state`. */
export function mapIceTransportState(state: IceTransportState): RTCIceTransportState {
  switch (state) {
    case IceTransportState.New:
      return 'new';
    case IceTransportState.Checking:
      return 'checking';
    case IceTransportState.Connected:
      return 'connected';
    case IceTransportState.Completed:
      return 'completed';
    case IceTransportState.Disconnected:
      return 'disconnected';
    case IceTransportState.Failed:
      return 'failed';
    case IceTransportState.Closed:
      return 'closed';
    default: {
      const unknown: never = state;
      throw new Error(`unknown ICE transport state ${String(unknown)}`);
    }
  }
}

/** `@x/network` `DtlsTransportState` → `RTCDtlsTransport.state`. */
export function mapDtlsTransportState(state: DtlsTransportState): RTCDtlsTransportState {
  switch (state) {
    case DtlsTransportState.New:
      return 'new';
    case DtlsTransportState.Connecting:
      return 'connecting';
    case DtlsTransportState.Connected:
      return 'connected';
    case DtlsTransportState.Closed:
      return 'closed';
    case DtlsTransportState.Failed:
      return 'failed';
    default: {
      const unknown: never = state;
      throw new Error(`unknown DTLS transport state ${String(unknown)}`);
    }
  }
}
