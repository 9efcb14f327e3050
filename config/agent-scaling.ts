/**
 * Elastic agents: how many copies of an agent run, when, and on what signal. Pure data and
 * functions (no zod, no constructs), shared by the tenant schema (validation), the tenant stack
 * (what to synthesize) and the cost model (hours at min and at max).
 *
 * An agent either runs a fixed `desiredCount` or declares `scaling`:
 *   - `min`/`max`: the range Application Auto Scaling keeps the service in (inside the schedule's
 *     hours when there is a schedule);
 *   - `schedule`: days and hours (in an IANA time zone) when that range applies; outside them the
 *     range is `schedule.outside` (default 0–0, the agent is off);
 *   - `target`: target tracking on CPU, memory or a metric the agent publishes itself. Where
 *     min < max and no target is given, CPU at DEFAULT_CPU_TARGET_PERCENT.
 */

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Target tracking's default: average CPU of the service's tasks, in percent. */
export const DEFAULT_CPU_TARGET_PERCENT = 70;
/** The most copies of one agent (the same bound as a fixed desiredCount). */
export const MAX_AGENT_COPIES = 10;
/** CloudWatch namespace an agent publishes its own scaling metric to: one per tenant (see customMetricNamespace). */
export const CUSTOM_METRIC_NAMESPACE_PREFIX = "OpenClaw/Tenant/";

export interface ScalingRange {
  readonly min: number;
  readonly max: number;
}

export interface ScalingSchedule {
  /** IANA time zone the hours are in (Application Auto Scaling evaluates the cron there). */
  readonly timezone: string;
  /** Days on which the agent scales up at `from`. */
  readonly days: readonly Weekday[];
  /** "HH:MM", 24-hour clock, start of the working hours. */
  readonly from: string;
  /** "HH:MM", end of the working hours; after `from` on the same day. */
  readonly to: string;
  /** The range outside the working hours. */
  readonly outside: ScalingRange;
}

export type ScalingTarget =
  | { readonly metric: "cpu" | "memory"; readonly percent: number }
  /** A metric the agent publishes to its tenant's namespace, dimension Agent=<agent>; `value` per task. */
  | { readonly metric: "custom"; readonly name: string; readonly value: number; readonly statistic: "Average" | "Maximum" | "Sum" };

export interface AgentScaling extends ScalingRange {
  readonly schedule?: ScalingSchedule;
  readonly target?: ScalingTarget;
}

/** The fields of an agent that decide how many copies run. */
export interface AgentCopies {
  readonly desiredCount: number;
  readonly scaling?: AgentScaling;
  /** The agent must never run more than one copy (see README "Elastic agents"). */
  readonly singleton: boolean;
}

/** Minutes since midnight of an "HH:MM" string, or undefined when it is not one. */
export function minutesOf(hhmm: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** Whether `zone` is an IANA time zone this runtime (and so AWS) knows. */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{1,63}$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Problems with a scaling declaration, each with the field path (relative to the agent) and a
 * message saying what is allowed. Empty when it can be synthesized as declared.
 */
export function scalingProblems(copies: { desiredCount?: number; scaling?: AgentScaling; singleton: boolean }): Array<{ path: (string | number)[]; message: string }> {
  const problems: Array<{ path: (string | number)[]; message: string }> = [];
  const { scaling, singleton } = copies;
  if (!scaling) {
    if (singleton && (copies.desiredCount ?? 1) > 1) {
      problems.push({ path: ["desiredCount"], message: `a singleton agent (singleton: true) runs exactly one copy: desiredCount must be 0 or 1` });
    }
    return problems;
  }
  if (copies.desiredCount !== undefined) {
    problems.push({ path: ["desiredCount"], message: "desiredCount is the fixed case: with scaling, the number of copies is scaling.min to scaling.max; remove one of them" });
  }
  if (scaling.max < scaling.min) problems.push({ path: ["scaling", "max"], message: `max (${scaling.max}) is below min (${scaling.min})` });
  if (scaling.max === 0) problems.push({ path: ["scaling", "max"], message: "max 0 never runs the agent; use desiredCount: 0 to keep it stopped" });
  if (singleton && scaling.max > 1) {
    problems.push({ path: ["scaling", "max"], message: `a singleton agent (singleton: true) runs exactly one copy: max must be 1; only its schedule may scale it (between 0 and 1)` });
  }
  if (scaling.target && (singleton || scaling.min === scaling.max)) {
    problems.push({
      path: ["scaling", "target"],
      message: singleton
        ? `a singleton agent (singleton: true) runs exactly one copy: target tracking would add copies; remove the target`
        : `target tracking has nothing to scale when min equals max (${scaling.min}); raise max or remove the target`,
    });
  }
  if (!scaling.schedule && scaling.min === scaling.max) {
    problems.push({ path: ["scaling"], message: `min equals max (${scaling.min}) and no schedule: that is a fixed count, write desiredCount: ${scaling.min} instead` });
  }
  const schedule = scaling.schedule;
  if (schedule) {
    const from = minutesOf(schedule.from);
    const to = minutesOf(schedule.to);
    if (from === undefined) problems.push({ path: ["scaling", "schedule", "from"], message: `"${schedule.from}" is not a time like "08:00" (24-hour clock)` });
    if (to === undefined) problems.push({ path: ["scaling", "schedule", "to"], message: `"${schedule.to}" is not a time like "18:00" (24-hour clock)` });
    if (from !== undefined && to !== undefined && to <= from) {
      problems.push({ path: ["scaling", "schedule", "to"], message: `working hours end (${schedule.to}) must be after they start (${schedule.from}) on the same day` });
    }
    if (!isTimeZone(schedule.timezone)) problems.push({ path: ["scaling", "schedule", "timezone"], message: `"${schedule.timezone}" is not an IANA time zone like Europe/Berlin or America/New_York` });
    if (schedule.days.length === 0) problems.push({ path: ["scaling", "schedule", "days"], message: "no days: the schedule would never scale the agent up" });
    if (new Set(schedule.days).size !== schedule.days.length) problems.push({ path: ["scaling", "schedule", "days"], message: "each day at most once" });
    const outside = schedule.outside;
    if (outside.max < outside.min) problems.push({ path: ["scaling", "schedule", "outside", "max"], message: `max (${outside.max}) is below min (${outside.min})` });
    if (outside.max > scaling.max || outside.min > scaling.min) {
      problems.push({ path: ["scaling", "schedule", "outside"], message: `the range outside working hours (${outside.min}-${outside.max}) must not exceed the range inside them (${scaling.min}-${scaling.max})` });
    } else if (outside.max === scaling.max && outside.min === scaling.min) {
      problems.push({ path: ["scaling", "schedule"], message: `the schedule never scales up: outside working hours the range is the same as inside (${scaling.min}-${scaling.max})` });
    }
    if (singleton && outside.max > 1) problems.push({ path: ["scaling", "schedule", "outside", "max"], message: "a singleton agent (singleton: true) runs at most 1 copy" });
  }
  return problems;
}

/** The most copies the agent can run at once: what capacity (vCPU, ENIs, connections) must allow. */
export function peakCopies(copies: AgentCopies): number {
  return copies.scaling ? copies.scaling.max : copies.desiredCount;
}

/** Hours in a week: copy-hours per week × hoursPerMonth / HOURS_PER_WEEK are a month's task-hours. */
export const HOURS_PER_WEEK = 168;

/**
 * Copy-hours per week at the bottom and the top of the ranges: `inside` during `perWeek` working
 * hours and `outside` the rest of the week, or `inside` all week without working hours. One
 * arithmetic for the synthesized JSON (serviceCopiesOf) and a tenant file (activeWeeklyCopyHours).
 */
export function copyHoursPerWeek(inside: ScalingRange, working?: { readonly perWeek: number; readonly outside: ScalingRange }): { min: number; max: number } {
  if (!working) return { min: inside.min * HOURS_PER_WEEK, max: inside.max * HOURS_PER_WEEK };
  const rest = HOURS_PER_WEEK - working.perWeek;
  return { min: inside.min * working.perWeek + working.outside.min * rest, max: inside.max * working.perWeek + working.outside.max * rest };
}

/**
 * Copy-hours per week the agent runs once its tenant is active, from its declaration: what the
 * cost estimate's "when active" prices for a tenant its status holds at 0 tasks (the JSON of a
 * stopped tenant carries no schedule to read it from).
 */
export function activeWeeklyCopyHours(copies: AgentCopies): { min: number; max: number } {
  if (!copies.scaling) return copyHoursPerWeek({ min: copies.desiredCount, max: copies.desiredCount });
  const schedule = copies.scaling.schedule;
  if (!schedule) return copyHoursPerWeek(copies.scaling);
  const perWeek = (schedule.days.length * (minutesOf(schedule.to)! - minutesOf(schedule.from)!)) / 60;
  return copyHoursPerWeek(copies.scaling, { perWeek, outside: schedule.outside });
}

/** The copies an agent starts with when its service is created (Application Auto Scaling then owns the count). */
export function initialCopies(copies: AgentCopies): number {
  return copies.scaling ? copies.scaling.min : copies.desiredCount;
}

/** Target tracking for a scaling declaration: the declared one, or CPU at the default when min < max. */
export function effectiveTarget(scaling: AgentScaling): ScalingTarget | undefined {
  if (scaling.target) return scaling.target;
  return scaling.min < scaling.max ? { metric: "cpu", percent: DEFAULT_CPU_TARGET_PERCENT } : undefined;
}

/** The CloudWatch namespace a tenant's agents publish their custom scaling metrics to. */
export function customMetricNamespace(tenantId: string): string {
  return `${CUSTOM_METRIC_NAMESPACE_PREFIX}${tenantId}`;
}

const CRON_DAYS: Record<Weekday, string> = { mon: "MON", tue: "TUE", wed: "WED", thu: "THU", fri: "FRI", sat: "SAT", sun: "SUN" };

/**
 * Application Auto Scaling's cron form (`cron(Minutes Hours Day-of-month Month Day-of-week Year)`,
 * "Schedule recurring scaling actions using cron expressions" in its user guide): fires at
 * `hhmm` on `days`, or every day when `days` is undefined.
 */
export function scheduleCron(hhmm: string, days?: readonly Weekday[]): string {
  const minutes = minutesOf(hhmm);
  if (minutes === undefined) throw new Error(`scheduleCron: "${hhmm}" is not HH:MM`);
  const dow = days ? [...days].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b)).map((d) => CRON_DAYS[d]).join(",") : "*";
  return `cron(${minutes % 60} ${Math.floor(minutes / 60)} ? * ${dow} *)`;
}

/** Parses what scheduleCron writes (for the cost model, which reads the synthesized JSON). */
export function parseScheduleCron(cron: string): { minutes: number; days: Weekday[] } | undefined {
  const m = /^cron\((\d{1,2}) (\d{1,2}) \? \* ([A-Z,*]+) \*\)$/.exec(cron);
  if (!m) return undefined;
  const byCron = Object.fromEntries(Object.entries(CRON_DAYS).map(([d, c]) => [c, d as Weekday]));
  const days = m[3] === "*" ? [...WEEKDAYS] : m[3].split(",").map((c) => byCron[c]);
  if (days.some((d) => d === undefined)) return undefined;
  return { minutes: Number(m[2]) * 60 + Number(m[1]), days };
}

/** How many copies a synthesized service runs: at its peak, and in copy-hours per week at its min and max. */
export interface ServiceCopies {
  readonly peak: number;
  readonly weeklyCopyHours: { readonly min: number; readonly max: number };
}

type Json = Record<string, any>;

/**
 * Copies of every `aws_ecs_service` of one synthesized stack, by resource name, read from the
 * JSON itself (its desired_count, and the scalable target, scheduled actions that AgentScaling
 * attached to it), so capacity and cost count what the stack will do, not what a file said.
 */
export function serviceCopiesOf(json: Json): Map<string, ServiceCopies> {
  const copies = new Map<string, ServiceCopies>();
  const forService = (resourceId: unknown) => /\$\{aws_ecs_service\.([^.}]+)\.name\}$/.exec(String(resourceId ?? ""))?.[1];
  const targets = new Map<string, Json>();
  for (const target of Object.values<Json>(json.resource?.aws_appautoscaling_target ?? {})) {
    const service = forService(target.resource_id);
    if (service) targets.set(service, target);
  }
  const actions = new Map<string, Json[]>();
  for (const action of Object.values<Json>(json.resource?.aws_appautoscaling_scheduled_action ?? {})) {
    const service = forService(action.resource_id);
    if (service) actions.set(service, [...(actions.get(service) ?? []), action]);
  }
  for (const [name, service] of Object.entries<Json>(json.resource?.aws_ecs_service ?? {})) {
    const desired = Number(service.desired_count ?? 0);
    const target = targets.get(name);
    if (!target) {
      copies.set(name, { peak: desired, weeklyCopyHours: { min: desired * HOURS_PER_WEEK, max: desired * HOURS_PER_WEEK } });
      continue;
    }
    const range = { min: Number(target.min_capacity), max: Number(target.max_capacity) };
    const hours = workingHoursOf(actions.get(name) ?? []);
    if (!hours) {
      copies.set(name, { peak: Math.max(desired, range.max), weeklyCopyHours: copyHoursPerWeek(range) });
      continue;
    }
    copies.set(name, { peak: Math.max(desired, hours.inside.max), weeklyCopyHours: copyHoursPerWeek(hours.inside, hours) });
  }
  return copies;
}

/** Working hours per week and the ranges inside and outside them, from AgentScaling's two actions. */
function workingHoursOf(actions: Json[]): { perWeek: number; inside: ScalingRange; outside: ScalingRange } | undefined {
  if (actions.length !== 2) return undefined;
  const parsed = actions.map((a) => ({
    cron: parseScheduleCron(String(a.schedule)),
    range: { min: Number(a.scalable_target_action?.min_capacity), max: Number(a.scalable_target_action?.max_capacity) },
  }));
  if (parsed.some((p) => !p.cron)) return undefined;
  const [start, end] = parsed.sort((a, b) => b.range.max - a.range.max || b.range.min - a.range.min);
  const minutes = end.cron!.minutes - start.cron!.minutes;
  if (minutes <= 0) return undefined;
  return { perWeek: (start.cron!.days.length * minutes) / 60, inside: start.range, outside: end.range };
}
