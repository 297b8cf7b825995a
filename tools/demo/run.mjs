// The README's demo: `npm run demo` (or `node tools/demo/run.mjs`). Two RTCPeerConnections of
// @x/webrtc, in two processes, over real 127.0.0.1 sockets; with `--chromium` the other peer
// is headless Chromium (apt `chromium`). It prints a timeline of every state change of every
// layer with its cause and the selected pair, exchanges messages, measures a short transfer,
// then stops the remote peer and shows how long the local side takes to say `disconnected`
// and `failed`, and why. See demo.mjs.
import { runDemo } from './demo.mjs';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--chromium');
if (unknown.length > 0) {
  console.error(`unknown argument ${unknown[0]}\nusage: node tools/demo/run.mjs [--chromium]`);
  process.exit(2);
}
try {
  await runDemo({ chromium: args.includes('--chromium') });
} catch (error) {
  console.error(`demo failed: ${error.message}`);
  process.exitCode = 1;
}
