/** Types of demo.mjs (plain ESM, run by node without a build). */

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** The other peer is headless Chromium (`/usr/bin/chromium`) instead of a forked process. */
  chromium?: boolean;
  /** Bytes of the transfer. Defaults to 16 MiB. */
  bulkBytes?: number;
  /** How long to wait for `failed` once the remote peer is gone. Defaults to 30 s. */
  failTimeoutMs?: number;
  /** Where the timeline goes. Defaults to console.log. */
  write?: (line: string) => void;
}

/** What the demo measured. */
export interface DemoSummary {
  /** `answerer` (the forked @x/webrtc process) or `chromium`. */
  remote: 'answerer' | 'chromium';
  /** ms from the start until the data channel was open. */
  openMs: number;
  /** The replies to the three messages. */
  echoes: string[];
  rttsMs: number[];
  bulk: { bytes: number; received: number; seconds: number; mbps: number };
  /** Our `connectionState` changes after the remote peer went away, with their causes. */
  after: { state: string; cause: string; seconds: number }[];
  /** What the remote peer reported, line by line. */
  remoteLines: string[];
}

/** Runs the demo; resolves once everything is closed. */
export function runDemo(options?: DemoOptions): Promise<DemoSummary>;
