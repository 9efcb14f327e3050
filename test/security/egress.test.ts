// Enforces SECURITY.md C37 (the table "Enforcing tests" there lists this file).
/**
 * SECURITY.md C37 as invariants over every synthesized stack: an agent's only way to the internet
 * is the platform's egress proxy, and what each tenant publishes for the proxy is exactly its
 * allowlist. Each test collects every violation, and asserts it looked at something.
 */
import { egressAllowlist } from "../../config/egress";
import { EGRESS_METRIC_NAMESPACE, EGRESS_PROXY_PORT, EGRESS_REFUSED_ALL_METRIC, EGRESS_REFUSED_METRIC } from "../../modules/egress-proxy";
import { tenantEgressParameterName, tenantEgressSecretName } from "../../modules/naming";
import { allResources, parsePolicy, resourcesOfType, synthesize, SynthOutput } from "../support/synth";

const output: SynthOutput = synthesize();
const resources = allResources(output);
const tenantStacks = Object.keys(output.stacks).filter((s) => s.startsWith("tenant-"));
const platformStacks = Object.keys(output.stacks).filter((s) => s.startsWith("platform-"));
const OPEN = ["0.0.0.0/0", "::/0"];
/** The contract fields a tenant's egress rules may point at, as the tenant stack reads them. */
const contractField = (value: unknown) => /jsondecode\(data\.aws_ssm_parameter\.[^)]+\.insecure_value\)\.([A-Za-z0-9]+)\}$/.exec(String(value))?.[1];

describe("agents reach the internet only through the egress proxy", () => {
  it("runs over every tenant and platform stack of the example fleet", () => {
    expect(tenantStacks.length).toBeGreaterThanOrEqual(3);
    expect(platformStacks.length).toBeGreaterThanOrEqual(2);
  });

  it("tenant security groups have no inline rules and no egress to an address range", () => {
    const problems = [
      ...resources.filter((r) => r.stack.startsWith("tenant-") && r.type === "aws_security_group" && (r.config.egress || r.config.ingress)).map((r) => `${r.address}: inline rules`),
      ...resources.filter((r) => r.stack.startsWith("tenant-") && r.type === "aws_security_group_rule").map((r) => `${r.address}: legacy rule resource`),
      ...resources
        .filter((r) => r.stack.startsWith("tenant-") && r.type === "aws_vpc_security_group_egress_rule" && (r.config.cidr_ipv4 || r.config.cidr_ipv6))
        .map((r) => `${r.address}: egress to ${r.config.cidr_ipv4 ?? r.config.cidr_ipv6}`),
    ];
    expect(problems).toEqual([]);
  });

  it("tenant egress goes to the VPC endpoints and S3 on 443 and to the proxy on its port, nothing else", () => {
    const seen = new Map<string, string[]>();
    const problems: string[] = [];
    for (const rule of resources.filter((r) => r.stack.startsWith("tenant-") && r.type === "aws_vpc_security_group_egress_rule")) {
      const target = contractField(rule.config.referenced_security_group_id ?? rule.config.prefix_list_id);
      const port = `${rule.config.ip_protocol}/${rule.config.from_port}-${rule.config.to_port}`;
      const allowed: Record<string, string> = { vpcEndpointsSecurityGroupId: "tcp/443-443", s3PrefixListId: "tcp/443-443", egressProxySecurityGroupId: `tcp/${EGRESS_PROXY_PORT}-${EGRESS_PROXY_PORT}` };
      if (!target || allowed[target] !== port) problems.push(`${rule.address}: ${target ?? "unknown destination"} ${port}`);
      seen.set(rule.stack, [...(seen.get(rule.stack) ?? []), target ?? "?"]);
    }
    expect(problems).toEqual([]);
    for (const stack of tenantStacks) expect([stack, [...(seen.get(stack) ?? [])].sort()]).toEqual([stack, ["egressProxySecurityGroupId", "s3PrefixListId", "vpcEndpointsSecurityGroupId"]]);
  });

  it("agent services attach only the tenant's own group and the platform's db-clients group", () => {
    const services = resources.filter((r) => r.stack.startsWith("tenant-") && r.type === "aws_ecs_service");
    expect(services.length).toBeGreaterThan(0);
    const problems = services
      .filter((s) => {
        const groups: string[] = s.config.network_configuration.security_groups;
        return groups.length !== 2 || !/^\$\{aws_security_group\.network_security-group_[0-9A-F]+\.id\}$/.test(groups[0]) || contractField(groups[1]) !== "databaseClientsSecurityGroupId";
      })
      .map((s) => s.address);
    expect(problems).toEqual([]);
  });

  it("in platform stacks only the egress proxy (and the DB provisioner's AWS-API path) reaches 0.0.0.0/0, and only on 443", () => {
    const open = resources.filter(
      (r) =>
        (r.type === "aws_vpc_security_group_egress_rule" && (OPEN.includes(r.config.cidr_ipv4) || OPEN.includes(r.config.cidr_ipv6))) ||
        (r.type === "aws_security_group" && (r.config.egress ?? []).some((e: any) => (e.cidr_blocks ?? []).some((c: string) => OPEN.includes(c)))),
    );
    const unexpected = open.filter((r) => !/:aws_vpc_security_group_egress_rule\.(egress-proxy_https-out|db-provisioner_https-egress)_[0-9A-F]+$/.test(r.address));
    expect(unexpected.map((r) => r.address)).toEqual([]);
    expect(open.filter((r) => r.config.from_port !== 443 || r.config.to_port !== 443).map((r) => r.address)).toEqual([]);
    expect(open.filter((r) => r.address.includes("egress-proxy_https-out")).map((r) => r.stack).sort()).toEqual(platformStacks);
  });

  it("every platform stack runs the proxy on demand in two or more tasks, without a public IP", () => {
    const proxies = resourcesOfType(output, "aws_ecs_service").filter((r) => r.stack.startsWith("platform-"));
    expect(proxies.map((p) => p.stack).sort()).toEqual(platformStacks);
    const problems = proxies.filter(
      (p) => p.config.desired_count < 2 || p.config.capacity_provider_strategy.some((c: any) => c.capacity_provider !== "FARGATE") || p.config.network_configuration.assign_public_ip !== false || !p.config.service_registries,
    );
    expect(problems.map((p) => p.address)).toEqual([]);
  });
});

describe("the ways out that are not the proxy", () => {
  it("the S3 gateway endpoint reaches only the account's own buckets and the ECR layer bucket", () => {
    const gateways = resourcesOfType(output, "aws_vpc_endpoint").filter((e) => e.config.vpc_endpoint_type === "Gateway");
    expect(gateways.map((g) => g.stack).sort()).toEqual(platformStacks);
    const problems = gateways.filter((g) => {
      const account = output.stacks[g.stack].provider.aws[0].allowed_account_ids[0];
      const region = output.stacks[g.stack].provider.aws[0].region;
      const statements = g.config.policy ? parsePolicy(g.config.policy).Statement : [];
      return (
        statements.length !== 2 ||
        statements[0].Condition?.StringEquals?.["aws:ResourceAccount"] !== account ||
        statements[1].Resource !== `arn:aws:s3:::prod-${region}-starport-layer-bucket/*` ||
        statements[1].Action !== "s3:GetObject"
      );
    });
    expect(problems.map((g) => g.address)).toEqual([]);
  });
});

describe("the interface endpoints", () => {
  it("admit only principals of their own account, except ssmmessages (no endpoint policy support)", () => {
    const interfaces = resourcesOfType(output, "aws_vpc_endpoint").filter((e) => e.config.vpc_endpoint_type === "Interface");
    expect(interfaces.length).toBeGreaterThanOrEqual(9 * platformStacks.length);
    const problems = interfaces.filter((e) => {
      const account = output.stacks[e.stack].provider.aws[0].allowed_account_ids[0];
      if (String(e.config.service_name).endsWith(".ssmmessages")) return e.config.policy !== undefined;
      const statements = e.config.policy ? parsePolicy(e.config.policy).Statement : [];
      return statements.length !== 1 || statements[0].Condition?.StringEquals?.["aws:PrincipalAccount"] !== account;
    });
    expect(problems.map((e) => e.address)).toEqual([]);
  });
});

describe("what each tenant gives the proxy", () => {
  it("publishes exactly its allowlist, computed from its file", () => {
    const problems: string[] = [];
    for (const tenant of output.config.tenants) {
      const stack = output.stacks[`tenant-${tenant.id}`];
      const parameters = Object.values<any>(stack.resource.aws_ssm_parameter ?? {});
      const published = parameters.find((p) => p.name === tenantEgressParameterName(tenant.environment, tenant.region, tenant.id));
      if (!published) {
        problems.push(`${tenant.id}: no allowlist parameter`);
        continue;
      }
      const document = JSON.parse(published.value);
      const expected = { schemaVersion: 1, tenant: tenant.id, credentialSecret: tenantEgressSecretName(tenant.environment, tenant.id), domains: egressAllowlist(tenant) };
      if (JSON.stringify(document) !== JSON.stringify(expected)) problems.push(`${tenant.id}: published ${published.value}`);
      if (document.domains.length === 0 && tenant.integrations.length > 0) problems.push(`${tenant.id}: integrations but no domains`);
    }
    expect(output.config.tenants.length).toBeGreaterThanOrEqual(3);
    expect(problems).toEqual([]);
  });

  it("creates its proxy credential secret without a value, encrypted with its own key", () => {
    const problems: string[] = [];
    for (const tenant of output.config.tenants) {
      const json = output.stacks[`tenant-${tenant.id}`];
      const secret = Object.values<any>(json.resource.aws_secretsmanager_secret).find((s) => s.name === tenantEgressSecretName(tenant.environment, tenant.id));
      if (!secret) problems.push(`${tenant.id}: no egress credential secret`);
      else if (!/^\$\{aws_kms_key\.tenant-key_[0-9A-F]+\.arn\}$/.test(secret.kms_key_id)) problems.push(`${tenant.id}: secret key ${secret.kms_key_id}`);
      // The value is the proxy refresher's to write: none in any stack, so none in any state.
      if (json.resource.aws_secretsmanager_secret_version) problems.push(`${tenant.id}: a secret version in Terraform`);
    }
    expect(problems).toEqual([]);
  });

  it("gives every agent container HTTPS_PROXY from its own credential and NO_PROXY for AWS endpoints", () => {
    const problems: string[] = [];
    let containers = 0;
    for (const task of resources.filter((r) => r.stack.startsWith("tenant-") && r.type === "aws_ecs_task_definition")) {
      const secretAddress = Object.entries<any>(output.stacks[task.stack].resource.aws_secretsmanager_secret).find(([, s]) => String(s.name).endsWith("/platform/egress-proxy"))![0];
      for (const container of JSON.parse(task.config.container_definitions)) {
        const secrets = Object.fromEntries((container.secrets ?? []).map((s: any) => [s.name, s.valueFrom]));
        const env = Object.fromEntries((container.environment ?? []).map((e: any) => [e.name, e.value]));
        // The tracing collector (#29) talks only to the X-Ray endpoint: no proxy, no credential.
        if (container.name === "tracing") {
          if (Object.keys({ ...secrets, ...env }).some((name) => /_PROXY$/i.test(name))) problems.push(`${task.address}: the collector has proxy settings`);
          continue;
        }
        containers++;
        for (const name of ["HTTPS_PROXY", "HTTP_PROXY"]) {
          if (secrets[name] !== `\${aws_secretsmanager_secret.${secretAddress}.arn}:proxyUrl::`) problems.push(`${task.address}: ${name} = ${secrets[name]}`);
        }
        if (!String(env.NO_PROXY).split(",").includes(".amazonaws.com")) problems.push(`${task.address}: NO_PROXY = ${env.NO_PROXY}`);
      }
    }
    expect(containers).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it("lets the proxy use the tenant key for the egress credential secret alone", () => {
    const problems: string[] = [];
    for (const tenant of output.config.tenants) {
      const key = Object.values<any>(output.stacks[`tenant-${tenant.id}`].resource.aws_kms_key)[0];
      const grants = parsePolicy(key.policy).Statement.filter((s) => JSON.stringify(s.Principal ?? "").includes("egress-proxy"));
      const ok =
        grants.length === 1 &&
        grants[0].Condition?.StringLike?.["kms:EncryptionContext:SecretARN"] === `arn:aws:secretsmanager:${tenant.region}:${output.config.environments[tenant.environment].accountId}:secret:${tenantEgressSecretName(tenant.environment, tenant.id)}-*` &&
        grants[0].Condition?.StringEquals?.["kms:ViaService"] === `secretsmanager.${tenant.region}.amazonaws.com`;
      if (!ok) problems.push(`${tenant.id}: ${JSON.stringify(grants)}`);
    }
    expect(problems).toEqual([]);
  });

  it("alarms on its own refused connections, counted by the proxy's per-tenant metric filter", () => {
    const problems: string[] = [];
    for (const tenant of output.config.tenants) {
      const alarms = Object.values<any>(output.stacks[`tenant-${tenant.id}`].resource.aws_cloudwatch_metric_alarm);
      const alarm = alarms.find((a) => a.namespace === EGRESS_METRIC_NAMESPACE && a.metric_name === EGRESS_REFUSED_METRIC);
      if (!alarm || alarm.dimensions?.TenantId !== tenant.id || !alarm.alarm_actions?.length) problems.push(`${tenant.id}: ${JSON.stringify(alarm)}`);
    }
    for (const stack of platformStacks) {
      const filters = Object.values<any>(output.stacks[stack].resource.aws_cloudwatch_log_metric_filter ?? {});
      const perTenant = filters.find((f) => f.metric_transformation.name === EGRESS_REFUSED_METRIC);
      if (perTenant?.metric_transformation.dimensions?.TenantId !== "$.tenant" || perTenant.pattern !== "{ $.status = 403 }") problems.push(`${stack}: per-tenant filter ${JSON.stringify(perTenant)}`);
      const all = Object.values<any>(output.stacks[stack].resource.aws_cloudwatch_metric_alarm).find((a) => a.metric_name === EGRESS_REFUSED_ALL_METRIC);
      if (!all || !filters.some((f) => f.metric_transformation.name === EGRESS_REFUSED_ALL_METRIC)) problems.push(`${stack}: no fleet refusal alarm`);
    }
    expect(problems).toEqual([]);
  });
});
