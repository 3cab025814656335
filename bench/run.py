#!/usr/bin/env python3
"""The collection's performance benchmark (not a test): `make bench`.

Everything is measured in this one run on this machine and printed with its target, "met" or
"MISSED"; the numbers go to build/bench/bench.json. Each section is a module of this
directory whose docstring says exactly what it times:

- deb_example: the greeter example: stock `sbuild --chroot-mode=unshare` on a stock .tar.zst
  buildd chroot against the collection's cold and warm deb build, the orchestration overhead,
  the deb job's skip-unchanged path (warm_vs_stock_sbuild_ratio, overhead_s,
  skip_unchanged_s, ...);
- publish_scale: publishing into repositories of 10 and 5000 packages (role and module), the
  build lookup, index and retention from 10 to 5000 builds, and 20 concurrent publishers
  (publish_5000_vs_10_ratio_{deb,rpm}, concurrent_publishes_per_s, ...);
- deb_python: the tinyconf example (a Python library, 18 build dependencies): stock sbuild,
  the warm build, the floor (dpkg-buildpackage on the host) and the whole warm deb job
  (real_warm_vs_stock_sbuild_ratio, real_warm_minus_floor_s, deb_job_vs_stock_sbuild_ratio);
- rpm_job: the rpm build's orchestration overhead and the rpm job's skip-unchanged path
  (rpm_overhead_s, rpm_skip_unchanged_s);
- nightly: 400 unchanged package jobs, two at a time, as a periodic pipeline runs them, and
  the build key lookup against 5000 vs 10 builds (nightly_skip_per_job_s, lookup_flat_ratio);
- fresh_node: the deb build on a node with an empty chroot cache restoring from a shared
  cache, against a warm node (fresh_node_cold_vs_warm_ratio).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import OUT, say  # noqa: E402

# Each section is a module of this directory with measure(work) -> {key: value} and
# TARGETS, a list of (key, upper bound) or (key, ">=", lower bound). BENCH_ONLY=name,name
# runs only those sections.
SECTIONS = ["deb_example", "publish_scale", "deb_python", "rpm_job", "nightly", "fresh_node"]


def bound(target):
    """(op, limit) of a TARGETS entry: (key, limit) is an upper bound."""
    if len(target) == 2:
        return "<=", target[1]
    assert target[1] in ("<=", ">="), target
    return target[1], target[2]


def main():
    only = [s for s in os.environ.get("BENCH_ONLY", "").split(",") if s]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        sys.exit(
            "bench: no section named %s (sections: %s)" % (", ".join(unknown), ", ".join(SECTIONS))
        )
    if OUT.exists():
        shutil.rmtree(OUT)
    results, targets = {}, {}
    for name in only or SECTIONS:
        section = importlib.import_module(name)
        work = OUT / "work" / name
        work.mkdir(parents=True)
        say("section %s" % name)
        started = time.monotonic()
        results.update(section.measure(work))
        targets.update({t[0]: bound(t) for t in section.TARGETS})
        say("section %s took %.0f s" % (name, time.monotonic() - started))
        shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(OUT / "work", ignore_errors=True)
    (OUT / "bench.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    print()
    print("%-38s %10s" % ("measure", "value"))
    for key in sorted(results):
        note = ""
        if key in targets:
            op, limit = targets[key]
            met = results[key] <= limit if op == "<=" else results[key] >= limit
            note = "  (target %s %s: %s)" % (op, limit, "met" if met else "MISSED")
        print("%-38s %10s%s" % (key, results[key], note))
    for key in sorted(set(targets) - set(results)):
        print("%-38s %10s  (target %s %s: MISSED, not measured)" % ((key, "-") + targets[key]))
    print("\nwritten to %s" % (OUT / "bench.json"))


if __name__ == "__main__":
    main()
