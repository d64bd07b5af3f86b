// Starts a TypeScript worker thread when Warden runs from its sources (tsx, vitest): Node 20
// does not apply a parent's --import to worker threads, so the tsx loader is registered
// here. The compiled package (dist/) starts its .js workers directly and never uses this.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
