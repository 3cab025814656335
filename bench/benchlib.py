"""What every benchmark section shares: running tools and playbooks, timing them, and reading
the wall time of each command a playbook ran from its verbose output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "roles" / "packaging-base" / "library"))

OUT = ROOT / "build" / "bench"
CACHE = Path(os.environ.get("ZUUL_PACKAGING_CACHE", Path.home() / ".cache" / "zuul-packaging"))
PLAYBOOK = [str(Path(sys.executable).parent / "ansible-playbook")]
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
}


def say(message):
    print("bench: " + message, flush=True)


def run(argv, **kwargs):
    env = dict(os.environ, **kwargs.pop("env", {}))
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, **kwargs)
    if proc.returncode != 0:
        sys.exit(
            "bench: %s failed (exit %d):\n%s"
            % (argv[0], proc.returncode, (proc.stdout + proc.stderr)[-3000:])
        )
    return proc


def timed(argv, **kwargs):
    started = time.monotonic()
    proc = run(argv, **kwargs)
    return time.monotonic() - started, proc


def delta_seconds(text):
    hours, minutes, seconds = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def command_walls(output):
    """{task name: seconds} of every command the playbook ran, from the default callback's
    verbose one-line JSON results."""
    walls, task = {}, ""
    for line in output.splitlines():
        if line.startswith("TASK ["):
            task = line[6 : line.rindex("]")].split(" : ", 1)[-1]
            continue
        if not line.startswith(("ok: [", "changed: [")) or " => {" not in line:
            continue
        try:
            result = json.loads(line[line.index(" => {") + 4 :])
        except ValueError:
            continue
        if isinstance(result, dict) and result.get("delta"):
            walls[task] = walls.get(task, 0) + delta_seconds(result["delta"])
        # modules that run tools themselves report each tool's wall time
        for tool, seconds in (result.get("tool_seconds") or {}).items():
            walls[task + ": " + tool] = walls.get(task + ": " + tool, 0) + seconds
    return walls


def play(playbook, variables):
    env = {
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_CALLBACK_FORMAT_PRETTY": "false",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_NOCOLOR": "1",
    }
    seconds, proc = timed(
        [*PLAYBOOK, "-v", str(playbook), "-e", json.dumps(variables)], cwd=ROOT, env=env
    )
    return seconds, proc.stdout, command_walls(proc.stdout)


def commit(repo, name, date):
    (repo / name).write_text("bench change %s\n" % name)
    run(["git", "-C", str(repo), "add", "-A"], env=GIT_ENV)
    run(
        ["git", "-C", str(repo), "commit", "-q", "-m", "Bench " + name],
        env=dict(GIT_ENV, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date),
    )


def rpm_variables(example, work, **extra):
    """The rpm job's variables for the greeter example on this Debian host: rpmbuild, with the
    BuildRequires listed and skipped (as make run does)."""
    return dict(
        {
            "packaging_upstream_path": str(example / "upstream"),
            "packaging_build_dir": str(work / "build"),
            "packaging_rpm_target": "centos-stream-9-x86_64",
            "packaging_rpm_builder": "rpmbuild",
            "build_rpm_binary_nodeps": True,
        },
        **extra,
    )
