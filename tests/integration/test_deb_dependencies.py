"""A deb build that needs an earlier build's package, and an install that apt refuses."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pipeline import commit_all, deb_vars, git, make_example, play


def edit_control(distgit, old, new, date):
    control = distgit / "debian" / "control"
    control.write_text(control.read_text().replace(old, new))
    commit_all(distgit, "Change debian/control", date)


def test_build_depends_on_a_package_of_an_earlier_build(tmp_path):
    example = make_example(tmp_path / "example")
    first = play("build-deb.yaml", deb_vars(example, tmp_path / "first"))
    assert first.rc == 0, first.output[-3000:]
    earlier_debs = sorted((tmp_path / "first" / "work" / "deb" / "binary").glob("*.deb"))
    assert earlier_debs

    # The next packaging commit build-depends on the greeter that only the earlier build has.
    distgit = example / "distgit-deb"
    edit_control(distgit, "Build-Depends: debhelper-compat (= 13)",
                 "Build-Depends: debhelper-compat (= 13), greeter (>= 0.1.0+git1)",
                 "2026-11-06T10:00:00Z")
    without = play("build-deb.yaml", deb_vars(example, tmp_path / "without"))
    assert without.rc != 0
    # the chroot with the build dependencies baked in cannot be made: apt's line says why
    assert without.failure.startswith(
        "build-deb-binary: mmdebstrap could not make the bookworm chroot with the build "
        "dependencies of greeter:"), without.failure
    assert ": Depends: greeter (>= 0.1.0+git1) but it is not installable" in without.failure
    chroots = Path.home() / ".cache" / "zuul-packaging" / "chroots"
    assert not list(chroots.glob("*.incoming"))  # the failed chroot left nothing behind
    assert not (tmp_path / "without" / "repos").exists()

    chained = play("build-deb.yaml", deb_vars(
        example, tmp_path / "chained",
        build_deb_binary_extra_packages=[str(path) for path in earlier_debs]))
    assert chained.rc == 0, chained.output[-3000:]
    log = next((tmp_path / "chained" / "output" / "logs" / "deb").glob("*.build.txt")).read_text()
    assert "greeter (>= 0.1.0+git1)" in log
    version = "0.1.0+git1.%s-2.g%s" % (git(example / "upstream", "rev-parse", "HEAD")[:8],
                                       git(distgit, "rev-parse", "HEAD")[:8])
    assert (tmp_path / "chained" / "work" / "deb" / "binary" /
            ("greeter_%s_all.deb" % version)).is_file()


def test_uninstallable_package_fails_with_apts_message(tmp_path):
    example = make_example(tmp_path / "example")
    edit_control(example / "distgit-deb", "Depends: ${misc:Depends}",
                 "Depends: ${misc:Depends}, no-such-package-zp", "2026-11-06T10:00:00Z")
    # autopkgtest, which runs first, fails on it too (test dependencies that do not install,
    # with apt's line); reported only here, so that the install check of the staged build runs
    result = play("build-deb.yaml", deb_vars(example, tmp_path / "run", packaging_autopkgtest=True,
                                             run_autopkgtest_fail_on="none"))
    assert result.rc != 0
    assert result.failure.startswith("verify-deb-install: installing greeter from "), result.failure
    assert "greeter : Depends: no-such-package-zp but it is not installable" in result.failure
    # the test step reported it, with apt's line
    report = json.loads((tmp_path / "run" / "output" / "artifacts" / "build-report-deb.json")
                        .read_text())
    [test] = [r for r in report["steps"] if r["step"] == "test"]
    assert test["details"]["tests"] == [{"name": "smoke", "result": "fail", "reason": (
        "badpkg: greeter : Depends: no-such-package-zp but it is not installable")}]
    repo = tmp_path / "run" / "repos" / "deb" / "bookworm"
    [staged] = (repo / "builds").iterdir()
    listing = subprocess.run(["reprepro", "-b", str(staged), "list", "bookworm"], check=True,
                             capture_output=True, text=True).stdout
    assert "greeter" in listing  # staged, then proven not installable
    assert not (repo / "current").exists()  # so it never became current
