"""A build that fails its install check never becomes `current`: the jobs stage the build,
install from the staged build, and only then move `current` (real sbuild, rpmbuild,
reprepro, createrepo_c, mmdebstrap and dnf)."""

from __future__ import annotations

import os
import subprocess

from pipeline import commit_all, deb_vars, git, play, rpm_vars


def new_commit(example, dest, name):
    subprocess.run(["git", "clone", "-q", str(example / "upstream"), str(dest)], check=True)
    (dest / name).write_text("greeter: %s\n" % name)
    commit_all(dest, "Add %s" % name, "2026-11-04T10:00:00Z")
    return dest


def builds(repo):
    return sorted(p.name for p in (repo / "builds").iterdir())


def listing(repo):
    return subprocess.run(["reprepro", "-b", str(repo), "list", "bookworm"], check=True,
                          capture_output=True, text=True).stdout


def test_deb_build_failing_its_check_is_staged_not_current(example, tmp_path):
    work = tmp_path / "work"
    repo = work / "repos" / "deb" / "bookworm"
    assert play("build-deb.yaml", deb_vars(example, work)).rc == 0
    good = os.readlink(repo / "current")

    upstream = new_commit(example, tmp_path / "upstream", "NEWS")
    sha = git(upstream, "rev-parse", "HEAD")
    failing = play("build-deb.yaml", deb_vars(
        example, work, packaging_upstream_path=str(upstream),
        verify_deb_install_test_commands=["false"]))
    assert failing.rc != 0
    assert len(set(failing.failures)) == 1 and failing.failure.startswith("verify-deb-install: "), \
        failing.output[-3000:]
    # the staged build holds the new package, current still serves the good build
    assert os.readlink(repo / "current") == good
    staged = [b for b in builds(repo) if b != os.path.basename(good)]
    assert len(staged) == 1 and sha[:8] in listing(repo / "builds" / staged[0])
    assert sha[:8] not in listing(repo / "current")
    assert sha[:8] not in (repo / "current" / "build-keys.json").read_text()

    # the same inputs with a passing check are not skipped as published: staged anew, promoted
    passing = play("build-deb.yaml", deb_vars(example, work, packaging_upstream_path=str(upstream)))
    assert passing.rc == 0, passing.output[-3000:]
    assert "already published" not in passing.output
    assert sha[:8] in listing(repo / "current")
    assert os.readlink(repo / "current") != good


def test_rpm_build_failing_its_check_is_staged_not_current(example, tmp_path):
    work = tmp_path / "work"
    repo = work / "repos" / "rpm" / "centos-stream-9-x86_64"
    assert play("build-rpm.yaml", rpm_vars(example, work)).rc == 0
    good = os.readlink(repo / "current")
    packages = sorted(os.listdir(repo / "current" / "Packages"))

    upstream = new_commit(example, tmp_path / "upstream", "NEWS")
    failing = play("build-rpm.yaml", rpm_vars(
        example, work, packaging_upstream_path=str(upstream),
        packaging_rpm_base_repos=["file://%s/no-such-base-repository" % tmp_path]))
    assert failing.rc != 0
    assert len(set(failing.failures)) == 1 and failing.failure.startswith("verify-rpm-install: "), \
        failing.output[-3000:]
    assert os.readlink(repo / "current") == good
    assert sorted(os.listdir(repo / "current" / "Packages")) == packages
    assert len(builds(repo)) == 2
