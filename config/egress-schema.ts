import { z } from "zod";
import { egressDomainProblem, integrationProblem, MAX_EGRESS_DOMAINS, MAX_EGRESS_DOMAINS_CHARACTERS } from "./egress";

/**
 * An integration name: matches `pattern`, and INTEGRATION_DOMAINS knows it (its egress domains
 * come from there). A name that fails the pattern gets only the pattern's message.
 */
export function integrationName(pattern: RegExp, patternMessage: string) {
  return z
    .string()
    .regex(pattern, patternMessage)
    .superRefine((integration, ctx) => {
      const problem = integrationProblem(integration);
      if (problem && pattern.test(integration)) ctx.addIssue({ code: "custom", message: problem });
    });
}

/** The tenant file's `egressDomains`: each entry checked by egressDomainProblem, every problem reported. */
export const EgressDomainsSchema = z
  .array(
    z.string().superRefine((domain, ctx) => {
      const problem = egressDomainProblem(domain);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  )
  .max(MAX_EGRESS_DOMAINS)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((domain, i) => {
      if (seen.has(domain)) ctx.addIssue({ code: "custom", path: [i], message: "each domain at most once" });
      seen.add(domain);
    });
    const characters = list.reduce((n, d) => n + d.length, 0);
    if (characters > MAX_EGRESS_DOMAINS_CHARACTERS) {
      ctx.addIssue({ code: "custom", message: `at most ${MAX_EGRESS_DOMAINS_CHARACTERS} characters of domains in total, so the allowlist fits one SSM parameter (got ${characters})` });
    }
  })
  .default([]);
