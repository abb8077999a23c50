import { Type } from 'typebox';
import type { App } from '../../platform/http/server.ts';
import { actionContext } from '../../platform/http/server.ts';
import { errors } from '../../platform/http/schemas.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { Platform } from '../../platform/module.ts';
import { writeAudit } from '../../platform/audit.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { orgViews } from '../org/index.ts';
import * as life from './cases.lifecycle.ts';
import { checkUpload, cleanFileName } from './cases.files.ts';
import * as repo from './cases.repository.ts';
import { computeCaseMetrics, exportCases, exportItems } from './cases.reports.ts';
import { runtimeOf } from './cases.runtime.ts';
import * as S from './cases.schemas.ts';
import {
  addMaterial,
  caseSummary,
  caseView,
  createDraft,
  discardDraft,
  listCasesFor,
  listReusable,
  readableCase,
  readMaterialFile,
  RECEIVING_UNIT_SETTING,
  removeMaterial,
  revealCase,
  updateDraft,
  uploadMaterial,
  type Ctx,
} from './cases.service.ts';

// ── The cases (办件) API ─────────────────────────────────────────────────────────────────────────
// Every route is under /api/cases. "who" is the route's scope; the service then checks the case
// itself: applicant = the account that applied online; clerk = cases:intake on the case's
// receiving or handling unit (subtree); reviewer = the role the current process step names, on
// the step's unit (approver / handling_staff / window_clerk), admins stand in for any role.
//
//   POST   /api/cases                              create a draft (Idempotency-Key)     citizen/enterprise (online), clerk (window, mail)
//   GET    /api/cases                              list: ?queue=mine|intake|review|all   signed in (own cases; staff: their units)
//   GET    /api/cases/{id}                         the case with timeline, materials, deadlines, availableActions
//   PATCH  /api/cases/{id}                         save a draft (form, applicant, optional bundle items)   applicant / clerk
//   DELETE /api/cases/{id}                         discard a draft                                         applicant / clerk
//   POST   /api/cases/{id}/materials/{key}/files   upload a file (raw body: PDF, JPEG, PNG, OFD; X-File-Name) applicant / clerk
//   POST   /api/cases/{id}/materials/{key}         reuse an earlier file (材料复用) or record a paper original applicant / clerk
//   DELETE /api/cases/{id}/materials/{materialId}  remove a file from a draft or during correction          applicant / clerk
//   GET    /api/cases/{id}/materials/{materialId}/file   download                                          who may read the case
//   GET    /api/cases/reusable-materials?key=      my earlier files                                        citizen/enterprise
//   POST   /api/cases/{id}/submit                  submit (Idempotency-Key)                                applicant / clerk
//   POST   /api/cases/{id}/pre-review              预审                                                   clerk
//   POST   /api/cases/{id}/correction              一次性告知补正 (once, within 5 working days)             clerk
//   POST   /api/cases/{id}/resubmit                补正后重新提交                                          applicant / clerk
//   POST   /api/cases/{id}/accept                  受理                                                   clerk
//   POST   /api/cases/{id}/accept-deferred         容缺受理 with a commitment date                         clerk
//   POST   /api/cases/{id}/refuse                  不予受理 with reasons and remedies                      clerk
//   POST   /api/cases/{id}/steps/pass              环节通过                                               reviewer of the current step
//   POST   /api/cases/{id}/steps/return            环节退回 to the previous step                           reviewer
//   POST   /api/cases/{id}/suspend                 特别程序: stop the clock                                reviewer
//   POST   /api/cases/{id}/resume                  特别程序结束: restart the clock                          reviewer
//   POST   /api/cases/{id}/extend                  延长审批 (once, capped)                                  reviewer
//   POST   /api/cases/{id}/decide                  准予 / 不予 (reasons, rights)                            reviewer of the last step
//   POST   /api/cases/{id}/complete                办结 (result, licence number)                           reviewer / clerk
//   POST   /api/cases/{id}/deliver                 送达: window, post, e-licence                            clerk / reviewer
//   POST   /api/cases/{id}/withdraw                撤回                                                   applicant / clerk
//   POST   /api/cases/{id}/terminate               终止                                                   reviewer / clerk
//   POST   /api/cases/{id}/reveal                  unmasked applicant data, with a reason (audited)         pii:read
//   GET    /api/cases/inbox                        my notices; POST /api/cases/inbox/{id}/read              signed in
//   GET    /api/cases/metrics                      网上可办率 … 按期办结率, average days                     cases:supervise
//   GET    /api/cases/export/items                 items in the GB/T 39046 exchange field set               public
//   GET    /api/cases/export/cases                 cases in the exchange field set (masked)                 cases:supervise
//   PUT    /api/cases/settings/receiving-unit      the one window that receives online applications         org:write
//   POST   /api/cases/attachments                  a file outside a case (hotline photos); GET …/{id}       signed in
// Errors: docs/error-codes.md (CASE_*, FILE_*). Transitions out of order answer 409 CASE_TRANSITION_INVALID.

const tags = ['cases'];
const ctxOf = (req: Parameters<typeof actionContext>[0]): Ctx => actionContext(req);

/** Raw uploads: any content type but JSON arrives as bytes; the limit is the store's, checked again by sniffing. */
async function registerRawBodies(app: App, platform: Platform) {
  const { limits } = runtimeOf(platform);
  app.addContentTypeParser(/^(application\/(?!json)|image\/)/, { parseAs: 'buffer', bodyLimit: limits.maxBytes + 1 }, (_req, body, done) => done(null, body));
}

export async function casesRoutes(app: App, platform: Platform) {
  const view = async (id: string, ctx: Ctx) => caseView(platform, await readableCase(platform, id, ctx), ctx);

  // Encapsulated: the raw-body parser applies to these routes only.
  await app.register(async (scope: App) => {
    await registerRawBodies(scope, platform);
    const maxBytes = runtimeOf(platform).limits.maxBytes;

    scope.post('/api/cases/:id/materials/:key/files', {
      config: { scope: 'authenticated', audit: 'cases.material.upload' },
      bodyLimit: maxBytes + 1,
      schema: {
        tags,
        summary: 'Upload a file for a material (raw body; type sniffed from the content; stored under its SHA-256)',
        params: S.CaseMaterialParams,
        headers: Type.Object({ 'x-file-name': Type.Optional(Type.String({ maxLength: 600 })) }),
        response: { 201: S.MaterialFile, ...errors(400, 403, 404, 409, 413, 415) },
      },
    }, async (req, reply) => {
      const body = req.body;
      if (!Buffer.isBuffer(body)) throw new AppError('MEDIA_TYPE_UNSUPPORTED', 'send the file as the raw request body (e.g. Content-Type: application/pdf)', 415);
      const m = await uploadMaterial(platform, req.params.id, req.params.key, body, req.headers['x-file-name'], ctxOf(req));
      return reply.status(201).send(fileOf(m));
    });

    scope.post('/api/cases/attachments', {
      config: { scope: 'authenticated', audit: 'cases.attachment.upload' },
      bodyLimit: maxBytes + 1,
      schema: {
        tags,
        summary: 'Store a file outside a case (e.g. a photo for a 12345 work order): hash, size and type recorded',
        querystring: Type.Object({ purpose: Type.String({ pattern: '^[a-z][a-z0-9_.-]{1,40}$' }) }, { additionalProperties: false }),
        headers: Type.Object({ 'x-file-name': Type.Optional(Type.String({ maxLength: 600 })) }),
        response: { 201: S.Attachment, ...errors(400, 413, 415) },
      },
    }, async (req, reply) => {
      const body = req.body;
      if (!Buffer.isBuffer(body)) throw new AppError('MEDIA_TYPE_UNSUPPORTED', 'send the file as the raw request body', 415);
      return reply.status(201).send(await storeAttachment(platform, body, { purpose: req.query.purpose, fileName: req.headers['x-file-name'] }, ctxOf(req)));
    });
  });

  app.post('/api/cases', {
    config: { scope: 'authenticated', audit: 'cases.case.create' },
    schema: { tags, summary: 'Start an application (draft): online by the applicant, window or mail by a clerk', headers: S.IdempotencyHeaders, body: S.CreateCaseBody, response: { 201: S.CaseView, 200: S.CaseView, ...errors(400, 403, 404, 409, 422) } },
  }, async (req, reply) => {
    const ctx = ctxOf(req);
    const { row, isNew } = await createDraft(platform, req.body, ctx, req.headers['idempotency-key']);
    return reply.status(isNew ? 201 : 200).send(await caseView(platform, row, ctx));
  });

  app.get('/api/cases', {
    config: { scope: 'authenticated', audit: false },
    schema: { tags, summary: 'Cases: my applications, the window’s intake queue, my review steps, or all I may see', querystring: S.CaseListQuery, response: { 200: S.CaseList } },
  }, async (req) => {
    const { rows, total } = await listCasesFor(platform, ctxOf(req), req.query);
    return { total, items: rows.map(caseSummary) };
  });

  app.get('/api/cases/reusable-materials', {
    config: { scope: 'portal:use', audit: false },
    schema: { tags, summary: '材料复用: files I submitted on earlier cases', querystring: Type.Object({ key: Type.Optional(Type.String({ maxLength: 63 })), caseId: Type.Optional(Type.String({ format: 'uuid' })) }, { additionalProperties: false }), response: { 200: Type.Object({ items: Type.Array(S.ReusableMaterial) }) } },
  }, async (req) => ({
    items: (await listReusable(platform, ctxOf(req), req.query.key, req.query.caseId)).map((m) => ({
      id: m.id, key: m.material_key, name: m.material_name, fileName: m.file_name, sha256: m.file_sha256!, size: m.size, mediaType: m.media_type, caseNumber: m.case_number, addedAt: new Date(m.added_at).toISOString(),
    })),
  }));

  app.get('/api/cases/inbox', {
    config: { scope: 'authenticated', audit: false },
    schema: { tags, summary: 'My notices (受理、补正、决定、办结 …), newest first', querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) }, { additionalProperties: false }), response: { 200: Type.Object({ items: Type.Array(S.Notification) }) } },
  }, async (req) => ({
    items: (await repo.listInbox(platform.db, req.principal!.userId, req.query.limit ?? 50)).map((n) => ({
      id: n.id, caseId: n.case_id, caseNumber: n.case_number, kind: n.kind, title: n.title, body: n.body, createdAt: new Date(n.created_at).toISOString(), readAt: n.read_at ? new Date(n.read_at).toISOString() : null,
    })),
  }));

  app.post('/api/cases/inbox/:id/read', {
    config: { scope: 'authenticated', audit: 'cases.notification.read' },
    schema: { tags, summary: 'Mark a notice read', params: S.CaseId, body: Type.Optional(S.EmptyBody), response: { 204: Type.Null(), ...errors(404) } },
  }, async (req, reply) => {
    const rows = await repo.markRead(platform.db, req.principal!.userId, req.params.id, platform.clock.now());
    if (rows.length === 0) throw notFound('NOTIFICATION_NOT_FOUND', 'no such notice of yours');
    return reply.status(204).send(null);
  });

  app.get('/api/cases/metrics', {
    config: { scope: 'cases:supervise', audit: false },
    schema: { tags, summary: '网上可办率, 零跑动率, 最多跑一次率, 即办件率, 时限压缩率, 按期办结率, average working days to completion', querystring: S.MetricsQuery, response: { 200: S.MetricsReply, ...errors(400) } },
  }, async (req) => computeCaseMetrics(platform, req.query));

  app.get('/api/cases/export/items', {
    config: { scope: 'public', audit: false },
    schema: { tags, summary: 'Every published item version in the GB/T 39046 exchange field set (JSON)', response: { 200: Type.Object({ format: Type.String(), exportedOn: Type.String(), items: Type.Array(Type.Unknown()) }) } },
  }, async () => exportItems(platform));

  app.get('/api/cases/export/cases', {
    config: { scope: 'cases:supervise', audit: 'cases.case.export' },
    schema: { tags, summary: 'Cases submitted in a period in the exchange field set (accept, process, special procedure, result, material tables); personal data masked', querystring: S.MetricsQuery, response: { 200: Type.Object({ format: Type.String(), exportedOn: Type.String(), cases: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) } },
  }, async (req) => {
    const out = await exportCases(platform, req.query);
    await platform.db.tx((tx) => writeAudit(tx, { ...ctxOf(req), action: 'cases.case.export', objectType: 'case_export', at: platform.clock.now(), data: { ...req.query, cases: out.cases.length } }));
    return out;
  });

  app.put('/api/cases/settings/receiving-unit', {
    config: { scope: 'org:write', audit: 'cases.setting.set' },
    schema: { tags, summary: 'The unit whose one window (综合受理) receives online and mail applications', body: S.SettingBody, response: { 200: S.SettingBody, ...errors(400, 403) } },
  }, async (req) => {
    const unit = await orgViews.findUnitByCode(platform.db, req.body.unitCode);
    if (!unit) throw new AppError('CASE_UNIT_UNKNOWN', `no org unit with code ${req.body.unitCode}`, 400);
    const now = platform.clock.now();
    await platform.db.tx(async (tx) => {
      await repo.putSetting(tx, RECEIVING_UNIT_SETTING, unit.code, now);
      await writeAudit(tx, { ...ctxOf(req), action: 'cases.setting.set', objectType: 'setting', objectId: RECEIVING_UNIT_SETTING, at: now, data: { unitCode: unit.code } });
    });
    return { unitCode: unit.code };
  });

  app.get('/api/cases/:id', {
    config: { scope: 'authenticated', audit: false },
    schema: { tags, summary: 'A case: progress timeline, materials, due dates with their explanation, and the actions open to the caller', params: S.CaseId, response: { 200: S.CaseView, ...errors(404) } },
  }, async (req) => view(req.params.id, ctxOf(req)));

  app.patch('/api/cases/:id', {
    config: { scope: 'authenticated', audit: 'cases.case.update_draft' },
    schema: { tags, summary: 'Save a draft (save and resume later)', params: S.CaseId, body: S.UpdateDraftBody, response: { 200: S.CaseView, ...errors(400, 403, 404, 409, 422) } },
  }, async (req) => caseView(platform, await updateDraft(platform, req.params.id, req.body, ctxOf(req)), ctxOf(req)));

  app.delete('/api/cases/:id', {
    config: { scope: 'authenticated', audit: 'cases.case.discard' },
    schema: { tags, summary: 'Discard a draft', params: S.CaseId, response: { 204: Type.Null(), ...errors(403, 404, 409) } },
  }, async (req, reply) => {
    await discardDraft(platform, req.params.id, ctxOf(req));
    return reply.status(204).send(null);
  });

  app.post('/api/cases/:id/materials/:key', {
    config: { scope: 'authenticated', audit: 'cases.material.add' },
    schema: { tags, summary: '材料复用 (reuse an earlier file of the applicant) or a paper original checked at the window', params: S.CaseMaterialParams, body: S.AddMaterialBody, response: { 201: S.MaterialFile, ...errors(400, 403, 404, 409) } },
  }, async (req, reply) => reply.status(201).send(fileOf(await addMaterial(platform, req.params.id, req.params.key, req.body, ctxOf(req)))));

  app.delete('/api/cases/:id/materials/:materialId', {
    config: { scope: 'authenticated', audit: 'cases.material.remove' },
    schema: { tags, summary: 'Remove a file (drafts and correction only; the record keeps it as superseded)', params: S.CaseFileParams, response: { 204: Type.Null(), ...errors(403, 404, 409) } },
  }, async (req, reply) => {
    await removeMaterial(platform, req.params.id, req.params.materialId, ctxOf(req));
    return reply.status(204).send(null);
  });

  app.get('/api/cases/:id/materials/:materialId/file', {
    config: { scope: 'authenticated', audit: false },
    schema: { tags, summary: 'Download a material file', params: S.CaseFileParams, response: { 200: Type.Unknown({ description: 'the file' }), ...errors(404) } },
  }, async (req, reply) => {
    const f = await readMaterialFile(platform, req.params.id, req.params.materialId, ctxOf(req));
    return reply
      .header('content-type', f.mediaType)
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(f.fileName)}`)
      .send(f.bytes);
  });

  app.post('/api/cases/:id/reveal', {
    config: { scope: 'pii:read', audit: 'cases.case.reveal' },
    schema: { tags, summary: 'The case with unmasked applicant data, for a stated reason (audited)', params: S.CaseId, body: S.RevealBody, response: { 200: S.CaseView, ...errors(400, 404) } },
  }, async (req) => revealCase(platform, req.params.id, req.body.reason, ctxOf(req)));

  // ---------- lifecycle: one route per action ----------

  app.post('/api/cases/:id/submit', {
    config: { scope: 'authenticated', audit: 'cases.case.submit' },
    schema: { tags, summary: 'Submit: pins the item version in force, checks form and materials, assigns the case number (收件)', params: S.CaseId, headers: S.IdempotencyHeaders, body: Type.Optional(S.EmptyBody), response: { 200: S.CaseView, ...errors(400, 403, 404, 409, 422) } },
  }, async (req) => {
    const ctx = ctxOf(req);
    const { row } = await life.submitCase(platform, req.params.id, ctx, req.headers['idempotency-key']);
    return caseView(platform, row, ctx);
  });

  type Handler = (id: string, body: never, ctx: Ctx) => Promise<repo.CaseRow>;
  const actions: { path: string; audit: string; summary: string; body: Parameters<typeof Type.Optional>[0]; run: Handler }[] = [
    { path: 'pre-review', audit: 'cases.case.pre_review', summary: '预审: the window opens the application', body: S.EmptyBody, run: (id, _b, ctx) => life.preReview(platform, id, ctx) },
    { path: 'correction', audit: 'cases.case.request_correction', summary: '一次性告知补正: everything to correct, once, within five working days of receipt', body: S.CorrectionBody, run: (id, b, ctx) => life.requestCorrection(platform, id, b, ctx) },
    { path: 'resubmit', audit: 'cases.case.resubmit', summary: 'Resubmit after correction', body: S.EmptyBody, run: (id, _b, ctx) => life.resubmit(platform, id, ctx) },
    { path: 'accept', audit: 'cases.case.accept', summary: '受理: starts the legal and promised clocks', body: S.EmptyBody, run: (id, _b, ctx) => life.acceptCase(platform, id, ctx) },
    { path: 'accept-deferred', audit: 'cases.case.accept_deferred', summary: '容缺受理: accept with deferrable materials missing, against a commitment date', body: S.AcceptDeferredBody, run: (id, b, ctx) => life.acceptDeferred(platform, id, b, ctx) },
    { path: 'refuse', audit: 'cases.case.refuse_acceptance', summary: '不予受理 with reasons and remedies', body: S.RefuseBody, run: (id, b, ctx) => life.refuseAcceptance(platform, id, b, ctx) },
    { path: 'steps/pass', audit: 'cases.case.pass_step', summary: 'Pass the current review step', body: S.OpinionBody, run: (id, b, ctx) => life.passStep(platform, id, b, ctx) },
    { path: 'steps/return', audit: 'cases.case.return_step', summary: 'Return to the previous review step', body: S.OpinionBody, run: (id, b, ctx) => life.returnStep(platform, id, b, ctx) },
    { path: 'suspend', audit: 'cases.case.suspend', summary: '特别程序 (A.7): stop the clock, tell the applicant', body: S.SuspendBody, run: (id, b, ctx) => life.suspendCase(platform, id, b, ctx) },
    { path: 'resume', audit: 'cases.case.resume', summary: 'End the special procedure and restart the clock', body: S.ResumeBody, run: (id, b, ctx) => life.resumeCase(platform, id, b, ctx) },
    { path: 'extend', audit: 'cases.case.extend', summary: '延长审批: once, capped (Art. 42), with reasons', body: S.ExtendBody, run: (id, b, ctx) => life.extendCase(platform, id, b, ctx) },
    { path: 'decide', audit: 'cases.case.decide', summary: '决定: grant, or refuse with reasons and the rights to reconsideration or litigation', body: S.DecideBody, run: (id, b, ctx) => life.decideCase(platform, id, b, ctx) },
    { path: 'complete', audit: 'cases.case.complete', summary: '办结: the result is made (emits cases.case.completed)', body: S.CompleteBody, run: (id, b, ctx) => life.completeCase(platform, id, b, ctx) },
    { path: 'deliver', audit: 'cases.case.deliver', summary: '送达: window pickup, post, or e-licence', body: S.DeliverBody, run: (id, b, ctx) => life.deliverCase(platform, id, b, ctx) },
    { path: 'withdraw', audit: 'cases.case.withdraw', summary: '撤回 by the applicant (or a clerk on the applicant’s request)', body: S.OptionalReasonBody, run: (id, b, ctx) => life.withdrawCase(platform, id, b, ctx) },
    { path: 'terminate', audit: 'cases.case.terminate', summary: '终止 with the reason', body: S.ReasonBody, run: (id, b, ctx) => life.terminateCase(platform, id, b, ctx) },
  ];
  for (const a of actions) {
    const isEmpty = a.body === S.EmptyBody;
    app.post(`/api/cases/:id/${a.path}`, {
      config: { scope: 'authenticated', audit: a.audit },
      schema: { tags, summary: a.summary, params: S.CaseId, body: isEmpty ? Type.Optional(S.EmptyBody) : a.body, response: { 200: S.CaseView, ...errors(400, 403, 404, 409, 422) } },
    }, async (req) => {
      const ctx = ctxOf(req);
      const row = await a.run((req.params as { id: string }).id, (req.body ?? {}) as never, ctx);
      return caseView(platform, row, ctx);
    });
  }

  app.get('/api/cases/attachments/:id', {
    config: { scope: 'authenticated', audit: false },
    schema: { tags, summary: 'Download an attachment (its owner, or staff)', params: S.CaseId, response: { 200: Type.Unknown(), ...errors(404) } },
  }, async (req, reply) => {
    const found = await readAttachment(platform, req.params.id);
    const p = req.principal!;
    if (!found || (p.userKind !== 'staff' && found.attachment.owner_account_id !== p.userId)) throw notFound('ATTACHMENT_NOT_FOUND', 'no such attachment');
    return reply.header('content-type', found.attachment.media_type).header('x-content-type-options', 'nosniff').send(found.bytes);
  });
}

function fileOf(m: repo.MaterialRow & { size: number | null; media_type: string | null }) {
  return {
    id: m.id,
    source: m.source,
    fileName: m.file_name,
    sha256: m.file_sha256,
    size: m.size,
    mediaType: m.media_type,
    reference: m.reference,
    reusedFrom: m.reused_from,
    addedAt: new Date(m.added_at).toISOString(),
  };
}

/** An attachment's row and bytes; undefined when there is no such attachment. */
export async function readAttachment(platform: Platform, id: string) {
  const attachment = await repo.findAttachment(platform.db, id);
  if (!attachment) return undefined;
  const bytes = await runtimeOf(platform).store.get(attachment.file_sha256);
  if (!bytes) throw new AppError('FILE_MISSING', `the stored file ${attachment.file_sha256} is missing`, 500);
  return { attachment, bytes };
}

/**
 * A file kept outside any case (checked, content-addressed), for other modules' attachments.
 * `allowedTypes` narrows the store's types (a 12345 photo is a JPEG or PNG, never a PDF).
 */
export async function storeAttachment(platform: Platform, bytes: Buffer, input: { purpose: string; fileName?: string; allowedTypes?: readonly string[] }, ctx: Ctx) {
  const { store, limits } = runtimeOf(platform);
  const allowedTypes = input.allowedTypes ? limits.allowedTypes.filter((t) => input.allowedTypes!.includes(t)) : limits.allowedTypes;
  const obj = checkUpload(bytes, { ...limits, allowedTypes });
  await store.put(obj.sha256, bytes, obj.mediaType);
  const now = platform.clock.now();
  const id = uuidv7();
  const fileName = cleanFileName(input.fileName);
  await platform.db.tx(async (tx) => {
    await repo.insertFile(tx, { sha256: obj.sha256, size: obj.size, media_type: obj.mediaType, storage: store.kind, created_at: now });
    await repo.insertAttachment(tx, { id, purpose: input.purpose, file_sha256: obj.sha256, file_name: fileName, owner_account_id: ctx.principal?.userId ?? null, created_at: now });
    await writeAudit(tx, { ...ctx, action: 'cases.attachment.upload', objectType: 'attachment', objectId: id, at: now, data: { purpose: input.purpose, sha256: obj.sha256, size: obj.size } });
  });
  return { id, sha256: obj.sha256, size: obj.size, mediaType: obj.mediaType, fileName };
}
