"""verify-rpm-install's upgrade test against repositories laid out as the publisher lays them
out (<repo>/builds/<id>, <repo>/current -> builds/<id>), with tiny RPMs made by rpmbuild: a
downgrade (by rpm.labelCompare) fails in one line naming both versions before any root is
made; an upgrade from an earlier build replaces its package in the root and the record says
so. The example's own upgrade (two real builds) is tested in test_rpm_pipeline.py."""

from __future__ import annotations

import subprocess

from pipeline import ROOT, play
from publish_helpers import build_tiny_rpms

VERIFY_ONLY = str(ROOT / "tests" / "integration" / "playbooks" / "verify-only.yaml")


def make_build(repo, build_id, rpms):
    build = repo / "builds" / build_id
    (build / "Packages").mkdir(parents=True)
    for rpm in rpms:
        (build / "Packages" / rpm.name).write_bytes(rpm.read_bytes())
    subprocess.run(["createrepo_c", "--quiet", str(build)], check=True, capture_output=True)
    return build


def verify(tmp_path, repo, staged, rpms, **extra):
    values = {
        "verify_role": "verify-rpm-install", "verify_rpm_install_repo": "file://%s" % staged,
        "verify_rpm_install_rpms": [str(r) for r in rpms],
        "verify_rpm_install_upgrade_repo": "file://%s" % (repo / "current"),
        "verify_rpm_install_root": str(tmp_path / "root"),
        "verify_rpm_install_log": str(tmp_path / "logs" / "verify-install.txt")}
    values.update(extra)
    return play(VERIFY_ONLY, values)


def test_a_downgrade_fails_naming_both_versions_before_any_root(tmp_path):
    old = build_tiny_rpms(tmp_path / "old", versions=[("greeter", "0.2.0")])
    new = build_tiny_rpms(tmp_path / "new", versions=[("greeter", "0.2.0~rc1")])
    repo = tmp_path / "repo"
    make_build(repo, "b1", [tmp_path / "old" / "RPMS" / "noarch" / "greeter-0.2.0-1.noarch.rpm"])
    (repo / "current").symlink_to("builds/b1")
    rpm = tmp_path / "new" / "RPMS" / "noarch" / "greeter-0.2.0~rc1-1.noarch.rpm"
    assert str(rpm) == new["greeter"] and old
    staged = make_build(repo, "b2", [rpm])
    result = verify(tmp_path, repo, staged, [rpm])
    assert result.rc != 0
    assert result.failure == (
        "verify-rpm-install: downgrade: greeter 0.2.0~rc1-1 (this build) sorts lower than "
        "0.2.0-1 in current (build b1); an upgrade from current would keep the old package"
    ), result.output[-3000:]
    assert not (tmp_path / "root" / "usr").exists()  # nothing installed (dnf keeps its cache there)


def test_an_upgrade_replaces_the_earlier_build_and_removes_cleanly(tmp_path):
    build_tiny_rpms(tmp_path / "old", versions=[("greeter", "0.1.0")])
    build_tiny_rpms(tmp_path / "new", versions=[("greeter", "0.2.0"), ("greeter-doc", "0.2.0")])
    repo = tmp_path / "repo"
    make_build(repo, "b1", [tmp_path / "old" / "RPMS" / "noarch" / "greeter-0.1.0-1.noarch.rpm"])
    (repo / "current").symlink_to("builds/b1")
    rpms = sorted((tmp_path / "new" / "RPMS" / "noarch").glob("*.rpm"))
    staged = make_build(repo, "b2", rpms)
    result = verify(tmp_path, repo, staged, rpms)
    assert result.rc == 0, result.output[-3000:]
    assert ("upgraded from current (build b1): greeter 0.1.0-1 -> 0.2.0-1; removed, 0 files "
            "left behind") in result.output
    log = (tmp_path / "logs" / "verify-install.txt").read_text()
    assert 'current: ["greeter-0:0.1.0-1.noarch"]' in log
    assert "leftovers: []" in log
    # removed: nothing of either build is installed in the root any more
    query = subprocess.run(["rpm", "--root", str(tmp_path / "root"), "-qa"], capture_output=True,
                           text=True, check=False)
    assert "greeter" not in query.stdout
