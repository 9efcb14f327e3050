import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PRICES_DIR, PriceTableSchema } from "../../cost/prices";
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
});
