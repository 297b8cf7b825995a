export type {
  DataChannel,
  DataChannelHandlers,
  DataChannelParameters,
  DataChannelState,
} from './data-channel.js';
export {
  DcepChannelType,
  DcepEndpoint,
  DcepPriority,
  decodeDcepMessage,
  encodeDcepMessage,
  Ppid,
  StreamIdAllocator,
  tryDecodeDcepMessage,
} from './dcep/index.js';
export { classifyDatagram, type DatagramKind } from './demux.js';
export { InvalidArgumentError, InvalidStateError, NetworkError, OperationError } from './errors.js';
export {
  type Certificate,
  certificateFingerprints,
  generateCertificate,
  Manager,
  type ManagerConfig,
  type ManagerEvent,
  type ManagerHandler,
  type ManagerStats,
  type RemoteParameters,
} from './manager.js';
export { alertName, formatFingerprint, mapDtlsCause, mapDtlsState } from './map-dtls.js';
export {
  describeCandidate,
  describePair,
  describePairStats,
  mapIceCause,
  mapPairState,
  mapIceState,
  mapSelectedPairCause,
  parseCandidateAttribute,
} from './map-ice.js';
export { mapSctpCause, mapSctpState } from './map-sctp.js';
export {
  type CandidateDescription,
  type CandidatePairDescription,
  type CandidatePairState,
  type CandidatePairStats,
  describeCause,
  type DtlsTransportCause,
  DtlsTransportState,
  type IceTransportCause,
  IceTransportState,
  type IceTransportStats,
  type SctpTransportCause,
  SctpTransportState,
  type SelectedPairCause,
} from './transport-state.js';
