import { hostname } from 'node:os';
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { systemClock, type Clock } from '../clock.ts';
import type { Db, Queryable } from '../db.ts';
import { AppError } from '../errors.ts';
import { randomToken, uuidv7 } from '../ids.ts';
import * as repo from './jobs.repository.ts';
import { deliveryJobName, OutboxDelivery, relayOutbox, topicMatcher, type OutboxEvent, type Subscriber } from './outbox.ts';

// A job queue in the application's own PostgreSQL (PGlite or server), so a job can be enqueued in the
// transaction of the change that needs it. Jobs run at least once: a handler must be safe to repeat.
// Modules declare jobs with `defineJob` and register them on the queue; a worker (worker.ts) claims
// and runs them.

export type { Job, JobState } from './jobs.repository.ts';
export { countJobs, getJob, listJobs } from './jobs.repository.ts';

/** pino-shaped, so the app's logger fits; silent by default. */
export interface JobLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const silentLog: JobLog = { info() {}, warn() {}, error() {} };

export interface JobContext {
  id: string;
  name: string;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
  db: Db;
  clock: Clock;
  /** Aborted when the job times out or the worker stops; long handlers should watch it. */
  signal: AbortSignal;
  log: JobLog;
  queue: JobQueue;
}

export interface RetryPolicy {
  /** Retries after the first attempt; 0 means one attempt only. */
  limit: number;
  /** Wait before the first retry; doubles for each further one. */
  backoffSeconds: number;
}

export interface JobSpec<S extends TSchema> {
  /** 'module.verb-noun', e.g. 'hotline.warn-deadline'. */
  name: string;
  payload: S;
  handler: (payload: Static<S>, ctx: JobContext) => Promise<void>;
  retry?: Partial<RetryPolicy>;
  /** The handler fails (and its signal aborts) after this long. */
  timeoutSeconds?: number;
  /** At most one pending job of this name: enqueueing while one waits does nothing. */
  singleton?: boolean;
}

export interface JobDefinition<S extends TSchema = TSchema> {
  readonly name: string;
  readonly payload: S;
  // Method syntax: definitions of any payload type fit where a JobDefinition is expected.
  handler(payload: Static<S>, ctx: JobContext): Promise<void>;
  readonly retry: RetryPolicy;
  readonly timeoutSeconds: number;
  readonly singleton: boolean;
  /** Returns what is wrong with a payload, or undefined when it fits the schema. */
  readonly check: (value: unknown) => string | undefined;
}

export const DEFAULT_RETRY: RetryPolicy = { limit: 3, backoffSeconds: 30 };
export const DEFAULT_TIMEOUT_SECONDS = 300;
/** A claim holds this much longer than the handler's timeout, so a timed-out run is failed, not stolen. */
const LOCK_GRACE_SECONDS = 30;
const MAX_BACKOFF_SECONDS = 24 * 3600;
const SINGLETON_KEY = '*';
/** Scheduled ticks share one singleton key, so a stopped worker does not come back to a pile of them. */
const SCHEDULE_KEY = 'schedule';
const JOB_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_-]*)+$/;

export function defineJob<S extends TSchema>(spec: JobSpec<S>): JobDefinition<S> {
  if (!JOB_NAME.test(spec.name)) {
    throw new AppError('JOB_DEFINITION_INVALID', `Job name "${spec.name}" must look like module.verb-noun`);
  }
  return makeDefinition(spec);
}

function makeDefinition<S extends TSchema>(spec: JobSpec<S>): JobDefinition<S> {
  const retry = { ...DEFAULT_RETRY, ...spec.retry };
  const timeoutSeconds = spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isInteger(retry.limit) || retry.limit < 0 || !(retry.backoffSeconds >= 0) || !(timeoutSeconds > 0)) {
    throw new AppError('JOB_DEFINITION_INVALID', `Job ${spec.name}: retry limit, backoff and timeout must be positive`);
  }
  const validator = Compile(spec.payload);
  return {
    name: spec.name,
    payload: spec.payload,
    handler: spec.handler,
    retry,
    timeoutSeconds,
    singleton: spec.singleton ?? false,
    check: (value) => {
      if (validator.Check(value)) return undefined;
      return validator
        .Errors(value)
        .slice(0, 5)
        .map((e) => `${e.instancePath || '/'} ${e.message}`)
        .join('; ');
    },
  };
}

export interface EnqueueOptions {
  runAt?: Date;
  delaySeconds?: number;
  /** While a pending job of the same name has this key, enqueueing does nothing. */
  singletonKey?: string;
  /** While any job of the same name has this key (until purged), enqueueing does nothing. */
  dedupeKey?: string;
  /** Higher runs first. */
  priority?: number;
}

export interface JobQueueOptions {
  db: Db;
  clock?: Clock;
  log?: JobLog;
  /** How long finished jobs and relayed events stay visible before housekeeping deletes them. */
  retention?: { doneSeconds?: number; deadSeconds?: number; outboxSeconds?: number };
  /** Events relayed per transaction; keeps each PGlite transaction short. */
  relayBatch?: number;
}

export type RunResult = 'done' | 'failed' | 'dead' | 'lost';

export class JobQueue {
  readonly db: Db;
  readonly clock: Clock;
  readonly log: JobLog;
  readonly relayBatch: number;
  private readonly retention: { doneSeconds: number; deadSeconds: number; outboxSeconds: number };
  private readonly defs = new Map<string, JobDefinition>();
  private readonly subscribers: Subscriber[] = [];
  private readonly schedules = new Map<string, { everySeconds: number; payload: unknown; isSynced: boolean }>();

  constructor(opts: JobQueueOptions) {
    this.db = opts.db;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? silentLog;
    this.relayBatch = opts.relayBatch ?? 100;
    this.retention = {
      doneSeconds: opts.retention?.doneSeconds ?? 7 * 86400,
      deadSeconds: opts.retention?.deadSeconds ?? 30 * 86400,
      outboxSeconds: opts.retention?.outboxSeconds ?? 30 * 86400,
    };
  }

  register(def: JobDefinition): this {
    const known = this.defs.get(def.name);
    if (known && known !== def) {
      throw new AppError('JOB_ALREADY_REGISTERED', `Two different jobs are named ${def.name}`);
    }
    this.defs.set(def.name, def);
    return this;
  }

  definition(name: string): JobDefinition | undefined {
    return this.defs.get(name);
  }

  /**
   * Delivers every event whose topic matches `pattern` ('hotline.*') to `handler`, through its own
   * job 'outbox:<name>', so each subscriber retries independently.
   */
  subscribe(
    pattern: string,
    name: string,
    handler: (event: OutboxEvent, ctx: JobContext) => Promise<void>,
    opts: { retry?: Partial<RetryPolicy>; timeoutSeconds?: number } = {},
  ): this {
    if (!JOB_NAME.test(name)) {
      throw new AppError('JOB_DEFINITION_INVALID', `Subscriber name "${name}" must look like module.verb-noun`);
    }
    const jobName = deliveryJobName(name);
    this.register(
      makeDefinition({
        name: jobName,
        payload: OutboxDelivery,
        ...opts,
        handler: (d, ctx) =>
          handler({ id: d.eventId, topic: d.topic, key: d.key, payload: d.payload, createdAt: new Date(d.createdAt) }, ctx),
      }),
    );
    this.subscribers.push({ pattern, name, jobName, matcher: topicMatcher(pattern) });
    return this;
  }

  /** Runs `def` every `everySeconds` (first run on the next tick), once per period across all workers. */
  schedule<S extends TSchema>(def: JobDefinition<S>, everySeconds: number, payload?: Static<S>): this {
    if (!Number.isInteger(everySeconds) || everySeconds < 1) {
      throw new AppError('JOB_SCHEDULE_INVALID', `The period of ${def.name} must be a whole number of seconds`);
    }
    this.register(def);
    this.schedules.set(def.name, { everySeconds, payload: this.validPayload(def, payload ?? {}), isSynced: false });
    return this;
  }

  /**
   * Adds a job. Pass the caller's transaction to enqueue atomically with its change. Returns the new
   * job's id, or null when a singleton or dedupe key made it a duplicate.
   */
  enqueue<S extends TSchema>(q: Queryable, job: JobDefinition<S>, payload: Static<S>, opts?: EnqueueOptions): Promise<string | null>;
  enqueue(q: Queryable, job: string, payload: unknown, opts?: EnqueueOptions): Promise<string | null>;
  async enqueue(q: Queryable, job: JobDefinition | string, payload: unknown, opts: EnqueueOptions = {}): Promise<string | null> {
    const def = typeof job === 'string' ? this.defs.get(job) : job;
    if (!def) throw new AppError('JOB_UNKNOWN', `No job named ${String(job)} is registered`);
    const now = this.clock.now();
    const priority = opts.priority ?? 0;
    if (!Number.isInteger(priority)) throw new AppError('JOB_OPTIONS_INVALID', 'priority must be an integer');
    const [id] = await repo.insertJobs(q, [
      {
        id: uuidv7(),
        name: def.name,
        payload: this.validPayload(def, payload),
        runAt: opts.runAt ?? new Date(now.getTime() + (opts.delaySeconds ?? 0) * 1000),
        priority,
        singletonKey: opts.singletonKey ?? (def.singleton ? SINGLETON_KEY : null),
        dedupeKey: opts.dedupeKey ?? null,
        createdAt: now,
      },
    ]);
    return id ?? null;
  }

  /** The payload as it will be stored (JSON), checked against the schema. */
  private validPayload(def: JobDefinition, payload: unknown): unknown {
    // Check the JSON form: a Date or undefined field would change on the way through jsonb.
    const value: unknown = payload === undefined ? undefined : JSON.parse(JSON.stringify(payload));
    const problem = def.check(value);
    if (problem) {
      throw new AppError('JOB_PAYLOAD_INVALID', `The payload of job ${def.name} is not valid: ${problem}`, 400, {
        job: def.name,
        problem,
      });
    }
    return value;
  }

  /** Claims up to `limit` due jobs of the registered names for `workerId`. */
  claim(limit: number, workerId: string): Promise<repo.Job[]> {
    if (this.defs.size === 0 || limit < 1) return Promise.resolve([]);
    const lockSeconds: Record<string, number> = {};
    for (const d of this.defs.values()) lockSeconds[d.name] = d.timeoutSeconds + LOCK_GRACE_SECONDS;
    return repo.claimJobs(this.db, { now: this.clock.now(), names: [...this.defs.keys()], workerId, lockSeconds, limit });
  }

  /**
   * Runs one claimed job and records the outcome: done, failed (a retry is scheduled), dead (out of
   * retries, or a payload that can never run), or lost (the claim expired and another worker took it).
   */
  async runJob(job: repo.Job, opts: { signal?: AbortSignal } = {}): Promise<RunResult> {
    const def = this.defs.get(job.name);
    if (!def) return this.finishFailed(job, undefined, `No handler is registered for ${job.name}`);
    const maxAttempts = def.retry.limit + 1;
    // A job claimed again after its worker died each time must not run for ever.
    if (job.attempts > maxAttempts) return this.finishFailed(job, def, job.lastError ?? 'too many attempts', true);
    const problem = def.check(job.payload);
    if (problem) return this.finishFailed(job, def, `payload is not valid: ${problem}`, true);

    const controller = new AbortController();
    const signal = opts.signal ? AbortSignal.any([controller.signal, opts.signal]) : controller.signal;
    const ctx: JobContext = {
      id: job.id,
      name: job.name,
      attempt: job.attempts,
      maxAttempts,
      db: this.db,
      clock: this.clock,
      signal,
      log: this.log,
      queue: this,
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      const run = Promise.resolve().then(() => def.handler(job.payload, ctx));
      run.catch(() => {}); // after a timeout the handler may still reject; that result no longer counts
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = new Error(`timed out after ${def.timeoutSeconds} s`);
          controller.abort(err);
          reject(err);
        }, def.timeoutSeconds * 1000);
      });
      await Promise.race([run, timeout]);
    } catch (err) {
      return this.finishFailed(job, def, describeError(err));
    } finally {
      clearTimeout(timer);
    }
    const isMine = await repo.markJobDone(this.db, job, this.clock.now());
    return isMine ? 'done' : 'lost';
  }

  private async finishFailed(job: repo.Job, def: JobDefinition | undefined, error: string, isFatal = false): Promise<RunResult> {
    const now = this.clock.now();
    const limit = def?.retry.limit ?? 0;
    const isDead = isFatal || !def || job.attempts > limit;
    const backoff = Math.min((def?.retry.backoffSeconds ?? 0) * 2 ** (job.attempts - 1), MAX_BACKOFF_SECONDS);
    const runAt = isDead ? job.runAt : new Date(now.getTime() + backoff * 1000);
    const isMine = await repo.markJobFailed(this.db, job, { state: isDead ? 'dead' : 'failed', runAt, error, now });
    const info = { jobId: job.id, job: job.name, attempt: job.attempts, error };
    if (!isMine) return 'lost';
    if (isDead) this.log.error(info, 'job is dead');
    else this.log.warn({ ...info, retryAt: runAt }, 'job failed; will retry');
    return isDead ? 'dead' : 'failed';
  }

  /** Turns up to `limit` outbox events into delivery jobs; returns how many events it took. */
  relay(limit = this.relayBatch): Promise<number> {
    // A process that subscribed nothing is not a relay: marking events relayed there would drop them.
    if (this.subscribers.length === 0) return Promise.resolve(0);
    return this.db.tx((tx) => relayOutbox(tx, this.subscribers, this.clock.now(), limit));
  }

  /** Enqueues the jobs of every due schedule; returns how many it enqueued. */
  async runSchedules(): Promise<number> {
    if (this.schedules.size === 0) return 0;
    const now = this.clock.now();
    for (const [name, s] of this.schedules) {
      if (s.isSynced) continue;
      await repo.upsertSchedule(this.db, { name, everySeconds: s.everySeconds, payload: s.payload, now });
      s.isSynced = true;
    }
    return this.db.tx(async (tx) => {
      const due = await repo.takeDueSchedules(tx, now, [...this.schedules.keys()]);
      const ids = await repo.insertJobs(
        tx,
        due.map((d) => ({
          id: uuidv7(),
          name: d.name,
          payload: d.payload,
          runAt: now,
          priority: 0,
          singletonKey: SCHEDULE_KEY,
          dedupeKey: null,
          createdAt: now,
        })),
      );
      return ids.length;
    });
  }

  /** Deletes finished jobs and relayed events past their retention, in small batches. */
  async housekeep(batch = 500): Promise<{ done: number; dead: number; outbox: number }> {
    const now = this.clock.now().getTime();
    const ago = (s: number) => new Date(now - s * 1000);
    const drain = async (step: () => Promise<number>) => {
      let total = 0;
      let n: number;
      do {
        n = await step();
        total += n;
      } while (n === batch);
      return total;
    };
    return {
      done: await drain(() => repo.purgeJobs(this.db, 'done', ago(this.retention.doneSeconds), batch)),
      dead: await drain(() => repo.purgeJobs(this.db, 'dead', ago(this.retention.deadSeconds), batch)),
      outbox: await drain(() => repo.purgeOutbox(this.db, ago(this.retention.outboxSeconds), batch)),
    };
  }
}

export function createJobQueue(opts: JobQueueOptions): JobQueue {
  return new JobQueue(opts);
}

/** Names a worker in `locked_by`, for the admin view and for finding a stuck host. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomToken(4)}`;
}

function describeError(err: unknown): string {
  const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  return text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
}
