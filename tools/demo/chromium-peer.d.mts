/** Types of chromium-peer.mjs (plain ESM, run by node without a build). */

/** Where the demo expects Chromium (Debian's `chromium` package). */
export const CHROMIUM: string;

/** A signaling or log message of the page. */
export type PageMessage =
  | { type: 'answer'; description: { type: string; sdp: string } }
  | { type: 'candidate'; candidate: { candidate: string; sdpMid: string | null } }
  | { type: 'log'; line: string };

/** Headless Chromium with one page holding an answering RTCPeerConnection. */
export function launchChromiumPeer(options: {
  onMessage: (message: PageMessage) => void;
}): Promise<{
  name: 'chromium';
  version: string;
  send(message: unknown): void;
  stop(): Promise<string>;
  dispose(): Promise<void>;
}>;
