// Hotline metrics (DOMAIN §4) as pure functions of the work-order event log: the same list of events
// always gives the same figures, whatever the database holds, so they can be tested on hand-built logs
// and recomputed for any period. Each order's events are walked in time order; every (re-)dispatch
// or redo opens an "assignment" of the order to a lead unit with its own sign and finish deadlines.
//
//   按时签收率 onTimeSignRate     assignments signed by the sign deadline / assignments signed, or whose
//                                 sign deadline passed unsigned (a return before the deadline is neither)
//   按时办结率 onTimeFinishRate   the same for the reply against the finish deadline (paused while a
//                                 return is under review; extensions and refused returns move it)
//   满意率 satisfactionRate       (满意 + 基本满意) / callbacks that reached the caller
//   解决率 resolutionRate         resolved / callbacks that reached the caller
//   退单率 returnRate             returns / assignments
//   重办率 redoRate               redos / callbacks
//   催办率 urgeRate               orders urged at least once / orders assigned
//   重复来电率 repeatCallRate      district: orders linked to an earlier order of the same matter / orders
//                                 created; unit: repeats of orders it handled / orders it closed
//   派单准确率 dispatchAccuracy    1 − wrong dispatches / dispatches, a dispatch being wrong when it is
//                                 re-dispatched (改派, after an upheld return or not) or its return ends
//                                 in a transfer or split
//   advisorAgreement              dispatches whose unit was the advisor's first suggestion / dispatches
//                                 with a suggestion (district only)

export interface MetricEvent {
  orderId: string;
  type: string;
  at: Date | string;
  /** The order's lead unit after the event (for dispatches: the unit dispatched to). */
  unitCode: string | null;
  fromStatus?: string | null;
  data?: Record<string, unknown>;
}

export interface Rate {
  numerator: number;
  denominator: number;
  /** numerator / denominator, or null when nothing was counted. */
  rate: number | null;
}

export interface HotlineMetrics {
  onTimeSignRate: Rate;
  onTimeFinishRate: Rate;
  satisfactionRate: Rate;
  resolutionRate: Rate;
  returnRate: Rate;
  redoRate: Rate;
  urgeRate: Rate;
  repeatCallRate: Rate;
  dispatchAccuracy: Rate;
  advisorAgreement: Rate;
  counts: { created: number; assignments: number; replied: number; closed: number; callbacks: number };
}

export interface UnitScorecard {
  unitCode: string;
  metrics: HotlineMetrics;
}

const rate = (numerator: number, denominator: number): Rate => ({
  numerator,
  denominator,
  rate: denominator === 0 ? null : numerator / denominator,
});

const time = (v: unknown): number | null => {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string' && v) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
};

class Tally {
  signCounted = 0;
  signOnTime = 0;
  finishCounted = 0;
  finishOnTime = 0;
  assignments = 0;
  dispatches = 0;
  wrongDispatches = 0;
  returns = 0;
  redos = 0;
  callbacks = 0;
  reached = 0;
  satisfied = 0;
  resolved = 0;
  replied = 0;
  closed = 0;
  created = 0;
  repeats = 0;
  suggested = 0;
  agreed = 0;
  readonly assignedOrders = new Set<string>();
  readonly urgedOrders = new Set<string>();

  toMetrics(scope: 'district' | 'unit'): HotlineMetrics {
    return {
      onTimeSignRate: rate(this.signOnTime, this.signCounted),
      onTimeFinishRate: rate(this.finishOnTime, this.finishCounted),
      satisfactionRate: rate(this.satisfied, this.reached),
      resolutionRate: rate(this.resolved, this.reached),
      returnRate: rate(this.returns, this.assignments),
      redoRate: rate(this.redos, this.callbacks),
      urgeRate: rate(this.urgedOrders.size, this.assignedOrders.size),
      repeatCallRate: rate(this.repeats, scope === 'district' ? this.created : this.closed),
      dispatchAccuracy: rate(this.dispatches - this.wrongDispatches, this.dispatches),
      advisorAgreement: rate(this.agreed, this.suggested),
      counts: { created: this.created, assignments: this.assignments, replied: this.replied, closed: this.closed, callbacks: this.callbacks },
    };
  }
}

interface Assignment {
  unit: string;
  signDueAt: number | null;
  finishDueAt: number | null;
  signedAt: number | null;
  repliedAt: number | null;
  pausedAt: number | null;
}

/** Folds the event log into one tally for the district and one per unit. */
function tallyEvents(events: readonly MetricEvent[], asOf: Date): { district: Tally; units: Map<string, Tally> } {
  const district = new Tally();
  const units = new Map<string, Tally>();
  const unitTally = (code: string) => {
    let t = units.get(code);
    if (!t) units.set(code, (t = new Tally()));
    return t;
  };
  const both = (unit: string | null | undefined, fn: (t: Tally) => void) => {
    fn(district);
    if (unit) fn(unitTally(unit));
  };

  const byOrder = new Map<string, { e: MetricEvent; t: number; i: number }[]>();
  events.forEach((e, i) => {
    const t = time(e.at);
    if (t === null || t > asOf.getTime()) return;
    let list = byOrder.get(e.orderId);
    if (!list) byOrder.set(e.orderId, (list = []));
    list.push({ e, t, i });
  });

  const settle = (a: Assignment, endAt: number | null) => {
    const cutoff = a.pausedAt ?? endAt ?? asOf.getTime();
    if (a.signDueAt !== null) {
      if (a.signedAt !== null) {
        both(a.unit, (t) => {
          t.signCounted += 1;
          if (a.signedAt! <= a.signDueAt!) t.signOnTime += 1;
        });
      } else if (cutoff > a.signDueAt) {
        both(a.unit, (t) => (t.signCounted += 1));
      }
    }
    if (a.finishDueAt !== null) {
      if (a.repliedAt !== null) {
        both(a.unit, (t) => {
          t.finishCounted += 1;
          if (a.repliedAt! <= a.finishDueAt!) t.finishOnTime += 1;
        });
      } else if (cutoff > a.finishDueAt) {
        both(a.unit, (t) => (t.finishCounted += 1));
      }
    }
  };

  for (const [orderId, list] of byOrder) {
    list.sort((x, y) => x.t - y.t || x.i - y.i);
    let current: Assignment | null = null;
    const end = (at: number) => {
      if (current) settle(current, at);
      current = null;
    };
    for (const { e, t } of list) {
      const data = e.data ?? {};
      const unit = (typeof data.unitCode === 'string' ? data.unitCode : null) ?? e.unitCode;
      switch (e.type) {
        case 'created':
          district.created += 1;
          if (data.repeatOf) district.repeats += 1;
          break;
        case 'repeat_linked':
          district.repeats += 1;
          if (typeof data.repeatOfUnitCode === 'string') unitTally(data.repeatOfUnitCode).repeats += 1;
          break;
        case 'dispatched':
        case 'redispatched':
        case 'redone': {
          const previous: Assignment | null = current;
          end(t);
          if (!unit) break;
          current = {
            unit,
            signDueAt: time(data.signDueAt),
            finishDueAt: time(data.finishDueAt),
            signedAt: null,
            repliedAt: null,
            pausedAt: null,
          };
          both(unit, (x) => {
            x.assignments += 1;
            x.assignedOrders.add(orderId);
          });
          if (e.type === 'redone') {
            both(unit, (x) => (x.redos += 1));
            break;
          }
          both(unit, (x) => (x.dispatches += 1));
          if (e.type === 'redispatched') {
            const wrongUnit = (typeof data.fromUnitCode === 'string' ? data.fromUnitCode : null) ?? previous?.unit;
            if (wrongUnit) both(wrongUnit, (x) => (x.wrongDispatches += 1));
          }
          if (e.type === 'dispatched' && Array.isArray(data.suggested) && data.suggested.length > 0) {
            district.suggested += 1;
            if (data.suggested[0] === (data.chosen ?? unit)) district.agreed += 1;
          }
          break;
        }
        case 'signed':
          if (current) current.signedAt ??= t;
          break;
        case 'replied':
          if (current) current.repliedAt ??= t;
          both(current?.unit ?? unit, (x) => (x.replied += 1));
          break;
        case 'returned':
          if (current) current.pausedAt = t;
          both(current?.unit ?? unit, (x) => (x.returns += 1));
          break;
        case 'return_rejected':
          if (current) {
            current.pausedAt = null;
            current.signDueAt = time(data.signDueAt) ?? current.signDueAt;
            current.finishDueAt = time(data.finishDueAt) ?? current.finishDueAt;
          }
          break;
        case 'extension_approved':
          if (current) current.finishDueAt = time(data.finishDueAt) ?? current.finishDueAt;
          break;
        case 'urged':
          both(current?.unit ?? unit, (x) => x.urgedOrders.add(orderId));
          break;
        case 'called_back':
          both(current?.unit ?? unit, (x) => {
            x.callbacks += 1;
            if (data.isReached === true) {
              x.reached += 1;
              if (data.satisfaction === 'satisfied' || data.satisfaction === 'basically_satisfied') x.satisfied += 1;
              if (data.isResolved === true) x.resolved += 1;
            }
          });
          break;
        case 'closed':
        case 'answered':
          both(e.type === 'closed' ? (current?.unit ?? unit) : null, (x) => (x.closed += 1));
          end(t);
          break;
        case 'transferred':
        case 'split':
        case 'merged':
          if (e.fromStatus === 'returned' && e.type !== 'merged' && current) {
            const wrongUnit = current.unit;
            both(wrongUnit, (x) => (x.wrongDispatches += 1));
          }
          end(t);
          break;
        default:
          break;
      }
    }
    if (current) settle(current, null);
  }
  return { district, units };
}

/** District-wide figures, or one unit's when `unitCode` is given, as of `asOf` (later events ignored). */
export function computeMetrics(events: readonly MetricEvent[], opts: { asOf: Date; unitCode?: string }): HotlineMetrics {
  const { district, units } = tallyEvents(events, opts.asOf);
  if (opts.unitCode === undefined) return district.toMetrics('district');
  return (units.get(opts.unitCode) ?? new Tally()).toMetrics('unit');
}

/** One scorecard per unit that appears in the log, ordered by unit code. */
export function computeScorecards(events: readonly MetricEvent[], opts: { asOf: Date }): UnitScorecard[] {
  const { units } = tallyEvents(events, opts.asOf);
  return [...units.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([unitCode, t]) => ({ unitCode, metrics: t.toMetrics('unit') }));
}
