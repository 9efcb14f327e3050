/**
 * The switch from sixteen SSM parameters to one JSON document must not replace or change any
 * tenant resource: every tenant resource argument must get the same value as before. That holds
 * when (1) each argument reads the same contract field in the same place as the legacy reader
 * made it read, and (2) the platform puts the same expression into the document's field as into
 * the legacy parameter of that field. Then Terraform computes identical arguments, and the plan
 * of an existing tenant stack shows only the data sources changing.
 */
import { Fn } from "cdktf";
import type { Construct } from "constructs";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { contractDocumentFields } from "../audit/tenant-audit";
import { PLATFORM_CONTRACT_KEYS } from "../modules/platform-contract";
import { LEGACY_CONTRACT_KEYS, LEGACY_CONTRACT_PARAMETERS, LEGACY_LIST_KEYS } from "./support/legacy-contract";
import { platformContractParameterName } from "../modules/naming";
import { synthesize, SynthOutput } from "./support/synth";

/**
 * The tenant-side reader as deployed before the JSON document (one data source per value), from
 * the frozen legacy names: deriving them from today's PLATFORM_CONTRACT_FIELDS let a renamed
 * legacy parameter pass (#32; mutation tried: db-port -> database-port in the code).
 */
class LegacyPlatformContractReader {
  public readonly values: Record<string, unknown>;
  constructor(scope: Construct, id: string, props: { environment: string; region: string }) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Construct: C } = require("constructs");
    const reader = new C(scope, id);
    this.values = {};
    // Fields added after the switch never had a legacy parameter: read them from the document,
    // as the current reader does, so the comparison covers the legacy fields alone.
    const document = new DataAwsSsmParameter(reader, "document", { name: platformContractParameterName(props.environment, props.region, "contract") });
    for (const key of PLATFORM_CONTRACT_KEYS.filter((k) => !(LEGACY_CONTRACT_KEYS as readonly string[]).includes(k))) {
      this.values[key] = Fn.lookup(Fn.jsondecode(document.insecureValue), key);
    }
    for (const key of LEGACY_CONTRACT_KEYS) {
      const legacyParameter = LEGACY_CONTRACT_PARAMETERS[key];
      const parameter = new DataAwsSsmParameter(reader, legacyParameter, { name: platformContractParameterName(props.environment, props.region, legacyParameter) });
      this.values[key] = LEGACY_LIST_KEYS.has(key) ? Fn.split(",", parameter.insecureValue) : parameter.insecureValue;
    }
  }
}

function synthesizeWithLegacyReader(): SynthOutput {
  let output: SynthOutput | undefined;
  jest.isolateModules(() => {
    jest.doMock("../modules/platform-contract", () => ({ ...jest.requireActual("../modules/platform-contract"), PlatformContractReader: LegacyPlatformContractReader }));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    output = (require("./support/synth") as typeof import("./support/synth")).synthesize();
  });
  return output!;
}

/** Tenant resources (not data sources) with every contract read replaced by `<field>`. */
function tenantResourcesByField(output: SynthOutput, stack: string): string {
  const json = output.stacks[stack];
  const legacyField = new Map<string, string>();
  for (const [address, source] of Object.entries<any>(json.data.aws_ssm_parameter)) {
    const key = LEGACY_CONTRACT_KEYS.find((k) => String(source.name).endsWith(`/platform/${LEGACY_CONTRACT_PARAMETERS[k]}`));
    if (key) legacyField.set(address, key);
  }
  return JSON.stringify({ resource: json.resource, terraform: json.terraform, provider: json.provider })
    .replace(/split\(\\",\\", data\.aws_ssm_parameter\.([A-Za-z0-9_-]+)\.insecure_value\)/g, (_, address) => `<${legacyField.get(address)}>`)
    .replace(/data\.aws_ssm_parameter\.([A-Za-z0-9_-]+)\.insecure_value/g, (whole, address) => (legacyField.has(address) ? `<${legacyField.get(address)}>` : whole))
    .replace(/jsondecode\(data\.aws_ssm_parameter\.[A-Za-z0-9_-]+\.insecure_value\)\.([A-Za-z0-9]+)/g, (_, field) => `<${field}>`);
}

const current = synthesize();
const legacy = synthesizeWithLegacyReader();

describe("moving tenants from sixteen SSM parameters to the JSON contract", () => {
  it("the legacy reader really is the old one: sixteen data sources per tenant", () => {
    expect(LEGACY_CONTRACT_KEYS).toHaveLength(16);
    // The sixteen, plus the document for the fields added later.
    expect(Object.keys(legacy.stacks["tenant-acme"].data.aws_ssm_parameter)).toHaveLength(17);
    expect(Object.keys(current.stacks["tenant-acme"].data.aws_ssm_parameter)).toHaveLength(1);
  });

  it.each(Object.keys(current.stacks).filter((s) => s.startsWith("tenant-")))("%s: every resource argument reads the same contract field as before", (stack) => {
    const now = tenantResourcesByField(current, stack);
    expect(now).not.toMatch(/data\.aws_ssm_parameter/); // every read was mapped to its field
    expect(now).toContain("<vpcId>");
    expect(now).toBe(tenantResourcesByField(legacy, stack));
  });

  it.each(Object.keys(current.stacks).filter((s) => s.startsWith("platform-")))("%s: publishes the same expression in the document as in each legacy parameter", (stack) => {
    const json = current.stacks[stack];
    const document = contractDocumentFields(json);
    expect([...document.keys()].sort()).toEqual(["schemaVersion", ...PLATFORM_CONTRACT_KEYS].sort());
    const parameters = Object.values<any>(json.resource.aws_ssm_parameter);
    const mismatches: string[] = [];
    for (const key of LEGACY_CONTRACT_KEYS) {
      const published = parameters.find((p) => String(p.name).endsWith(`/platform/${LEGACY_CONTRACT_PARAMETERS[key]}`))?.value;
      // contractDocumentFields renders a list as its elements joined by ", ".
      const expected = LEGACY_LIST_KEYS.has(key) ? `\${join(",", [${document.get(key)!.replace(/\$\{([^}]+)\}/g, "$1")}])}` : document.get(key);
      if (published !== expected) mismatches.push(`${key}: legacy ${published} vs document ${document.get(key)}`);
    }
    expect(mismatches).toEqual([]);
    // Unchanged legacy parameters: the platform plan only adds the document.
    expect(Object.keys(json.resource.aws_ssm_parameter).filter((a) => !a.startsWith("contract_document_")).sort()).toEqual(
      Object.keys(legacy.stacks[stack].resource.aws_ssm_parameter).filter((a) => !a.startsWith("contract_document_")).sort(),
    );
  });
});
