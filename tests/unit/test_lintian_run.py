"""lintian_run: the command that runs the target release's lintian in its chroot."""

from __future__ import annotations

import subprocess

import lintian_run as lr
import pytest


def test_chroot_argv_runs_the_script_in_a_user_and_mount_namespace():
    argv = lr.chroot_argv("/c/trixie-amd64-x-lintian.tar", "/dev/shm/lintian.1",
                          "/b/deb/binary/greeter_1_amd64.changes", ["--fail-on", "error"])
    assert argv[:4] == ["unshare", "--map-root-user", "--mount", "--"]
    assert argv[4:6] == ["sh", "-ec"] and argv[6] == lr.SCRIPT
    assert argv[7:] == ["lintian-in-chroot", "/c/trixie-amd64-x-lintian.tar",
                        "/dev/shm/lintian.1", "/b/deb/binary", "greeter_1_amd64.changes",
                        "--fail-on", "error"]
    # the chroot's lintian, never the node's; no device node is unpacked
    assert 'exec chroot "$root" env LC_ALL=C.UTF-8 HOME=/tmp lintian "$@"' in lr.SCRIPT
    assert "--exclude='./dev/*'" in lr.SCRIPT


def test_split_version():
    assert lr.split_version("lintian-version: Lintian v2.122.0\nE: x: tag\n") == (
        "Lintian v2.122.0", "E: x: tag\n")
    assert lr.split_version("E: x: tag\n") == ("", "E: x: tag\n")


def test_a_chroot_without_lintian_fails_in_one_line(tmp_path):
    tree = tmp_path / "tree"
    for name in ("dev", "proc", "tmp"):
        (tree / name).mkdir(parents=True)
    tarball = tmp_path / "empty-lintian.tar"
    subprocess.run(["tar", "-C", str(tree), "-cf", str(tarball), "."], check=True)
    changes = tmp_path / "greeter_1_amd64.changes"
    changes.write_text("Format: 1.8\n")
    with pytest.raises(lr.LintianError) as info:
        lr.in_chroot(str(tarball), str(changes), [], str(tmp_path))
    message = str(info.value)
    assert message.startswith("run-lintian: lintian of empty-lintian.tar did not start: ")
    assert "\n" not in message
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("lintian.")] == []


def test_a_missing_chroot_fails(tmp_path):
    with pytest.raises(lr.LintianError, match="lintian chroot .*/none.tar does not exist"):
        lr.in_chroot(str(tmp_path / "none.tar"), str(tmp_path / "x.changes"), [], "/dev/shm")


def test_the_script_finds_chroot_with_an_unprivileged_users_path(tmp_path):
    """chroot is in /usr/sbin, which a non-root user's PATH (a Zuul node's user) lacks: the
    script must find it anyway. Run for real on an empty chroot: chroot itself starts and
    then finds no lintian there."""
    tree = tmp_path / "tree"
    for name in ("dev", "proc"):
        (tree / name).mkdir(parents=True)
    tarball = tmp_path / "empty.tar"
    subprocess.run(["tar", "-C", str(tree), "-cf", str(tarball), "."], check=True)
    root = tmp_path / "root"
    root.mkdir()
    changes = tmp_path / "x.changes"
    changes.write_text("")
    proc = subprocess.run(lr.chroot_argv(str(tarball), str(root), str(changes), []),
                          env={"PATH": "/usr/local/bin:/usr/bin:/bin"}, capture_output=True,
                          text=True, check=False)
    assert proc.returncode != 0
    assert "chroot: not found" not in proc.stderr, proc.stderr
    assert "chroot: failed to run command 'lintian'" in proc.stderr, proc.stderr
