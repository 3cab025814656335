"""`make run` as an unprivileged user with passwordless sudo (what the README allows, and
what a real Zuul node's user is): every step runs as that user, and only the steps that need
root use sudo (become). The user (zp-packager, created here if missing, with its own home and
subordinate id ranges) runs `make run` once for the whole module, from its own copy of this
checkout (the tracked and new files of the working tree; .venv is a link to this one, so
tools/bootstrap.sh finds it up to date). Its chroot cache starts with hard links to the
tarballs in root's cache, so that the chroot is not made again for this user."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from pipeline import ROOT

USER = "zp-packager"
ROOT_CHROOTS = Path.home() / ".cache" / "zuul-packaging" / "chroots"


def ensure_user():
    """The user, its sudo rule and subordinate ids; returns (uid, gid, home)."""
    if "install ok installed" not in subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", "sudo"], capture_output=True, text=True,
            check=False).stdout:
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "sudo"],
                       check=True, capture_output=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    if subprocess.run(["id", "-u", USER], capture_output=True, check=False).returncode != 0:
        # useradd gives a new user its own /etc/subuid and /etc/subgid ranges (login.defs)
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", USER], check=True)
    for path in ("/etc/subuid", "/etc/subgid"):
        assert any(line.startswith(USER + ":") for line in Path(path).read_text().splitlines()), \
            "%s has no range for %s" % (path, USER)
    sudoers = Path("/etc/sudoers.d") / USER
    sudoers.write_text("%s ALL=(ALL:ALL) NOPASSWD: ALL\n" % USER)
    os.chmod(sudoers, 0o440)
    entry = subprocess.run(["getent", "passwd", USER], check=True, capture_output=True,
                           text=True).stdout.strip().split(":")
    return int(entry[2]), int(entry[3]), Path(entry[5])


def seed_chroots(home, uid, gid):
    """Root's chroot tarballs, hard-linked (or copied) into the user's cache when missing."""
    cache = home / ".cache" / "zuul-packaging" / "chroots"
    cache.mkdir(parents=True, exist_ok=True)
    for path in (cache.parent.parent, cache.parent, cache):
        os.chown(path, uid, gid)
    for tarball in ROOT_CHROOTS.glob("*.tar") if ROOT_CHROOTS.is_dir() else []:
        target = cache / tarball.name
        if not target.exists():
            try:
                os.link(tarball, target)
            except OSError:
                shutil.copy2(tarball, target)


def copy_checkout(dest, uid, gid):
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard"],
                           check=True, capture_output=True, text=True).stdout.splitlines()
    for name in files:
        if name == ".venv" or name.startswith(".venv/"):
            continue  # linked below
        source, target = ROOT / name, dest / name
        if not source.exists() and not source.is_symlink():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)
    os.symlink(ROOT / ".venv", dest / ".venv")
    for top, dirs, names in os.walk(dest):
        for name in [*dirs, *names]:
            os.lchown(os.path.join(top, name), uid, gid)
    os.chown(dest, uid, gid)


@pytest.fixture(scope="module")
def make_run():
    """`make run` once, as the unprivileged user; returns (rc, output, checkout)."""
    uid, gid, home = ensure_user()
    seed_chroots(home, uid, gid)
    work = Path(tempfile.mkdtemp(prefix="zp-make-run-", dir="/var/tmp"))
    env = {"HOME": str(home), "USER": USER, "LOGNAME": USER, "LANG": "C.UTF-8",
           "PATH": "/usr/local/bin:/usr/bin:/bin"}
    try:
        os.chmod(work, 0o755)
        checkout = work / "checkout"
        checkout.mkdir()
        copy_checkout(checkout, uid, gid)
        proc = subprocess.run(["runuser", "-u", USER, "--", "env", "-i",
                               *["%s=%s" % kv for kv in env.items()],
                               "make", "-C", str(checkout), "run"],
                              capture_output=True, text=True, check=False)
        yield proc.returncode, proc.stdout + proc.stderr, checkout
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_make_run_succeeds_as_an_unprivileged_user(make_run):
    rc, output, _ = make_run
    assert rc == 0, output[-4000:]
    assert "superuser privileges" not in output


def test_both_repositories_are_promoted_and_owned_by_the_user(make_run):
    rc, output, checkout = make_run
    assert rc == 0, output[-2000:]
    repos = checkout / "build" / "repos"
    for current in (repos / "deb" / "bookworm" / "current",
                    repos / "rpm" / "centos-stream-9-x86_64" / "current"):
        assert current.is_symlink() and current.resolve().is_dir(), current
        assert current.resolve().stat().st_uid == pwd_uid(), current
    assert (repos / "deb" / "bookworm" / "current" / "dists" / "bookworm" / "Release").is_file()
    assert list((repos / "rpm" / "centos-stream-9-x86_64" / "current" / "repodata")
                .glob("*repomd.xml"))


def test_install_checks_passed(make_run):
    rc, output, checkout = make_run
    assert rc == 0, output[-2000:]
    logs = checkout / "build" / "output" / "logs"
    assert "Setting up greeter (" in (logs / "deb" / "verify-install.txt").read_text()
    rpm_log = (logs / "rpm" / "verify-install.txt").read_text()
    assert re.search(r"(?m)^installed: greeter-[0-9]+:0\.1\.0\^git", rpm_log), rpm_log[-1500:]


def pwd_uid():
    return int(subprocess.run(["id", "-u", USER], check=True, capture_output=True,
                              text=True).stdout)


def test_reports_have_autopkgtest_and_the_upgrade_check_and_repositories_their_index(make_run):
    """make run (issue 17's end state): the deb report has the example's autopkgtest result,
    both install steps say whether they upgraded (the first run: from no earlier build), the
    repositories carry their index and consumer files, and parity and drift are printed."""
    rc, output, checkout = make_run
    assert rc == 0, output[-2000:]
    artifacts = checkout / "build" / "output" / "artifacts"
    for fmt in ("deb", "rpm"):
        report = json.loads((artifacts / ("build-report-%s.json" % fmt)).read_text())
        steps = {r["step"]: r for r in report["steps"]}
        assert "upgrade" in steps["install"]["details"], steps["install"]
        assert steps["install"]["details"]["upgrade"], steps["install"]
        if fmt == "deb":
            tests = steps["test"]["details"]["tests"]
            assert [(t["name"], t["result"]) for t in tests] == [("smoke", "pass")], tests
    repos = checkout / "build" / "repos"
    for repo, consumer in ((repos / "deb" / "bookworm", "packaging-bookworm.sources"),
                           (repos / "rpm" / "centos-stream-9-x86_64",
                            "packaging-centos-stream-9-x86_64.repo")):
        assert (repo / "index.html").is_file(), repo
        assert (repo / "current" / consumer).is_file(), consumer
    assert "deb/rpm parity" in output and "dependency drift" in output
