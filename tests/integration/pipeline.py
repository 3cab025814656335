"""Helpers of the integration tests: the example's git repositories and a runner
that plays the collection's playbooks for real (sbuild, rpmbuild, reprepro, createrepo_c,
mmdebstrap, dnf). The mmdebstrap chroot cache (~/.cache/zuul-packaging/chroots) is shared
with `make run`, so the chroot is made once per machine and week."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class PlayResult:
    rc: int
    output: str
    failures: list = field(default_factory=list)

    @property
    def failure(self):
        """The message of the first failed task (what the user reads)."""
        return self.failures[0] if self.failures else ""


def parse_failures(output):
    """Messages of failed tasks from ansible's oneline callback output."""
    messages = []
    for line in output.splitlines():
        if " | FAILED! => " not in line:
            continue
        payload = line.split(" | FAILED! => ", 1)[1]
        try:
            messages.append(json.loads(payload).get("msg", payload))
        except ValueError:
            messages.append(payload)
    return messages


def play(playbook, extra_vars, *, callback="oneline"):
    """Run playbooks/<playbook> with extra_vars; return a PlayResult."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
               ANSIBLE_STDOUT_CALLBACK=callback, ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="false")
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), str(ROOT / "playbooks" / playbook),
         "-e", json.dumps(extra_vars)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    output = proc.stdout + proc.stderr
    return PlayResult(proc.returncode, output, parse_failures(output))


def make_example(dest):
    subprocess.run([str(ROOT / "examples" / "make-repos.sh"), str(dest)], check=True,
                   capture_output=True)
    return dest


def git(path, *args):
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_AUTHOR_NAME="T",
               GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="T",
               GIT_COMMITTER_EMAIL="t@example.org")
    return subprocess.run(["git", "-C", str(path), *args], check=True, env=env,
                          capture_output=True, text=True).stdout.strip()


def commit_all(path, message, date):
    git(path, "add", "-A")
    env_date = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "-C", str(path), "commit", "-q", "-m", message], check=True,
                   env=dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_AUTHOR_NAME="T",
                            GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="T",
                            GIT_COMMITTER_EMAIL="t@example.org", **env_date))


def job_vars(example, work, **extra):
    base = {
        "packaging_upstream_path": str(example / "upstream"),
        "packaging_build_dir": str(work / "work"),
        "packaging_repo_dir": str(work / "repos"),
        "zuul_output_dir": str(work / "output"),
    }
    base.update(extra)
    return base


def deb_vars(example, work, **extra):
    # autopkgtest (7-10 s a job) only where a test asks for it: test_deb_pipeline,
    # test_make_run_unprivileged and the bad-input row of a failing test run it
    values = {"packaging_distgit_url": str(example / "distgit-deb"),
              "packaging_deb_distribution": "bookworm", "packaging_autopkgtest": False}
    values.update(extra)
    return job_vars(example, work, **values)


def rpm_vars(example, work, **extra):
    values = {"packaging_distgit_url": str(example / "distgit-rpm"),
              "packaging_rpm_builder": "rpmbuild", "build_rpm_binary_nodeps": True}
    values.update(extra)
    return job_vars(example, work, **values)
