"""Shared fixtures of the module unit tests: the packaging-base role's code importable, and
real git repositories whose commits have fixed dates (so that every computed version is
reproducible)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "roles" / "packaging-base"
for _path in (BASE / "library", BASE / "lookup_plugins", BASE / "filter_plugins"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
# The modules import the code they share as ansible.module_utils.zuul_packaging.<name>, which
# Ansible finds in the packaging-base role's module_utils/ when it packs a module for a node.
import ansible.module_utils  # noqa: E402

if str(BASE / "module_utils") not in ansible.module_utils.__path__:
    ansible.module_utils.__path__.append(str(BASE / "module_utils"))

# 2026-11-03 10:00:00 UTC, a Tuesday; every repository's clock starts here.
EPOCH = 1793700000

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test Packager",
    "GIT_AUTHOR_EMAIL": "packager@example.org",
    "GIT_COMMITTER_NAME": "Test Packager",
    "GIT_COMMITTER_EMAIL": "packager@example.org",
    "LC_ALL": "C",
}


class GitRepo:
    """A real git repository in a directory; each commit is an hour after the previous one."""

    def __init__(self, path, start=EPOCH):
        self.path = Path(path)
        self.clock = start

    def git(self, *args, date=None):
        env = dict(os.environ, **GIT_ENV)
        if date is not None:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = "%d +0000" % date
        proc = subprocess.run(["git", "-C", str(self.path), *args], env=env,
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise AssertionError("git %s failed: %s" % (" ".join(args), proc.stderr.strip()))
        return proc.stdout.strip()

    def init(self):
        self.path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        return self

    def _tick(self, date):
        if date is None:
            self.clock += 3600
            date = self.clock
        return date

    def commit(self, message="change", files=None, date=None):
        """Write files ({relative path: text}); by default a new file of its own, so that
        commits on different branches never conflict."""
        date = self._tick(date)
        for relative, text in (files or {"changes/%d.txt" % date: "%s\n" % message}).items():
            target = self.path / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, date=date)
        return self.head()

    def merge(self, branch, message=None, date=None):
        date = self._tick(date)
        self.git("merge", "-q", "--no-ff", "--no-edit", "-m", message or "Merge " + branch,
                 branch, date=date)
        return self.head()

    def tag(self, name, rev="HEAD"):
        self.git("tag", name, rev)

    def checkout(self, *args):
        self.git("checkout", "-q", *args)

    def head(self):
        return self.git("rev-parse", "HEAD")

    def clone(self, dest):
        subprocess.run(["git", "clone", "-q", str(self.path), str(dest)], check=True,
                       capture_output=True, env=dict(os.environ, **GIT_ENV))
        return GitRepo(dest, self.clock)

    def __str__(self):
        return str(self.path)


@pytest.fixture
def make_repo(tmp_path):
    """make_repo(name, start=EPOCH) -> a fresh GitRepo at tmp_path/name (no commit yet)."""

    def make(name, start=EPOCH):
        return GitRepo(tmp_path / name, start).init()

    return make


@pytest.fixture
def upstream_and_distgit(make_repo):
    """An upstream tagged v1.2.0 on its first commit, and a distgit of one commit."""
    upstream = make_repo("upstream")
    upstream.commit("Initial release")
    upstream.tag("v1.2.0")
    distgit = make_repo("distgit", start=EPOCH - 86400)
    distgit.commit("Packaging", files={"debian/changelog": "placeholder\n"})
    return upstream, distgit
