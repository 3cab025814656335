"""dependency_drift on a small Python upstream that adds one requirement and drops another
between two commits, against a spec (read by rpm's spec parser) and a debian/control (read
by python-debian); the proposed patches apply with `patch --dry-run` to this test's distgits
and to the example's, and once applied leave nothing missing."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import dependency_drift as dd
import pytest
from ansible.module_utils.zuul_packaging import drift

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "greeter"

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "greeter"
version = "0.1.0"
dependencies = [%s]
"""

SPEC = """\
Name:           greeter
Version:        0.1.0
Release:        1%{?dist}
Summary:        Print a greeting
License:        MIT
BuildArch:      noarch
BuildRequires:  python3-setuptools >= 61
Requires:       python3-requests >= 2.20
Requires:       python3-pyyaml

%description
Print a greeting.

%files
"""

CONTROL = """\
Source: greeter
Maintainer: Greeter Packagers <packagers@greeter.example>
Build-Depends: debhelper-compat (= 13), python3-setuptools (>= 61)

Package: greeter
Architecture: all
Depends: ${misc:Depends}, python3-requests (>= 2.25), python3-yaml
Description: print a greeting
 Print a greeting.
"""


@pytest.fixture
def upstream(make_repo):
    """An upstream whose second commit adds click and drops PyYAML; at its first commit."""
    repo = make_repo("upstream")
    first = repo.commit(
        "Requests and YAML", {"pyproject.toml": PYPROJECT % '"requests>=2.25", "PyYAML"'}
    )
    repo.commit(
        "Click instead of YAML", {"pyproject.toml": PYPROJECT % '"requests>=2.25", "click>=8.0"'}
    )
    repo.checkout(first)
    return repo


@pytest.fixture
def distgits(tmp_path):
    rpm_dir, deb_dir = tmp_path / "distgit-rpm", tmp_path / "distgit-deb"
    rpm_dir.mkdir()
    (deb_dir / "debian").mkdir(parents=True)
    (rpm_dir / "greeter.spec").write_text(SPEC)
    (deb_dir / "debian" / "control").write_text(CONTROL)
    return rpm_dir, deb_dir


def params(upstream, rpm_dir, deb_dir, tmp_path, **extra):
    values = {
        "upstream_path": str(upstream),
        "spec": str(rpm_dir),
        "control": str(deb_dir),
        "mapping": {},
        "deb_dist": "ubuntu",
        "rpm_dist": "fedora",
        "work_dir": str(tmp_path / "work"),
        "report_dir": str(tmp_path / "report"),
        "fail_on": "none",
    }
    values.update(extra)
    return values


def dry_run(patch, distgit):
    proc = subprocess.run(
        ["patch", "--dry-run", "--batch", "-p1", "-d", str(distgit), "-i", str(patch)],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_first_commit_only_a_version_differs(upstream, distgits, tmp_path):
    rpm_dir, deb_dir = distgits
    result = dd.run(params(upstream, rpm_dir, deb_dir, tmp_path))
    assert result["messages"] == [
        "rpm: the upstream requires requests>=2.25, the spec's"
        " Requires has python3-requests (>= 2.20)"
    ]
    assert result["patches"] == {} and result["counts"]["version"] == 1


def test_second_commit_adds_and_drops_a_requirement(upstream, distgits, tmp_path):
    upstream.checkout("main")
    rpm_dir, deb_dir = distgits
    result = dd.run(params(upstream, rpm_dir, deb_dir, tmp_path, fail_on="missing"))
    assert sorted(result["messages"]) == sorted(
        [
            "rpm: the upstream requires click>=8.0, the spec has"
            " no Requires for it (python3-click)",
            "rpm: the upstream requires requests>=2.25, the spec's"
            " Requires has python3-requests (>= 2.20)",
            "rpm: the spec requires python3-pyyaml (pyyaml), which the upstream does not require",
            "deb: the upstream requires click>=8.0, debian/control"
            " has no Depends for it (python3-click)",
            "deb: debian/control depends on python3-yaml (pyyaml),"
            " which the upstream does not require",
        ]
    )
    assert result["gate"] is True
    report = tmp_path / "report"
    assert json.loads((report / "drift-report.json").read_text())["counts"] == {
        "missing": 2,
        "extra": 2,
        "version": 1,
    }
    assert "+Requires:       python3-click &gt;= 8.0" in (report / "drift-report.html").read_text()
    for fmt, distgit in (("rpm", rpm_dir), ("deb", deb_dir)):
        code, output = dry_run(report / ("drift-%s.patch" % fmt), distgit)
        assert code == 0, output
    assert (
        "+Depends: ${misc:Depends}, python3-requests (>= 2.25),"
        " python3-yaml, python3-click (>= 8.0)" in (report / "drift-deb.patch").read_text()
    )
    # applied, the patches leave nothing missing, and rpm still parses the spec
    for fmt, distgit in (("rpm", rpm_dir), ("deb", deb_dir)):
        subprocess.run(
            [
                "patch",
                "--batch",
                "-p1",
                "-d",
                str(distgit),
                "-i",
                str(report / ("drift-%s.patch" % fmt)),
            ],
            check=True,
            capture_output=True,
        )
    again = dd.run(params(upstream, rpm_dir, deb_dir, tmp_path / "again"))
    assert again["counts"]["missing"] == 0 and again["patches"] == {}


def test_patch_applies_to_the_example_distgits(upstream, tmp_path):
    """Every requirement is missing from the example's packaging (a shell script): the patches
    add them, and apply cleanly to examples/greeter's distgits."""
    upstream.checkout("main")
    result = dd.run(params(upstream, EXAMPLE / "distgit-rpm", EXAMPLE / "distgit-deb", tmp_path))
    assert result["counts"]["missing"] == 6  # requests, click, setuptools in both formats
    for fmt, distgit in (("rpm", EXAMPLE / "distgit-rpm"), ("deb", EXAMPLE / "distgit-deb")):
        code, output = dry_run(tmp_path / "report" / ("drift-%s.patch" % fmt), distgit)
        assert code == 0, output
        assert output.startswith("checking file "), output
    assert "+BuildRequires:  python3-setuptools >= 61" in result["patches"]["rpm"]


def test_team_mapping_and_python3_depends(upstream, distgits, tmp_path):
    """A mapped name counts as its upstream; ${python3:Depends} leaves the deb's runtime out."""
    upstream.checkout("main")
    rpm_dir, deb_dir = distgits
    (deb_dir / "debian" / "control").write_text(
        CONTROL.replace(", python3-yaml", ", ${python3:Depends}")
    )
    mapping = {"click": {"rpm": ["python3-click8"]}}
    spec = SPEC.replace(
        "Requires:       python3-pyyaml\n", "Requires:       python3-click8 >= 8.0\n"
    )
    (rpm_dir / "greeter.spec").write_text(spec)
    result = dd.run(params(upstream, rpm_dir, deb_dir, tmp_path, mapping=mapping))
    assert not any("click" in m for m in result["messages"]), result["messages"]
    assert result["notes"] == [
        "debian/control takes runtime dependencies from ${python3:Depends} (dh_python3 reads the "
        "upstream's): runtime requirements not compared"
    ]


def test_setup_cfg_and_requirements_txt(tmp_path):
    up = tmp_path / "up"
    up.mkdir()
    (up / "setup.cfg").write_text(
        "[options]\ninstall_requires =\n    six>=1.10\n    enum34; python_version < '3.4'\n"
        "setup_requires = pbr>=2.0\n"
    )
    (up / "requirements.txt").write_text("# pins\n-r other.txt\nrequests>=2.0 # http\nsix\n")
    found = drift.upstream_requirements(str(up))
    assert [str(r) for r in found["runtime"]] == ["six>=1.10", "requests>=2.0"]
    assert [str(r) for r in found["build"]] == ["pbr>=2.0"]
    assert found["sources"] == ["setup.cfg", "requirements.txt"]


@pytest.mark.parametrize(
    "files, message",
    [
        ({"pyproject.toml": "[project\n"}, r"^pyproject.toml is not readable TOML"),
        (
            {"requirements.txt": "requests >>= 2\n"},
            r"^requirements.txt: 'requests >>= 2' is not a requirement",
        ),
    ],
)
def test_bad_upstream_files_fail_in_one_line(tmp_path, distgits, files, message):
    up = tmp_path / "bad"
    up.mkdir()
    for name, text in files.items():
        (up / name).write_text(text)
    rpm_dir, deb_dir = distgits
    with pytest.raises(drift.DriftError, match=message) as info:
        dd.run(params(up, rpm_dir, deb_dir, tmp_path))
    assert "\n" not in str(info.value).replace(str(up), "")


def test_distgit_without_spec(tmp_path, distgits):
    empty = tmp_path / "empty"
    empty.mkdir()
    up = tmp_path / "up"
    up.mkdir()
    with pytest.raises(drift.DriftError, match=r"has no .spec files: name the spec$"):
        dd.run(params(up, empty, "", tmp_path))


def test_no_requirements_declared(tmp_path, distgits):
    rpm_dir, deb_dir = distgits
    up = tmp_path / "up"
    shutil.copytree(EXAMPLE / "upstream", up)
    result = dd.run(params(up, rpm_dir, deb_dir, tmp_path))
    assert result["differences"] == [] and result["message"] == "dependency drift: none"
    assert result["notes"][0].startswith("the upstream declares no requirements")
