import { systemActor, writeAudit } from '../../platform/audit.ts';
import type { Db } from '../../platform/db.ts';
import { badRequest } from '../../platform/errors.ts';
import type { ActionContext } from '../../platform/http/route-config.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { emit } from '../../platform/jobs/outbox.ts';
import type { Platform } from '../../platform/module.ts';
import { listOrgUnits, orgViews } from '../org/index.ts';
import { getWorkOrderForLearning, listCategories } from '../hotline/index.ts';
import * as repo from './dispatch.repository.ts';
import { TRAIN_MODEL_JOB, type DispatchStatus, type SuggestionResponse } from './dispatch.schemas.ts';
import { catalogueVersion, type Catalogue, type PlaceKind } from './model/catalogue.ts';
import { DispatchModel, type CategoryHint, type Example } from './model/model.ts';
import { trainModel } from './model/train.ts';

// Use cases of intelligent dispatch: suggest units for a request, learn from what the hotline
// records (dispatches, corrections, closed orders), retrain on demand or after enough new
// examples, and tell administrators how well it does. Each process keeps the current model in
// memory and looks for a newer snapshot or new examples every few seconds, so every process learns
// without a restart.

type Ctx = Pick<ActionContext, 'actor' | 'principal' | 'requestId' | 'ip'>;

/** How often a process checks for a newer model and for examples other processes recorded. */
const REFRESH_MS = 5_000;
/** Examples read into a freshly loaded model's memory at most. */
const REMEMBER_ON_LOAD = 20_000;
const PAGE = 5_000;

/** Retrain once this many examples arrived since the model in use was trained. */
export const retrainAfter = (trainedOn: number) => Math.max(20, Math.min(500, Math.round(trainedOn * 0.05)));

/** The catalogue as the org module publishes it. */
export async function loadCatalogue(db: Db): Promise<Catalogue> {
  const units = await listOrgUnits(db);
  const district = units.find((u) => u.kind === 'district');
  const gazetteer = await orgViews.listGazetteer(db);
  const rules = await orgViews.listDispatchRules(db);
  return {
    districtCode: district?.code ?? '',
    districtName: district?.name ?? '',
    units: units
      .filter((u) => ['department', 'street', 'town', 'enterprise'].includes(u.kind))
      .map((u) => ({ code: u.code, name: u.name, shortName: u.shortName, kind: u.kind, duties: u.duties })),
    gazetteer: gazetteer.map((g) => ({ streetCode: g.unit_code, kind: g.kind as PlaceKind, name: g.name })),
    rules: rules.map((r) => ({ seq: r.seq, matter: r.matter, unit: r.unit_code })),
  };
}

/** Phone and ID numbers never reach the training data. */
export function redact(text: string): string {
  return text
    .replace(/(?<!\d)\d{17}[\dXx](?!\d)/g, '[证件号]')
    .replace(/(?<!\d)1[3-9]\d(\*{4}|\d{4})\d{4}(?!\d)/g, '[电话]')
    .replace(/(?<!\d)\d{7,}(?!\d)/g, '[号码]');
}

interface State {
  model: DispatchModel;
  snapshot: repo.SnapshotMeta | null;
  cursor: { at: Date; id: string } | null;
  /** Examples this process remembered itself since loading (the poll skips them). */
  own: Set<string>;
  checkedAt: number;
}

export class Dispatcher {
  readonly #platform: Platform;
  #state: State | undefined;
  #loading: Promise<State> | undefined;

  constructor(platform: Platform) {
    this.#platform = platform;
  }

  /** Forget the model in memory (the catalogue changed): the next call loads again. */
  invalidate(): void {
    this.#state = undefined;
  }

  /** The model in use, loaded or refreshed when due. */
  async current(): Promise<State> {
    const s = this.#state;
    if (s && performance.now() - s.checkedAt < REFRESH_MS) return s;
    this.#loading ??= this.#refresh(s).finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  async #refresh(s: State | undefined): Promise<State> {
    const db = this.#platform.db;
    const latest = (await repo.latestSnapshotMeta(db)) ?? null;
    if (s && latest?.version === s.snapshot?.version && s.model.catalogue.units.length) {
      // Same model: only pick up the examples other processes recorded meanwhile.
      for (;;) {
        const rows = await repo.listExamples(db, { after: s.cursor ?? undefined, limit: 1000 });
        for (const r of rows) if (!s.own.has(r.id)) s.model.remember({ text: r.text, unit: r.unit_code });
        if (rows.length) s.cursor = { at: rows.at(-1)!.updated_at, id: rows.at(-1)!.id };
        if (rows.length < 1000) break;
      }
      s.checkedAt = performance.now();
      return s;
    }
    const state = await this.#load(latest);
    this.#state = state;
    return state;
  }

  async #load(latest: repo.SnapshotMeta | null): Promise<State> {
    const db = this.#platform.db;
    const catalogue = await loadCatalogue(db);
    let model: DispatchModel | null = null;
    let snapshot: repo.SnapshotMeta | null = null;
    if (latest && latest.catalogue_version === catalogueVersion(catalogue)) {
      const row = await repo.latestSnapshot(db);
      if (row && row.version === latest.version) {
        model = DispatchModel.fromSnapshot(catalogue, Buffer.from(row.body));
        if (model) snapshot = latest;
      }
    }
    // No model for this catalogue yet (first start, or the district was re-imported): the cold start
    // serves until the training job has run.
    model ??= DispatchModel.coldStart(catalogue);
    const recent = await repo.listRecentExamples(db, REMEMBER_ON_LOAD);
    for (let i = 0; i < recent.length; i++) {
      model.remember({ text: recent[i]!.text, unit: recent[i]!.unit_code });
      // Let requests through while a large memory is rebuilt.
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    const last = recent.at(-1);
    return { model, snapshot, cursor: last ? { at: last.updated_at, id: last.id } : null, own: new Set(), checkedAt: performance.now() };
  }

  /** Ranked units with calibrated scores, the located street, explanations, and whether to auto-dispatch. */
  async suggest(input: { text: string; address?: string; categoryCode?: string }): Promise<SuggestionResponse> {
    const s = await this.current();
    if (!s.model.catalogue.units.length) {
      return { units: [], streetCode: null, location: { streetCode: null, confidence: 0, explanation: [] }, autoDispatch: false, autoReason: '派单目录为空：请先导入区县派单目录', modelVersion: null };
    }
    const category = input.categoryCode ? await this.#category(input.categoryCode) : null;
    return { ...s.model.suggest({ text: input.text, address: input.address, category }), modelVersion: s.snapshot?.version ?? null };
  }

  /** The hotline's category as a hint; an unknown code is no hint (the hotline validates codes itself). */
  async #category(code: string): Promise<CategoryHint | null> {
    const c = (await listCategories(this.#platform)).find((x) => x.code === code);
    return c ? { code: c.code, name: c.name, description: c.description, keywords: c.keywords, defaultUnitCode: c.defaultUnitCode } : null;
  }

  /** The same, for the agent's screen: audited, since it shows what the model made of a citizen's words. */
  async suggestForAgent(input: { text: string; address?: string; categoryCode?: string }, ctx: Ctx): Promise<SuggestionResponse> {
    const result = await this.suggest(input);
    await this.#platform.db.tx((tx) =>
      writeAudit(tx, {
        ...ctx,
        at: this.#platform.clock.now(),
        action: 'dispatch.suggest',
        objectType: 'dispatch_model',
        data: { modelVersion: result.modelVersion, units: result.units.slice(0, 3).map((u) => [u.unitCode, u.score]), autoDispatch: result.autoDispatch },
      }),
    );
    return result;
  }

  /**
   * Records one training example (a correction, a closed order, an administrator's example): stored,
   * remembered at once by this process, and a retraining queued when enough have arrived.
   */
  async recordExample(
    input: { text: string; unitCode: string; streetCode?: string | null; source: repo.ExampleSource; workOrderId?: string | null },
    ctx: Ctx,
  ): Promise<{ id: string; isNew: boolean; isTrainingQueued: boolean }> {
    const s = await this.current();
    if (s.model.classOf(input.unitCode) < 0) {
      throw badRequest('DISPATCH_UNIT_UNKNOWN', `派单目录中没有单位 ${input.unitCode} (no such handling unit in the dispatch catalogue)`);
    }
    const text = redact(input.text.trim());
    if (text.length < 2) throw badRequest('DISPATCH_TEXT_REQUIRED', '请提供诉求内容 (the request text is empty)');
    const now = this.#platform.clock.now();
    const since = s.snapshot?.created_at;
    const result = await this.#platform.db.tx(async (tx) => {
      const row = await repo.upsertExample(tx, { id: uuidv7(), text, unitCode: input.unitCode, streetCode: input.streetCode ?? null, source: input.source, workOrderId: input.workOrderId ?? null, now });
      await writeAudit(tx, {
        ...ctx,
        at: now,
        action: 'dispatch.example.record',
        objectType: 'dispatch_example',
        objectId: row.id,
        data: { unitCode: input.unitCode, source: input.source, workOrderId: input.workOrderId ?? null, isNew: row.isNew },
      });
      const pending = await repo.countExamples(tx, since);
      let isTrainingQueued = false;
      if (pending >= retrainAfter(s.snapshot?.trained_on ?? 0)) {
        isTrainingQueued = (await this.#platform.jobs.enqueue(tx, TRAIN_MODEL_JOB, { reason: `${pending} new examples` })) !== null;
      }
      return { ...row, isTrainingQueued };
    });
    s.model.remember({ text, unit: input.unitCode });
    s.own.add(result.id);
    return result;
  }

  /** Imports closed orders of the past (one JSON object per line: text, unit, street). */
  async importHistory(examples: Example[], ctx: Ctx): Promise<{ imported: number; skipped: number }> {
    const s = await this.current();
    const known = examples.filter((e) => s.model.classOf(e.unit) >= 0 && e.text.trim().length >= 2);
    const now = this.#platform.clock.now();
    for (let i = 0; i < known.length; i += PAGE) {
      const page = known.slice(i, i + PAGE).map((e) => ({ id: uuidv7(), text: redact(e.text.trim()), unit_code: e.unit, street_code: e.street ?? null }));
      await this.#platform.db.tx(async (tx) => {
        await repo.insertHistory(tx, page, now);
        if (i === 0) {
          await writeAudit(tx, { ...ctx, at: now, action: 'dispatch.history.import', objectType: 'dispatch_example', data: { imported: known.length, skipped: examples.length - known.length } });
        }
      });
    }
    this.invalidate();
    return { imported: known.length, skipped: examples.length - known.length };
  }

  /** Queues a retraining (the job runs on a worker); returns the job id, or null when one is already waiting. */
  async requestTraining(reason: string, ctx: Ctx): Promise<string | null> {
    const now = this.#platform.clock.now();
    return this.#platform.db.tx(async (tx) => {
      const jobId = await this.#platform.jobs.enqueue(tx, TRAIN_MODEL_JOB, { reason });
      await writeAudit(tx, { ...ctx, at: now, action: 'dispatch.model.retrain', objectType: 'dispatch_model', data: { reason, jobId } });
      return jobId;
    });
  }

  /** Trains on every example and stores the model as the next version; this process adopts it at once. */
  async train(reason: string, ctx: Ctx = { actor: systemActor('dispatch') }): Promise<repo.SnapshotMeta | null> {
    const db = this.#platform.db;
    const catalogue = await loadCatalogue(db);
    if (!catalogue.units.length) return null;
    const examples: Example[] = [];
    let after: { at: Date; id: string } | undefined;
    for (;;) {
      const rows = await repo.listExamples(db, { after, limit: PAGE });
      for (const r of rows) examples.push({ text: r.text, unit: r.unit_code, street: r.street_code });
      if (rows.length < PAGE) break;
      after = { at: rows.at(-1)!.updated_at, id: rows.at(-1)!.id };
    }
    const result = await trainModel(catalogue, examples);
    const now = this.#platform.clock.now();
    const id = uuidv7();
    const meta = {
      id,
      now,
      reason,
      trainedOn: result.trainedOn,
      catalogueVersion: catalogueVersion(catalogue),
      threshold: result.params.threshold,
      targetPrecision: result.params.targetPrecision,
      heldOut: result.report,
      trainMs: Math.round(result.ms),
      body: result.snapshot,
    };
    const version = await db.tx(async (tx) => {
      const v = await repo.insertSnapshot(tx, meta);
      const data = { version: v, reason, trainedOn: meta.trainedOn, threshold: meta.threshold, heldOut: meta.heldOut, trainMs: meta.trainMs };
      await writeAudit(tx, { ...ctx, at: now, action: 'dispatch.model.train', objectType: 'dispatch_model', objectId: id, data });
      await emit(tx, { topic: 'dispatch.model.trained', key: String(v), payload: data, at: now });
      return v;
    });
    this.invalidate();
    return (await repo.latestSnapshotMeta(db)) ?? null;
  }

  /** What administrators see: the model in use, how it was measured, and how dispatch went in production. */
  async status(): Promise<DispatchStatus> {
    const s = await this.current();
    const db = this.#platform.db;
    const snap = s.snapshot;
    const since = new Date(this.#platform.clock.now().getTime() - 30 * 86_400_000);
    const o = await repo.outcomeStats(db, since);
    const ratio = (n: number, d: number) => (d ? Math.round((n / d) * 10_000) / 10_000 : null);
    return {
      model: {
        version: snap?.version ?? null,
        kind: snap ? 'trained' : 'cold_start',
        trainedAt: snap?.created_at.toISOString() ?? null,
        reason: snap?.reason ?? null,
        trainedOn: snap?.trained_on ?? 0,
        trainMs: snap?.train_ms ?? null,
        catalogueVersion: s.model.catalogueVersion,
        threshold: s.model.params.threshold,
        targetPrecision: s.model.params.targetPrecision,
        temperature: s.model.params.temperature,
        heldOut: snap?.held_out ?? null,
        remembered: s.model.memory.size,
      },
      examples: { total: await repo.countExamples(db), sinceTraining: await repo.countExamples(db, snap?.created_at), retrainAfter: retrainAfter(snap?.trained_on ?? 0) },
      production: {
        days: 30,
        dispatched: o.dispatched,
        redispatched: o.redispatched,
        returnsUpheld: o.returns_upheld,
        accuracy: ratio(o.dispatched - o.redispatched, o.dispatched),
        autoDispatched: o.auto,
        autoAccuracy: ratio(o.auto - o.auto_redispatched, o.auto),
        suggestionFollowed: ratio(o.suggestion_followed, o.suggested),
      },
      versions: (await repo.listSnapshots(db, 10)).map((v) => ({
        version: v.version,
        trainedAt: v.created_at.toISOString(),
        reason: v.reason,
        trainedOn: v.trained_on,
        threshold: v.threshold,
        heldOut: v.held_out,
      })),
    };
  }

  /** Learns from the hotline's events: what was dispatched, re-dispatched and finally closed, and where. */
  async learnFromWorkOrder(topic: string, payload: Record<string, unknown>): Promise<void> {
    const orderId = typeof payload.orderId === 'string' ? payload.orderId : null;
    if (!orderId) return;
    const now = this.#platform.clock.now();
    const ctx = { actor: systemActor('dispatch-learner') };
    const event = topic.split('.').at(-1);
    if (event === 'dispatched' && typeof payload.chosen === 'string') {
      const suggested = Array.isArray(payload.suggested) && typeof payload.suggested[0] === 'string' ? payload.suggested[0] : null;
      await repo.upsertDispatchOutcome(this.#platform.db, { workOrderId: orderId, suggestedUnit: suggested, chosenUnit: payload.chosen, isAuto: payload.auto === true, now });
      // The agent chose another unit than the first suggestion: a correction to learn from now.
      if (payload.isCorrection === true) await this.#learn(orderId, payload.chosen, 'correction', ctx);
    } else if (event === 'redispatched' && typeof payload.toUnitCode === 'string') {
      await repo.markRedispatched(this.#platform.db, { workOrderId: orderId, toUnit: payload.toUnitCode, isReturnUpheld: payload.isReturnUpheld === true, now });
      await this.#learn(orderId, payload.toUnitCode, 'correction', ctx);
    } else if (event === 'closed') {
      await this.#learn(orderId, null, 'closed', ctx);
    }
  }

  async #learn(orderId: string, unitCode: string | null, source: repo.ExampleSource, ctx: Ctx) {
    const order = await getWorkOrderForLearning(this.#platform, orderId);
    const unit = unitCode ?? order?.leadUnitCode;
    if (!order || !unit || !order.text) return;
    const s = await this.current();
    if (s.model.classOf(unit) < 0) return; // a unit outside the catalogue (a district-level body): nothing to learn
    await this.recordExample({ text: order.text, unitCode: unit, streetCode: order.streetCode, source, workOrderId: order.id }, ctx);
  }
}

const dispatchers = new WeakMap<Platform, Dispatcher>();

/** One dispatcher (one model in memory) per platform instance. */
export function dispatcherOf(platform: Platform): Dispatcher {
  let d = dispatchers.get(platform);
  if (!d) dispatchers.set(platform, (d = new Dispatcher(platform)));
  return d;
}
