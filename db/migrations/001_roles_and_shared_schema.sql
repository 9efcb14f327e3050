-- 001: the non-login roles of the tenancy model, the shared schema, and the
-- revocation of PUBLIC defaults. Runs as the provisioner's login (the RDS master user:
-- CREATEROLE and owner of the database, but not a superuser).
--
-- Every statement is idempotent: re-running this file changes nothing.
-- Role names are placeholders in double braces, rendered by db/provisioner/migrate.ts
-- as quoted identifiers (or, with ":literal", as quoted strings) from db/names.ts DbLayout.

DO $$
BEGIN
  -- Owns every shared object. NOLOGIN and granted to no tenant, so no tenant can
  -- become it (table owners can ALTER/DISABLE row-level security).
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {{owner_role:literal}}) THEN
    EXECUTE format('CREATE ROLE %I NOLOGIN', {{owner_role:literal}});
  END IF;
  -- Holds the table privileges all tenants share; the policies narrow them to rows.
  -- A tenant can SET ROLE to it (membership allows that even with NOINHERIT), which
  -- only leaves it with no tenant id at all: it then sees and writes nothing.
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {{tenant_group:literal}}) THEN
    EXECUTE format('CREATE ROLE %I NOLOGIN', {{tenant_group:literal}});
  END IF;
END
$$;

-- The provisioner acts as the owner (SET ROLE, and the platform_admin policies) to
-- create, export and delete. Re-granting an existing membership is a no-op (NOTICE).
GRANT {{owner_role}} TO CURRENT_USER;

-- Database: nobody connects or creates temp objects unless granted. Tenants get CONNECT
-- through their group; TEMP is withheld (temporary objects serve no agent and widen
-- what a session can create).
DO $$
BEGIN
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), {{tenant_group:literal}});
END
$$;

-- The public schema: no CREATE (the pre-PG15 default) and no USAGE for PUBLIC, so a
-- tenant cannot plant functions or operators there that another session resolves.
REVOKE ALL ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA IF NOT EXISTS openclaw AUTHORIZATION {{owner_role}};
ALTER SCHEMA openclaw OWNER TO {{owner_role}};
REVOKE ALL ON SCHEMA openclaw FROM PUBLIC;
GRANT USAGE ON SCHEMA openclaw TO {{tenant_group}};

-- Functions are EXECUTE-able by PUBLIC by default; the owner's new functions are not.
ALTER DEFAULT PRIVILEGES FOR ROLE {{owner_role}} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE {{owner_role}} REVOKE ALL ON TABLES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE {{owner_role}} REVOKE ALL ON SEQUENCES FROM PUBLIC;

-- Applied migrations, read by the runner. Created here because the schema only exists from here on.
CREATE TABLE IF NOT EXISTS openclaw.schema_migrations (
  version    text PRIMARY KEY,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE openclaw.schema_migrations OWNER TO {{owner_role}};
