"""verify-deb-install against a repository that serves another version than the one built:
the role fails in one line naming that package (and only that one), with both versions."""

from __future__ import annotations

import subprocess

from pipeline import ROOT, play

VERIFY_ONLY = str(ROOT / "tests" / "integration" / "playbooks" / "verify-only.yaml")
DIST = "bookworm"


def make_deb(work, package, version):
    root = work / ("root-" + package)
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        "Package: %s\nVersion: %s\nArchitecture: all\nSection: misc\nPriority: optional\n"
        "Maintainer: T <t@example.org>\nDescription: test package\n" % (package, version))
    deb = work / ("%s_%s_all.deb" % (package, version))
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(root), str(deb)],
                   check=True, capture_output=True)
    return deb


def make_repo(work, debs):
    """A reprepro repository of the debs, as publish-packaging-repo lays it out (dists/, pool/)."""
    repo = work / "repo"
    (repo / "conf").mkdir(parents=True)
    arch = subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True,
                          text=True).stdout.strip()
    (repo / "conf" / "distributions").write_text(
        "Codename: %s\nComponents: main\nArchitectures: %s source\n" % (DIST, arch))
    subprocess.run(["reprepro", "-b", str(repo), "includedeb", DIST, *map(str, debs)],
                   check=True, capture_output=True)
    return repo


def test_a_repository_serving_another_version_fails_naming_the_package(tmp_path):
    # the publisher skipped greeter 0.2.0-1: the repository still serves 0.1.0-1
    repo = make_repo(tmp_path, [make_deb(tmp_path, "greeter", "0.1.0-1"),
                                make_deb(tmp_path, "greeter-doc", "0.2.0-1")])
    result = play(VERIFY_ONLY, {
        "verify_role": "verify-deb-install", "verify_deb_install_repo": str(repo),
        "verify_deb_install_distribution": DIST,
        "verify_deb_install_packages": ["greeter", "greeter-doc"],
        "verify_deb_install_versions": {"greeter": "0.2.0-1", "greeter-doc": "0.2.0-1"},
        "verify_deb_install_log": str(tmp_path / "logs" / "verify-install.txt")})
    assert result.rc != 0, result.output[-3000:]
    assert result.failure == (
        "verify-deb-install: greeter installed 0.1.0-1 from %s, built 0.2.0-1" % repo
    ), result.output[-3000:]
    log = (tmp_path / "logs" / "verify-install.txt").read_text()
    assert "greeter 0.1.0-1\n" in log and "greeter-doc 0.2.0-1\n" in log
