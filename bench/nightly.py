"""A nightly of many package jobs whose inputs did not change, and the build key lookup against
repositories of 10 and 5000 builds.

- nightly_skip_per_job_s (median), nightly_skip_p90_s, nightly_total_s, nightly_jobs: the rpm
  job's run playbook (playbooks/rpm/run.yaml) as a periodic pipeline runs it for each of
  BENCH_NIGHTLY_JOBS (default 400) packages, one ansible-playbook run per package, two at a
  time (this machine's two cores), with the node's facts as Zuul gives them to a run playbook
  (see rpm_job.py: the job's fact cache, filled when the job starts). The packages are copies
  of the greeter distgit, each with a source name of its own (greeter-0001...), sharing the
  example upstream; the repository says every one of them is built: the greeter is built and
  published once through the job, and the key of every other package is added to the
  repository's build-keys.json with the publisher's own update_build_keys(). When the jobs
  would not fit in the section's time (BENCH_NIGHTLY_BUDGET_S, default 540 s), the section
  stops starting jobs and says how many it ran (nightly_jobs).
- lookup_flat_ratio (lookup_10_s, lookup_5000_s): the wall of the build key lookup (the
  published_build module's code: upstream commit, build key, the repository's build-keys.json
  read) against a repository of 5000 builds divided by the same against 10 builds (median of
  21 lookups each).
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import statistics
import subprocess
import time

import ansible.module_utils
import packaging_publish
from benchlib import GIT_ENV, PLAYBOOK, ROOT, play, rpm_variables, run, say
from rpm_job import zuul_facts

# published_build imports the collection's shared code as ansible.module_utils.zuul_packaging
_SHARED = str(ROOT / "roles" / "packaging-base" / "module_utils")
if _SHARED not in ansible.module_utils.__path__:
    ansible.module_utils.__path__.append(_SHARED)
import published_build  # noqa: E402

TARGETS = [
    ("nightly_skip_per_job_s", 2.0),
    ("lookup_flat_ratio", 1.5),
]

JOBS = int(os.environ.get("BENCH_NIGHTLY_JOBS", "400"))
BUDGET_S = float(os.environ.get("BENCH_NIGHTLY_BUDGET_S", "540"))
ENV = {
    "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
    "ANSIBLE_LOCALHOST_WARNING": "false",
    "ANSIBLE_NOCOLOR": "1",
}


def distgits(source, dest, count):
    """count git distgits copied from source, the spec's source name greeter-<n> in each."""
    spec = (source / "greeter.spec").read_text()
    assert spec.startswith("Name:           greeter\n"), "the greeter spec changed its first line"
    made = []
    for n in range(1, count + 1):
        name = "greeter-%04d" % n
        path = dest / name
        shutil.copytree(source, path, ignore=shutil.ignore_patterns(".git"))
        (path / "greeter.spec").unlink()
        (path / (name + ".spec")).write_text(spec.replace("greeter", name, 1))
        run(["git", "-C", str(path), "init", "-q", "-b", "main"], env=GIT_ENV)
        run(["git", "-C", str(path), "add", "-A"], env=GIT_ENV)
        date = "2026-11-02T11:00:00Z"
        run(
            ["git", "-C", str(path), "commit", "-q", "-m", "Initial packaging of " + name],
            env=dict(GIT_ENV, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date),
        )
        sha = run(["git", "-C", str(path), "rev-parse", "HEAD"]).stdout.strip()
        made.append((path, sha))
    return made


def lookup_args(output):
    """The published_build module's arguments, from the verbose output of a job's run."""
    for line in output.splitlines():
        if " => {" in line and '"build_id"' in line and '"invocation"' in line:
            result = json.loads(line[line.index(" => {") + 4 :])
            args = result["invocation"]["module_args"]
            if "distgit_sha" in args and "job_options" in args:
                return args
    raise AssertionError("no build key lookup in the job's output")


def mark_built(args, packages):
    """Add the build key of every package to the repository's build-keys.json, pointing at
    the greeter's build (what the publisher records for a build)."""
    current = os.path.realpath(args["repo"])
    path = os.path.join(current, packaging_publish.BUILD_KEYS)
    with open(path, encoding="utf-8") as handle:
        keys = json.load(handle)
    (record,) = keys.values()
    present = packaging_publish.pool_files(current, "rpm")
    for _path, sha in packages:
        key = published_build.lookup(dict(args, distgit_sha=sha, lookup=False))["key"]
        keys = packaging_publish.update_build_keys(
            keys, key, record["build_id"], record["files"], present
        )
    packaging_publish.write_json(path, keys)
    return len(keys)


def one_job(job):
    started = time.monotonic()
    proc = subprocess.run(
        [*PLAYBOOK, str(ROOT / "playbooks" / "rpm" / "run.yaml"), "-e", json.dumps(job)],
        cwd=ROOT,
        env=dict(os.environ, **ENV),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    assert proc.returncode == 0 and "nothing new to build or publish" in proc.stdout, (
        "a nightly job did not skip:\n%s" % (proc.stdout + proc.stderr)[-3000:]
    )
    return seconds


def nightly(work):
    example = work / "example"
    run([str(ROOT / "examples" / "make-repos.sh"), str(example)])
    variables = rpm_variables(example, work, packaging_repo_dir=str(work / "repos"))
    say("nightly: the rpm tools, then the greeter built and published once through the job")
    play(ROOT / "playbooks" / "rpm" / "pre.yaml", variables)
    first = dict(
        variables,
        packaging_distgit_url=str(example / "distgit-rpm"),
        zuul_output_dir=str(work / "output" / "greeter"),
    )
    play(ROOT / "playbooks" / "rpm" / "run.yaml", first)
    # again, at the verbosity that shows the lookup module's arguments
    output = run(
        [*PLAYBOOK, "-vvv", str(ROOT / "playbooks" / "rpm" / "run.yaml"), "-e", json.dumps(first)],
        cwd=ROOT,
        env=dict(
            ENV, ANSIBLE_CALLBACK_RESULT_FORMAT="json", ANSIBLE_CALLBACK_FORMAT_PRETTY="false"
        ),
    ).stdout
    assert "nothing new to build or publish" in output, "the greeter's second run did not skip"
    args = lookup_args(output)

    say("nightly: %d distgits, each marked built in the repository" % JOBS)
    started = time.monotonic()
    packages = distgits(example / "distgit-rpm", work / "distgits", JOBS)
    builds = mark_built(args, packages)
    say(
        "nightly: made in %.0f s; the repository holds %d build keys"
        % (time.monotonic() - started, builds)
    )

    say("nightly: %d run playbooks, two at a time" % JOBS)
    jobs = [
        dict(
            variables,
            packaging_distgit_url=str(path),
            zuul_output_dir=str(work / "output" / path.name),
        )
        for path, _sha in packages
    ]
    walls = []
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        pending = set()
        for job in jobs:
            if time.monotonic() - started > BUDGET_S:
                say("nightly: out of time after %d jobs" % (len(walls) + len(pending)))
                break
            pending.add(pool.submit(one_job, job))
            if len(pending) >= 2:
                done, pending = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED
                )
                walls.extend(f.result() for f in done)
        walls.extend(f.result() for f in concurrent.futures.as_completed(pending))
    total = time.monotonic() - started
    walls.sort()
    say("nightly: %d jobs in %.0f s, median %.2f s" % (len(walls), total, statistics.median(walls)))
    return args, {
        "nightly_jobs": len(walls),
        "nightly_total_s": round(total, 1),
        "nightly_skip_per_job_s": round(statistics.median(walls), 2),
        "nightly_skip_p90_s": round(walls[int(0.9 * (len(walls) - 1))], 2),
    }


def lookup_wall(work, args, count):
    """Median wall of the build key lookup against a repository of count builds."""
    current = work / ("lookup-%d" % count) / "current"
    current.mkdir(parents=True)
    params = dict(args, repo=str(current), lookup=True)
    key = published_build.lookup(dict(params, lookup=False))["key"]
    keys = {}
    for n in range(count - 1):
        other = "%064x" % (n * 7919 + 1)
        keys[other] = {"build_id": "b%05d" % n, "files": ["Packages/pkg%05d-1.0-1.noarch.rpm" % n]}
    keys[key] = {"build_id": "wanted", "files": ["Packages/greeter-1.0-1.noarch.rpm"]}
    packaging_publish.write_json(str(current / packaging_publish.BUILD_KEYS), keys)
    walls = []
    for _ in range(21):
        started = time.perf_counter()
        result = published_build.lookup(params)
        walls.append(time.perf_counter() - started)
        assert result["found"] and result["build_id"] == "wanted", result
    return statistics.median(walls)


def measure(work):
    with zuul_facts(work / "facts"):
        args, results = nightly(work)
    small = lookup_wall(work, args, 10)
    large = lookup_wall(work, args, 5000)
    results.update(
        {
            "lookup_10_s": round(small, 4),
            "lookup_5000_s": round(large, 4),
            "lookup_flat_ratio": round(large / small, 2),
        }
    )
    return results
