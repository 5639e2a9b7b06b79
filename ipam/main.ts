import { processIO, runPlugin } from '../cni/skel.js';

runPlugin(() => import('./host-local.js').then((m) => m.handlers), processIO()).then((code) => process.exit(code));
