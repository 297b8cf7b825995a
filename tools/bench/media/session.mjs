// One session of the load: an Opus stream (50 packets/s of 100 octets) and a VP8 stream
// (30 frames/s of 4 packets of 1088 octets: 120 packets/s, 1.04 Mb/s of payload).

export const AUDIO = { period: 20, packets: 1, size: 100, clock: 48_000 };
export const VIDEO = { period: 1000 / 30, packets: 4, size: 1088, clock: 90_000 };
/** Packets per second of one session, one way. */
export const SESSION_PPS = 1000 / AUDIO.period + (1000 / VIDEO.period) * VIDEO.packets;
