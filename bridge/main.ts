import { processIO, runPlugin } from '../cni/skel.js';

runPlugin(() => import('./bridge.js').then((m) => m.handlers), processIO()).then((code) => process.exit(code));
