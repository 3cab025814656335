"""The rpm job on the greeter example: the orchestration overhead of its build (playbook wall
minus the wall of every tool it ran) and its skip-unchanged path.

- rpm_build_s: bench/rpm-build.yaml (fetch-distgit, build-rpm-source, build-rpm-binary with
  rpmbuild) on a new upstream commit, after a first run that fills the caches;
- rpm_tools_s: the wall of the tools it ran (the tool_seconds the rpm modules report);
- rpm_overhead_s: rpm_build_s minus rpm_tools_s: Ansible's share plus the collection's own
  bookkeeping;
- rpm_skip_unchanged_s: the median of three runs of the rpm job's run playbook
  (playbooks/rpm/run.yaml) for inputs whose build the repository already holds (it ends after
  the build key lookup), with the node's facts as Zuul gives them to a run playbook: Zuul's
  executor gathers them when the job starts and its Ansible caches them (gathering = smart,
  fact_caching = jsonfile), so the play does not gather them again (the cache here is filled
  by the job's pre-run playbook);
- rpm_skip_unchanged_gather_s: the same with the play gathering its facts (a local run
  without a fact cache), for information.
"""

from __future__ import annotations

import contextlib
import os

from benchlib import ROOT, commit, play, rpm_variables, run, say

TARGETS = [
    ("rpm_overhead_s", 3.0),
    ("rpm_skip_unchanged_s", 2.0),
]


@contextlib.contextmanager
def zuul_facts(cache):
    """Run playbooks with the fact cache of a Zuul job (gathering = smart, a jsonfile cache
    the first play fills)."""
    settings = {
        "ANSIBLE_GATHERING": "smart",
        "ANSIBLE_CACHE_PLUGIN": "jsonfile",
        "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(cache),
    }
    saved = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def skip_runs(job):
    """The median wall of three skip-unchanged runs of the rpm job's run playbook."""
    skips = []
    for _ in range(3):  # the median of three: one run is at the mercy of the machine's noise
        skip_s, output, _ = play(ROOT / "playbooks" / "rpm" / "run.yaml", job)
        assert "nothing new to build or publish" in output, "the rpm run did not skip"
        skips.append(skip_s)
    return sorted(skips)[1]


def measure(work):
    example = work / "example"
    run([str(ROOT / "examples" / "make-repos.sh"), str(example)])
    variables = rpm_variables(
        example,
        work,
        packaging_distgit_url=str(example / "distgit-rpm"),
        zuul_output_dir=str(work / "output"),
    )
    say("rpm: the rpm tools (pre-run), then a first build that fills the caches")
    play(ROOT / "playbooks" / "rpm" / "pre.yaml", variables)
    play(ROOT / "bench" / "rpm-build.yaml", variables)

    say("rpm: the build of the next upstream commit")
    commit(example / "upstream", "NEWS", "2026-11-05T10:00:00Z")
    build_s, _, walls = play(ROOT / "bench" / "rpm-build.yaml", variables)
    tools = sum(walls.values())
    for step in ("Build the SRPM", "Build the RPMs"):
        assert any(k.startswith(step) and ": " in k for k in walls), (
            "the rpm build reported no tool time for %r: %s" % (step, sorted(walls))
        )

    say("rpm skip-unchanged: the rpm job's run playbook, then again with the same inputs")
    job = dict(variables, packaging_repo_dir=str(work / "repos"))
    play(ROOT / "playbooks" / "rpm" / "run.yaml", job)
    gather_s = skip_runs(job)
    with zuul_facts(work / "facts"):
        play(ROOT / "playbooks" / "rpm" / "pre.yaml", variables)  # the job's start fills it
        skip_s = skip_runs(job)
    return {
        "rpm_build_s": round(build_s, 2),
        "rpm_tools_s": round(tools, 2),
        "rpm_overhead_s": round(build_s - tools, 2),
        "rpm_skip_unchanged_s": round(skip_s, 2),
        "rpm_skip_unchanged_gather_s": round(gather_s, 2),
    }
