import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_ZONE_IDS } from "../../config/availability-zones";
import { loadPriceTable, MissingPriceTableError, PRICES_DIR, PriceTableSchema, UNPRICED_REGIONS, unpricedRegionLine } from "../../cost/prices";
import { FIXTURE_CDKTF_JSON } from "../support/fixtures";

const tables = readdirSync(PRICES_DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({ file: f, table: PriceTableSchema.parse(JSON.parse(readFileSync(join(PRICES_DIR, f), "utf8"))) }));

describe("price tables (cost/prices/<region>.json)", () => {
  it("exist for every region cdktf.json declares, each named after its region", () => {
    const environments = JSON.parse(readFileSync(FIXTURE_CDKTF_JSON, "utf8")).context.environments;
    const declared = new Set(Object.values<any>(environments).flatMap((e) => Object.keys(e.regions)));
    expect([...declared].filter((r) => !tables.some((t) => t.table.region === r))).toEqual([]);
    expect(tables.filter((t) => t.file !== `${t.table.region}.json`).map((t) => t.file)).toEqual([]);
  });

  it("carry the date their prices were read: a real date, not in the future", () => {
    for (const { table } of tables) {
      const date = new Date(`${table.date}T00:00:00Z`);
      expect(date.getTime()).toBeLessThanOrEqual(Date.now());
      expect(date.getTime()).toBeGreaterThan(Date.UTC(2025, 0, 1));
    }
  });

  it("price the same things in every region, each with a unit and an AWS pricing page", () => {
    const keys = tables.map((t) => Object.keys(t.table.prices).sort().join(","));
    expect(new Set(keys).size).toBe(1);
    for (const { table } of tables) {
      for (const [key, p] of Object.entries(table.prices)) {
        expect([key, p.source.startsWith("https://aws.amazon.com/"), p.unit.length > 0]).toEqual([key, true, true]);
      }
    }
  });

  it("cover every region the environment schema knows (config/availability-zones.ts): a table, or listed as unpriced with the reason, never both (#27)", () => {
    const known = Object.keys(DEFAULT_ZONE_IDS);
    expect(known.length).toBeGreaterThan(10); // guard: the loop below runs over the real list
    const priced = new Set(tables.map((t) => t.table.region));
    const uncovered = known.filter((r) => !priced.has(r) && !(r in UNPRICED_REGIONS));
    const both = known.filter((r) => priced.has(r) && r in UNPRICED_REGIONS);
    expect({ uncovered, both }).toEqual({ uncovered: [], both: [] });
    expect(Object.keys(UNPRICED_REGIONS).filter((r) => !known.includes(r))).toEqual([]);
  });

  it("give an unpriced region the one line the plan comment shows: which file is missing and the command that writes it", () => {
    for (const region of Object.keys(UNPRICED_REGIONS)) {
      expect(() => loadPriceTable(region)).toThrow(MissingPriceTableError);
      expect(unpricedRegionLine(region)).toBe(
        `no price table for region ${region} (cost/prices/${region}.json): \`npm run prices:update -- --region ${region}\` writes it from the AWS Price List API with AWS credentials`,
      );
    }
  });

  it("say where their values come from and whether the Price List API confirmed them", () => {
    for (const { table } of tables) {
      expect(table.basis).toMatch(/^(AWS Price List API|AWS public pricing pages)/);
      expect(table.basis).toContain(table.date);
      if (table.basis.startsWith("AWS public pricing pages")) expect(table.basis).toContain(`npm run prices:update -- --region ${table.region}`);
    }
  });
});
