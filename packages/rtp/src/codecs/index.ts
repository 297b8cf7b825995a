export type { Av1DepacketizerOptions } from './av1.js';
export { AV1_N, AV1_Y, AV1_Z, Av1Depacketizer, Av1ObuType } from './av1.js';
export type { Av1PayloaderOptions } from './av1-payloader.js';
export { Av1Payloader } from './av1-payloader.js';
export type { Depacketizer, PayloadPosition, Payloader, RtpPayloadView } from './depacketizer.js';
export { assembleFrame } from './depacketizer.js';
export type { G711PayloaderOptions } from './g711.js';
export { G711Depacketizer, G711Payloader } from './g711.js';
export { H264Depacketizer, H264NalType } from './h264.js';
export type { H264PayloaderOptions } from './h264-payloader.js';
export { H264Payloader, splitAnnexB } from './h264-payloader.js';
export type { H264Profile, H264ProfileLevelId } from './h264-profile.js';
export {
  formatH264ProfileLevelId,
  H264_DEFAULT_PROFILE_LEVEL_ID,
  parseH264ProfileLevelId,
} from './h264-profile.js';
export { OpusDepacketizer, OpusPayloader } from './opus.js';
export {
  buildRedPayload,
  parseRedPayload,
  type RedBlock,
  RedEncoder,
  type RedEncoderCounters,
  type RedEncoderOptions,
  type RedFailure,
  RedPayloader,
  unwrapRedPacket,
} from './red.js';
export type { DepacketizerOptions, PayloaderOptions } from './registry.js';
export { depacketizerFor, payloaderFor, SUPPORTED_MIME_TYPES } from './registry.js';
export type { Vp8Descriptor, Vp8PayloaderOptions } from './vp8.js';
export { parseVp8Descriptor, Vp8Depacketizer, Vp8Payloader } from './vp8.js';
export type { Vp9Descriptor, Vp9PictureGroupEntry, Vp9ScalabilityStructure } from './vp9.js';
export { parseVp9Descriptor, parseVp9ScalabilityStructure, Vp9Depacketizer } from './vp9.js';
export type { Vp9FrameInfo, Vp9PayloaderOptions } from './vp9-payloader.js';
export { parseVp9FrameInfo, Vp9Payloader } from './vp9-payloader.js';
