import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupCommit } from './group-commit.ts';

const tick = () => new Promise((r) => setImmediate(r));

test('items arriving while a batch is written go together in the next batch, in order', async () => {
  const batches: number[][] = [];
  const submit = groupCommit(async (items: number[]) => {
    batches.push(items);
    await tick();
    return items.map((n) => n * 10);
  }, { concurrency: 1, maxBatch: 4 });
  const results = await Promise.all([1, 2, 3, 4, 5, 6, 7].map(submit));
  assert.deepEqual(results, [10, 20, 30, 40, 50, 60, 70]);
  // The first item goes alone at once; the rest waited and went at most four at a time.
  assert.deepEqual(batches, [[1], [2, 3, 4, 5], [6, 7]]);
});

test('a lone item is written at once, without waiting for company', async () => {
  const batches: string[][] = [];
  const submit = groupCommit(async (items: string[]) => {
    batches.push(items);
    return items;
  });
  assert.equal(await submit('a'), 'a');
  assert.equal(await submit('b'), 'b');
  assert.deepEqual(batches, [['a'], ['b']]);
});

test('when a batch fails, each item is written alone: a bad item fails only itself', async () => {
  const written: number[] = [];
  const submit = groupCommit(async (items: number[]) => {
    await tick();
    if (items.includes(3)) throw new Error(`bad item in ${items.join(',')}`);
    written.push(...items);
    return items;
  }, { concurrency: 1 });
  const results = await Promise.allSettled([1, 2, 3, 4].map(submit));
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  assert.match(String((results[2] as PromiseRejectedResult).reason), /bad item in 3$/);
  assert.deepEqual(written.sort(), [1, 2, 4]);
});

test('no more batches run at once than the concurrency allows', async () => {
  let running = 0;
  let peak = 0;
  const submit = groupCommit(async (items: number[]) => {
    running += 1;
    peak = Math.max(peak, running);
    await tick();
    await tick();
    running -= 1;
    return items;
  }, { concurrency: 2, maxBatch: 1 });
  await Promise.all(Array.from({ length: 10 }, (_, i) => submit(i)));
  assert.equal(peak, 2);
});
