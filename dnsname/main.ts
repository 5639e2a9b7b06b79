import { processIO, runPlugin } from '../cni/skel.js';

runPlugin(() => import('./dnsname.js').then((m) => m.handlers), processIO()).then((code) => process.exit(code));
