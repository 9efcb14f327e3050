import { z } from "zod";
import { MAX_TENANT_ID_LENGTH, TENANT_ID_PATTERN } from "./tenant-id";
import { BEDROCK_ROUTINGS } from "./bedrock-models";
import { IMAGE_DIGEST_MESSAGE, IMAGE_DIGEST_PATTERN } from "./image-reference";
import { describeFargateMemory, FARGATE_CPU_VALUES, isValidFargateCpu, isValidFargateMemory } from "./fargate";
import { LiveTenantStatus, TENANT_STATUSES, TOMBSTONE_STATUS } from "./tenant-lifecycle";
import { EgressDomainsSchema, integrationName } from "./egress-schema";
import { DEFAULT_CPU_TARGET_PERCENT, MAX_AGENT_COPIES, scalingProblems, WEEKDAYS } from "./agent-scaling";

export { MAX_TENANT_ID_LENGTH, TENANT_ID_PATTERN };
/** Agent names appear in role, service and task family names. */
export const MAX_AGENT_NAME_LENGTH = 16;
export const AGENT_NAME_PATTERN = new RegExp(`^[a-z][a-z0-9]{1,${MAX_AGENT_NAME_LENGTH - 1}}$`);
export const INTEGRATION_NAME_PATTERN = /^[a-z][a-z0-9-]{1,31}$/;
/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
export const MAX_AGENTS_PER_TENANT = 10;

const copies = z.number().int().min(0).max(MAX_AGENT_COPIES);
const ScalingRangeSchema = z.strictObject({ min: copies, max: copies });

/** Elastic agents (config/agent-scaling.ts): a range, optionally a schedule and a target. */
const ScalingSchema = z.strictObject({
  /** Fewest copies (inside the schedule's hours when there is a schedule). */
  min: copies,
  /** Most copies; capacity and connection limits count the agent at this. */
  max: copies,
  /** Working hours: the min-max range applies on `days` from `from` to `to`, `outside` otherwise. */
  schedule: z
    .strictObject({
      /** IANA time zone, e.g. Europe/Berlin. */
      timezone: z.string(),
      days: z.array(z.enum(WEEKDAYS)).max(7),
      /** "HH:MM", 24-hour clock. */
      from: z.string(),
      /** "HH:MM", after `from`. */
      to: z.string(),
      /** The range outside working hours. @default { min: 0, max: 0 } */
      outside: ScalingRangeSchema.default({ min: 0, max: 0 }),
    })
    .optional(),
  /** Target tracking; without one, CPU at DEFAULT_CPU_TARGET_PERCENT whenever min < max. */
  target: z
    .discriminatedUnion("metric", [
      z.strictObject({ metric: z.enum(["cpu", "memory"]), percent: z.number().int().min(10).max(95).default(DEFAULT_CPU_TARGET_PERCENT) }),
      z.strictObject({
        metric: z.literal("custom"),
        /** Metric name the agent publishes to OpenClaw/Tenant/<tenant-id> with dimension Agent=<agent>. */
        name: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,127}$/, "letters, digits, _ . -, starting with a letter, at most 128 characters"),
        /** Value per task that target tracking holds the metric at. */
        value: z.number().positive(),
        statistic: z.enum(["Average", "Maximum", "Sum"]).default("Average"),
      }),
    ])
    .optional(),
});

const AgentSchema = z
  .strictObject({
    /** Fargate CPU units. */
    cpu: z.number().int(),
    /** Fargate memory in MiB; must be valid for `cpu`. */
    memory: z.number().int(),
    /** Tasks to keep running while the tenant is active (the fixed case; exclusive with `scaling`). @default 1 */
    desiredCount: copies.optional(),
    /** Copies between a min and a max, on a schedule and on load (config/agent-scaling.ts). */
    scaling: ScalingSchema.optional(),
    /**
     * The agent must run exactly one copy: it holds the tenant's one session with a channel (a chat
     * socket, a mailbox watch) or runs scheduled jobs that a second copy would run twice.
     */
    singleton: z.boolean().default(false),
    /** Run on FARGATE_SPOT (about 70% cheaper, may be interrupted). */
    spot: z.boolean().default(false),
    /** Image digest (sha256:...) overriding the environment's agentImage; tags are refused. */
    image: z.string().regex(IMAGE_DIGEST_PATTERN, IMAGE_DIGEST_MESSAGE).optional(),
    /** Database connections this agent's pool may open. */
    dbConnections: z.number().int().min(1).max(50).default(5),
  })
  .superRefine((agent, ctx) => {
    for (const problem of scalingProblems(agent)) ctx.addIssue({ code: "custom", ...problem });
    if (!isValidFargateCpu(agent.cpu)) {
      ctx.addIssue({
        code: "custom",
        path: ["cpu"],
        message: `${agent.cpu} is not a valid Fargate CPU (${FARGATE_CPU_VALUES.join(", ")})`,
      });
    } else if (!isValidFargateMemory(agent.cpu, agent.memory)) {
      ctx.addIssue({
        code: "custom",
        path: ["memory"],
        message: `${agent.memory} MiB is not a valid Fargate memory size for cpu ${agent.cpu} (${describeFargateMemory(agent.cpu)})`,
      });
    }
  })
  // A scaling agent starts at its min; Application Auto Scaling owns the count from then on.
  .transform(({ desiredCount, ...agent }) => ({ ...agent, desiredCount: desiredCount ?? agent.scaling?.min ?? 1 }));

export const TenantSchema = z.strictObject({
  /** Must equal the file name without `.yaml`. */
  id: z.string().regex(TENANT_ID_PATTERN, {
    message: `lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen, 2-${MAX_TENANT_ID_LENGTH} characters`,
  }),
  displayName: z.string().min(1).max(128),
  /** An environment declared in cdktf.json. */
  environment: z.string(),
  /** Data residency: a region the environment declares. */
  region: z.string(),
  /**
   * Lifecycle state (config/tenant-lifecycle.ts): `provisioning` and `suspended` run 0 tasks,
   * `active` runs the agents, `offboarding` lifts the destroy protection for the offboarding job.
   * `offboarded` files are tombstones, validated by TombstoneSchema instead.
   */
  status: z.enum(TENANT_STATUSES).transform((s) => s as LiveTenantStatus),
  /** CostCenter tag; defaults to the environment's. */
  costCenter: z.string().min(1).max(128).optional(),
  agents: z
    .record(z.string().regex(AGENT_NAME_PATTERN, `lowercase letters and digits, starting with a letter, 2-${MAX_AGENT_NAME_LENGTH} characters`), AgentSchema)
    .refine((a) => Object.keys(a).length >= 1 && Object.keys(a).length <= MAX_AGENTS_PER_TENANT, {
      message: `between 1 and ${MAX_AGENTS_PER_TENANT} agents`,
    }),
  /** One Secrets Manager secret each; values are set outside Terraform. */
  integrations: z
    .array(integrationName(INTEGRATION_NAME_PATTERN, "lowercase letters, digits and hyphens, 2-32 characters"))
    .max(20)
    .refine((list) => new Set(list).size === list.length, { message: "each integration at most once" })
    .default([]),
  /**
   * Domains the agents may reach besides their integrations' (config/egress.ts): `api.example.com`
   * or `*.example.com` (one label); no IP addresses. Enforced by the platform's egress proxy.
   */
  egressDomains: EgressDomainsSchema,
  /** Bedrock model ids the agents may invoke; none means no Bedrock access. */
  bedrockModels: z
    .array(z.string().regex(/^[a-z0-9-]+\.[A-Za-z0-9.:-]+$/, "a Bedrock model id like anthropic.claude-sonnet-4-5-20250929-v1:0"))
    .max(20)
    .refine((list) => new Set(list).size === list.length, { message: "each model at most once" })
    .default([]),
  /**
   * Where Bedrock may serve the tenant's requests (config/bedrock-models.ts): `geographic` through
   * the `us.`/`eu.`/`apac.` profile of the region's geography, `global` through `global.` profiles
   * (any commercial region), `in-region` only foundation models served on demand in `region`.
   */
  bedrockRouting: z.enum(BEDROCK_ROUTINGS).default("geographic"),
  budget: z.strictObject({
    monthlyUsd: z.number().positive().max(1_000_000),
    alertEmails: z.array(z.email({ message: "an e-mail address" })).min(1).max(10),
    /**
     * Actual monthly spend, in percent of monthlyUsd, at which an AWS Budgets action denies the
     * tenant's agents any Bedrock invocation until an operator lifts it; `off` for none.
     */
    stopAtPercent: z.union([z.number().int().min(100).max(1000), z.literal("off")]).default(150),
  }),
  /**
   * What removing the tenant does to its database side: `retain` revokes its login and keeps
   * schema and rows; `drop` first exports them (plain SQL) to the tenant bucket, then removes them.
   */
  databaseDeletion: z.enum(["retain", "drop"]).default("retain"),
  /**
   * Who hears this tenant's own alarms (its agents' CPU, memory and task shortfall, its database
   * storage), besides the environment's alarmSubscriptions: a filtered e-mail subscription of the
   * platform's alarm topic that delivers only these alarms.
   */
  alarmEmails: z.array(z.email({ message: "an e-mail address" })).max(10).refine((l) => new Set(l).size === l.length, "each address once").default([]),
  /**
   * Database storage (own schema plus rows in the shared tables) at which the platform's alarm
   * topic is told, in GiB. PostgreSQL cannot cap a tenant's storage; this alarm names it.
   */
  databaseStorageAlarmGiB: z.number().int().min(1).max(16384).default(5),
  /** Days the tenant's logs are kept. */
  logRetentionDays: z
    .number()
    .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
      message: `one of ${LOG_RETENTION_DAYS.join(", ")}`,
    })
    .default(90),
  /** Fleet deploy: `true` leaves this tenant's stack out of every deploy (the summary names it) until removed. */
  deployHold: z.boolean().optional(),
  /** Fleet deploy: `canary` deploys this tenant in its environment's canary ring, before every other tenant. */
  deployRing: z.enum(["canary"]).optional(),
});

export type TenantConfig = z.infer<typeof TenantSchema>;

/** Where offboarding records live: `s3://<state bucket>/offboarding/<tenant-id>/<name>.json`. */
export const OFFBOARDING_RECORD_PATTERN = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/offboarding\/([a-z][a-z0-9-]*[a-z0-9])\/[A-Za-z0-9._-]+\.json$/;

/** The bucket, object key and tenant id of an offboarding record pointer, or undefined when it is not one. */
export function parseRecordPointer(pointer: string): { bucket: string; key: string; tenantId: string } | undefined {
  const match = OFFBOARDING_RECORD_PATTERN.exec(pointer);
  return match ? { bucket: match[1], key: pointer.slice(`s3://${match[1]}/`.length), tenantId: match[2] } : undefined;
}

/**
 * An `offboarded` tenant file: a tombstone. It keeps the id (never reusable: bucket names, KMS
 * aliases pending deletion and database role names would collide), where the tenant lived, when
 * it was offboarded and where the offboarding record is. No stack is synthesized for it, so
 * agents, budget and the rest are gone: the record lists what existed.
 */
export const TombstoneSchema = z.strictObject({
  id: TenantSchema.shape.id,
  displayName: TenantSchema.shape.displayName.optional(),
  environment: z.string(),
  region: z.string(),
  status: z.literal(TOMBSTONE_STATUS),
  /** When the offboarding job finished (ISO 8601 date-time with offset, e.g. 2026-12-01T22:10:00Z). */
  offboardedAt: z.iso.datetime({ offset: true, message: "an ISO 8601 date-time like 2026-12-01T22:10:00Z" }),
  /** The offboarding record the job wrote: s3://<state bucket>/offboarding/<tenant-id>/<name>.json. */
  offboardingRecord: z.string().regex(OFFBOARDING_RECORD_PATTERN, "s3://<state bucket>/offboarding/<tenant-id>/<name>.json"),
});
export type OffboardedTenant = z.infer<typeof TombstoneSchema>;

/** Fields only a tombstone carries; on any other status they would show a tenant coming back. */
export const TOMBSTONE_ONLY_FIELDS = ["offboardedAt", "offboardingRecord"] as const;
