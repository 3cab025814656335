"""The collection's jobs, run by a real Zuul against local git repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
JOBS = ("packaging-build-deb", "packaging-build-rpm")


def test_every_job_loads_without_configuration_errors(zuul):
    assert zuul.api("tenant/packaging/config-errors") == []
    defined = {job["name"] for job in yaml.safe_load((ROOT / "zuul.d" / "jobs.yaml").read_text())
               for job in [job["job"]]}
    loaded = {job["name"]: job for job in zuul.api("tenant/packaging/jobs")}
    assert defined <= set(loaded)
    for name in defined:
        assert loaded[name]["description"], name


@pytest.fixture(scope="module")
def buildset(zuul):
    """A distgit commit first (its repo is in required-projects), then an upstream commit
    that triggers both jobs in the post pipeline."""
    distgit_sha = zuul.push_commit(
        "greeter-deb", "debian/README.source", "Built by Zuul from required-projects.\n",
        "Document the source package", "2026-11-07T10:00:00Z")
    upstream_sha = zuul.push_commit(
        "greeter", "NEWS", "Unreleased: built by Zuul.\n", "Add NEWS", "2026-11-07T11:00:00Z")
    builds = zuul.wait_builds("greeter", upstream_sha, JOBS, 1200)
    return upstream_sha, distgit_sha, builds


def artifact(build, name):
    found = [a for a in build["artifacts"] if a["name"] == name]
    assert found, "no artifact %r in %s" % (name, build["artifacts"])
    return found[0]


def test_both_jobs_succeed(buildset):
    _, _, builds = buildset
    for job in JOBS:
        assert builds[job]["result"] == "SUCCESS", builds[job]


def test_deb_artifact_points_at_a_repository_holding_the_packages(buildset):
    upstream_sha, distgit_sha, builds = buildset
    repo = artifact(builds["packaging-build-deb"], "deb repository")
    assert repo["url"].startswith("file://")
    meta = repo["metadata"]
    assert meta["upstream_sha"] == upstream_sha
    listing = subprocess.run(["reprepro", "-b", repo["url"][len("file://"):], "list", "bookworm"],
                             check=True, capture_output=True, text=True).stdout
    assert "bookworm|main|amd64: greeter %s" % meta["version"] in listing
    assert meta["packages"] == ["greeter_%s_all.deb" % meta["version"]]
    assert meta["version"].startswith("0.1.0+git2.%s-2.g%s" % (upstream_sha[:8], distgit_sha[:8]))


def test_distgit_from_required_projects_was_built(buildset):
    _, distgit_sha, builds = buildset
    meta = artifact(builds["packaging-build-deb"], "deb repository")["metadata"]
    # the job's packaging_distgit_url points nowhere: only Zuul's checkout could be used
    assert meta["distgit_origin"] == "zuul"
    assert meta["distgit_sha"] == distgit_sha


def test_rpm_artifact_points_at_a_repository_listing_the_rpm(buildset, tmp_path):
    upstream_sha, _, builds = buildset
    repo = artifact(builds["packaging-build-rpm"], "rpm repository")
    meta = repo["metadata"]
    assert meta["distgit_origin"] == "zuul"
    assert meta["version"].startswith("0.1.0^git2.%s-" % upstream_sha[:8])
    out = subprocess.run(
        ["dnf", "-q", "--installroot", str(tmp_path), "--releasever=9",
         "--setopt=reposdir=/dev/null", "--repofrompath=z,%s" % repo["url"], "--repo=z",
         "repoquery", "--qf", "%{name}-%{version}-%{release}"],
        check=True, capture_output=True, text=True).stdout.split()
    assert "greeter-%s" % meta["version"] in out


def test_logs_and_report_reach_the_executor(buildset, zuul):
    _, _, builds = buildset
    build = builds["packaging-build-deb"]
    report = artifact(build, "deb build report")
    assert report["url"] == "packaging/artifacts/build-report-deb.json"
    logs = zuul.state / "zuul" / "builds"
    # the executor keeps no job dir after the build; the report is in the returned artifacts
    assert build["log_url"] is None or isinstance(build["log_url"], str)
    assert logs.exists()
