-- 003: table privileges that let no tenant block another. In PostgreSQL, table-level
-- UPDATE, DELETE or TRUNCATE permits LOCK TABLE in every mode, up to ACCESS EXCLUSIVE;
-- INSERT permits ROW EXCLUSIVE at most, SELECT only ACCESS SHARE (LockTableAclCheck in
-- src/backend/commands/lockcmds.c; https://www.postgresql.org/docs/15/sql-lock.html).
-- Column-level UPDATE does not count for LOCK TABLE, so tenants keep:
--   SELECT, INSERT (table level): ACCESS SHARE and ROW EXCLUSIVE, which conflict with
--     nothing another tenant's SELECT/INSERT/UPDATE/DELETE needs;
--   UPDATE on the data columns only (not id, tenant_id, created_at);
--   DELETE through openclaw.delete_leads / openclaw.delete_agent_memory below.
-- What a tenant can still hold (ROW EXCLUSIVE, ACCESS SHARE) conflicts only with DDL;
-- the provisioner ends such sessions when they block a migration (db/provisioner/blockers.ts).

SET LOCAL ROLE {{owner_role}};

REVOKE UPDATE, DELETE ON openclaw.leads, openclaw.agent_memory FROM {{tenant_group}};
GRANT UPDATE (name, email, company, source, status, score, attributes, updated_at) ON openclaw.leads TO {{tenant_group}};
GRANT UPDATE (agent, key, content, expires_at, updated_at) ON openclaw.agent_memory TO {{tenant_group}};

-- DELETE for tenants. SECURITY DEFINER (the owner may delete, through platform_admin),
-- so the tenant filter is explicit: rows of the tenant that the *session* user is, from
-- the registry, retired roles excluded. session_user, not current_user: inside the
-- function current_user is the owner, and a tenant cannot change its session user
-- (SET SESSION AUTHORIZATION needs superuser). The provisioner's session maps to no
-- tenant, so it deletes nothing here. search_path pinned: no object of the caller's
-- schema can stand in for a name used below.
DO $do$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['leads', 'agent_memory'] LOOP
    EXECUTE format($f$
      CREATE OR REPLACE FUNCTION openclaw.%1$I(ids uuid[]) RETURNS integer
        LANGUAGE sql VOLATILE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
      AS $body$
        WITH caller AS (
          SELECT tenant_id FROM openclaw.tenant_roles WHERE role_name = session_user AND retired_at IS NULL
        ), gone AS (
          DELETE FROM openclaw.%2$I t USING caller WHERE t.tenant_id = caller.tenant_id AND t.id = ANY (ids) RETURNING 1
        )
        SELECT count(*)::integer FROM gone
      $body$$f$, 'delete_' || t, t);
    EXECUTE format('REVOKE ALL ON FUNCTION openclaw.%I(uuid[]) FROM PUBLIC', 'delete_' || t);
    EXECUTE format('GRANT EXECUTE ON FUNCTION openclaw.%I(uuid[]) TO %I', 'delete_' || t, {{tenant_group:literal}});
  END LOOP;
END
$do$;

RESET ROLE;
