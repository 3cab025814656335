"""verify-deb-install's upgrade test against repositories laid out as the publisher lays them
out (<repo>/builds/<id>, <repo>/current -> builds/<id>), with small debs made by dpkg-deb:
a downgrade fails before any root is made, an upgrade that dpkg refuses fails in one line
naming the package, both versions and dpkg's reason, and files left after the purge are
reported (and fail with the fail level). The example's own upgrade (two real builds) is
tested in test_deb_pipeline.py."""

from __future__ import annotations

import subprocess

from pipeline import ROOT, play

VERIFY_ONLY = str(ROOT / "tests" / "integration" / "playbooks" / "verify-only.yaml")
DIST = "bookworm"


def make_deb(work, package, version, files=(), control="", postinst=""):
    """A deb of package at version holding files ({path: text}), extra control fields and a
    postinst script."""
    root = work / ("root-%s-%s" % (package, version))
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        "Package: %s\nVersion: %s\nArchitecture: all\nSection: misc\nPriority: optional\n"
        "Maintainer: T <t@example.org>\n%sDescription: test package\n"
        % (package, version, control))
    if postinst:
        script = root / "DEBIAN" / "postinst"
        script.write_text("#!/bin/sh\nset -e\n" + postinst)
        script.chmod(0o755)
    for path, text in dict(files).items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    deb = work / ("%s_%s_all.deb" % (package, version))
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(root), str(deb)],
                   check=True, capture_output=True)
    return deb


def make_build(repo, build_id, debs):
    """<repo>/builds/<build_id>, a reprepro repository of the debs."""
    build = repo / "builds" / build_id
    (build / "conf").mkdir(parents=True)
    arch = subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True,
                          text=True).stdout.strip()
    (build / "conf" / "distributions").write_text(
        "Codename: %s\nComponents: main\nArchitectures: %s source\n" % (DIST, arch))
    subprocess.run(["reprepro", "-b", str(build), "includedeb", DIST, *map(str, debs)],
                   check=True, capture_output=True)
    return build


def promote(repo, build_id):
    (repo / "current").symlink_to("builds/%s" % build_id)


def verify(tmp_path, repo, staged, versions, **extra):
    values = {
        "verify_role": "verify-deb-install", "verify_deb_install_repo": str(staged),
        "verify_deb_install_distribution": DIST,
        "verify_deb_install_packages": sorted(versions), "verify_deb_install_versions": versions,
        "verify_deb_install_upgrade_repo": str(repo / "current"),
        "verify_deb_install_log": str(tmp_path / "logs" / "verify-install.txt")}
    values.update(extra)
    return play(VERIFY_ONLY, values)


def test_a_downgrade_fails_naming_both_versions_before_any_root(tmp_path):
    repo = tmp_path / "repo"
    make_build(repo, "b1", [make_deb(tmp_path, "greeter", "0.2.0-1")])
    promote(repo, "b1")
    staged = make_build(repo, "b2", [make_deb(tmp_path, "greeter", "0.2.0~rc1-1")])
    result = verify(tmp_path, repo, staged, {"greeter": "0.2.0~rc1-1"})
    assert result.rc != 0
    assert result.failure == (
        "verify-deb-install: downgrade: greeter 0.2.0~rc1-1 (this build) sorts lower than "
        "0.2.0-1 in current (build b1); an upgrade from current would keep the old package"
    ), result.output[-3000:]
    assert "mmdebstrap" not in result.output  # no root was made
    assert not (tmp_path / "logs").exists()


def test_an_upgrade_dpkg_refuses_fails_naming_the_package_and_the_reason(tmp_path):
    # the earlier greeter pulled in greeter-compat, which ships /usr/bin/greeter; the new
    # greeter ships it too, without Replaces/Breaks: dpkg refuses to overwrite it
    repo = tmp_path / "repo"
    make_build(repo, "b1", [
        make_deb(tmp_path, "greeter", "0.1.0-1", control="Depends: greeter-compat\n"),
        make_deb(tmp_path, "greeter-compat", "1", {"/usr/bin/greeter": "#!/bin/sh\n"})])
    promote(repo, "b1")
    staged = make_build(repo, "b2", [
        make_deb(tmp_path, "greeter", "0.2.0-1", {"/usr/bin/greeter": "#!/bin/sh\necho hi\n"})])
    result = verify(tmp_path, repo, staged, {"greeter": "0.2.0-1"})
    assert result.rc != 0
    assert len(set(result.failures)) == 1, result.output[-3000:]
    assert result.failure.startswith(
        "verify-deb-install: upgrade of greeter 0.1.0-1 to 0.2.0-1 from current (build b1) "
        "failed: dpkg: error processing archive "), result.failure
    assert result.failure.endswith(
        "greeter_0.2.0-1_all.deb (--unpack): trying to overwrite '/usr/bin/greeter', which is "
        "also in package greeter-compat 1"), result.failure
    log = (tmp_path / "logs" / "verify-install.txt").read_text()
    assert "zp-base: greeter 0.1.0-1\n" in log


def test_an_upgrade_then_purge_reports_the_files_left_behind(tmp_path):
    repo = tmp_path / "repo"
    make_build(repo, "b1", [make_deb(tmp_path, "greeter", "0.1.0-1")])
    promote(repo, "b1")
    # the new greeter's postinst makes a file that no package owns and nothing removes
    staged = make_build(repo, "b2", [
        make_deb(tmp_path, "greeter", "0.2.0-1", {"/usr/share/greeter/hello": "hi\n"},
                 postinst="mkdir -p /var/lib/greeter\necho 1 > /var/lib/greeter/state\n"),
        make_deb(tmp_path, "greeter-doc", "0.2.0-1")])
    result = verify(tmp_path, repo, staged, {"greeter": "0.2.0-1", "greeter-doc": "0.2.0-1"},
                    verify_deb_install_leftovers_level="fail")
    assert result.rc != 0
    assert result.failure == (
        "verify-deb-install: apt-get purge of greeter, greeter-doc left 2 files behind: "
        "/var/lib/greeter, /var/lib/greeter/state"), result.output[-3000:]
    log = (tmp_path / "logs" / "verify-install.txt").read_text()
    # greeter was upgraded from the earlier build, greeter-doc installed new
    assert "zp-base: greeter 0.1.0-1\n" in log and "zp-base: greeter-doc" not in log
    assert "greeter 0.2.0-1\ngreeter-doc 0.2.0-1\n" in log
    assert "zp-leftover: /var/lib/greeter/state\n" in log
    # the package's own files went with the purge
    assert "/usr/share/greeter" not in log.split("zp-stage: done", 1)[1]
