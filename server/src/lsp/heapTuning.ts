// Heap tuning of the server process: V8 flags that keep a long-lived server's heap near what is live. Apart from
// the rest because nothing depends on it: a runtime that refuses the flags runs the same, only with a higher peak.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * How much V8 may grow the heap past what the last full collection left. A server keeps a large heap for hours
 * (about 200 MB for 200 clusters × 200 apps) and each keystroke leaves a little garbage in old space; by default
 * V8 lets a heap that collects fast grow to several times what was live. Bounded, the peak RSS at 200 × 200
 * stays at 330–360 MB instead of rising to 420 MB while typing (primary-remote), and 590 MB instead of 750 MB
 * (multi-primary), at no cost measured in cold start or keystroke latency.
 */
const HEAP_GROWING_PERCENT = 25;

/**
 * V8 flags tune memory here; nothing depends on them. A runtime that refuses them (flags frozen after start, no
 * `gc` in a new context) runs the same, only with a higher peak.
 */
function tuningHeap(tune: () => void): void {
  try {
    tune();
  } catch {
    // see above: the defaults stand
  }
}

export function boundHeapGrowth(): void {
  tuningHeap(() => setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`));
}

/** The heap is the process's, so this is too: one collection per process, whatever asks for it. */
let indexingGarbageCollected = false;

/**
 * One full collection after the first complete analysis, when nobody is typing yet: it drops what indexing and
 * the first analysis left, which otherwise stays until the heap reaches its next limit.
 */
export function collectIndexingGarbage(): void {
  if (indexingGarbageCollected) return;
  indexingGarbageCollected = true;
  tuningHeap(() => {
    // `gc` is only reachable in a context created after the flag is set (a documented V8 behaviour).
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  });
}
