// Bootstrap of the gradient worker thread when running from TypeScript
// sources: worker threads do not inherit tsx's loader from --import, so the
// worker registers it itself before loading the real module.
import { register } from 'tsx/esm/api';

register();
await import('./gradient-worker.ts');
