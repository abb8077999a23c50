import { createHash } from 'node:crypto';
import { canonicalJson, writeAudit } from '../../platform/audit.ts';
import { canActOn } from '../../platform/auth/roles.ts';
import { parseResidentId, parseUscc } from '../../platform/crypto/identity-numbers.ts';
import { maskIdNumber, maskName, maskPhone, isPhoneNumber } from '../../platform/crypto/pii.ts';
import type { Queryable, Tx } from '../../platform/db.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { emit } from '../../platform/jobs/outbox.ts';
import type { Platform } from '../../platform/module.ts';
import { acceptsApplications, getBundleGuide, getBundleVersion, getItemVersion, getPublishedItemVersion } from '../catalog/index.ts';
import { orgViews } from '../org/index.ts';
import { calendarFor, DEFAULT_EXTENSION_CAP, CORRECTION_NOTICE_WORKING_DAYS, localDate, remainingWorkingDays } from './cases.deadlines.ts';
import { checkUpload, cleanFileName } from './cases.files.ts';
import { checkForm, isSuppliedByGovernment, planOfBundle, planOfItem, SENSITIVE_FIELD_TYPES, type Plan } from './cases.plan.ts';
import { canRead, isApplicant, isClerkFor, type Ctx } from './cases.policy.ts';
import * as repo from './cases.repository.ts';
import type { CaseRow } from './cases.repository.ts';
import { runtimeOf } from './cases.runtime.ts';
import { isAllowed, STATE_LABELS, TRANSITIONS, type Action } from './cases.transitions.ts';
import { actorClassesOf } from './cases.policy.ts';

// Intake of applications (online, at the window, by mail; single items and bundles), drafts,
// materials (upload, reuse, paper originals, documents the government holds) and the reads of a
// case. The lifecycle after submission lives in cases.lifecycle.ts.

export type { Ctx };

export const RECEIVING_UNIT_SETTING = 'online_receiving_unit';

export interface ApplicantInput {
  type: 'person' | 'organisation';
  name: string;
  idType?: 'id_card' | 'uscc' | 'passport' | 'other';
  idNumber?: string;
  phone?: string;
}

export interface CreateDraftInput {
  itemCode?: string;
  bundleCode?: string;
  optionalItems?: string[];
  channel: 'online' | 'window' | 'mail';
  applicant?: ApplicantInput;
  form?: Record<string, string | number>;
  receivingUnitCode?: string;
  mailTracking?: string;
}

export const todayOf = (platform: Platform) => localDate(platform.clock.now());
const actorLabel = (ctx: Ctx) => ctx.actor.label ?? ctx.actor.id ?? ctx.actor.kind;

export const caseNotFound = () => notFound('CASE_NOT_FOUND', '没有这个办件 (no such case, or not yours to see)');

async function unitOrFail(q: Queryable, code: string) {
  const unit = await orgViews.findUnitByCode(q, code);
  if (!unit) throw badRequest('CASE_UNIT_UNKNOWN', `no org unit with code ${code}`);
  return unit;
}

/** The plan of a case's pinned version (item or bundle). */
export async function planOf(platform: Platform, c: Pick<CaseRow, 'kind' | 'item_version_id' | 'bundle_version_id' | 'submitted_at' | 'created_at' | 'chosen_items'>): Promise<Plan> {
  if (c.kind === 'bundle') {
    const at = localDate(new Date(c.submitted_at ?? c.created_at));
    const g = await getBundleVersion(platform, c.bundle_version_id!, at);
    if (!g) throw new AppError('CASE_VERSION_MISSING', 'the bundle version this case follows is missing', 500);
    // Fields and materials that only optional items the applicant did not choose ask for are not required.
    const included = g.items.filter((i) => !i.isOptional || c.chosen_items.includes(i.code));
    const required = new Set(g.definition.formFields.filter((f) => f.isRequired).map((f) => f.key));
    for (const it of included) for (const f of (await getItemVersion(platform, it.versionId))?.elements.formFields ?? []) if (f.isRequired) required.add(f.key);
    const codes = new Set(included.map((i) => i.code));
    return planOfBundle({
      ...g,
      formFields: g.formFields.map((f) => ({ ...f, isRequired: f.isRequired && required.has(f.key) })),
      materials: g.materials.filter((m) => m.itemCodes.some((code) => codes.has(code))),
    });
  }
  const v = await getItemVersion(platform, c.item_version_id!);
  if (!v) throw new AppError('CASE_VERSION_MISSING', 'the item version this case follows is missing', 500);
  return planOfItem(v, DEFAULT_EXTENSION_CAP);
}

function checkChannel(plan: Plan, channel: CreateDraftInput['channel']) {
  const e = plan.item?.elements;
  if (!e) return; // bundles: one window and online alike
  const forms = new Set(e.formCodes);
  const ok =
    channel === 'online'
      ? (forms.has('2') || forms.has('3')) && (e.onlineDepthCode === '3' || e.onlineDepthCode === '4')
      : channel === 'window'
        ? forms.has('1')
        : forms.has('4') || e.isMailSupported;
  if (!ok) {
    const names = { online: '网上申请', window: '窗口申请', mail: '邮寄申请' };
    throw new AppError('CASE_CHANNEL_UNSUPPORTED', `「${e.name}」不支持${names[channel]} (the item does not take ${channel} applications)`, 422, { channel });
  }
}

/** The item (or bundle) an application may be filed against today, or a clear refusal. */
async function resolveTarget(platform: Platform, input: { itemCode?: string; bundleCode?: string; optionalItems?: string[] }) {
  if (!!input.itemCode === !!input.bundleCode) throw badRequest('CASE_TARGET_INVALID', 'name exactly one of itemCode and bundleCode');
  if (input.itemCode) {
    const v = await getPublishedItemVersion(platform, input.itemCode);
    if (!v) {
      throw new AppError('CASE_ITEM_UNAVAILABLE', `事项 ${input.itemCode} 当前不可申请：未发布、已取消或不存在 (no published version in force today)`, 422, { itemCode: input.itemCode });
    }
    if (!acceptsApplications(v.elements.typeCode)) {
      throw new AppError('CASE_ITEM_NOT_APPLICABLE', `「${v.elements.name}」不是依申请事项，不受理申请 (type ${v.elements.typeCode} takes no applications)`, 422, { itemCode: input.itemCode });
    }
    return { plan: planOfItem(v, DEFAULT_EXTENSION_CAP), unitCode: v.unitCode, chosen: [] as string[] };
  }
  let g;
  try {
    g = await getBundleGuide(platform, input.bundleCode!);
  } catch (err) {
    if (err instanceof AppError && err.status < 500) {
      throw new AppError('CASE_BUNDLE_UNAVAILABLE', `一件事 ${input.bundleCode} 当前不可申请 (${err.message})`, 422, { bundleCode: input.bundleCode });
    }
    throw err;
  }
  const optional = new Set(g.items.filter((i) => i.isOptional).map((i) => i.code));
  for (const code of input.optionalItems ?? []) {
    if (!optional.has(code)) throw badRequest('CASE_BUNDLE_ITEM_UNKNOWN', `${code} is not an optional item of bundle ${g.code}`);
  }
  return { plan: planOfBundle(g), unitCode: g.unitCode, chosen: [...new Set(input.optionalItems ?? [])] };
}

function checkApplicant(a: ApplicantInput) {
  if (a.idNumber) {
    if (a.idType === 'id_card' && !parseResidentId(a.idNumber).ok) throw badRequest('CASE_APPLICANT_INVALID', '申请人身份证号码无效 (invalid resident ID number)');
    if (a.idType === 'uscc' && !parseUscc(a.idNumber).ok) throw badRequest('CASE_APPLICANT_INVALID', '统一社会信用代码无效 (invalid USCC)');
    if (!a.idType) throw badRequest('CASE_APPLICANT_INVALID', 'idType is required with idNumber');
  }
  if (a.phone && !isPhoneNumber(a.phone)) throw badRequest('CASE_APPLICANT_INVALID', '申请人电话号码无效 (invalid phone number)');
}

const requestHashOf = (v: unknown) => createHash('sha256').update(canonicalJson(v)).digest('hex');
const idemSource = (ctx: Ctx) => `${ctx.actor.kind}:${ctx.actor.id ?? 'anonymous'}`;

async function existingForKey(platform: Platform, ctx: Ctx, key: string | undefined, hash: string) {
  if (!key) return undefined;
  const seen = await repo.findIdempotencyKey(platform.db, idemSource(ctx), key);
  if (!seen) return undefined;
  if (seen.request_hash !== hash) throw conflict('IDEMPOTENCY_KEY_REUSED', '该幂等键已用于另一份申请 (this Idempotency-Key was used for a different request)');
  return (await repo.findCase(platform.db, seen.case_id))!;
}

/** Creates a draft (草稿) application; submit it later. Online for citizens, window or mail for clerks. */
export async function createDraft(platform: Platform, input: CreateDraftInput, ctx: Ctx, idempotencyKey?: string): Promise<{ row: CaseRow; isNew: boolean }> {
  const p = ctx.principal;
  if (!p) throw forbidden('CASE_ACTION_FORBIDDEN', 'sign in to apply');
  const hash = requestHashOf(input);
  const seen = await existingForKey(platform, ctx, idempotencyKey, hash);
  if (seen) return { row: seen, isNew: false };

  const isPublic = p.userKind !== 'staff';
  if (isPublic && input.channel !== 'online') throw forbidden('CASE_CHANNEL_FORBIDDEN', '群众和企业通过网上申请；窗口和邮寄申请由窗口人员登记 (citizens apply online)');
  if (!isPublic && input.channel === 'online') throw forbidden('CASE_CHANNEL_FORBIDDEN', '工作人员代为申请请选择窗口或邮寄 (staff register window or mail applications)');
  if (!isPublic && !p.permissions.has('cases:intake')) throw forbidden('CASE_ACTION_FORBIDDEN', 'taking applications needs cases:intake');

  const target = await resolveTarget(platform, input);
  checkChannel(target.plan, input.channel);
  const handling = await unitOrFail(platform.db, target.unitCode);

  let receiving = handling;
  if (isPublic) {
    const code = await repo.getSetting(platform.db, RECEIVING_UNIT_SETTING);
    if (code) receiving = await unitOrFail(platform.db, code);
  } else {
    const code = input.receivingUnitCode ?? p.grants.find((g) => canActOn(p, 'cases:intake', g.orgPath))?.orgPath.split('/').at(-1);
    receiving = await unitOrFail(platform.db, code ?? handling.code);
    if (!canActOn(p, 'cases:intake', receiving.path)) {
      throw forbidden('CASE_UNIT_FORBIDDEN', `无权以${receiving.name}的名义受理 (cases:intake is not granted on ${receiving.path})`);
    }
  }

  const applicant: ApplicantInput | undefined = input.applicant ?? (isPublic ? { type: p.userKind === 'enterprise' ? 'organisation' : 'person', name: p.displayName } : undefined);
  if (!applicant) throw badRequest('CASE_APPLICANT_REQUIRED', '请填写申请人信息 (applicant is required for window and mail applications)');
  checkApplicant(applicant);
  const form = input.form ?? {};
  const formProblems = checkForm(target.plan.formFields, form, false);
  if (formProblems.length) throw new AppError('CASE_FORM_INVALID', `申请表有 ${formProblems.length} 处需要修改`, 422, formProblems);

  const now = platform.clock.now();
  const id = uuidv7();
  const pii = platform.pii;
  const row = await platform.db.tx(async (tx) => {
    if (idempotencyKey && !(await repo.claimIdempotencyKey(tx, { source: idemSource(ctx), key: idempotencyKey, caseId: id, requestHash: hash, now }))) {
      return undefined; // a concurrent twin claimed the key first
    }
    await repo.insertCase(tx, {
      id,
      kind: target.plan.kind === 'bundle' ? 'bundle' : 'single',
      channel: input.channel,
      state: 'draft',
      item_code: target.plan.item?.code ?? null,
      item_version_id: target.plan.item?.id ?? null,
      bundle_code: target.plan.bundle?.code ?? null,
      bundle_version_id: target.plan.bundle?.versionId ?? null,
      title: target.plan.title,
      chosen_items: target.chosen,
      handling_unit_code: handling.code,
      handling_unit_path: handling.path,
      receiving_unit_code: receiving.code,
      receiving_unit_path: receiving.path,
      applicant_account_id: isPublic ? p.userId : null,
      applicant_type: applicant.type,
      applicant_name_enc: pii.encrypt(applicant.name),
      applicant_id_type: applicant.idType ?? null,
      applicant_id_enc: applicant.idNumber ? pii.encrypt(applicant.idNumber) : null,
      applicant_id_hash: applicant.idNumber ? pii.blindIndex('idNumber', applicant.idNumber) : null,
      applicant_phone_enc: applicant.phone ? pii.encrypt(applicant.phone) : null,
      form_enc: pii.encrypt(JSON.stringify(form)),
      mail_tracking: input.mailTracking ?? null,
      created_by: p.userId,
      created_at: now,
      updated_at: now,
    });
    // Documents the government already holds are marked satisfied from their source (免提交).
    for (const m of target.plan.materials.filter(isSuppliedByGovernment)) {
      await repo.insertMaterial(tx, {
        id: uuidv7(),
        case_id: id,
        material_key: m.key,
        material_name: m.name,
        source: m.sourceKind as 'licence' | 'shared_data' | 'item_result',
        file_sha256: null,
        file_name: null,
        reused_from: null,
        reference: m.reference,
        owner_account_id: null,
        added_by: 'system',
        added_at: now,
      });
    }
    await repo.insertEvent(tx, { id: uuidv7(), case_id: id, action: 'create', from_state: null, to_state: 'draft', step_key: null, actor_kind: ctx.actor.kind, actor_id: ctx.actor.id ?? null, actor_label: actorLabel(ctx), data: { channel: input.channel }, at: now });
    await writeAudit(tx, { ...ctx, action: 'cases.case.create', objectType: 'case', objectId: id, orgUnitId: receiving.id, at: now, data: { channel: input.channel, itemCode: input.itemCode ?? null, bundleCode: input.bundleCode ?? null } });
    return repo.findCase(tx, id);
  });
  if (!row) return { row: (await existingForKey(platform, ctx, idempotencyKey, hash))!, isNew: false };
  return { row, isNew: true };
}

/** Loads a case the caller may see, or 404 (never saying whether someone else's case exists). */
export async function readableCase(platform: Platform, id: string, ctx: Ctx, q: Queryable = platform.db, forUpdate = false): Promise<CaseRow> {
  const c = await repo.findCase(q, id, forUpdate);
  if (!c) throw caseNotFound();
  if (ctx.actor.kind === 'system' || canRead(ctx.principal, c)) return c;
  if (c.parent_id) {
    const parent = await repo.findCase(q, c.parent_id);
    if (parent && canRead(ctx.principal, parent)) return c;
  }
  throw caseNotFound();
}

/** Drafts are edited by their applicant (online) or by a clerk of the unit that took them. */
function requireDraftEditor(c: CaseRow, ctx: Ctx) {
  if (c.state !== 'draft') throw conflict('CASE_NOT_DRAFT', '只能修改草稿 (only drafts can be changed)');
  if (!(isApplicant(ctx.principal, c) || (c.applicant_account_id === null && isClerkFor(ctx.principal, c)))) {
    throw forbidden('CASE_ACTION_FORBIDDEN', 'only the applicant (or the clerk who took a walk-in application) edits a draft');
  }
}

export async function updateDraft(platform: Platform, id: string, input: { form?: Record<string, string | number>; applicant?: ApplicantInput; optionalItems?: string[]; mailTracking?: string }, ctx: Ctx): Promise<CaseRow> {
  const c0 = await readableCase(platform, id, ctx);
  const plan = await planOf(platform, c0);
  if (input.form) {
    const problems = checkForm(plan.formFields, input.form, false);
    if (problems.length) throw new AppError('CASE_FORM_INVALID', `申请表有 ${problems.length} 处需要修改`, 422, problems);
  }
  if (input.applicant) checkApplicant(input.applicant);
  if (input.optionalItems) {
    const optional = new Set(plan.bundle?.items.filter((i) => i.isOptional).map((i) => i.code) ?? []);
    for (const code of input.optionalItems) if (!optional.has(code)) throw badRequest('CASE_BUNDLE_ITEM_UNKNOWN', `${code} is not an optional item of this bundle`);
  }
  const now = platform.clock.now();
  return platform.db.tx(async (tx) => {
    const c = (await repo.findCase(tx, id, true))!;
    requireDraftEditor(c, ctx);
    const pii = platform.pii;
    const a = input.applicant;
    await repo.updateCase(tx, id, {
      ...(input.form ? { form_enc: pii.encrypt(JSON.stringify(input.form)) } : {}),
      ...(a
        ? {
            applicant_type: a.type,
            applicant_name_enc: pii.encrypt(a.name),
            applicant_id_type: a.idType ?? null,
            applicant_id_enc: a.idNumber ? pii.encrypt(a.idNumber) : null,
            applicant_id_hash: a.idNumber ? pii.blindIndex('idNumber', a.idNumber) : null,
            applicant_phone_enc: a.phone ? pii.encrypt(a.phone) : null,
          }
        : {}),
      ...(input.optionalItems ? { chosen_items: [...new Set(input.optionalItems)] } : {}),
      ...(input.mailTracking !== undefined ? { mail_tracking: input.mailTracking } : {}),
      updated_at: now,
    });
    await writeAudit(tx, { ...ctx, action: 'cases.case.update_draft', objectType: 'case', objectId: id, at: now, data: { fields: Object.keys(input) } });
    return (await repo.findCase(tx, id))!;
  });
}

export async function discardDraft(platform: Platform, id: string, ctx: Ctx): Promise<void> {
  await readableCase(platform, id, ctx);
  const now = platform.clock.now();
  await platform.db.tx(async (tx) => {
    const c = (await repo.findCase(tx, id, true))!;
    requireDraftEditor(c, ctx);
    // A draft is not a case yet (no number, no deadline): discarding deletes it; the audit log keeps the fact.
    await repo.deleteDraft(tx, id);
    await writeAudit(tx, { ...ctx, action: 'cases.case.discard', objectType: 'case', objectId: id, at: now });
  });
}

// ---------------------------------------------------------------- materials

/** States in which the applicant's side may add materials (and, after acceptance, only 容缺 ones). */
function materialWindow(c: CaseRow, key: string) {
  if (c.state === 'draft' || c.state === 'correcting') return;
  if (c.state === 'submitted' || c.state === 'pre_review') {
    if (c.channel !== 'online') return; // the clerk completes a window or mail file before deciding
  }
  if (['in_review', 'suspended', 'decided', 'waiting'].includes(c.state) && c.deferred_materials.includes(key)) return;
  throw conflict('CASE_MATERIALS_LOCKED', `办件${STATE_LABELS[c.state]}，不能再提交材料 (materials are closed in state ${c.state})`);
}

function requireMaterialEditor(c: CaseRow, ctx: Ctx) {
  if (!(isApplicant(ctx.principal, c) || isClerkFor(ctx.principal, c))) {
    throw forbidden('CASE_ACTION_FORBIDDEN', 'only the applicant or a clerk of the receiving unit adds materials');
  }
}

function plannedMaterial(plan: Plan, key: string) {
  const m = plan.materials.find((x) => x.key === key);
  if (!m) throw badRequest('CASE_MATERIAL_UNKNOWN', `这个事项不需要材料 ${key} (no material with this key)`);
  return m;
}

async function afterMaterialAdded(tx: Tx, c: CaseRow, key: string, ctx: Ctx, now: Date) {
  // Every deferred (容缺) material now present fulfils the commitment.
  if (!c.deferred_materials.includes(key)) return;
  const present = new Set((await repo.listMaterials(tx, c.id)).map((m) => m.material_key));
  if (c.deferred_materials.every((k) => present.has(k))) {
    await repo.updateCase(tx, c.id, { deferred_materials: [], commitment_due_on: null, is_commitment_overdue: false, updated_at: now });
    await repo.insertEvent(tx, { id: uuidv7(), case_id: c.id, action: 'commitment_fulfilled', from_state: c.state, to_state: c.state, step_key: null, actor_kind: ctx.actor.kind, actor_id: ctx.actor.id ?? null, actor_label: actorLabel(ctx), data: { materials: c.deferred_materials }, at: now });
    await emit(tx, { topic: 'cases.case.commitment_fulfilled', key: c.id, at: now, payload: { caseId: c.id, caseNumber: c.number } });
  }
}

/**
 * Stores an uploaded file for a material: checked (size, sniffed type), stored under its hash
 * (temp + rename), and only then recorded. A refused or failed upload leaves no row.
 */
export async function uploadMaterial(platform: Platform, id: string, key: string, bytes: Buffer, fileName: string | undefined, ctx: Ctx) {
  const c0 = await readableCase(platform, id, ctx);
  requireMaterialEditor(c0, ctx);
  const plan = await planOf(platform, c0);
  const m = plannedMaterial(plan, key);
  materialWindow(c0, key);
  const { store, limits } = runtimeOf(platform);
  const obj = checkUpload(bytes, limits);
  await store.put(obj.sha256, bytes, obj.mediaType);
  const now = platform.clock.now();
  return platform.db.tx(async (tx) => {
    const c = (await repo.findCase(tx, id, true))!;
    materialWindow(c, key);
    await repo.insertFile(tx, { sha256: obj.sha256, size: obj.size, media_type: obj.mediaType, storage: store.kind, created_at: now });
    const materialId = uuidv7();
    await repo.insertMaterial(tx, {
      id: materialId,
      case_id: id,
      material_key: key,
      material_name: m.name,
      source: 'upload',
      file_sha256: obj.sha256,
      file_name: cleanFileName(fileName),
      reused_from: null,
      reference: null,
      owner_account_id: c.applicant_account_id,
      added_by: actorLabel(ctx),
      added_at: now,
    });
    await writeAudit(tx, { ...ctx, action: 'cases.material.upload', objectType: 'case', objectId: id, at: now, data: { key, sha256: obj.sha256, size: obj.size, mediaType: obj.mediaType } });
    await afterMaterialAdded(tx, c, key, ctx, now);
    return (await repo.findMaterial(tx, materialId))!;
  });
}

/** 材料复用 (reuse a file the applicant submitted on an earlier case) or 纸质原件已核验 (window). */
export async function addMaterial(platform: Platform, id: string, key: string, input: { source: 'reuse' | 'paper'; materialId?: string; note?: string }, ctx: Ctx) {
  const c0 = await readableCase(platform, id, ctx);
  requireMaterialEditor(c0, ctx);
  const plan = await planOf(platform, c0);
  const m = plannedMaterial(plan, key);
  const now = platform.clock.now();
  return platform.db.tx(async (tx) => {
    const c = (await repo.findCase(tx, id, true))!;
    materialWindow(c, key);
    let sha: string | null = null;
    let fileName: string | null = null;
    if (input.source === 'reuse') {
      const earlier = input.materialId ? await repo.findMaterial(tx, input.materialId) : undefined;
      // Only the applicant's own earlier files: never another person's documents.
      if (!earlier || !earlier.file_sha256 || !c.applicant_account_id || earlier.owner_account_id !== c.applicant_account_id || earlier.case_id === c.id) {
        throw notFound('CASE_MATERIAL_NOT_REUSABLE', '没有可复用的该份材料 (no earlier material of this applicant with that id)');
      }
      sha = earlier.file_sha256;
      fileName = earlier.file_name;
    } else if (!isClerkFor(ctx.principal, c) || c.channel === 'online') {
      throw forbidden('CASE_ACTION_FORBIDDEN', 'paper originals are checked by a clerk on window and mail cases');
    }
    const materialId = uuidv7();
    await repo.insertMaterial(tx, {
      id: materialId,
      case_id: id,
      material_key: key,
      material_name: m.name,
      source: input.source,
      file_sha256: sha,
      file_name: fileName,
      reused_from: input.source === 'reuse' ? input.materialId! : null,
      reference: input.note ?? null,
      owner_account_id: c.applicant_account_id,
      added_by: actorLabel(ctx),
      added_at: now,
    });
    await writeAudit(tx, { ...ctx, action: `cases.material.${input.source}`, objectType: 'case', objectId: id, at: now, data: { key, from: input.materialId ?? null } });
    await afterMaterialAdded(tx, c, key, ctx, now);
    return (await repo.findMaterial(tx, materialId))!;
  });
}

export async function removeMaterial(platform: Platform, id: string, materialId: string, ctx: Ctx) {
  const c0 = await readableCase(platform, id, ctx);
  requireMaterialEditor(c0, ctx);
  const now = platform.clock.now();
  await platform.db.tx(async (tx) => {
    const c = (await repo.findCase(tx, id, true))!;
    if (c.state !== 'draft' && c.state !== 'correcting') throw conflict('CASE_MATERIALS_LOCKED', 'materials can be removed from drafts and during correction only');
    const m = await repo.findMaterial(tx, materialId);
    if (!m || m.case_id !== id || !m.is_current) throw notFound('CASE_MATERIAL_NOT_FOUND', 'no such material on this case');
    if (m.source !== 'upload' && m.source !== 'reuse' && m.source !== 'paper') throw conflict('CASE_MATERIAL_SUPPLIED', 'a document the government supplies cannot be removed');
    await repo.retireMaterial(tx, id, materialId);
    await writeAudit(tx, { ...ctx, action: 'cases.material.remove', objectType: 'case', objectId: id, at: now, data: { materialId, key: m.material_key } });
  });
}

/** The applicant's earlier files, for 材料复用. */
export async function listReusable(platform: Platform, ctx: Ctx, key?: string, caseId?: string) {
  const p = ctx.principal;
  if (!p || p.userKind === 'staff') return [];
  return repo.listReusableMaterials(platform.db, p.userId, key ?? null, caseId ?? null);
}

export async function readMaterialFile(platform: Platform, id: string, materialId: string, ctx: Ctx) {
  await readableCase(platform, id, ctx);
  const m = await repo.findMaterial(platform.db, materialId);
  if (!m || m.case_id !== id || !m.file_sha256) throw notFound('CASE_MATERIAL_NOT_FOUND', 'no such file on this case');
  const bytes = await runtimeOf(platform).store.get(m.file_sha256);
  if (!bytes) throw new AppError('FILE_MISSING', `the stored file ${m.file_sha256} is missing`, 500);
  return { bytes, mediaType: m.media_type ?? 'application/octet-stream', fileName: m.file_name ?? `${m.material_key}` };
}

/** Each material of the plan with what satisfies it. */
export function materialStatus(plan: Plan, rows: repo.MaterialRow[], deferred: string[]) {
  return plan.materials.map((m) => {
    const have = rows.filter((r) => r.material_key === m.key);
    return {
      key: m.key,
      name: m.name,
      isRequired: m.isRequired,
      condition: m.condition,
      isDeferrable: m.isDeferrable,
      sourceKind: m.sourceKind,
      reference: m.reference,
      isSatisfied: have.length > 0,
      isDeferred: deferred.includes(m.key),
      files: have.map((r) => ({
        id: r.id,
        source: r.source,
        fileName: r.file_name,
        sha256: r.file_sha256,
        size: (r as { size?: number | null }).size ?? null,
        mediaType: (r as { media_type?: string | null }).media_type ?? null,
        reference: r.reference,
        reusedFrom: r.reused_from,
        addedAt: new Date(r.added_at).toISOString(),
      })),
    };
  });
}

/** Required materials nobody has supplied yet (split by whether they may be deferred). */
export function missingMaterials(plan: Plan, rows: repo.MaterialRow[]) {
  const present = new Set(rows.map((r) => r.material_key));
  const missing = plan.materials.filter((m) => m.isRequired && !present.has(m.key));
  return { deferrable: missing.filter((m) => m.isDeferrable), blocking: missing.filter((m) => !m.isDeferrable) };
}

// ---------------------------------------------------------------- views

function decryptForm(platform: Platform, c: CaseRow): Record<string, string | number> {
  return JSON.parse(platform.pii.decrypt(c.form_enc));
}

export interface ViewOptions {
  /** Unmasked personal data (the audited reveal route only). */
  isRevealed?: boolean;
}

/** The case as its applicant or a staff member sees it, with what the caller may do next. */
export async function caseView(platform: Platform, c: CaseRow, ctx: Ctx, opts: ViewOptions = {}) {
  const plan = await planOf(platform, c);
  const pii = platform.pii;
  const isOwner = isApplicant(ctx.principal, c);
  const showFull = opts.isRevealed || isOwner;
  const name = pii.decrypt(c.applicant_name_enc);
  const idNumber = c.applicant_id_enc ? pii.decrypt(c.applicant_id_enc) : null;
  const phone = c.applicant_phone_enc ? pii.decrypt(c.applicant_phone_enc) : null;
  const form = decryptForm(platform, c);
  const sensitive = new Set(plan.formFields.filter((f) => SENSITIVE_FIELD_TYPES.has(f.type)).map((f) => f.key));
  const shownForm = Object.fromEntries(
    Object.entries(form).map(([k, v]) => [k, !showFull && sensitive.has(k) ? (String(v).length >= 15 ? maskIdNumber(String(v)) : maskPhone(String(v))) : v]),
  );
  const materials = await repo.listMaterials(platform.db, c.id);
  const events = await repo.listEvents(platform.db, c.id);
  const stops = await repo.listClockStops(platform.db, c.id);
  const children = c.kind === 'bundle' ? await repo.listChildren(platform.db, c.id) : [];
  const today = todayOf(platform);
  let remaining: number | null = null;
  if (c.promised_due_on && !['completed', 'delivered', 'withdrawn', 'terminated', 'not_accepted'].includes(c.state)) {
    const cal = await calendarFor(platform.db, today < c.promised_due_on ? today : c.promised_due_on, 400);
    remaining = remainingWorkingDays(cal, today, c.promised_due_on);
  }
  const stepInfo = await currentStepInfo(platform, c, plan);
  const classes = actorClassesOf(ctx, c, stepInfo);
  const actions = (Object.keys(TRANSITIONS) as Action[]).filter((a) => {
    if (!isAllowed(a, c.state)) return false;
    if (!TRANSITIONS[a].by.some((b) => classes.has(b))) return false;
    return isActionForKind(a, c.kind);
  });
  return {
    id: c.id,
    number: c.number,
    kind: c.kind,
    parentId: c.parent_id,
    channel: c.channel,
    state: c.state,
    stateLabel: STATE_LABELS[c.state],
    title: c.title,
    itemCode: c.item_code,
    itemVersionId: c.item_version_id,
    bundleCode: c.bundle_code,
    bundleVersionId: c.bundle_version_id,
    chosenItems: c.chosen_items,
    dependsOn: c.depends_on,
    handlingUnitCode: c.handling_unit_code,
    receivingUnitCode: c.receiving_unit_code,
    applicant: {
      accountId: c.applicant_account_id,
      type: c.applicant_type,
      name: showFull ? name : maskName(name),
      idType: c.applicant_id_type,
      idNumber: idNumber && (showFull ? idNumber : maskIdNumber(idNumber)),
      phone: phone && (showFull ? phone : maskPhone(phone)),
    },
    form: shownForm,
    mailTracking: c.mail_tracking,
    createdAt: new Date(c.created_at).toISOString(),
    submittedAt: c.submitted_at && new Date(c.submitted_at).toISOString(),
    receivedAt: c.received_at && new Date(c.received_at).toISOString(),
    acceptedAt: c.accepted_at && new Date(c.accepted_at).toISOString(),
    acceptedOn: c.accepted_on,
    isDeemedAccepted: c.is_deemed_accepted,
    correctionNoticeDueOn: c.correction_notice_due_on,
    correctionSentAt: c.correction_sent_at && new Date(c.correction_sent_at).toISOString(),
    deferredMaterials: c.deferred_materials,
    commitmentDueOn: c.commitment_due_on,
    isCommitmentOverdue: c.is_commitment_overdue,
    deadlines: {
      legalDueOn: c.legal_due_on,
      promisedDueOn: c.promised_due_on,
      deliveryDueOn: c.delivery_due_on,
      remainingWorkingDays: remaining,
      warningLevel: c.warning_level,
      isOverdue: c.is_overdue,
      isLegalOverdue: c.is_legal_overdue,
      extensionDays: c.extension_days,
      explanation: c.deadline_explanation,
      clockStops: stops.map((s) => ({
        id: s.id,
        procedureCode: s.procedure_code,
        procedureName: s.procedure_name,
        reason: s.reason,
        startedOn: s.started_on,
        endedOn: s.ended_on,
        outcome: s.outcome,
      })),
    },
    steps: plan.reviewSteps.map((s, i) => ({
      key: s.key,
      name: s.name,
      role: s.role,
      status: c.current_step === null ? 'pending' : i < c.current_step || ['decided', 'completed', 'delivered'].includes(c.state) ? 'done' : i === c.current_step ? 'current' : 'pending',
    })),
    currentStep: c.current_step,
    decision: c.decision,
    decidedOn: c.decided_on,
    result: c.result,
    completedOn: c.completed_on,
    deliveryMethod: c.delivery_method,
    delivery: c.delivery,
    closedReason: c.closed_reason,
    materials: materialStatus(plan, materials, c.deferred_materials),
    children: children.map((ch) => ({ id: ch.id, number: ch.number, itemCode: ch.item_code, title: ch.title, state: ch.state, stateLabel: STATE_LABELS[ch.state], handlingUnitCode: ch.handling_unit_code, promisedDueOn: ch.promised_due_on, decision: ch.decision })),
    timeline: events.map((e) => ({
      action: e.action,
      label: (TRANSITIONS as Record<string, { label: string }>)[e.action]?.label ?? EXTRA_EVENT_LABELS[e.action] ?? e.action,
      fromState: e.from_state,
      toState: e.to_state,
      stepKey: e.step_key,
      actor: e.actor_kind === 'system' ? '系统' : e.actor_label,
      data: e.data,
      at: new Date(e.at).toISOString(),
    })),
    availableActions: actions,
    updatedAt: new Date(c.updated_at).toISOString(),
  };
}
export type CaseView = Awaited<ReturnType<typeof caseView>>;

export const EXTRA_EVENT_LABELS: Record<string, string> = {
  create: '创建草稿',
  commitment_fulfilled: '容缺材料已补齐',
  commitment_overdue: '容缺材料逾期未补齐',
  warned: '时限预警',
  overdue: '超期',
};

/** Actions that belong to the bundle parent, to bundle items, or to both. */
const PARENT_ONLY: readonly Action[] = ['submit', 'pre_review', 'request_correction', 'resubmit', 'accept', 'accept_deferred', 'deem_accepted', 'refuse_acceptance', 'deliver'];
const NOT_ON_PARENT: readonly Action[] = ['pass_step', 'return_step', 'suspend', 'resume', 'extend', 'decide', 'complete', 'start', 'terminate'];
export function isActionForKind(action: Action, kind: CaseRow['kind']): boolean {
  if (kind === 'bundle') return !NOT_ON_PARENT.includes(action);
  if (kind === 'bundle_item') return !PARENT_ONLY.includes(action) && action !== 'withdraw';
  return action !== 'start';
}

/** The current review step's role and unit, when the case is under review. */
export async function currentStepInfo(platform: Platform, c: CaseRow, plan: Plan, q: Queryable = platform.db) {
  if (c.current_step === null || !['in_review', 'suspended', 'decided', 'completed'].includes(c.state)) return undefined;
  const step = plan.reviewSteps[c.current_step];
  if (!step) return undefined;
  let unitPath = c.handling_unit_path;
  if (step.unitCode) unitPath = (await orgViews.findUnitByCode(q, step.unitCode))?.path ?? unitPath;
  return { ...step, unitPath };
}

export async function listCasesFor(platform: Platform, ctx: Ctx, q: { queue?: 'mine' | 'intake' | 'review' | 'all'; state?: string; warning?: string; overdue?: boolean; itemCode?: string; q?: string; limit?: number; offset?: number }) {
  const p = ctx.principal!;
  const limit = q.limit ?? 50;
  const offset = q.offset ?? 0;
  const base = { states: q.state ? [q.state] : undefined, warning: q.warning, isOverdue: q.overdue, itemCode: q.itemCode, q: q.q, limit, offset };
  if (p.userKind !== 'staff' || q.queue === 'mine') {
    return repo.listCases(platform.db, { ...base, applicantAccountId: p.userId, kinds: ['single', 'bundle'] });
  }
  const pathsWith = (perm: 'cases:intake' | 'cases:review' | 'cases:supervise') =>
    p.grants.filter((g) => canActOn(p, perm, g.orgPath)).map((g) => g.orgPath);
  if (q.queue === 'intake') {
    return repo.listCases(platform.db, { ...base, unitPaths: pathsWith('cases:intake'), states: q.state ? [q.state] : ['submitted', 'pre_review', 'correcting'], kinds: ['single', 'bundle'] });
  }
  if (q.queue === 'review') {
    // 我的环节: cases whose current step's role the caller holds on the step's unit.
    const all = await repo.listCases(platform.db, { ...base, unitPaths: pathsWith('cases:review').concat(pathsWith('cases:intake')), states: q.state ? [q.state] : ['in_review', 'suspended', 'decided'], kinds: ['single', 'bundle_item'], limit: 1000, offset: 0 });
    const mine: CaseRow[] = [];
    for (const c of all.rows) {
      const plan = await planOf(platform, c);
      const step = await currentStepInfo(platform, c, plan);
      const classes = actorClassesOf(ctx, c, step);
      if (classes.has('reviewer') || (c.state === 'decided' && classes.has('clerk'))) mine.push(c);
    }
    return { rows: mine.slice(offset, offset + limit), total: mine.length };
  }
  const paths = [...new Set([...pathsWith('cases:intake'), ...pathsWith('cases:review'), ...pathsWith('cases:supervise')])];
  return repo.listCases(platform.db, { ...base, unitPaths: paths });
}

export function caseSummary(c: CaseRow) {
  return {
    id: c.id,
    number: c.number,
    kind: c.kind,
    parentId: c.parent_id,
    channel: c.channel,
    state: c.state,
    stateLabel: STATE_LABELS[c.state],
    title: c.title,
    itemCode: c.item_code,
    bundleCode: c.bundle_code,
    handlingUnitCode: c.handling_unit_code,
    receivingUnitCode: c.receiving_unit_code,
    submittedAt: c.submitted_at && new Date(c.submitted_at).toISOString(),
    acceptedOn: c.accepted_on,
    promisedDueOn: c.promised_due_on,
    legalDueOn: c.legal_due_on,
    warningLevel: c.warning_level,
    isOverdue: c.is_overdue,
    currentStep: c.current_step,
    updatedAt: new Date(c.updated_at).toISOString(),
  };
}

/** Unmasked applicant data for a stated reason (pii:read, audited). */
export async function revealCase(platform: Platform, id: string, reason: string, ctx: Ctx) {
  const c = await readableCase(platform, id, ctx);
  const now = platform.clock.now();
  await platform.db.tx((tx) => writeAudit(tx, { ...ctx, action: 'cases.case.reveal', objectType: 'case', objectId: id, at: now, data: { reason } }));
  return caseView(platform, c, ctx, { isRevealed: true });
}

export { CORRECTION_NOTICE_WORKING_DAYS };
