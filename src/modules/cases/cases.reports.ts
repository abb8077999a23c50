import { maskIdNumber, maskName } from '../../platform/crypto/pii.ts';
import type { Platform } from '../../platform/module.ts';
import { acceptsApplications, exportCatalog, getItemVersion, type ItemElements } from '../catalog/index.ts';
import { orgViews } from '../org/index.ts';
import { localDate } from './cases.deadlines.ts';
import { caseToExchange, catalogueToExchange, type ExchangeCase } from './cases.exchange.ts';
import { computeMetrics, type CaseFacts, type Metrics } from './cases.metrics.ts';
import * as repo from './cases.repository.ts';
import { EXTRA_EVENT_LABELS, todayOf } from './cases.service.ts';
import { TRANSITIONS } from './cases.transitions.ts';

// Reads for supervision: the metrics of the catalogue and the cases, and the exports in the
// national exchange field set. They read the catalogue only through its public door.

/** Application-based items in force on `today`, one element set each (the current version), with their unit. */
export async function currentApplicableItems(platform: Platform, today: string): Promise<{ unitCode: string; elements: ItemElements }[]> {
  const file = await exportCatalog(platform);
  const out: { unitCode: string; elements: ItemElements }[] = [];
  for (const item of file.items) {
    if (item.cancellation && item.cancellation.date <= today) continue;
    const v = item.versions.find((x) => x.status === 'published' && x.effectiveFrom && x.effectiveFrom <= today && (!x.effectiveUntil || today < x.effectiveUntil));
    if (v && acceptsApplications(v.elements.typeCode)) out.push({ unitCode: item.unitCode, elements: v.elements });
  }
  return out;
}

export async function caseFacts(platform: Platform, rows: repo.CaseRow[]): Promise<CaseFacts[]> {
  const stops = await repo.listClockStopsFor(platform.db, rows.map((r) => r.id));
  const today = todayOf(platform);
  const earliest = rows.reduce((m, r) => (r.accepted_on && r.accepted_on < m ? r.accepted_on : m), today);
  const wide = await platform.calendar.snapshot(Number(earliest.slice(0, 4)) - 1, Number(today.slice(0, 4)));
  return rows.map((r) => {
    const isCompleted = r.state === 'completed' || r.state === 'delivered';
    let days: number | null = null;
    if (isCompleted && r.accepted_on && r.completed_on) {
      const stopped = stops
        .filter((s) => s.case_id === r.id && s.ended_on)
        .reduce((n, s) => n + wide.workingDaysBetween(s.started_on, s.ended_on!), 0);
      days = Math.max(0, wide.workingDaysBetween(r.accepted_on, r.completed_on) - stopped);
    }
    return { channel: r.channel, isCompleted, acceptedOn: r.accepted_on, completedOn: r.completed_on, promisedDueOn: r.promised_due_on, deliveryMethod: r.delivery_method, workingDaysToComplete: days };
  });
}

export async function computeCaseMetrics(platform: Platform, filter: { unitCode?: string; from?: string; to?: string }): Promise<Metrics & { filter: typeof filter }> {
  const today = todayOf(platform);
  const unit = filter.unitCode ? await orgViews.findUnitByCode(platform.db, filter.unitCode) : undefined;
  const paths = new Map<string, string | undefined>();
  const items: ItemElements[] = [];
  for (const it of await currentApplicableItems(platform, today)) {
    if (unit) {
      if (!paths.has(it.unitCode)) paths.set(it.unitCode, (await orgViews.findUnitByCode(platform.db, it.unitCode))?.path);
      const path = paths.get(it.unitCode);
      if (!path || !(path === unit.path || path.startsWith(`${unit.path}/`))) continue;
    }
    items.push(it.elements);
  }
  const rows = (await repo.casesForMetrics(platform.db, { unitPath: unit?.path })).filter((r) => {
    const day = r.submitted_at ? localDate(new Date(r.submitted_at)) : null;
    return (!filter.from || (day && day >= filter.from)) && (!filter.to || (day && day <= filter.to));
  });
  return { ...computeMetrics(items, await caseFacts(platform, rows)), filter };
}

export async function exportItems(platform: Platform) {
  const today = todayOf(platform);
  return { format: 'gbt39046.items/1', exportedOn: today, items: catalogueToExchange(await exportCatalog(platform), today) };
}

/** Cases submitted in [from, to] (local dates) in the exchange field set, personal data masked. */
export async function exportCases(platform: Platform, filter: { from?: string; to?: string; unitCode?: string }): Promise<{ format: string; exportedOn: string; cases: ExchangeCase[] }> {
  const unit = filter.unitCode ? await orgViews.findUnitByCode(platform.db, filter.unitCode) : undefined;
  const all = await repo.casesForMetrics(platform.db, { unitPath: unit?.path });
  const parents = await repo.listBundleParents(platform.db, unit?.path);
  const rows = [...all, ...parents].filter((r) => {
    const day = r.submitted_at ? localDate(new Date(r.submitted_at)) : null;
    return (!filter.from || (day && day >= filter.from)) && (!filter.to || (day && day <= filter.to));
  });
  const numbers = new Map(rows.map((r) => [r.id, r.number]));
  const out: ExchangeCase[] = [];
  for (const r of rows) {
    const v = r.item_version_id ? await getItemVersion(platform, r.item_version_id) : undefined;
    const receiving = await orgViews.findUnitByCode(platform.db, r.receiving_unit_code);
    const events = await repo.listEvents(platform.db, r.id);
    const stops = await repo.listClockStops(platform.db, r.id);
    const materials = await repo.listMaterials(platform.db, r.id);
    const steps = v ? new Map(v.elements.steps.map((s) => [s.key, s.name])) : new Map<string, string>();
    const idNumber = r.applicant_id_enc ? platform.pii.decrypt(r.applicant_id_enc) : null;
    out.push(
      caseToExchange({
        number: r.number!,
        parentNumber: r.parent_id ? (numbers.get(r.parent_id) ?? null) : null,
        title: r.title,
        itemCode: r.item_code ?? r.bundle_code!,
        item: v ? { implementationCode: v.implementationCode, handlingCode: v.handlingCode, basicCode: v.basicCode, version: v.version, elements: v.elements } : null,
        channel: r.channel,
        applicantType: r.applicant_type,
        applicantNameMasked: maskName(platform.pii.decrypt(r.applicant_name_enc)),
        applicantIdType: r.applicant_id_type,
        applicantIdMasked: idNumber && maskIdNumber(idNumber),
        receivingUnit: { code: r.receiving_unit_code, name: receiving?.name ?? r.receiving_unit_code },
        submittedAt: r.submitted_at,
        acceptedAt: r.accepted_at,
        promisedDueOn: r.promised_due_on,
        legalDueOn: r.legal_due_on,
        state: r.state,
        decision: r.decision,
        decidedAt: r.decided_at,
        completedAt: r.completed_at,
        result: r.result,
        deliveryMethod: r.delivery_method,
        events: events.map((e) => ({
          action: e.action,
          label: (TRANSITIONS as Record<string, { label: string }>)[e.action]?.label ?? EXTRA_EVENT_LABELS[e.action] ?? e.action,
          stepName: e.step_key ? (steps.get(e.step_key) ?? null) : null,
          at: e.at,
          actor: e.actor_kind === 'system' ? '系统' : e.actor_label,
          note: typeof e.data.opinion === 'string' ? e.data.opinion : typeof e.data.reason === 'string' ? e.data.reason : null,
        })),
        stops: stops.map((s) => ({ code: s.procedure_code, name: s.procedure_name, reason: s.reason, startedAt: s.started_at, endedAt: s.ended_at, outcome: s.outcome })),
        materials: materials.map((m) => ({ name: m.material_name, source: m.source, fileName: m.file_name, sha256: m.file_sha256 })),
      }),
    );
  }
  return { format: 'gbt39046.cases/1', exportedOn: todayOf(platform), cases: out };
}
