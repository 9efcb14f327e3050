/**
 * The tenant id rule, in a module of its own (no zod schema around it) so the DB provisioner's
 * Lambda bundle can import it without changing whenever the tenant file schema does.
 *
 * Longest tenant id. The tightest AWS name a tenant stack builds is its S3 bucket
 * (63 characters): `openclaw-<id>-<account id>-<region>` is
 * 9 ("openclaw-") + id + 1 + 12 (account) + 1 + 14 (longest region, ap-southeast-2) = 37 + id,
 * so id <= 26. The next tightest, a task role `openclaw-<id>-<agent>-task` (IAM: 64), is
 * 9 + 26 + 1 + 16 + 5 = 57 at the longest id and agent name. test/naming.test.ts and
 * test/name-limits.test.ts check every generated name at these maxima.
 */
export const MAX_TENANT_ID_LENGTH = 26;
export const TENANT_ID_PATTERN = new RegExp(`^[a-z][a-z0-9-]{0,${MAX_TENANT_ID_LENGTH - 2}}[a-z0-9]$`);
