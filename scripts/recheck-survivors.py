"""Re-applies the survivors of a Stryker run to the source, one at a time, and runs the given
jest files against each: a mutant is killed when a test that passes on the unmutated source fails
(or the run does not finish within TIMEOUT seconds, Stryker's "timeout"). It is how tests written
after a run are checked against that run's survivors without a whole new Stryker run (#32,
BENCHMARKS.md "Mutation testing").

    python3 scripts/recheck-survivors.py REPORT WORKTREE FILE TEST...

REPORT is the run's Stryker JSON (reports/mutation/last-run.json, copied aside); WORKTREE a git
worktree whose FILE is the source the run measured (the script writes each mutant into it and
restores it); TEST the jest files. ONLY=id,id,... limits it to some mutants.
"""
import json
import os
import subprocess
import sys

report, worktree, target, tests = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
only = os.environ.get("ONLY")
timeout = int(os.environ.get("TIMEOUT", "120"))
source_path = os.path.join(worktree, target)
original = open(source_path).read()
lines = original.split("\n")


def offset(position):
    return sum(len(line) + 1 for line in lines[: position["line"] - 1]) + position["column"] - 1


def run_tests():
    """Each test's status by (file, full name), or None when the run did not finish."""
    out = os.path.join(worktree, ".recheck-jest.json")
    if os.path.exists(out):
        os.remove(out)
    try:
        subprocess.run(["npx", "jest", "--ci", "-i", "--json", "--outputFile", out, *tests], cwd=worktree, capture_output=True, env={**os.environ, "CI": "true"}, timeout=timeout)
    except subprocess.TimeoutExpired:
        subprocess.run(["pkill", "-f", f"--outputFile {out}"])
        return None
    if not os.path.exists(out):
        return None
    data = json.load(open(out))
    statuses = {(r["name"], " > ".join(a["ancestorTitles"] + [a["title"]])): a["status"] for r in data["testResults"] for a in r["assertionResults"]}
    if any(r["status"] == "failed" and not r["assertionResults"] for r in data["testResults"]):
        statuses[("(suite)", "(load)")] = "failed"
    return statuses


baseline = run_tests() or {}
passing = {k for k, v in baseline.items() if v == "passed"}
print(f"baseline: {len(passing)} passing, {len(baseline) - len(passing)} not", flush=True)
mutants = [m for m in json.load(open(report))["files"][target]["mutants"] if m["status"] in ("Survived", "NoCoverage")]
if only:
    mutants = [m for m in mutants if m["id"] in only.split(",")]
try:
    for m in mutants:
        start, end = offset(m["location"]["start"]), offset(m["location"]["end"])
        open(source_path, "w").write(original[:start] + m["replacement"] + original[end:])
        result = run_tests()
        failing = [] if result is None else [k[1] for k in sorted(passing) if result.get(k) != "passed"]
        killed = result is None or bool(failing)
        where = f"{m['location']['start']['line']}:{m['location']['start']['column']}"
        by = "(timeout)" if result is None else (failing[0][-90:] if failing else "")
        print(f"{'KILLED ' if killed else 'SURVIVE'} {m['id']} {where} {m['mutatorName']} {m['replacement'][:50]!r} {by}", flush=True)
finally:
    open(source_path, "w").write(original)
