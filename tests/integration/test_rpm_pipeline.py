"""The rpm job end to end on the embedded example (rpmbuild builder: mock cannot run on
these Debian machines), with the real tools."""

from __future__ import annotations

import json
import subprocess

import pytest
from pipeline import commit_all, git, play, rpm_vars

TARGET = "centos-stream-9-x86_64"


def rpmq(path, fmt):
    return subprocess.run(["rpm", "-qp", "--qf", fmt, str(path)], check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def rpm_build(example, tmp_path_factory):
    work = tmp_path_factory.mktemp("rpm")
    result = play("build-rpm.yaml", rpm_vars(example, work))
    assert result.rc == 0, result.output[-3000:]
    upstream = git(example / "upstream", "rev-parse", "HEAD")
    distgit = git(example / "distgit-rpm", "rev-parse", "HEAD")
    return work, "0.1.0^git1.%s" % upstream[:8], "1.g%s" % distgit[:8], result


def test_rpm_has_the_snapshot_nevr(rpm_build):
    work, version, release, _ = rpm_build
    rpms = sorted((work / "work" / "rpm" / "binary").rglob("*.rpm"))
    assert [r.name for r in rpms] == ["greeter-%s-%s.noarch.rpm" % (version, release)]
    assert rpmq(rpms[0], "%{NAME}-%{VERSION}-%{RELEASE}") == "greeter-%s-%s" % (version, release)


def test_srpm_source0_is_the_exact_upstream_commit(rpm_build, example, tmp_path):
    work, version, release, _ = rpm_build
    srpms = work / "work" / "rpm" / "source" / "SRPMS"
    srpm = srpms / ("greeter-%s-%s.src.rpm" % (version, release))
    subprocess.run("rpm2cpio %s | cpio -id --quiet" % srpm, shell=True, cwd=tmp_path, check=True)
    tarball = tmp_path / ("greeter-%s.tar.gz" % version)
    commit = subprocess.run("zcat '%s' | git get-tar-commit-id" % tarball, shell=True,
                            check=True, capture_output=True, text=True).stdout.strip()
    assert commit == git(example / "upstream", "rev-parse", "HEAD")
    listing = subprocess.run(["tar", "-tzf", str(tarball)], check=True, capture_output=True,
                             text=True).stdout.splitlines()
    assert all(name.startswith("greeter-%s/" % version) for name in listing)
    spec = (tmp_path / "greeter.spec").read_text()
    assert "Version:        %s" % version in spec
    assert "- %s-%s" % (version, release) in spec  # the %changelog entry


def test_repository_lists_the_nevra(rpm_build, tmp_path):
    work, version, release, _ = rpm_build
    current = work / "repos" / "rpm" / TARGET / "current"
    assert current.is_symlink()
    out = subprocess.run(
        ["dnf", "-q", "--installroot", str(tmp_path / "root"), "--releasever=9",
         "--setopt=reposdir=/dev/null", "--repofrompath=t,file://%s" % current, "--repo=t",
         "repoquery", "--qf", "%{name}-%{version}-%{release}.%{arch}"],
        check=True, capture_output=True, text=True).stdout.split()
    assert "greeter-%s-%s.noarch" % (version, release) in out


def test_installed_into_a_clean_root_and_says_how(rpm_build):
    work, version, release, result = rpm_build
    root = work / "work" / "rpm" / "installroot"
    # a Debian host has no repository providing /bin/sh: the role must say so, never skip
    log = (work / "output" / "logs" / "rpm" / "verify-install.txt").read_text()
    # installed (rpm -q in the root after the install), then removed: the root holds nothing
    assert "\ninstalled: greeter-0:%s-%s.noarch\n" % (version, release) in log
    assert "\nremove (rc 0):" in log and "\nleftovers: []" in log
    assert not (root / "usr" / "bin" / "greeter").exists()
    removed = subprocess.run(["rpm", "--root", str(root), "-q", "greeter"], check=False,
                             capture_output=True, text=True)
    assert removed.returncode == 1 and "not installed" in removed.stdout
    assert "method: rpm-nodeps" in log
    assert '"/bin/sh"' in log


def test_rpmlint_report_has_no_error(rpm_build):
    work, *_ = rpm_build
    report = (work / "output" / "logs" / "rpm" / "rpmlint.txt").read_text()
    assert " 0 errors" in report


def test_build_report_has_every_step(rpm_build):
    """The report is made from the stage roles' build records: one per step, in order, of one
    shape, and the rpm steps' details hold what they made."""
    work, version, release, _ = rpm_build
    report = json.loads((work / "output" / "artifacts" / "build-report-rpm.json").read_text())
    assert report["outcome"] == "built" and report["failure"] == {}
    assert [(r["step"], r["role"]) for r in report["steps"]] == [
        ("fetch", "fetch-distgit"), ("reuse", "skip-published-build"),
        ("source", "build-rpm-source"), ("binary", "build-rpm-binary"), ("lint", "run-rpmlint"),
        ("publish", "publish-packaging-repo"), ("install", "verify-rpm-install"),
        ("promote", "promote-packaging-repo")]
    assert all(set(r) == {"role", "step", "format", "result", "summary", "files", "logs",
                          "seconds", "details"} for r in report["steps"])
    by_step = {r["step"]: r for r in report["steps"]}
    full = "%s-%s" % (version, release)
    srpm = str(work / "work" / "rpm" / "source" / "SRPMS" / ("greeter-%s.src.rpm" % full))
    rpm = str(work / "work" / "rpm" / "binary" / "rpmbuild" / "RPMS" / "noarch"
              / ("greeter-%s.noarch.rpm" % full))
    assert by_step["source"]["result"] == "done"
    assert by_step["source"]["details"]["version"] == report["version"] == full
    assert by_step["source"]["details"]["source_package"] == srpm
    assert by_step["source"]["files"] == [srpm]
    assert by_step["binary"]["details"] == {
        "packages": [rpm], "builder": "rpmbuild", "target": TARGET,
        "buildroot": by_step["binary"]["details"]["buildroot"]}
    assert by_step["binary"]["details"]["buildroot"].startswith("rpmbuild on the node (Debian ")
    assert by_step["binary"]["logs"] == [str(work / "output" / "logs" / "rpm" / "rpmbuild.log.txt")]
    assert by_step["lint"]["details"]["tool"] == "rpmlint"
    assert by_step["lint"]["details"]["counts"]["error"] in (0, "0")
    assert by_step["install"]["details"] == {
        "installed": [{"name": "greeter", "version": full}], "method": "rpm-nodeps",
        "upgrade": "no earlier build to upgrade from (current holds none of greeter)",
        "upgrade_from": {}, "upgraded": [], "leftovers": []}


def test_unsatisfied_buildrequires_are_listed_without_nodeps(example, tmp_path):
    result = play("build-rpm.yaml", rpm_vars(example, tmp_path, build_rpm_binary_nodeps=False))
    assert result.rc != 0
    assert result.failure.startswith(
        "build-rpm-binary: BuildRequires not installed on this host: make;")
    assert not (tmp_path / "repos").exists()


def test_unchanged_inputs_reuse_the_srpm_and_rpms(rpm_build, example):
    """With the published-build skip off, the same inputs go through the build roles again:
    their build stamps reuse the SRPM and the RPMs (nothing rebuilt, the same files)."""
    work, version, release, _ = rpm_build
    srpms = sorted((work / "work" / "rpm" / "source" / "SRPMS").iterdir())
    stamps = [(p, p.stat().st_mtime_ns) for p in srpms]
    result = play("build-rpm.yaml", rpm_vars(example, work, packaging_skip_published=False))
    assert result.rc == 0, result.output[-3000:]
    report = json.loads((work / "output" / "artifacts" / "build-report-rpm.json").read_text())
    by_step = {r["step"]: r for r in report["steps"]}
    assert by_step["source"]["result"] == by_step["binary"]["result"] == "reused"
    assert by_step["source"]["summary"].endswith("not rebuilt")
    assert by_step["binary"]["details"]["packages"][0].endswith(
        "/greeter-%s-%s.noarch.rpm" % (version, release))
    assert [(p, p.stat().st_mtime_ns) for p in srpms] == stamps


def test_promote_playbook_moves_tested_to_the_published_build(rpm_build, example, tmp_path):
    """playbooks/rpm/promote.yaml (the packaging-promote-rpm job) points tested at the build
    of an upstream commit: the same files, nothing rebuilt, a history and a consumer file;
    a build that is not there is refused in one line and tested stays."""
    import hashlib

    work, version, release, _ = rpm_build
    repo = work / "repos" / "rpm" / TARGET
    upstream = git(example / "upstream", "rev-parse", "HEAD")
    variables = rpm_vars(example, work, packaging_promote_upstream_sha=upstream[:12],
                         packaging_promote_pointers=["tested", "current-passed-ci"])
    result = play("rpm/promote.yaml", variables)
    assert result.rc == 0, result.output[-3000:]
    assert "rpmbuild" not in result.output and "build-rpm-source" not in result.output
    built = (repo / "current").resolve()
    assert (repo / "tested").resolve() == (repo / "current-passed-ci").resolve() == built
    name = "greeter-%s-%s.noarch.rpm" % (version, release)
    packaged = next((work / "work" / "rpm" / "binary").rglob(name))
    served = next((repo / "tested").rglob(name))

    def digest(path):
        return hashlib.sha256(path.read_bytes()).hexdigest()

    assert digest(served) == digest(packaged)
    history = json.loads((repo / "promotions.json").read_text())
    assert [(h["pointer"], h["build_id"], h["upstream_sha"]) for h in history] == [
        ("tested", built.name, upstream), ("current-passed-ci", built.name, upstream)]
    assert "baseurl=file://%s/tested\n" % repo in (
        repo / ("packaging-%s-tested.repo" % TARGET)).read_text()
    record = json.loads((work / "output" / "artifacts" / "promotion-rpm.json").read_text())
    assert record["result"] == "done" and record["details"]["build_id"] == built.name

    refused = play("rpm/promote.yaml", dict(variables, packaging_promote_upstream_sha="0" * 12,
                                            packaging_promote_pointers=["tested"]))
    assert refused.rc != 0
    assert set(refused.failures) == {
        "promote-packaging-build: a build of upstream commit %s is not published in %s; "
        "pointers never rebuild, publish it first" % ("0" * 12, repo)}
    assert (repo / "tested").resolve() == built


def test_next_commit_upgrades_from_the_previous_build(rpm_build, example, tmp_path):
    """The next upstream commit's install step installs the build current names (the one
    before) into the fresh root, upgrades it to the new build, then removes it."""
    work, version, release, _ = rpm_build
    repo = work / "repos" / "rpm" / TARGET
    before = (repo / "current").resolve().name
    upstream = tmp_path / "upstream"
    subprocess.run(["git", "clone", "-q", str(example / "upstream"), str(upstream)], check=True)
    (upstream / "NEWS").write_text("greeter: unreleased changes\n")
    commit_all(upstream, "Add NEWS", "2026-11-04T10:00:00Z")
    result = play("build-rpm.yaml", rpm_vars(example, work, packaging_upstream_path=str(upstream)))
    assert result.rc == 0, result.output[-3000:]
    full = "%s-%s" % (version, release)
    new_full = "0.1.0^git2.%s-%s" % (git(upstream, "rev-parse", "HEAD")[:8], release)
    report = json.loads((work / "output" / "artifacts" / "build-report-rpm.json").read_text())
    install = {r["step"]: r for r in report["steps"]}["install"]
    assert install["details"]["upgrade_from"] == {
        "pointer": "current", "build_id": before, "repository": "file://%s/current" % repo,
        "installed": [{"name": "greeter", "version": full}]}
    assert install["details"]["upgraded"] == [{"name": "greeter", "from": full, "to": new_full}]
    assert install["details"]["installed"] == [{"name": "greeter", "version": new_full}]
    assert install["details"]["leftovers"] == []
    assert "upgraded from current (build %s): greeter %s -> %s" % (before, full, new_full) in (
        result.output)
    # removed after the checks: the root holds no package any more
    query = subprocess.run(["rpm", "--root", str(work / "work" / "rpm" / "installroot"), "-qa"],
                           capture_output=True, text=True, check=False)
    assert "greeter" not in query.stdout
    assert (repo / "current").resolve().name != before
