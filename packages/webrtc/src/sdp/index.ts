// The SDP / JSEP building block of @x/webrtc (RFC 8866, RFC 9429); re-exported from src/index.ts.
export { FINGERPRINT_DIGEST_SIZES } from './attributes.js';
export {
  SdpError,
  SdpInvalidError,
  type SdpInvalidErrorCode,
  SdpSyntaxError,
  type SdpSyntaxErrorCode,
} from './errors.js';
export {
  type AnswerParameters,
  answerSetup,
  type BuiltAnswer,
  buildAnswer,
  buildOffer,
  DATA_CHANNEL_PROTOCOLS,
  DEFAULT_LOCAL_MAX_MESSAGE_SIZE,
  DEFAULT_REMOTE_MAX_MESSAGE_SIZE,
  DEFAULT_SCTP_PORT,
  dtlsRoleForSetup,
  isDataChannelSection,
  LEGACY_DATA_CHANNEL_PROTOCOL,
  type LocalDescriptionParameters,
  type OfferParameters,
  type RemoteDataChannel,
  remoteDataChannel,
} from './jsep.js';
export type {
  SdpAttribute,
  SdpConnection,
  SdpDirection,
  SdpFingerprint,
  SdpGroup,
  SdpLine,
  SdpMediaSection,
  SdpOrigin,
  SdpSctpMap,
  SdpSetup,
  SdpTransportAttributes,
  SessionDescription,
} from './model.js';
export {
  mediaLineNumber,
  type ParseSdpOptions,
  parseSdp,
  type SdpParseResult,
  tryParseSdp,
} from './parse.js';
export { serializeMediaSection, serializeSdp } from './serialize.js';
export { answerCodecs, type H264Profile, h264ProfileLevel, sameCodec } from './codec-match.js';
export {
  formatFmtp,
  isRtpMediaProblem,
  parseFmtpParameters,
  type RtpMedia,
  type RtpMediaProblem,
  readRtpMedia,
  rtpMediaAttributes,
  type SdpCodec,
  type SdpHeaderExtension,
  type SdpMsid,
  type SdpRid,
  type SdpRtcpFeedback,
  type SdpSimulcast,
  type SdpSimulcastStream,
  type SdpSsrc,
  type SdpSsrcGroup,
} from './rtp-media.js';
export {
  bundleGroupOf,
  effectiveTransport,
  isRejected,
  type SdpType,
  validateAnswerAgainstOffer,
  validateDescription,
} from './validate.js';
