"""Fault injection on the one shared write, with real processes and real signals: a
publisher killed with SIGKILL half-way, concurrent publishers, and a full disk (a small
tmpfs). After each, the previous `current` still installs with dnf and a re-run completes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from publish_helpers import build_tiny_rpms, params, primary_names

PUBLISHER = Path(__file__).with_name("publisher.py")


@pytest.fixture(scope="module")
def rpms(tmp_path_factory):
    built = build_tiny_rpms(tmp_path_factory.mktemp("rpmbuild"), versions=[
        ("tiny-a", "1.0"), ("tiny-b", "2.0"), ("tiny-c", "3.0"), ("tiny-d", "4.0")])
    built.update(build_tiny_rpms(tmp_path_factory.mktemp("rpmbuild-big"),
                                 versions=[("tiny-big", "1.0")], payload_bytes=3 * 1024 * 1024))
    return built


def start(values, **env):
    return subprocess.Popen([sys.executable, str(PUBLISHER), json.dumps(values)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, **env), start_new_session=True)


def wait_for(path, seconds=60):
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, "%s did not appear" % path
        time.sleep(0.05)


def dnf(root, repo, *args):
    root.mkdir(parents=True, exist_ok=True)
    (root.parent / (root.name + ".repos.d")).mkdir(exist_ok=True)
    return subprocess.run(
        ["dnf", "-y", "-q", "--installroot=%s" % root, "--releasever=9",
         "--setopt=reposdir=%s.repos.d" % root, "--repofrompath=p,file://%s" % repo,
         "--repo=p", "--setopt=p.gpgcheck=0", *args],
        capture_output=True, text=True, check=False)


def assert_installs(repo, root, name):
    result = dnf(root, repo, "install", name)
    assert result.returncode == 0, result.stderr
    query = subprocess.run(["rpm", "--root", str(root), "-q", name], capture_output=True,
                           text=True, check=False)
    assert query.returncode == 0, query.stdout + query.stderr


def test_kill_9_half_way_keeps_the_previous_repository(tmp_path, rpms):
    repo = tmp_path / "repo"
    first = start(params(repo, "b1", [rpms["tiny-a"]]))
    assert first.wait(60) == 0, first.stdout.read()
    mark = tmp_path / "paused"
    victim = start(params(repo, "b2", [rpms["tiny-b"]]), PUBLISHER_PAUSE_BEFORE="createrepo_c",
                   PUBLISHER_PAUSE_MARK=str(mark))
    wait_for(mark)
    staging = repo / "builds" / ".b2.incoming"
    assert (staging / "Packages" / os.path.basename(rpms["tiny-b"])).is_file()  # half-way
    os.killpg(victim.pid, signal.SIGKILL)
    assert victim.wait(10) == -signal.SIGKILL

    # what readers see: the previous repository, whole, and it installs
    assert os.readlink(repo / "current") == os.path.join("builds", "b1")
    assert primary_names(repo / "current") == ["tiny-a"]
    assert_installs(repo / "current", tmp_path / "root1", "tiny-a")

    # the lock died with the process; a re-run completes and cleans the leftover
    rerun = start(params(repo, "b2", [rpms["tiny-b"]], lock_timeout=5))
    assert rerun.wait(60) == 0, rerun.stdout.read()
    assert os.readlink(repo / "current") == os.path.join("builds", "b2")
    assert primary_names(repo / "current") == ["tiny-a", "tiny-b"]
    assert not staging.exists()
    assert_installs(repo / "current", tmp_path / "root2", "tiny-b")


def test_concurrent_publishers_all_land(tmp_path, rpms):
    repo = tmp_path / "repo"
    mark = tmp_path / "holding"
    # the first one holds the lock for two seconds, half-way, while the others queue on it
    holder = start(params(repo, "b0", [rpms["tiny-a"]]), PUBLISHER_PAUSE_BEFORE="createrepo_c",
                   PUBLISHER_PAUSE_MARK=str(mark), PUBLISHER_PAUSE_SECONDS="2")
    wait_for(mark)
    others = [start(params(repo, "b%d" % i, [rpms[name]], lock_timeout=60))
              for i, name in enumerate(("tiny-b", "tiny-c", "tiny-d"), start=1)]
    for proc in [holder, *others]:
        assert proc.wait(120) == 0, proc.stdout.read()
    assert primary_names(repo / "current") == ["tiny-a", "tiny-b", "tiny-c", "tiny-d"]
    assert sorted(os.listdir(repo / "builds")) == ["b0", "b1", "b2", "b3"]
    assert_installs(repo / "current", tmp_path / "root", "tiny-d")


def test_lock_held_too_long_fails_naming_the_lock(tmp_path, rpms):
    repo = tmp_path / "repo"
    mark = tmp_path / "holding"
    holder = start(params(repo, "b1", [rpms["tiny-a"]]), PUBLISHER_PAUSE_BEFORE="createrepo_c",
                   PUBLISHER_PAUSE_MARK=str(mark), PUBLISHER_PAUSE_SECONDS="8")
    wait_for(mark)
    waiter = start(params(repo, "b2", [rpms["tiny-b"]], lock_timeout=1))
    assert waiter.wait(30) == 1
    assert waiter.stdout.read().strip() == (
        "could not take the repository lock %s within 1 s" % (repo / ".lock"))
    assert holder.wait(60) == 0
    assert primary_names(repo / "current") == ["tiny-a"]


@pytest.fixture
def small_disk(tmp_path):
    assert os.geteuid() == 0, "the full-disk test mounts a tmpfs: run as root (CI does)"
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_full_disk_fails_in_one_line_and_keeps_the_previous_repository(tmp_path, rpms,
                                                                       small_disk):
    repo = small_disk / "repo"
    first = start(params(repo, "b1", [rpms["tiny-a"]]))
    assert first.wait(60) == 0, first.stdout.read()
    full = start(params(repo, "b2", [rpms["tiny-big"]]))
    assert full.wait(60) == 1
    message = full.stdout.read().strip()
    assert "\n" not in message
    assert message == "publishing build b2 to %s failed: No space left on device" % repo
    assert os.readlink(repo / "current") == os.path.join("builds", "b1")
    assert sorted(os.listdir(repo / "builds")) == ["b1"]  # no staging left behind
    assert_installs(repo / "current", tmp_path / "root", "tiny-a")
