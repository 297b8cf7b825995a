export type { RtcpApp } from './app.js';
export { parseApp } from './app.js';
export type { RtcpBye } from './bye.js';
export { parseBye } from './bye.js';
export type { ParseRtcpOptions, RtcpCompoundOptions } from './compound.js';
export {
  buildRtcpCompound,
  parseRtcp,
  rtcpSize,
  serializeRtcp,
  serializeRtcpInto,
} from './compound.js';
export type { RtcpFir, RtcpFirEntry } from './fir.js';
export { parseFir } from './fir.js';
export type { RtcpParseFailure } from './header.js';
export {
  isRtcpParseFailure,
  RTCP_PARSE_FAILURES,
  RtcpFeedbackType,
  RtcpPacketType,
} from './header.js';
export type { RtcpNack, RtcpNackItem } from './nack.js';
export { nackItems, nackSequenceNumbers, parseNack } from './nack.js';
export type { NtpTime } from './ntp.js';
export { compactNtp, ntpTimeFromUnixMs, ntpTimeToUnixMs, roundTripTimeMs } from './ntp.js';
export type { RtcpPli } from './pli.js';
export { parsePli } from './pli.js';
export type { RtcpReceiverReport } from './receiver-report.js';
export { parseReceiverReport } from './receiver-report.js';
export type { RtcpRemb } from './remb.js';
export { parseRemb } from './remb.js';
export type { RtcpReportBlock } from './report-block.js';
export type { RtcpMalformed, RtcpPacket, RtcpUnknown } from './rtcp-packet.js';
export type { RtcpSdesChunk, RtcpSdesItem, RtcpSourceDescription } from './sdes.js';
export { parseSdes, SdesItemType, sdesCname } from './sdes.js';
export type { RtcpSenderReport } from './sender-report.js';
export { parseSenderReport } from './sender-report.js';
export type { RtcpTwcc, TwccPacketStatus } from './twcc.js';
export { parseTwcc } from './twcc.js';
export type { TwccArrival, TwccFeedbackOptions } from './twcc-builder.js';
export { buildTwccFeedback } from './twcc-builder.js';
export type {
  RtcpExtendedReport,
  XrBlock,
  XrDlrr,
  XrDlrrItem,
  XrRawBlock,
  XrReceiverReferenceTime,
} from './xr.js';
export { parseXr } from './xr.js';
