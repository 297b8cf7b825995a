export type { RtpExtensionName, RtpExtensionIds, RtpExtmap } from './extension-map.js';
export { RtpExtensionUri, rtpExtensionIds } from './extension-map.js';
export {
  midExtension,
  readMid,
  readRepairedRid,
  readRid,
  repairedRidExtension,
  ridExtension,
} from './extension-strings.js';
export type { AudioLevel, PlayoutDelay, VideoOrientation } from './extension-values.js';
export {
  absSendTimeExtension,
  absSendTimeFromMicros,
  absSendTimeToMicros,
  audioLevelExtension,
  playoutDelayExtension,
  readAbsSendTime,
  readAudioLevel,
  readPlayoutDelay,
  readTransportSequenceNumber,
  readVideoOrientation,
  transportSequenceNumberExtension,
  videoOrientationExtension,
  writeAbsSendTime,
  writeAudioLevel,
  writePlayoutDelay,
  writeTransportSequenceNumber,
  writeVideoOrientation,
} from './extension-values.js';
export type { RtpExtensionForm, RtpHeaderExtension } from './header-extension.js';
export { ONE_BYTE_EXTENSION_PROFILE, TWO_BYTE_EXTENSION_PROFILE } from './header-extension.js';
export { rtpHeaderSize } from './header-size.js';
export type { RtpParseFailure } from './parse-failure.js';
export { isRtpParseFailure, RTP_PARSE_FAILURES } from './parse-failure.js';
export { parseRtp, RtpPacket } from './rtp-packet.js';
export type { RtpPacketInit } from './serialize.js';
export { chooseExtensionForm, rtpPacketSize, serializeRtp, serializeRtpInto } from './serialize.js';
