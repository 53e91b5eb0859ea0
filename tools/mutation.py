#!/usr/bin/env python3
"""Mutation testing (PIT) per package, checked against committed baselines.

    tools/mutation.py                    # every package in tools/mutation-baseline.json
    tools/mutation.py io model           # some of them
    tools/mutation.py --no-run io        # only re-read java-engine/target/pit-reports/io/mutations.xml
    tools/mutation.py --update model     # run, then write the new figures into the baseline

For each package it runs (offline; run once without -o to fetch PIT)

    mvn -B -o -q -Pmutation -pl java-engine test-compile \
        org.pitest:pitest-maven:mutationCoverage -Dpit.package=PKG

(PIT's default mutators on dev.redengine.PKG.*, with the tests of dev.redengine.PKG.*; see the `mutation`
profile in java-engine/pom.xml), reads target/pit-reports/PKG/mutations.xml and prints killed / total.
Mutants listed under "equivalent" in the baseline (class, method, line, mutator, with the reason they cannot
be killed) are left out of both counts. Exit code 1 when a package's score is below its baseline "score"
(in percent, compared after rounding to 0.1), 2 on a missing report or bad arguments.
"""
import argparse
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tools" / "mutation-baseline.json"
DETECTED = {"KILLED", "TIMED_OUT", "MEMORY_ERROR", "RUN_ERROR"}


def report(pkg):
    return ROOT / "java-engine" / "target" / "pit-reports" / pkg / "mutations.xml"


def run(pkg, offline):
    cmd = ["mvn", "-B", "-q", "-Pmutation", "-pl", "java-engine", "test-compile",
           "org.pitest:pitest-maven:mutationCoverage", "-Dpit.package=" + pkg]
    if offline:
        cmd.insert(1, "-o")
    print("+ " + " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT)


def is_equivalent(m, equivalents):
    for e in equivalents:
        if (m["class"] == e["class"] and m["method"] == e["method"] and m["line"] == e["line"]
                and m["mutator"].endswith(e["mutator"])
                and ("description" not in e or e["description"] == m["description"])):
            return True
    return False


def score(pkg, equivalents):
    path = report(pkg)
    if not path.is_file():
        return None
    mutants, survivors = [], []
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return None   # a report still being written
    for el in root.iter("mutation"):
        m = {
            "status": el.get("status"),
            "class": el.findtext("mutatedClass"),
            "method": el.findtext("mutatedMethod"),
            "line": int(el.findtext("lineNumber")),
            "mutator": el.findtext("mutator"),
            "description": el.findtext("description"),
        }
        # a listed mutant that some test kills is not equivalent after all: it counts as killed
        if m["status"] not in DETECTED and is_equivalent(m, equivalents):
            continue
        mutants.append(m)
        if m["status"] not in DETECTED:
            survivors.append(m)
    killed = len(mutants) - len(survivors)
    return killed, len(mutants), survivors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("packages", nargs="*")
    ap.add_argument("--no-run", action="store_true", help="only read existing reports")
    ap.add_argument("--online", action="store_true", help="let Maven download (first run)")
    ap.add_argument("--update", action="store_true", help="write the measured scores into the baseline")
    ap.add_argument("--survivors", action="store_true", help="list the surviving mutants")
    args = ap.parse_args()
    baseline = json.loads(BASELINE.read_text())
    pkgs = args.packages or list(baseline["packages"])
    failed = missing = False
    for pkg in pkgs:
        entry = baseline["packages"].get(pkg, {"score": 0.0, "equivalent": []})
        if not args.no_run and run(pkg, not args.online) != 0:
            print(f"{pkg}: PIT failed", file=sys.stderr)
            missing = True
            continue
        res = score(pkg, entry.get("equivalent", []))
        if res is None:
            print(f"{pkg}: no report at {report(pkg)}", file=sys.stderr)
            missing = True
            continue
        killed, total, survivors = res
        pct = round(100.0 * killed / total, 1) if total else 100.0
        floor = entry.get("score", 0.0)
        verdict = "ok" if pct >= floor else "BELOW BASELINE"
        print(f"{pkg}: {killed}/{total} killed = {pct}% (baseline {floor}%, "
              f"{len(entry.get('equivalent', []))} equivalent left out) {verdict}")
        if args.survivors:
            for m in survivors:
                print(f"    {m['status']:12} {m['class']}.{m['method']}:{m['line']} {m['description']}")
        if pct < floor:
            failed = True
        if args.update:
            entry["score"] = pct
            entry["killed"] = killed
            entry["total"] = total
            baseline["packages"][pkg] = entry
    if args.update:
        BASELINE.write_text(json.dumps(baseline, indent=2) + "\n")
    return 2 if missing else 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
