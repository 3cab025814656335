"""playbooks/parity.yaml as a packager runs it: two build directories (small packages made by
the real dpkg-deb and rpmbuild, as the unit tests make them, not the full pipelines) and a
Python upstream against the example's distgits. The play prints the parity and the drift
sections, writes both reports and the proposed patches, and a fail level fails it in one
line after the reports are written."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from pipeline import ROOT, play

sys.path.insert(0, str(ROOT / "tests" / "unit"))
from parity_helpers import build_deb, build_dsc, build_rpm, build_srpm  # noqa: E402

PYPROJECT = """\
[project]
name = "greeter"
version = "0.1.0"
dependencies = ["requests>=2.25"]
"""


@pytest.fixture(scope="module")
def builds(tmp_path_factory, example):
    top = tmp_path_factory.mktemp("parity")
    deb_dir = top / "repos" / "deb" / "bookworm" / "builds" / "b1"
    rpm_dir = top / "repos" / "rpm" / "centos-stream-9-x86_64" / "builds" / "r1"
    for path, built in ((deb_dir, build_deb(top / "deb")),
                        (rpm_dir, build_rpm(top / "rpm", files=["/usr/bin/greeter",
                                                                 "/usr/bin/greeter-admin"]))):
        path.mkdir(parents=True)
        shutil.copy(built, path)
        (path / ".zuul-packaging-build.json").write_text(json.dumps(
            {"inputs": [Path(built).name], "upstream_sha": "a" * 40}))
    # the source packages as the default jobs leave them: the .dsc in the deb repository, the
    # SRPM only in the rpm build's artifacts beside its build report (publish_source false)
    dsc = build_dsc(top / "dsc")
    shutil.copy(dsc, deb_dir)
    marker = deb_dir / ".zuul-packaging-build.json"
    inputs = json.loads(marker.read_text())["inputs"]
    marker.write_text(json.dumps({"inputs": [Path(dsc).name, *inputs], "upstream_sha": "a" * 40}))
    srpm = build_srpm(top / "srpm", version="0.1.0^git1.abcdef12")
    artifacts = top / "output" / "artifacts"
    artifacts.mkdir(parents=True)
    shutil.copy(srpm, artifacts)
    (artifacts / "build-report-rpm.json").write_text(json.dumps(
        {"format": "rpm", "outcome": "built", "source_files": [srpm]}))
    upstream = top / "upstream"
    upstream.mkdir()
    (upstream / "pyproject.toml").write_text(PYPROJECT)
    return top, deb_dir, rpm_dir, upstream


def extra_vars(top, deb_dir, rpm_dir, upstream, example, **more):
    values = {"packaging_parity_deb_repo": str(deb_dir), "packaging_parity_rpm_repo": str(rpm_dir),
              "packaging_upstream_path": str(upstream),
              "packaging_drift_rpm_distgit": str(example / "distgit-rpm"),
              "packaging_drift_deb_distgit": str(example / "distgit-deb"),
              "packaging_build_dir": str(top / "work"), "zuul_output_dir": str(top / "output"),
              # the team's names of the helpers' library package
              "packaging_parity_mapping": {"libfoo": {"deb": ["libfoo1"], "rpm": ["foo-libs"]}}}
    values.update(more)
    return values


def test_parity_playbook_prints_both_sections(builds, example):
    top, deb_dir, rpm_dir, upstream = builds
    result = play("parity.yaml", extra_vars(top, deb_dir, rpm_dir, upstream, example),
                  callback="default")
    assert result.rc == 0, result.output[-3000:]
    assert "deb/rpm parity: " in result.output
    assert "rpm installs /usr/bin/greeter-admin, the deb does not" in result.output
    # build dependencies compared with the SRPM the rpm build's report names
    assert "the deb build-depends on libyaml-dev, the rpm does not" in result.output
    assert "note: build dependencies not compared" not in result.output
    assert "dependency drift: 2 (2 missing)" in result.output
    assert ("rpm: the upstream requires requests>=2.25, the spec has no Requires for it"
            in result.output)
    artifacts = top / "output" / "artifacts"
    for name in ("parity-report.json", "parity-report.html", "drift-report.json",
                 "drift-report.html", "drift-rpm.patch", "drift-deb.patch"):
        assert (artifacts / name).is_file(), name


def test_fail_level_fails_the_play_in_one_line(builds, example):
    top, deb_dir, rpm_dir, upstream = builds
    result = play("parity.yaml", extra_vars(top, deb_dir, rpm_dir, upstream, example,
                                            packaging_parity_fail_on="warning"))
    assert result.rc != 0
    assert result.failure.startswith("report-packaging-parity: ") and "\n" not in result.failure
    # build dependencies come before files
    assert result.failure.endswith(" first: the deb build-depends on libyaml-dev, the rpm does "
                                   "not (all in parity-report.html)"), result.failure
