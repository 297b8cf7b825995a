import { debuglog } from 'node:util';

/** Debug output of this package: `NODE_DEBUG=x:rtp`. */
export const log = debuglog('x:rtp');
