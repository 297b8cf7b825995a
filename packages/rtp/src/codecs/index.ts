export type { Depacketizer, Payloader, RtpPayloadView } from './depacketizer.js';
