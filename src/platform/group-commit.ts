// Group commit. Callers submit items one at a time; while a batch is being written, newly arriving
// items wait and go together in the next one. Under load one transaction — one WAL flush, one
// audit-chain lock, a handful of statements — carries many items; an item that arrives alone is
// written at once, with no timer and no added delay.

export interface GroupCommitOptions {
  /** Most items in one batch. */
  maxBatch?: number;
  /** Batches written at the same time (each takes a pooled connection). */
  concurrency?: number;
}

/**
 * `write` writes a whole batch in one transaction and answers one result per item, in order. If a
 * batch of several fails, each of its items is written alone, so a bad item fails only itself and
 * the others are never lost (the batch's transaction rolled back, so writing them again is safe).
 */
export function groupCommit<T, R>(write: (items: T[]) => Promise<R[]>, opts: GroupCommitOptions = {}): (item: T) => Promise<R> {
  const maxBatch = opts.maxBatch ?? 32;
  const concurrency = opts.concurrency ?? 2;
  const waiting: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  let running = 0;

  const writeAlone = async (w: (typeof waiting)[number]) => {
    try {
      const [r] = await write([w.item]);
      w.resolve(r as R);
    } catch (err) {
      w.reject(err);
    }
  };

  const pump = () => {
    while (running < concurrency && waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
      running += 1;
      void (async () => {
        try {
          const results = await write(batch.map((w) => w.item));
          if (results.length !== batch.length) throw new Error(`group commit: ${results.length} results for ${batch.length} items`);
          batch.forEach((w, i) => w.resolve(results[i] as R));
        } catch (err) {
          if (batch.length === 1) batch[0]!.reject(err);
          else for (const w of batch) await writeAlone(w);
        } finally {
          running -= 1;
          pump();
        }
      })();
    }
  };

  return (item: T) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      pump();
    });
}
