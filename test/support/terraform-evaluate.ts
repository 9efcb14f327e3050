/**
 * Evaluates many template strings with the real `terraform` binary, in one configuration of
 * `output` blocks, and reports for each whether Terraform read its canary file or ran one of the
 * marker functions on it. Terraform 1.11 plans a configuration of only `locals` and `output`
 * without any provider (/work/shared/TOOLING.md), evaluating templates, functions and comments
 * exactly as it would in a resource argument of a synthesized stack.
 *
 * A candidate names its payload with placeholders: `@CANARY@` becomes the path of a file only
 * that candidate can read, `@MARK@` a word only it uses. Evidence that Terraform executed the
 * payload: the canary's access time moved (the file system is mounted relatime and the canary's
 * atime is set before its mtime, so the first read updates it), or an output holds the canary's
 * content, or a transform of the candidate's word that only a function call produces (upper case,
 * base64, sha256) -- so `file()` under `sha256()` and a function that reads nothing are caught.
 *
 * References of the stacks (`aws_x.name.attr`, `data.type.name.attr`, `self.attr`) would make
 * Terraform refuse the configuration before evaluating anything, so each is rewritten to a local
 * of the same shape (`local.aws_x.name.attr`) holding a value of the type the stacks' functions
 * expect. The rewrite inserts `local.` before a root and changes nothing else of the string.
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Evaluation {
  readonly candidate: string;
  /** Terraform read the candidate's canary, or a marker function ran on its word. */
  readonly executed: boolean;
  /** Terraform refused the candidate (parse, validation or evaluation error); first line. */
  readonly error?: string;
}

const ROOT = /(?<![A-Za-z0-9_.\-])(data|self|aws_[a-z0-9_]+)\./g;
/** Values by attribute name, of the types the stacks' functions need. */
const LIST_ATTRIBUTES = new Set(["names", "availability_zones"]);

export function terraformAvailable(binary = "terraform"): boolean {
  return spawnSync(binary, ["version"], { encoding: "utf8" }).status === 0;
}

/**
 * Evaluates every candidate; candidates that make Terraform fail are taken out one by one (by
 * the line of the diagnostic) and the rest evaluated again, so one bad string does not hide the
 * others.
 */
export function evaluateTemplates(candidates: readonly string[], binary = "terraform"): Evaluation[] {
  const dir = mkdtempSync(join(tmpdir(), "tf-eval-"));
  const canaryDir = mkdtempSync(join(tmpdir(), "tf-canary-"));
  const work = join(dir, "work");
  const items = candidates.map((candidate, i) => {
    const canary = join(canaryDir, `c${i}`);
    const word = `zq${i}x`;
    const content = `kc${i}x`;
    writeFileSync(canary, content);
    utimesSync(canary, new Date(0), new Date()); // atime before mtime: the next read moves it
    const text = candidate.replaceAll("@CANARY@", canary).replaceAll("@MARK@", word).replace(ROOT, "local.$1.");
    const evidence = [content, Buffer.from(content).toString("base64"), word.toUpperCase(), Buffer.from(word).toString("base64"), createHash("sha256").update(word).digest("hex")];
    return { candidate, canary, text, evidence, error: undefined as string | undefined, output: undefined as string | undefined };
  });
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, TF_IN_AUTOMATION: "1", TF_CLI_CONFIG_FILE: join(dir, "none.tfrc"), CHECKPOINT_DISABLE: "1" };
  writeFileSync(join(dir, "none.tfrc"), "");
  const run = (args: string[]) => spawnSync(binary, args, { cwd: work, env, encoding: "utf8", maxBuffer: 1 << 30 });
  mkdirSync(work);

  let pending = [...items];
  let initialised = false;
  while (pending.length > 0) {
    const lines = pending.map((item, i) => `${JSON.stringify(`c${i}`)}: {"value": ${JSON.stringify(item.text)}}`);
    // One output per line: a diagnostic's line number names the candidate it is about.
    const header = ['{"locals": ' + JSON.stringify(localsFor(pending.map((p) => p.text))) + ",", '"output": {'];
    writeFileSync(join(work, "main.tf.json"), [...header, lines.join(",\n"), "}}", ""].join("\n"));
    if (!initialised) {
      const init = run(["init", "-input=false", "-no-color"]);
      if (init.status !== 0) throw new Error(`terraform init failed: ${init.stderr}`);
      initialised = true;
    }
    const plan = run(["plan", "-input=false", "-refresh=false", "-lock=false", "-no-color", "-json", "-out=plan.bin"]);
    if (plan.status === 0) {
      const show = run(["show", "-json", "plan.bin"]);
      const outputs = JSON.parse(show.stdout).planned_values?.outputs ?? {};
      pending.forEach((item, i) => (item.output = JSON.stringify(outputs[`c${i}`]?.value ?? null)));
      break;
    }
    const failing = new Map<number, string>();
    for (const line of plan.stdout.split("\n")) {
      if (!line.startsWith("{")) continue;
      const message = JSON.parse(line);
      const start = message.diagnostic?.range?.start?.line;
      if (message.type !== "diagnostic" || message.diagnostic.severity !== "error") continue;
      const index = typeof start === "number" ? start - 1 - header.length : -1;
      if (index < 0 || index >= pending.length) throw new Error(`terraform plan failed outside the candidates: ${message.diagnostic.summary}: ${message.diagnostic.detail}`);
      if (!failing.has(index)) failing.set(index, `${message.diagnostic.summary}: ${message.diagnostic.detail ?? ""}`.split("\n")[0]);
    }
    if (failing.size === 0) throw new Error(`terraform plan failed without a diagnostic: ${plan.stdout.slice(-2000)} ${plan.stderr}`);
    for (const [index, error] of failing) pending[index].error = error;
    pending = pending.filter((_item, i) => !failing.has(i));
  }

  return items.map((item) => {
    const read = statSync(item.canary).atimeMs > 0;
    const shown = item.output !== undefined && item.evidence.some((e) => item.output!.includes(e));
    return { candidate: item.candidate, executed: read || shown, ...(item.error ? { error: item.error } : {}) };
  });
}

/** The locals that stand in for the resources and data sources the candidates reference. */
function localsFor(texts: readonly string[]): Record<string, unknown> {
  const contractKeys = new Set<string>(["schemaVersion"]);
  for (const t of texts) for (const m of t.matchAll(/(?:insecure_value|value)\)\.([A-Za-z0-9_]+)/g)) contractKeys.add(m[1]);
  const contract = JSON.stringify(Object.fromEntries([...contractKeys].map((k) => [k, k === "schemaVersion" ? 1 : `v-${k}`])));
  const leaf = (attribute: string, next: string | undefined): unknown => {
    if (LIST_ATTRIBUTES.has(attribute)) return ["zone-a", "zone-b"];
    if (attribute === "insecure_value" || attribute === "value") return contract;
    if (next !== undefined) return [{ [next]: `v-${next}` }]; // master_user_secret[0].secret_arn
    return `v-${attribute}`;
  };
  const locals: Record<string, any> = {};
  const put = (path: string[], value: unknown) => {
    let node = locals;
    for (const key of path.slice(0, -1)) node = node[key] = typeof node[key] === "object" && node[key] !== null && !Array.isArray(node[key]) ? node[key] : {};
    node[path[path.length - 1]] ??= value;
  };
  const N = "([A-Za-z_][A-Za-z0-9_-]*)";
  for (const t of texts) {
    for (const m of t.matchAll(new RegExp(`local\\.(aws_[a-z0-9_]+)\\.${N}\\.${N}(?:\\[0\\]\\.${N})?`, "g"))) put([m[1], m[2], m[3]], leaf(m[3], m[4]));
    for (const m of t.matchAll(new RegExp(`local\\.data\\.${N}\\.${N}\\.${N}`, "g"))) put(["data", m[1], m[2], m[3]], leaf(m[3], undefined));
    for (const m of t.matchAll(new RegExp(`local\\.self\\.${N}`, "g"))) put(["self", m[1]], leaf(m[1], undefined));
  }
  return locals;
}
