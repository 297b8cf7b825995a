// @x/webrtc against werift 0.24 (pure TypeScript), both offer directions, on 127.0.0.1,
// through the shared channelScenario of harness.ts.
import { bothOfferDirections } from './scenario-tests.js';
import { weriftPeer } from './werift.js';

bothOfferDirections('werift', weriftPeer);
