// The vocabulary of 好差评 (国办发〔2019〕51号, GB/T 39734 A.8) as data: levels, channels, rateable
// objects, indicator lists and scores. Pure: no database, no clock. (Version 1 of the indicator sets
// is reference data in migration 0001.)

/** A.8: 1 非常满意, 2 满意, 3 基本满意, 4 不满意, 5 非常不满意. */
export const LEVELS = [1, 2, 3, 4, 5] as const;
export type Level = (typeof LEVELS)[number];
export const LEVEL_LABELS: Record<Level, string> = { 1: '非常满意', 2: '满意', 3: '基本满意', 4: '不满意', 5: '非常不满意' };

/** 不满意 and 非常不满意 are bad reviews (差评); the other three count as good (好评). */
export const isBadLevel = (level: number): boolean => level >= 4;
export const isGoodLevel = (level: number): boolean => level >= 1 && level <= 3;

/** PC, mobile, QR code, hall tablet (评价器), phone, SMS. */
export const CHANNELS = ['web', 'mobile', 'qr', 'tablet', 'phone', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];
/** Channels a person reaches with the occasion's invitation code. */
export const LINK_CHANNELS: readonly Channel[] = ['qr', 'sms', 'web', 'mobile'];

export const OBJECT_TYPES = ['case', 'work_order', 'window', 'staff', 'item', 'department'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];
export const OBJECT_LABELS: Record<ObjectType, string> = {
  case: '办件',
  work_order: '工单',
  window: '窗口',
  staff: '工作人员',
  item: '事项',
  department: '部门',
};

export type OccasionKind = 'ticket' | 'work_order' | 'case';
export type IndicatorKind = 'online' | 'hall';

/** The object a prompt asks about first: the window in the hall, the case or order online. */
export const PRIMARY_OBJECT: Record<OccasionKind, ObjectType> = { ticket: 'window', work_order: 'work_order', case: 'case' };
export const INDICATOR_KIND_OF: Record<OccasionKind, IndicatorKind> = { ticket: 'hall', work_order: 'online', case: 'online' };

export interface Indicator {
  code: string;
  name: string;
}

/**
 * What is wrong with an indicator list, or undefined: codes are snake_case and unique, 'overall'
 * comes first, between 1 and 12 indicators.
 */
export function indicatorProblem(indicators: Indicator[]): string | undefined {
  if (indicators.length === 0 || indicators.length > 12) return 'between 1 and 12 indicators';
  if (indicators[0]!.code !== 'overall') return "the first indicator must be 'overall' (总体评价)";
  const seen = new Set<string>();
  for (const i of indicators) {
    if (!/^[a-z][a-z0-9_]{0,39}$/.test(i.code)) return `indicator code "${i.code}" must be snake_case`;
    if (seen.has(i.code)) return `indicator code "${i.code}" appears twice`;
    if (!i.name.trim()) return `indicator "${i.code}" has no name`;
    seen.add(i.code);
  }
  return undefined;
}

/**
 * The scores stored with a rating: the overall level plus any other indicator of the set the rater
 * scored. Returns the problem instead when a score names an unknown indicator or contradicts the level.
 */
export function scoresOf(indicators: Indicator[], level: number, given: Record<string, number> = {}): { scores: Record<string, number> } | { problem: string } {
  const codes = new Set(indicators.map((i) => i.code));
  for (const [code, value] of Object.entries(given)) {
    if (!codes.has(code)) return { problem: `"${code}" is not an indicator of this rating` };
    if (!Number.isInteger(value) || value < 1 || value > 5) return { problem: `"${code}" must be a level from 1 to 5` };
  }
  if (given.overall !== undefined && given.overall !== level) return { problem: 'the overall score differs from the level' };
  return { scores: { ...given, overall: level } };
}
