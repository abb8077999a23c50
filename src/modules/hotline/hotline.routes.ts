import { Type, type TSchema } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { Scope } from '../../platform/auth/roles.ts';
import { AppError, forbidden } from '../../platform/errors.ts';
import type { App } from '../../platform/http/server.ts';
import { actionContext } from '../../platform/http/server.ts';
import { errors } from '../../platform/http/schemas.ts';
import type { ActionContext } from '../../platform/http/route-config.ts';
import type { Platform } from '../../platform/module.ts';
import { casesRuntimeOf } from '../cases/index.ts';
import * as s from './hotline.schemas.ts';
import * as ref from './hotline.reference.ts';
import * as svc from './hotline.service.ts';
import * as views from './hotline.views.ts';

// HTTP API of the hotline under /api/hotline. Each route: URL, schemas, scope and audit action, and
// one service call. Order actions answer with the order as the caller may now see it.

const OrderParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'work order id or number' }) });

/**
 * Public routes skip the CSRF check, so a session counts (links an order or a photo to the citizen's
 * account) only when the request also carries the session's CSRF token.
 */
function publicContext(req: FastifyRequest): ActionContext {
  const ctx = actionContext(req);
  if (ctx.principal?.via === 'session' && req.headers['x-csrf-token'] !== ctx.principal.csrfToken) {
    Object.assign(ctx, { principal: undefined, actor: { kind: 'anonymous' } });
  }
  return ctx;
}

export function hotlineRoutes(app: App, platform: Platform) {
  const tags = ['hotline'];

  // ---------------------------------------------------------------- categories and intake

  app.get('/api/hotline/categories', {
    config: { scope: 'public', audit: false },
    schema: { tags, summary: 'The hotline category tree (flat, parents first) with time limits and Open311 attributes', response: { 200: Type.Object({ items: Type.Array(s.Category) }) } },
  }, async () => ({ items: await ref.listCategories(platform) }));

  app.post('/api/hotline/callers/lookup', {
    config: { scope: 'hotline:dispatch', audit: 'hotline.caller.lookup' },
    schema: { tags, summary: "A caller's earlier orders by phone (agent intake; audited, masked)", body: s.CallerLookupBody, response: { 200: s.CallerHistory, ...errors(400, 401, 403) } },
  }, async (req) => views.lookupCaller(platform, req.body.phone, actionContext(req)));

  app.get('/api/hotline/intake/suggestions', {
    config: { scope: 'hotline:dispatch', audit: false },
    schema: { tags, summary: 'Dispatch suggestion and similar open orders for a draft', querystring: s.SuggestQuery, response: { 200: s.IntakeSuggestions, ...errors(400, 401, 403) } },
  }, async (req) => views.intakeSuggestions(platform, req.query));

  app.post('/api/hotline/orders', {
    config: { scope: 'hotline:dispatch', audit: 'hotline.work_order.create' },
    schema: {
      tags, summary: 'Agent intake of a call or message (idempotent with an Idempotency-Key header)',
      headers: s.IdempotencyHeaders, body: s.AgentCreateBody, response: { 200: s.CreatedReply, 201: s.CreatedReply, ...errors(400, 401, 403, 409) },
    },
  }, async (req, reply) => {
    const r = await svc.createWorkOrder(platform, { ...req.body, channel: req.body.channel ?? 'phone', idempotencyKey: req.headers['idempotency-key'] }, actionContext(req));
    return reply.status(r.created ? 201 : 200).send(r);
  });

  app.post('/api/hotline/public/orders', {
    config: { scope: 'public', audit: 'hotline.work_order.create' },
    schema: {
      tags, summary: "A citizen's web request (signed in or not; idempotent with an Idempotency-Key header)",
      headers: s.IdempotencyHeaders, body: s.PublicCreateBody, response: { 200: s.CreatedReply, 201: s.CreatedReply, ...errors(400, 409, 429) },
    },
  }, async (req, reply) => {
    const ctx = publicContext(req);
    svc.throttleSubmission(platform, ctx.ip);
    const r = await svc.createWorkOrder(platform, { ...req.body, channel: 'web', idempotencyKey: req.headers['idempotency-key'] }, ctx);
    return reply.status(r.created ? 201 : 200).send(r);
  });

  // Photos go up one by one before the request is sent; the request names them by id. The file
  // store's limit (YIWANG_FILE_MAX_MB) applies, as to every upload.
  const PHOTO_BODY_LIMIT = casesRuntimeOf(platform).limits.maxBytes + 1;
  app.register(async (scope) => {
    // Any file type is read, so that what is not a photo is refused by its content, in words.
    scope.addContentTypeParser(/^(application\/(?!json)|image\/)/, { parseAs: 'buffer', bodyLimit: PHOTO_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.post('/api/hotline/public/photos', {
      config: { scope: 'public', audit: 'cases.attachment.upload' },
      bodyLimit: PHOTO_BODY_LIMIT,
      schema: {
        tags, summary: 'Upload a photo (JPEG or PNG, raw body) for a request about to be sent; answers its id for attachmentIds',
        headers: Type.Object({ 'x-file-name': Type.Optional(Type.String({ maxLength: 600 })) }),
        response: { 201: s.Photo, ...errors(400, 413, 415, 429) },
      },
    }, async (req, reply) => {
      if (!Buffer.isBuffer(req.body)) throw new AppError('MEDIA_TYPE_UNSUPPORTED', '请以 image/jpeg 或 image/png 上传照片 (send the photo as the raw body)', 415);
      const photo = await svc.uploadPhoto(platform, req.body, req.headers['x-file-name'] as string | undefined, publicContext(req));
      return reply.status(201).send(photo);
    });
  });

  app.get('/api/hotline/orders/:id/photos/:photoId', {
    config: { scope: 'authenticated', audit: false },
    schema: {
      tags, summary: "A photo of an order, for those who may see the order",
      params: Type.Object({ id: OrderParams.properties.id, photoId: Type.String({ format: 'uuid' }) }),
      response: { 200: Type.Unknown(), ...errors(400, 401, 404) },
    },
  }, async (req, reply) => {
    const photo = await views.getOrderPhoto(platform, req.params.id, req.params.photoId, actionContext(req));
    return reply.header('content-type', photo.mediaType).header('x-content-type-options', 'nosniff').header('cache-control', 'private, max-age=3600').send(photo.bytes);
  });

  app.post('/api/hotline/public/orders/lookup', {
    config: { scope: 'public', audit: 'hotline.work_order.lookup' },
    schema: { tags, summary: 'Progress of an order by its number and the phone given (rate-limited, audited)', body: s.LookupBody, response: { 200: s.Progress, ...errors(400, 404, 429) } },
  }, async (req) => svc.lookupProgress(platform, req.body.number, req.body.phone, actionContext(req)));

  app.post('/api/hotline/public/orders/rate', {
    config: { scope: 'public', audit: 'hotline.work_order.rate' },
    schema: { tags, summary: 'Rate a closed order by its number and the phone given', body: s.PublicRateBody, response: { 200: s.Progress, ...errors(400, 404, 409, 429) } },
  }, async (req) => svc.rateByCaller(platform, req.body, actionContext(req)));

  app.get('/api/hotline/my/orders', {
    config: { scope: 'portal:use', audit: false },
    schema: { tags, summary: "The signed-in citizen's orders and their progress", response: { 200: Type.Object({ items: Type.Array(s.Progress) }), ...errors(401, 403) } },
  }, async (req) => ({ items: await views.listMyOrders(platform, actionContext(req)) }));

  app.post('/api/hotline/my/orders/:id/rate', {
    config: { scope: 'portal:use', audit: 'hotline.work_order.rate' },
    schema: { tags, summary: 'Rate an own closed order', params: OrderParams, body: s.RateBody, response: { 200: s.Progress, ...errors(400, 401, 403, 404, 409) } },
  }, async (req) => views.progressOf(platform, await svc.rateWorkOrder(platform, req.params.id, req.body, actionContext(req))));

  // ---------------------------------------------------------------- orders for staff

  app.get('/api/hotline/orders', {
    config: { scope: 'hotline:use', audit: false },
    schema: { tags, summary: 'Orders the caller may see (the centre: all; a unit: those assigned to its subtree)', querystring: s.ListQuery, response: { 200: s.WorkOrderList, ...errors(400, 401, 403) } },
  }, async (req) => views.searchWorkOrders(platform, req.query, actionContext(req)));

  app.get('/api/hotline/orders/:id', {
    config: { scope: 'hotline:use', audit: false },
    schema: { tags, summary: 'One order with its assignments, requests, clock pauses and event log (caller masked)', params: OrderParams, response: { 200: s.WorkOrderDetail, ...errors(401, 403, 404) } },
  }, async (req) => views.getWorkOrderDetail(platform, req.params.id, actionContext(req)));

  app.post('/api/hotline/orders/:id/caller/reveal', {
    config: { scope: 'hotline:use', audit: 'hotline.work_order.caller.read' },
    schema: {
      tags, summary: "The caller's full name and phone, for a stated reason (audited; not for units when confidential)",
      params: OrderParams, body: s.RevealBody,
      response: { 200: Type.Object({ name: Type.Union([Type.String(), Type.Null()]), phone: Type.Union([Type.String(), Type.Null()]) }), ...errors(400, 401, 403, 404) },
    },
  }, async (req) => views.revealCaller(platform, req.params.id, req.body.reason, actionContext(req)));

  // ---------------------------------------------------------------- order actions (the transition table)

  const action = <B extends TSchema | undefined>(
    path: string,
    scope: Scope,
    audit: string,
    summary: string,
    body: B,
    run: (id: string, body: B extends TSchema ? import('typebox').Static<B> : undefined, ctx: ActionContext) => Promise<unknown>,
  ) => {
    app.post(`/api/hotline/orders/:id/${path}`, {
      config: { scope, audit },
      schema: { tags, summary, params: OrderParams, ...(body ? { body } : {}), response: { 200: s.WorkOrderDetail, ...errors(400, 401, 403, 404, 409, 422) } },
    }, async (req: FastifyRequest) => {
      const ctx = actionContext(req);
      const id = (req.params as { id: string }).id;
      await run(id, req.body as never, ctx);
      return views.getWorkOrderDetail(platform, id, ctx);
    });
  };

  action('dispatch', 'hotline:dispatch', 'hotline.work_order.dispatch', '派单: to a lead unit (and co-handling units)', s.DispatchBody, (id, b, ctx) => svc.dispatchWorkOrder(platform, id, b, ctx));
  action('sign', 'hotline:handle', 'hotline.work_order.sign', '签收', undefined, (id, _b, ctx) => svc.signWorkOrder(platform, id, ctx));
  action('start', 'hotline:handle', 'hotline.work_order.start', '开始办理', undefined, (id, _b, ctx) => svc.startWorkOrder(platform, id, ctx));
  action('reply', 'hotline:handle', 'hotline.work_order.reply', '回复: what the unit did', s.ReplyBody, (id, b, ctx) => svc.replyWorkOrder(platform, id, b.reply, ctx));
  action('return', 'hotline:handle', 'hotline.work_order.return', '退单: citing the duty or law (the clock stops during review)', s.ReturnBody, (id, b, ctx) => svc.returnWorkOrder(platform, id, b, ctx));
  action('redispatch', 'hotline:dispatch', 'hotline.work_order.redispatch', '改派: uphold a return, or re-dispatch on the centre\'s initiative', s.DispatchBody, (id, b, ctx) => svc.redispatchWorkOrder(platform, id, b, ctx));
  action('reject-return', 'hotline:dispatch', 'hotline.work_order.reject_return', '驳回退单: the unit keeps the order', Type.Object({ note: Type.String({ minLength: 2, maxLength: 2000 }) }, { additionalProperties: false }), (id, b, ctx) => svc.rejectReturn(platform, id, b.note, ctx));
  action('request-extension', 'hotline:handle', 'hotline.work_order.request_extension', '申请延期', s.ExtensionRequestBody, (id, b, ctx) => svc.requestExtension(platform, id, b, ctx));
  action('approve-extension', 'hotline:dispatch', 'hotline.work_order.approve_extension', '批准延期 (at most the days asked)', s.ExtensionDecisionBody, (id, b, ctx) => svc.approveExtension(platform, id, b, ctx));
  action('refuse-extension', 'hotline:dispatch', 'hotline.work_order.refuse_extension', '不予延期', Type.Object({ note: Type.String({ minLength: 2, maxLength: 2000 }) }, { additionalProperties: false }), (id, b, ctx) => svc.refuseExtension(platform, id, b.note, ctx));
  action('request-co-handling', 'hotline:handle', 'hotline.work_order.request_co_handling', '申请协办', s.CoHandlingRequestBody, (id, b, ctx) => svc.requestCoHandling(platform, id, b, ctx));
  action('refuse-co-handling', 'hotline:dispatch', 'hotline.work_order.refuse_co_handling', '不予协办', Type.Object({ note: Type.String({ minLength: 2, maxLength: 2000 }) }, { additionalProperties: false }), (id, b, ctx) => svc.refuseCoHandling(platform, id, b.note, ctx));
  action('co-units', 'hotline:dispatch', 'hotline.work_order.add_co_units', '增加协办单位', s.CoUnitsBody, (id, b, ctx) => svc.addCoUnits(platform, id, b, ctx));
  action('co-reply', 'hotline:handle', 'hotline.work_order.co_reply', '协办意见', s.OpinionBody, (id, b, ctx) => svc.coReply(platform, id, b.opinion, ctx));
  action('urge', 'hotline:dispatch', 'hotline.work_order.urge', '催办', s.NoteBody, (id, b, ctx) => svc.urgeWorkOrder(platform, id, b.note, ctx));
  action('supervise', 'hotline:supervise', 'hotline.work_order.supervise', '督办 (escalation level 1–3)', s.SuperviseBody, (id, b, ctx) => svc.superviseWorkOrder(platform, id, b, ctx));
  action('report', 'hotline:dispatch', 'hotline.work_order.report', '呈报: report a major matter to leaders', s.ReportBody, (id, b, ctx) => svc.reportWorkOrder(platform, id, b, ctx));
  action('merge', 'hotline:dispatch', 'hotline.work_order.merge', '并单: into another open order', s.MergeBody, (id, b, ctx) => svc.mergeWorkOrder(platform, id, b, ctx));
  action('transfer', 'hotline:dispatch', 'hotline.work_order.transfer', '转 110/119/120/122', s.TransferBody, (id, b, ctx) => svc.transferWorkOrder(platform, id, b, ctx));
  action('answer', 'hotline:dispatch', 'hotline.work_order.answer', '直接答复办结 (consultations)', s.AnswerBody, (id, b, ctx) => svc.answerWorkOrder(platform, id, b, ctx));
  action('callback', 'hotline:dispatch', 'hotline.work_order.callback', '回访', s.CallbackBody, (id, b, ctx) => svc.callbackWorkOrder(platform, id, b, ctx));
  action('redo', 'hotline:dispatch', 'hotline.work_order.redo', '重办 after an unsatisfactory callback', s.RedoBody, (id, b, ctx) => svc.redoWorkOrder(platform, id, b, ctx));
  action('close', 'hotline:dispatch', 'hotline.work_order.close', '办结', s.NoteBody, (id, b, ctx) => svc.closeWorkOrder(platform, id, b.note, ctx));
  action('archive', 'hotline:dispatch', 'hotline.work_order.archive', '归档', undefined, (id, _b, ctx) => svc.archiveWorkOrder(platform, id, ctx));

  app.post('/api/hotline/orders/:id/split', {
    config: { scope: 'hotline:dispatch', audit: 'hotline.work_order.split' },
    schema: {
      tags, summary: '拆单: one order into several new orders', params: OrderParams, body: s.SplitBody,
      response: { 200: Type.Object({ items: Type.Array(Type.Object({ id: Type.String(), number: Type.String() })) }), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (req) => ({ items: await svc.splitWorkOrder(platform, req.params.id, req.body, actionContext(req)) }));

  // ---------------------------------------------------------------- queues

  app.get('/api/hotline/inbox', {
    config: { scope: 'hotline:handle', audit: false },
    schema: { tags, summary: "The handling unit's open orders, most urgent first, with deadline badges", response: { 200: s.Inbox, ...errors(401, 403) } },
  }, async (req) => views.unitInbox(platform, actionContext(req)));

  app.get('/api/hotline/review-queue', {
    config: { scope: 'hotline:dispatch', audit: false },
    schema: { tags, summary: "The hotline centre's queue: returns, extension and co-handling requests, merge suggestions", response: { 200: s.ReviewQueue, ...errors(401, 403) } },
  }, async () => views.reviewQueue(platform));

  // ---------------------------------------------------------------- metrics

  app.get('/api/hotline/metrics', {
    config: { scope: 'hotline:supervise', audit: false },
    schema: { tags, summary: 'Hotline metrics over the orders created in a period (default: the last 30 days)', querystring: s.PeriodQuery, response: { 200: s.MetricsReply, ...errors(400, 401, 403) } },
  }, async (req) => views.hotlineMetrics(platform, req.query));

  app.get('/api/hotline/scorecards', {
    config: { scope: 'hotline:supervise', audit: false },
    schema: { tags, summary: 'Per-unit scorecards over the orders created in a period', querystring: s.PeriodQuery, response: { 200: s.ScorecardsReply, ...errors(400, 401, 403) } },
  }, async (req) => views.unitScorecards(platform, req.query));

  app.get('/api/hotline/scorecards/:unitCode', {
    config: { scope: 'hotline:use', audit: false },
    schema: {
      tags, summary: "One unit's scorecard (supervisors: any unit; a handling unit: its own subtree)",
      params: Type.Object({ unitCode: Type.String({ minLength: 1, maxLength: 64 }) }),
      querystring: Type.Object({ from: Type.Optional(Type.String({ format: 'date-time' })), to: Type.Optional(Type.String({ format: 'date-time' })) }, { additionalProperties: false }),
      response: { 200: s.ScorecardsReply, ...errors(400, 401, 403) },
    },
  }, async (req) => {
    const ctx = actionContext(req);
    if (!(await views.canReadScorecard(platform, req.params.unitCode, ctx))) {
      throw forbidden('FORBIDDEN', `无权查看 ${req.params.unitCode} 的考核 (not your unit)`);
    }
    return views.unitScorecards(platform, { ...req.query, unitCode: req.params.unitCode });
  });
}
