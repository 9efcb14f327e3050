/**
 * The egress allowlists as the synthesized stacks publish them (TenantEgress's SSM parameter),
 * and what a change does to them: the plan comment's egress note. The synth output of a pull
 * request is untrusted data (the plan job runs main's tools on it), so only values that pass the
 * loader's own rules are ever printed: a tenant id matching TENANT_ID_PATTERN, domains that
 * egressDomainProblem accepts. Anything else is counted, never echoed into the comment.
 */
import { egressDomainProblem } from "../config/egress";
import { TENANT_ID_PATTERN } from "../config/tenant-id";

type Json = Record<string, any>;

/** tenant id → its published domains (sorted), or `invalid` when a value fails the rules. */
export type Allowlists = Map<string, string[] | "invalid">;

const PARAMETER = /^\/openclaw\/[a-z][a-z0-9-]*\/[a-z0-9-]+\/egress\/tenants\/([a-z0-9-]+)$/;

/** Every tenant allowlist parameter in these stacks. */
export function publishedAllowlists(stacks: Record<string, Json>): Allowlists {
  const found: Allowlists = new Map();
  for (const json of Object.values(stacks)) {
    for (const parameter of Object.values<Json>(json.resource?.aws_ssm_parameter ?? {})) {
      const tenant = PARAMETER.exec(String(parameter.name))?.[1];
      if (!tenant) continue;
      if (!TENANT_ID_PATTERN.test(tenant)) continue;
      let domains: unknown;
      try {
        domains = JSON.parse(String(parameter.value)).domains;
      } catch {
        domains = undefined;
      }
      const valid = Array.isArray(domains) && domains.every((d) => typeof d === "string" && egressDomainProblem(d) === undefined);
      found.set(tenant, valid ? [...(domains as string[])].sort() : "invalid");
    }
  }
  return found;
}

const list = (domains: readonly string[]) => domains.map((d) => `\`${d}\``).join(", ");

/**
 * One Markdown line per tenant whose destinations change between the two synth outputs: the
 * domains it may newly reach and those it no longer may. New destinations are what a reviewer
 * must look at, so they lead. Nothing when no allowlist changed.
 */
export function egressPlanNotes(base: Allowlists, head: Allowlists): string[] {
  const lines: string[] = [];
  for (const tenant of [...new Set([...base.keys(), ...head.keys()])].sort()) {
    const before = base.get(tenant);
    const after = head.get(tenant);
    if (after === "invalid") {
      lines.push(`- :warning: **Egress:** tenant \`${tenant}\` publishes an allowlist that is not valid (the proxy will leave the tenant out)`);
      continue;
    }
    if (after === undefined) continue; // the stack goes: its removal is in the plan table
    const old = before === undefined || before === "invalid" ? [] : before;
    const added = after.filter((d) => !old.includes(d));
    const removed = old.filter((d) => !after.includes(d));
    if (added.length === 0 && removed.length === 0) continue;
    const parts = [
      ...(added.length ? [`may now reach ${list(added)}`] : []),
      ...(removed.length ? [`no longer ${list(removed)}`] : []),
    ];
    lines.push(`- :shield: **Egress:** tenant \`${tenant}\` ${parts.join("; ")}`);
  }
  return lines;
}
