-- 002: the tenant registry, the function that maps the connected role to a tenant id,
-- and the shared tables the agents use, each with row-level security FORCED.
--
-- Why the role and not a setting: the seeds keyed RLS on current_setting('app.tenant_id'),
-- which any session can SET. current_user can only change through SET ROLE, and a
-- tenant is a member of no other tenant's role, so it cannot claim another tenant's id.

SET LOCAL ROLE {{owner_role}};

-- Which login role belongs to which tenant. Written only by the provisioner (as owner).
CREATE TABLE IF NOT EXISTS openclaw.tenant_roles (
  role_name  name PRIMARY KEY,
  tenant_id  text NOT NULL UNIQUE CHECK (tenant_id ~ '^[a-z][a-z0-9-]{0,24}[a-z0-9]$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Set when the tenant is deleted with mode "retain": login revoked, rows kept, and
  -- current_tenant_id() no longer resolves for the role.
  retired_at timestamptz
);
ALTER TABLE openclaw.tenant_roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE openclaw.tenant_roles FORCE ROW LEVEL SECURITY;

-- SECURITY INVOKER on purpose: current_user inside it is the caller (a SECURITY DEFINER
-- function would see its owner). The caller reads the registry through the policy
-- below, which shows each role its own row only. STABLE + used as (SELECT ...) in the
-- policies, so it runs once per statement (an InitPlan), not once per row.
CREATE OR REPLACE FUNCTION openclaw.current_tenant_id() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE SECURITY INVOKER
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT tenant_id FROM openclaw.tenant_roles
  WHERE role_name = current_user AND retired_at IS NULL
$$;
REVOKE ALL ON FUNCTION openclaw.current_tenant_id() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION openclaw.current_tenant_id() TO {{tenant_group}};

DROP POLICY IF EXISTS own_registry_row ON openclaw.tenant_roles;
CREATE POLICY own_registry_row ON openclaw.tenant_roles FOR SELECT TO {{tenant_group}}
  USING (role_name = current_user);
DROP POLICY IF EXISTS platform_admin ON openclaw.tenant_roles;
CREATE POLICY platform_admin ON openclaw.tenant_roles FOR ALL TO {{owner_role}}
  USING (true) WITH CHECK (true);
REVOKE ALL ON openclaw.tenant_roles FROM PUBLIC;
GRANT SELECT ON openclaw.tenant_roles TO {{tenant_group}};

-- Shared tables. Ids are random UUIDs: a sequence would let a tenant count the rows
-- other tenants insert. tenant_id defaults to the caller's, so agents never pass it.

CREATE TABLE IF NOT EXISTS openclaw.leads (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id   text NOT NULL DEFAULT openclaw.current_tenant_id(),
  name        text NOT NULL,
  email       text,
  company     text,
  source      text,
  status      text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'contacted', 'qualified', 'won', 'lost')),
  score       integer CHECK (score BETWEEN 0 AND 100),
  attributes  jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS leads_tenant_created_idx ON openclaw.leads (tenant_id, created_at);

-- What an agent remembers between runs: one value per (tenant, agent, key).
CREATE TABLE IF NOT EXISTS openclaw.agent_memory (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id   text NOT NULL DEFAULT openclaw.current_tenant_id(),
  agent       text NOT NULL CHECK (agent ~ '^[a-z][a-z0-9]{1,15}$'),
  key         text NOT NULL CHECK (length(key) BETWEEN 1 AND 256),
  content     jsonb NOT NULL,
  expires_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, agent, key)
);

-- Append-only: tenants may INSERT and SELECT their rows; nobody but the owner may
-- UPDATE, DELETE or TRUNCATE (the trigger below backs up the missing grants).
CREATE TABLE IF NOT EXISTS openclaw.audit_log (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id   text NOT NULL DEFAULT openclaw.current_tenant_id(),
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor       name NOT NULL DEFAULT current_user,
  agent       text,
  action      text NOT NULL CHECK (length(action) BETWEEN 1 AND 128),
  target      text,
  details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX IF NOT EXISTS audit_log_tenant_time_idx ON openclaw.audit_log (tenant_id, occurred_at);

-- The server, not the agent, says who wrote an audit row and when. Members of the
-- owner role (the provisioner, an operator restoring an export) keep the values given.
CREATE OR REPLACE FUNCTION openclaw.audit_log_stamp() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT pg_has_role(current_user, {{owner_role:literal}}, 'USAGE') THEN
    NEW.actor := current_user;
    NEW.occurred_at := now();
  END IF;
  RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS audit_log_stamp ON openclaw.audit_log;
CREATE TRIGGER audit_log_stamp BEFORE INSERT ON openclaw.audit_log
  FOR EACH ROW EXECUTE FUNCTION openclaw.audit_log_stamp();

-- Defence in depth for append-only: even if someone later grants UPDATE or DELETE to
-- tenants, only members of the owner role (the provisioner, when it drops a tenant)
-- can change or remove audit rows.
CREATE OR REPLACE FUNCTION openclaw.audit_log_append_only() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT pg_has_role(current_user, {{owner_role:literal}}, 'USAGE') THEN
    RAISE EXCEPTION 'openclaw.audit_log is append-only (% by %)', TG_OP, current_user
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
DROP TRIGGER IF EXISTS audit_log_append_only ON openclaw.audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON openclaw.audit_log
  FOR EACH ROW EXECUTE FUNCTION openclaw.audit_log_append_only();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON openclaw.audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON openclaw.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION openclaw.audit_log_append_only();

-- Row-level security on every shared table, FORCED so it binds the owner too; the
-- owner (and members: the provisioner) passes through the platform_admin policy.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['leads', 'agent_memory', 'audit_log'] LOOP
    EXECUTE format('ALTER TABLE openclaw.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE openclaw.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('REVOKE ALL ON openclaw.%I FROM PUBLIC', t);
    EXECUTE format('DROP POLICY IF EXISTS platform_admin ON openclaw.%I', t);
    EXECUTE format('CREATE POLICY platform_admin ON openclaw.%I FOR ALL TO %I USING (true) WITH CHECK (true)', t, {{owner_role:literal}});
  END LOOP;
END
$$;

-- leads and agent_memory: full read/write of the tenant's own rows. No TRUNCATE,
-- REFERENCES or TRIGGER: TRUNCATE ignores row-level security.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['leads', 'agent_memory'] LOOP
    EXECUTE format('DROP POLICY IF EXISTS tenant_rows ON openclaw.%I', t);
    EXECUTE format(
      'CREATE POLICY tenant_rows ON openclaw.%I FOR ALL TO %I '
      'USING (tenant_id = (SELECT openclaw.current_tenant_id())) '
      'WITH CHECK (tenant_id = (SELECT openclaw.current_tenant_id()))', t, {{tenant_group:literal}});
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON openclaw.%I TO %I', t, {{tenant_group:literal}});
  END LOOP;
END
$$;

-- audit_log: read and append own rows; no UPDATE/DELETE policy exists at all.
DROP POLICY IF EXISTS tenant_read ON openclaw.audit_log;
CREATE POLICY tenant_read ON openclaw.audit_log FOR SELECT TO {{tenant_group}}
  USING (tenant_id = (SELECT openclaw.current_tenant_id()));
DROP POLICY IF EXISTS tenant_append ON openclaw.audit_log;
CREATE POLICY tenant_append ON openclaw.audit_log FOR INSERT TO {{tenant_group}}
  WITH CHECK (tenant_id = (SELECT openclaw.current_tenant_id()));
GRANT SELECT, INSERT ON openclaw.audit_log TO {{tenant_group}};

RESET ROLE;
