import { AppError } from '../errors.ts';
import { newWorkerId, type Job, type JobQueue } from './jobs.ts';

// The worker loop. Each tick relays the outbox, enqueues due schedules, now and then purges old rows,
// and claims as many jobs as it has free slots. Every step is a few short statements, so on PGlite
// (which runs queries on the event loop) the HTTP server sharing the process stays responsive.
// Several workers, in one process or many, may run against one database.

export interface WorkerOptions {
  queue: JobQueue;
  /** Jobs run at the same time by this worker. */
  concurrency?: number;
  /** Idle wait between ticks; a finished job wakes the loop early. */
  pollMs?: number;
  /** How long stop() waits for running handlers before aborting their signals. */
  stopTimeoutMs?: number;
  housekeepingEveryMs?: number;
  id?: string;
}

export interface Worker {
  readonly id: string;
  readonly isRunning: boolean;
  start(): void;
  /** Stops claiming, then waits for running handlers (up to stopTimeoutMs). */
  stop(): Promise<void>;
  /**
   * Relays, schedules and runs everything due now, one job at a time in claim order, until nothing is
   * left; returns how many jobs ran. For tests and one-shot CLI runs.
   */
  runUntilIdle(opts?: { maxRounds?: number }): Promise<number>;
}

export function createWorker(opts: WorkerOptions): Worker {
  const { queue } = opts;
  const concurrency = opts.concurrency ?? 2;
  const pollMs = opts.pollMs ?? 1000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 30_000;
  const housekeepingEveryMs = opts.housekeepingEveryMs ?? 10 * 60_000;
  const id = opts.id ?? newWorkerId();

  const running = new Set<Promise<void>>();
  let loop: Promise<void> | undefined;
  let isStopping = false;
  let stopController = new AbortController();
  let lastHousekeeping = -Infinity;
  let wake = () => {};

  const sleep = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done() {
        clearTimeout(timer);
        wake = () => {};
        resolve();
      }
      wake = done;
    });

  function launch(job: Job) {
    const p: Promise<void> = queue
      .runJob(job, { signal: stopController.signal })
      .then(
        () => {},
        // The result could not be written (database gone): the claim expires and the job runs again.
        (err: unknown) => queue.log.error({ err, jobId: job.id, job: job.name }, 'could not record the job result'),
      )
      .finally(() => {
        running.delete(p);
        wake();
      });
    running.add(p);
  }

  /** One pass; true when there may be more work right now. */
  async function tick(): Promise<boolean> {
    const relayed = await queue.relay();
    await queue.runSchedules();
    if (performance.now() - lastHousekeeping >= housekeepingEveryMs) {
      lastHousekeeping = performance.now();
      await queue.housekeep();
    }
    const free = concurrency - running.size;
    const jobs = free > 0 ? await queue.claim(free, id) : [];
    jobs.forEach(launch);
    return relayed === queue.relayBatch || (free > 0 && jobs.length === free);
  }

  async function run() {
    while (!isStopping) {
      let hasMore = false;
      try {
        hasMore = await tick();
      } catch (err) {
        queue.log.error({ err, workerId: id }, 'worker tick failed');
      }
      if (!isStopping && (!hasMore || running.size >= concurrency)) await sleep();
    }
  }

  return {
    id,
    get isRunning() {
      return loop !== undefined;
    },

    start() {
      if (loop) return;
      isStopping = false;
      stopController = new AbortController();
      loop = run();
    },

    async stop() {
      if (!loop) return;
      isStopping = true;
      wake();
      await loop;
      let timer: NodeJS.Timeout | undefined;
      const isTimedOut = await Promise.race([
        Promise.allSettled([...running]).then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), stopTimeoutMs))),
      ]);
      clearTimeout(timer);
      if (isTimedOut) {
        // Their claims expire and another worker runs them again.
        queue.log.warn({ workerId: id, running: running.size }, 'stopped with jobs still running');
        stopController.abort(new Error('worker stopped'));
      }
      loop = undefined;
    },

    async runUntilIdle({ maxRounds = 1000 } = {}) {
      let ran = 0;
      for (let round = 0; round < maxRounds; round++) {
        let relayed = 0;
        let n: number;
        do {
          n = await queue.relay();
          relayed += n;
        } while (n === queue.relayBatch);
        const scheduled = await queue.runSchedules();
        const jobs = await queue.claim(concurrency, id);
        for (const job of jobs) await queue.runJob(job);
        ran += jobs.length;
        if (relayed === 0 && scheduled === 0 && jobs.length === 0) return ran;
      }
      throw new AppError(
        'WORKER_NOT_IDLE',
        `Jobs were still due after ${maxRounds} rounds: a job probably enqueues work that is due at once`,
        500,
      );
    },
  };
}
