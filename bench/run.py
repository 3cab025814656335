#!/usr/bin/env python3
"""The collection's performance benchmark (not a test): `make bench`.

Everything is measured in this one run on this machine and printed as ratios; the numbers go
to build/bench/bench.json. What is timed:

- stock_sbuild_s: `sbuild --chroot-mode=unshare` with its defaults on a stock mmdebstrap
  buildd chroot compressed as .tar.zst (build dependencies installed by apt each build),
  building the example's source package;
- cold_s / warm_s: the collection's deb build (bench/deb-build.yaml: fetch-distgit,
  build-deb-source, build-deb-binary) of the same package, first with an empty chroot cache
  (it makes the chroot with the build dependencies baked in), then warm on the next upstream
  commit (so no build is reused); warm_s is the wall time of the build tools in the warm run
  (git archive, tar, dpkg-source as the source build module reports them, sbuild),
  warm_playbook_s the whole playbook;
- overhead_s: warm playbook wall minus the wall of every tool it ran (commands, and the tools
  modules report): Ansible's share plus the collection's own bookkeeping;
- job_overhead_s: the same for the whole deb job's run playbook (first_job_run_s: build
  reused from the warm run, lintian, publish, install check, build report), for information;
- skip_unchanged_s: the median of three runs of the deb job's run playbook
  (playbooks/deb/run.yaml) for inputs whose
  build the repository already holds (it ends after the build key lookup);
- publish_5000_vs_10_ratio_{deb,rpm}: time of a job's publish step (the publish role, as
  bench/publish.yaml runs it) adding one more package build to a repository of 5000 packages,
  divided by the same for a repository of 10; module_publish_5000_vs_10_ratio_{deb,rpm}: the
  same for the packaging_publish code alone (staging copy, reprepro or createrepo_c, atomic
  swap), without Ansible.
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
# TARGETS, a list of (key, upper bound). BENCH_ONLY=name,name runs only those sections.
SECTIONS = ["deb_example", "publish_scale", "deb_python", "rpm_job", "nightly", "fresh_node"]


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
        targets.update(dict(section.TARGETS))
        say("section %s took %.0f s" % (name, time.monotonic() - started))
        shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(OUT / "work", ignore_errors=True)
    (OUT / "bench.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    print()
    print("%-38s %10s" % ("measure", "value"))
    for key in sorted(results):
        target = targets.get(key)
        note = (
            ""
            if target is None
            else ("  (target <= %s: %s)" % (target, "met" if results[key] <= target else "MISSED"))
        )
        print("%-38s %10s%s" % (key, results[key], note))
    missing = sorted(set(targets) - set(results))
    for key in missing:
        print("%-38s %10s  (target <= %s: MISSED, not measured)" % (key, "-", targets[key]))
    print("\nwritten to %s" % (OUT / "bench.json"))


if __name__ == "__main__":
    main()
