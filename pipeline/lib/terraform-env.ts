/**
 * The environment `terraform` runs with in the plan job, and the credentials it gets.
 *
 * A pull request's Terraform is evaluated by `terraform plan`; whatever it manages to read ends
 * up in the plan output (issue 24, item 1: `file("/proc/self/environ")` through an HCL comment).
 * So, independently of the stack policy:
 * - terraform gets an allow-listed environment: nothing from the job (GITHUB_*, ACTIONS_*,
 *   ACTIONS_ID_TOKEN_REQUEST_* that mint OIDC tokens, other tools' variables) unless named here;
 * - AWS credentials are never in its environment nor in a file: the tool serves them from a
 *   container-credentials endpoint on loopback (`AWS_CONTAINER_CREDENTIALS_FULL_URI` with an
 *   authorization token, which the AWS SDK for Go v2 inside the provider supports), open only for
 *   the job's terraform runs. The token is useless off the runner and after the job.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Variables passed through when set: locale, temp dir, terraform's own automation knobs. */
const PASSED = ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ", "SSL_CERT_FILE", "SSL_CERT_DIR", "TF_PLUGIN_CACHE_DIR", "TF_LOG", "CHECKPOINT_DISABLE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_STS_REGIONAL_ENDPOINTS"];
/** Never passed, even when named in OPENCLAW_TERRAFORM_PASS_ENV. */
const NEVER = /^(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_SECURITY_TOKEN|AWS_PROFILE|AWS_SHARED_CREDENTIALS_FILE|AWS_CONFIG_FILE|AWS_WEB_IDENTITY_TOKEN_FILE|AWS_ROLE_ARN|AWS_CONTAINER_.*|ACTIONS_.*|GITHUB_TOKEN|GH_TOKEN|TF_VAR_.*|TF_CLI_ARGS.*|TF_CLI_CONFIG_FILE|TF_CREDENTIALS_.*|TF_TOKEN_.*)$/;

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: string;
}

/**
 * The environment for terraform: the allow-listed variables of `parent`, the extra names the
 * workflow lists in OPENCLAW_TERRAFORM_PASS_ENV (comma-separated; credentials and ACTIONS_*
 * are refused even there), then `overrides`.
 */
export function terraformEnvironment(parent: NodeJS.ProcessEnv, overrides: Record<string, string> = {}): Record<string, string> {
  const extra = (parent.OPENCLAW_TERRAFORM_PASS_ENV ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const refused = extra.filter((name) => NEVER.test(name));
  if (refused.length) throw new Error(`OPENCLAW_TERRAFORM_PASS_ENV names variables terraform must never see: ${refused.join(", ")}`);
  const env: Record<string, string> = {};
  for (const name of [...PASSED, ...extra]) if (parent[name] !== undefined) env[name] = parent[name]!;
  return { ...env, ...overrides };
}

/** The job's AWS credentials from the environment configure-aws-credentials wrote, if any. */
export function credentialsFromEnvironment(env: NodeJS.ProcessEnv): AwsCredentials | undefined {
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined;
  return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN };
}

export interface CredentialsEndpoint {
  /** What terraform gets instead of the credentials. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Serves `credentials` on 127.0.0.1 to requests carrying a fresh random token, in the format
 * of the ECS container credentials endpoint, until closed.
 */
export async function serveCredentials(credentials: AwsCredentials): Promise<CredentialsEndpoint> {
  const token = randomBytes(32).toString("hex");
  const path = `/credentials/${randomBytes(8).toString("hex")}`;
  const body = JSON.stringify({
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { Token: credentials.sessionToken } : {}),
    // The SDK refreshes before this; the job's role session outlives one plan run.
    Expiration: credentials.expiration ?? new Date(Date.now() + 15 * 60_000).toISOString(),
  });
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || req.url !== path || req.headers.authorization !== token) {
      res.writeHead(403).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}${path}`, AWS_CONTAINER_AUTHORIZATION_TOKEN: token },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Every form a credential value can take in printed text: itself, base64 (standard and URL
 * alphabets, at each of the three alignments, so a value inside a longer encoded string is
 * found), hex in both cases, and percent-encoding. Redaction scrubs all of them.
 */
export function encodedForms(value: string): string[] {
  const forms = new Set<string>([value, encodeURIComponent(value), Buffer.from(value).toString("hex"), Buffer.from(value).toString("hex").toUpperCase()]);
  const bytes = Buffer.from(value);
  for (let shift = 0; shift < 3; shift++) {
    // At byte offset `shift` of a base64 stream, base64 characters [ceil(4*shift/3),
    // floor(4*(shift+len)/3)) depend on the value's bytes only: that run appears in any longer
    // encoded text holding the value at this alignment (an encoded /proc/self/environ).
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64");
    const run = encoded.slice(Math.ceil((4 * shift) / 3), Math.floor((4 * (shift + bytes.length)) / 3));
    if (run.length >= 16) {
      forms.add(run);
      forms.add(run.replace(/\+/g, "-").replace(/\//g, "_"));
    }
  }
  return [...forms].filter((f) => f.length >= 8);
}
