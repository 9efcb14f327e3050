import { FIXTURE_CDKTF_JSON, FIXTURE_TENANTS_DIR } from "./fixtures";
import { installLiveConfigGuard } from "./live-config-guard";

// cdktf's jest matchers (Testing.setupJest) are not registered: no test uses them, and loading
// cdktf for every test file cost about 0.6 s each, which every mutant of `npm run test:mutation`
// paid once per related test file.

if (!process.env.OPENCLAW_FLEET_SYNTH_DIR) {
  // Tests never read the live fleet (tenants/, cdktf.json): test/support/live-config-guard.ts.
  installLiveConfigGuard();
  // Child processes that load the configuration (main.ts, the synth-based CLIs) read the fixtures,
  // whatever the shell running the tests exported.
  process.env.OPENCLAW_CDKTF_JSON = FIXTURE_CDKTF_JSON;
  process.env.OPENCLAW_TENANTS_DIR = FIXTURE_TENANTS_DIR;
}
// else: `npm run check:fleet` runs the invariant tests over the live fleet on purpose
// (scripts/check-fleet.ts); fixture-based tests in those files still name the fixtures.
