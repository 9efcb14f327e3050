-- 003: where a tenant's offboarding export went. The offboarding job's `export` operation
-- stores the receipt (location, SHA-256, bytes) here after the upload succeeded; the drop that
-- follows (the job's, or terraform destroy's delete) finds it and drops without exporting a
-- second time. The row, and so the receipt, goes with the drop.

SET LOCAL ROLE {{owner_role}};

ALTER TABLE openclaw.tenant_roles ADD COLUMN IF NOT EXISTS offboarding_export jsonb;

RESET ROLE;
