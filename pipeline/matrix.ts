/**
 * matrix: turns affected stacks (or all stacks) into a GitHub Actions job matrix.
 *
 *   npm run -s matrix -- --synth <dir> (--affected <file> | --all) [--mode plan|deploy]
 *
 * Plan mode shards stacks so 1,000+ stacks fit GitHub's 256 jobs per matrix; each shard
 * holds stacks of ONE environment, because a job assumes one environment's role.
 */
import { appendFileSync } from "node:fs";
import { log, parse, run, UsageError } from "./lib/cli";
import { readAffected } from "./lib/affected-file";
import { envKey, readSynth, type StackInfo } from "./lib/synth";

/** https://docs.github.com/en/actions/using-jobs/using-a-matrix-for-your-jobs: at most 256 jobs per matrix. */
export const GITHUB_MATRIX_LIMIT = 256;
export const DEFAULT_MAX_SHARDS = 40;

export interface PlanShard {
  /** Unique, used in job and artifact names: `<environment>-<n>`. */
  readonly name: string;
  readonly environment: string;
  /** For `vars[format('OPENCLAW_PLAN_ROLE_ARN_{0}', matrix.envKey)]`. */
  readonly envKey: string;
  /** Region for the AWS credentials: where the environment's state bucket lives. */
  readonly region: string;
  /** Space-separated stack names. */
  readonly stacks: string;
  readonly count: number;
}

export interface DeployTarget {
  readonly environment: string;
  readonly envKey: string;
  readonly region: string;
}

export const HELP = `Usage: npm run -s matrix -- --synth <dir> (--affected <file> | --all) [options]

Prints a GitHub Actions matrix ({"include":[...]}) for the stacks to act on.

  --mode plan    (default) shards of at most ceil(stacks / --max-shards) stacks, each
                 shard within one environment:
                 {"name","environment","envKey","region","stacks":"a b c","count"}
  --mode deploy  one entry per environment with changed, added or removed stacks:
                 {"environment","envKey","region"}

Options:
  --synth <dir>          synth output of the revision to act on (head)
  --affected <file>      output of \`npm run -s affected\` (changed + added are acted on)
  --all                  every stack in --synth (drift detection)
  --base-synth <dir>     base synth output: finds the environment of removed stacks (deploy)
  --max-shards <n>       upper bound for plan shards (default ${DEFAULT_MAX_SHARDS}, at most ${GITHUB_MATRIX_LIMIT})
  --github-output <file> also append matrix=<json> and count=<stacks> (e.g. "$GITHUB_OUTPUT")
  --help                 show this help

Every stack must carry provider.aws[0].default_tags[0].tags.Environment.
Exit codes: 0 ok, 1 bad input, 2 unexpected failure.`;

function requireEnvironment(stack: StackInfo): string {
  if (!stack.environment) {
    throw new UsageError(
      `stack ${stack.name}: no Environment in provider.aws[0].default_tags[0].tags; cannot tell which role plans or deploys it`,
    );
  }
  return stack.environment;
}

export function planShards(stacks: readonly StackInfo[], maxShards = DEFAULT_MAX_SHARDS): PlanShard[] {
  if (!Number.isInteger(maxShards) || maxShards < 1 || maxShards > GITHUB_MATRIX_LIMIT) {
    throw new UsageError(`--max-shards must be an integer from 1 to ${GITHUB_MATRIX_LIMIT}, got ${maxShards}`);
  }
  if (stacks.length === 0) return [];
  const byEnv = new Map<string, StackInfo[]>();
  for (const s of [...stacks].sort((a, b) => a.name.localeCompare(b.name))) {
    const env = requireEnvironment(s);
    byEnv.set(env, [...(byEnv.get(env) ?? []), s]);
  }
  // Every environment needs at least one shard, so leave room for the rounding.
  const perShard = Math.max(1, Math.ceil(stacks.length / Math.max(1, maxShards - byEnv.size + 1)));
  const shards: PlanShard[] = [];
  for (const env of [...byEnv.keys()].sort()) {
    const list = byEnv.get(env) ?? [];
    const n = Math.ceil(list.length / perShard);
    const size = Math.ceil(list.length / n); // even shard sizes
    for (let i = 0; i < n; i++) {
      const part = list.slice(i * size, (i + 1) * size);
      if (part.length === 0) continue;
      shards.push({
        name: `${env}-${i + 1}`,
        environment: env,
        envKey: envKey(env),
        region: part[0].stateRegion || part[0].region,
        stacks: part.map((s) => s.name).join(" "),
        count: part.length,
      });
    }
  }
  if (shards.length > GITHUB_MATRIX_LIMIT) {
    throw new UsageError(`${shards.length} shards exceed GitHub's ${GITHUB_MATRIX_LIMIT} jobs per matrix; lower --max-shards`);
  }
  return shards;
}

export function deployTargets(stacks: readonly StackInfo[]): DeployTarget[] {
  const byEnv = new Map<string, DeployTarget>();
  for (const s of [...stacks].sort((a, b) => a.name.localeCompare(b.name))) {
    const env = requireEnvironment(s);
    if (!byEnv.has(env)) byEnv.set(env, { environment: env, envKey: envKey(env), region: s.stateRegion || s.region });
  }
  return [...byEnv.values()].sort((a, b) => a.environment.localeCompare(b.environment));
}

export function main(argv: string[]): number {
  const { values } = parse(argv, {
    synth: { type: "string" },
    affected: { type: "string" },
    all: { type: "boolean" },
    "base-synth": { type: "string" },
    mode: { type: "string" },
    "max-shards": { type: "string" },
    "github-output": { type: "string" },
  });
  const mode = values.mode ?? "plan";
  if (mode !== "plan" && mode !== "deploy") throw new UsageError(`--mode must be plan or deploy, got ${mode}`);
  if (!values.synth) throw new UsageError("--synth is required");
  if (Boolean(values.affected) === Boolean(values.all)) throw new UsageError("give exactly one of --affected <file> or --all");
  const head = readSynth(values.synth);
  const lookup = (names: string[], where: Map<string, StackInfo> | ReadonlyMap<string, StackInfo>, dir: string) =>
    names.map((n) => {
      const s = where.get(n);
      if (!s) throw new UsageError(`stack ${n} is not in ${dir}; was --affected computed from this synth output?`);
      return s;
    });

  let targets: StackInfo[];
  let removed: StackInfo[] = [];
  if (values.all) {
    targets = [...head.stacks.values()];
  } else {
    const affected = readAffected(values.affected as string);
    targets = lookup([...affected.changed, ...affected.added], head.stacks, values.synth);
    if (affected.removed.length && mode === "deploy") {
      if (!values["base-synth"]) throw new UsageError("--base-synth is required in deploy mode when stacks were removed");
      const base = readSynth(values["base-synth"]);
      removed = lookup(affected.removed, base.stacks, values["base-synth"]);
    }
  }
  const maxShards = values["max-shards"] === undefined ? DEFAULT_MAX_SHARDS : Number(values["max-shards"]);
  const include = mode === "plan" ? planShards(targets, maxShards) : deployTargets([...targets, ...removed]);
  const matrix = JSON.stringify({ include });
  process.stdout.write(`${matrix}\n`);
  if (values["github-output"]) {
    appendFileSync(values["github-output"], `matrix=${matrix}\ncount=${targets.length}\njobs=${include.length}\n`);
  }
  log(`matrix: ${targets.length} stack(s)${removed.length ? ` + ${removed.length} removed` : ""} in ${include.length} job(s) (${mode})`);
  return 0;
}

if (require.main === module) run("matrix", HELP, main);
