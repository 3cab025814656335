"""The deb job end to end on the embedded example, with the real tools."""

from __future__ import annotations

import json
import subprocess

import pytest
from pipeline import commit_all, deb_vars, git, play

DIST = "bookworm"
# DEB_BUILD_OPTIONS as job variables (no build profile here: a profile bakes a chroot of its
# own, tests/unit/test_sbuild_package.py checks how profiles reach sbuild and the chroot)
BUILD_OPTIONS = {"packaging_deb_build_options": ["nodoc"], "packaging_deb_parallel": 2,
                 "packaging_autopkgtest": True}


def dpkg_gt(a, b):
    return subprocess.run(["dpkg", "--compare-versions", a, "gt", b], check=False).returncode == 0


def reprepro_list(repo):
    out = subprocess.run(["reprepro", "-b", str(repo), "list", DIST], check=True,
                         capture_output=True, text=True).stdout
    return out.splitlines()


@pytest.fixture(scope="module")
def first_build(example, tmp_path_factory):
    work = tmp_path_factory.mktemp("deb")
    result = play("build-deb.yaml", deb_vars(example, work, verify_deb_install_test_commands=[
        'test "$(greeter packager)" = "Hello, packager!"'], **BUILD_OPTIONS))
    assert result.rc == 0, result.output[-3000:]
    upstream = git(example / "upstream", "rev-parse", "HEAD")
    distgit = git(example / "distgit-deb", "rev-parse", "HEAD")
    version = "0.1.0+git1.%s-1.g%s" % (upstream[:8], distgit[:8])
    return work, version, result


def test_debs_have_the_snapshot_version(first_build):
    work, version, _ = first_build
    debs = sorted((work / "work" / "deb" / "binary").glob("*.deb"))
    assert [d.name for d in debs] == ["greeter_%s_all.deb" % version]
    field = subprocess.run(["dpkg-deb", "-f", str(debs[0]), "Version"], check=True,
                           capture_output=True, text=True).stdout.strip()
    assert field == version


def test_source_package_is_the_exact_upstream_commit(first_build, example):
    work, version, _ = first_build
    upstream_version = version.split("-")[0]
    orig = work / "work" / "deb" / "source" / ("greeter_%s.orig.tar.gz" % upstream_version)
    commit = subprocess.run("zcat %s | git get-tar-commit-id" % orig, shell=True, check=True,
                            capture_output=True, text=True).stdout.strip()
    assert commit == git(example / "upstream", "rev-parse", "HEAD")
    dsc = work / "work" / "deb" / "source" / ("greeter_%s.dsc" % version)
    assert "Version: %s" % version in dsc.read_text()


def test_repository_lists_the_packages(first_build):
    work, version, _ = first_build
    current = work / "repos" / "deb" / DIST / "current"
    assert current.is_symlink()
    listing = reprepro_list(current)
    assert "%s|main|amd64: greeter %s" % (DIST, version) in listing
    assert "%s|main|source: greeter %s" % (DIST, version) in listing
    assert (current / "dists" / DIST / "Release").is_file()


def test_packages_installed_in_a_clean_root(first_build):
    work, version, result = first_build
    log = (work / "output" / "logs" / "deb" / "verify-install.txt").read_text()
    assert "\ngreeter %s\n" % version in log  # dpkg-query -W -f '${Package} ${Version}\n'
    assert "Setting up greeter (%s)" % version in log
    # the installed version was compared with the built one, and the role says so
    assert "root: greeter %s (built versions checked: greeter)" % version in result.output


def test_logs_and_lintian_report_are_kept(first_build):
    work, version, _ = first_build
    logs = work / "output" / "logs" / "deb"
    assert (logs / "lintian.txt").is_file()
    assert (logs / ("greeter_%s_amd64.buildinfo" % version)).is_file()
    build_log = (logs / ("greeter_%s_amd64.build.txt" % version)).read_text()
    assert "Status: successful" in build_log


def test_build_options_reach_dpkg_buildpackage(first_build):
    """packaging_deb_build_options and packaging_deb_parallel are what the build ran with:
    dpkg-genbuildinfo records DEB_BUILD_OPTIONS from the build's own environment."""
    from debian import deb822

    work, version, _ = first_build
    logs = work / "output" / "logs" / "deb"
    buildinfo = deb822.BuildInfo((logs / ("greeter_%s_amd64.buildinfo" % version)).read_text())
    assert buildinfo.get_environment()["DEB_BUILD_OPTIONS"] == "nodoc parallel=2"
    report = json.loads((work / "output" / "artifacts" / "build-report-deb.json").read_text())
    binary = [r for r in report["steps"] if r["step"] == "binary"][0]
    assert binary["details"]["deb_build_options"] == "nodoc parallel=2"


def test_build_report_has_every_step(first_build):
    """The report is made from the stage roles' build records: one per step, in order, and
    the HTML links the logs and the lint report relative to the log root."""
    work, version, _ = first_build
    artifacts = work / "output" / "artifacts"
    report = json.loads((artifacts / "build-report-deb.json").read_text())
    assert report["outcome"] == "built" and report["failure"] == {}
    assert [(r["step"], r["role"]) for r in report["steps"]] == [
        ("fetch", "fetch-distgit"), ("reuse", "skip-published-build"),
        ("source", "build-deb-source"), ("binary", "build-deb-binary"), ("lint", "run-lintian"),
        ("test", "run-autopkgtest"), ("publish", "publish-packaging-repo"),
        ("install", "verify-deb-install"), ("promote", "promote-packaging-repo")]
    assert all(set(r) == {"role", "step", "format", "result", "summary", "files", "logs",
                          "seconds", "details"} for r in report["steps"])
    by_step = {r["step"]: r for r in report["steps"]}
    assert by_step["source"]["details"]["version"] == report["version"] == version
    assert by_step["install"]["details"]["installed"] == [{"name": "greeter", "version": version}]
    assert by_step["promote"]["details"]["build_id"] == report["build_id"]
    html = (artifacts / "build-report-deb.html").read_text()
    assert '<a href="../logs/deb/lintian.txt">lintian.txt</a>' in html
    assert '<a href="../logs/deb/verify-install.txt">verify-install.txt</a>' in html
    assert '<a href="../logs/deb/autopkgtest">autopkgtest</a>' in html
    assert "<td>smoke</td><td>pass</td>" in html


def test_autopkgtest_ran_the_example_test_on_the_built_package(first_build):
    """The distgit's debian/tests/smoke ran with autopkgtest on the built greeter in a fresh
    root, and passed; its result is in the build report and its output in the logs."""
    work, version, _ = first_build
    report = json.loads((work / "output" / "artifacts" / "build-report-deb.json").read_text())
    test = [r for r in report["steps"] if r["step"] == "test"][0]
    assert test["result"] == "done"
    assert test["details"]["tests"] == [{"name": "smoke", "result": "pass", "reason": ""}]
    assert test["details"]["virt_server"] == "unshare" and test["details"]["fail_on"] == "fail"
    logs = work / "output" / "logs" / "deb" / "autopkgtest"
    assert (logs / "smoke-stdout").read_text().strip() == "greeter autopkgtest: Hello, autopkgtest!"
    assert (logs / "summary").read_text().split() == ["smoke", "PASS"]
    # the test root held the built package and nothing else the test did not ask for (no
    # build dependency, no dpkg-dev to unpack the source): what it installed on the testbed
    installed = (logs / "smoke-packages").read_text().splitlines()
    assert installed == ["greeter\t%s" % version]


def test_the_same_inputs_again_are_skipped_and_publish_nothing(first_build, example):
    work, version, _ = first_build
    repo = work / "repos" / "deb" / DIST
    before = sorted(p.name for p in (repo / "builds").iterdir())
    current = (repo / "current").resolve()
    # the same job on a node with another CPU count: the same build
    result = play("build-deb.yaml", deb_vars(example, work, verify_deb_install_test_commands=[
        'test "$(greeter packager)" = "Hello, packager!"'], **dict(BUILD_OPTIONS,
                                                                   packaging_deb_parallel=1)))
    assert result.rc == 0, result.output[-3000:]
    assert "is already published in %s/current" % repo in result.output
    assert "nothing new to build or publish" in result.output
    assert "Run sbuild" not in result.output and "packaging_publish" not in result.output
    assert sorted(p.name for p in (repo / "builds").iterdir()) == before
    assert (repo / "current").resolve() == current
    keys = json.loads((repo / "current" / "build-keys.json").read_text())
    assert [entry["build_id"] for entry in keys.values()] == [current.name]
    # the job still reports (and so returns as its artifact) the build it reuses
    report = json.loads((work / "output" / "artifacts" / "build-report-deb.json").read_text())
    assert report["outcome"] == "reused" and report["build_id"] == current.name
    assert report["repository_build"] == str(repo / "builds" / current.name)
    assert report["packages"] == list(keys.values())[0]["files"]
    assert any(f.endswith("greeter_%s_all.deb" % version) for f in list(keys.values())[0]["files"])


def test_next_commit_sorts_higher_and_replaces_current(first_build, example, tmp_path):
    work, version, _ = first_build
    upstream = tmp_path / "upstream"
    subprocess.run(["git", "clone", "-q", str(example / "upstream"), str(upstream)], check=True)
    (upstream / "NEWS").write_text("greeter: unreleased changes\n")
    commit_all(upstream, "Add NEWS", "2026-11-04T10:00:00Z")
    variables = deb_vars(example, work, packaging_upstream_path=str(upstream))
    result = play("build-deb.yaml", variables)
    assert result.rc == 0, result.output[-3000:]
    sha = git(upstream, "rev-parse", "HEAD")
    new_version = "0.1.0+git2.%s-%s" % (sha[:8], version.split("-", 1)[1])
    assert dpkg_gt(new_version, version)
    repo = work / "repos" / "deb" / DIST
    listing = reprepro_list(repo / "current")
    assert "%s|main|amd64: greeter %s" % (DIST, new_version) in listing
    builds = sorted(p.name for p in (repo / "builds").iterdir())
    assert len(builds) == 2  # the previous build is kept (retention)
    # the install step upgraded from the first build (current before this one was promoted)
    # in its clean root, then purged; the record says so
    first_id = [b for b in builds if b != (repo / "current").resolve().name]
    report = json.loads((work / "output" / "artifacts" / "build-report-deb.json").read_text())
    install = {r["step"]: r for r in report["steps"]}["install"]
    # this job turned autopkgtest off (packaging_autopkgtest: false): skipped, saying so
    test_step = {r["step"]: r for r in report["steps"]}["test"]
    assert test_step["result"] == "skipped" and test_step["summary"].startswith(
        "autopkgtest turned off"), test_step
    assert install["details"]["upgrade_from"] == {
        "pointer": "current", "build_id": first_id[0], "repository": str(repo / "current"),
        "installed": [{"name": "greeter", "version": version}]}
    assert install["details"]["upgraded"] == [
        {"name": "greeter", "from": version, "to": new_version}]
    assert install["details"]["installed"] == [{"name": "greeter", "version": new_version}]
    assert install["details"]["leftovers"] == []
    assert install["details"]["upgrade"] == "upgraded from current (build %s): greeter %s -> %s" % (
        first_id[0], version, new_version)


def test_first_build_had_nothing_to_upgrade_from(first_build):
    _, version, result = first_build
    assert "no earlier build to upgrade from" in result.output
    assert "purged, 0 files left behind" in result.output
