export { alertName, formatFingerprint, mapDtlsCause, mapDtlsState } from './map-dtls.js';
export {
  describeCandidate,
  describePair,
  mapIceCause,
  mapIceState,
  mapSelectedPairCause,
} from './map-ice.js';
export {
  type CandidateDescription,
  type CandidatePairDescription,
  describeCause,
  type DtlsTransportCause,
  DtlsTransportState,
  type IceTransportCause,
  IceTransportState,
  type SelectedPairCause,
} from './transport-state.js';
