// Entry of the training worker thread: a worker starts without the process's TypeScript loader, so
// it registers tsx itself (as bin/yiwang.mjs does) before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./train.worker.ts');
