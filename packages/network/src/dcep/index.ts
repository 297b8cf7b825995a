// The DCEP building block of @x/network (RFC 8831, RFC 8832); re-exported from src/index.ts.
export {
  DCEP_OPEN_HEADER_SIZE,
  DcepChannelType,
  type DcepChannelTypeValue,
  DcepMessageType,
  DcepPriority,
  MAX_DATA_CHANNEL_STREAM_ID,
  Ppid,
  type PpidValue,
} from './constants.js';
export {
  type DcepChannelRecord,
  type DcepChannelState,
  type DcepDropReason,
  DcepEndpoint,
  type DcepInbound,
  type DcepOpenOptions,
} from './endpoint.js';
export {
  type DcepDecodeErrorCode,
  type DcepDecodeFailure,
  DcepDecodeError,
  DcepEncodeError,
  DcepError,
  StreamIdError,
} from './errors.js';
export {
  type DcepAck,
  type DcepChannelParameters,
  type DcepDecodeResult,
  type DcepMessage,
  type DcepOpen,
  decodeDcepMessage,
  encodeDcepMessage,
  openFromParameters,
  parametersFromOpen,
  tryDecodeDcepMessage,
} from './message.js';
export {
  type DtlsRoleForStreams,
  StreamIdAllocator,
  type StreamIdAllocatorOptions,
  streamIdParity,
} from './stream-ids.js';
