import type { App } from '../../platform/http/server.ts';
import { actionContext } from '../../platform/http/server.ts';
import { errors } from '../../platform/http/schemas.ts';
import type { Platform } from '../../platform/module.ts';
import { DispatchStatus, ExampleBody, ExampleRecorded, RetrainBody, RetrainQueued, SuggestBody, SuggestionResponse } from './dispatch.schemas.ts';
import { dispatcherOf } from './dispatch.service.ts';

export function dispatchRoutes(app: App, platform: Platform) {
  const dispatcher = dispatcherOf(platform);

  app.post('/api/dispatch/suggest', {
    config: { scope: 'hotline:dispatch', audit: 'dispatch.suggest' },
    schema: {
      tags: ['dispatch'],
      summary: '智能派单建议: ranked units with calibrated scores, the street, explanations, and whether it may auto-dispatch',
      body: SuggestBody,
      response: { 200: SuggestionResponse, ...errors(400, 401, 403) },
    },
  }, async (req) => dispatcher.suggestForAgent(req.body, actionContext(req)));

  app.get('/api/dispatch/status', {
    config: { scope: 'dispatch:manage', audit: false },
    schema: {
      tags: ['dispatch'],
      summary: 'The model in use: version, auto-dispatch threshold, precision and coverage on held-out history, production accuracy',
      response: { 200: DispatchStatus, ...errors(401, 403) },
    },
  }, async () => dispatcher.status());

  app.post('/api/dispatch/examples', {
    config: { scope: 'dispatch:manage', audit: 'dispatch.example.record' },
    schema: {
      tags: ['dispatch'],
      summary: 'Teach one example (text → unit); used by the next suggestion, and in the next training',
      body: ExampleBody,
      response: { 201: ExampleRecorded, ...errors(400, 401, 403) },
    },
  }, async (req, reply) => {
    const r = await dispatcher.recordExample({ text: req.body.text, unitCode: req.body.unitCode, streetCode: req.body.streetCode ?? null, source: 'manual' }, actionContext(req));
    return reply.status(201).send(r);
  });

  app.post('/api/dispatch/retrain', {
    config: { scope: 'dispatch:manage', audit: 'dispatch.model.retrain' },
    schema: {
      tags: ['dispatch'],
      summary: 'Queue a retraining on every example (runs on a worker; the new model is used as soon as it is stored)',
      body: RetrainBody,
      response: { 202: RetrainQueued, ...errors(400, 401, 403) },
    },
  }, async (req, reply) => {
    const jobId = await dispatcher.requestTraining(req.body.reason ?? 'requested by an administrator', actionContext(req));
    return reply.status(202).send({ jobId });
  });
}
