"""rpm_spec (module_utils, used by rpm_source_package): describe and update spec files, checked
with rpm's own rpmspec."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import rpm
from ansible.module_utils.zuul_packaging import rpm_spec as rs

ROOT = Path(__file__).resolve().parents[2]
GREETER = ROOT / "examples" / "greeter" / "distgit-rpm" / "greeter.spec"
DIST = rpm.expandMacro("%{?dist}")  # what rpmspec appends on this host ('' on Debian)
TIMESTAMP = 1793700000  # Tue Nov 03 2026
VERSION = "0.1.0^git1.cb80a581"
RELEASE = "1.gbdfa423f"

SMALL = """\
%global ver 0.1.0
Name: foo
Version: %{ver}
Release: @RELEASE@
Summary: A small spec
License: MIT
Source0: foo-%{version}.tar.gz

%description
A small spec.

%prep
@PREP@

%files

%changelog
* Mon Nov 02 2026 A <a@example.org> - 0.1.0-1
- Initial.
"""


def small_spec(tmp_path, release="10%{?dist}", prep="%setup -q", name="foo.spec"):
    path = tmp_path / name
    path.write_text(SMALL.replace("@RELEASE@", release).replace("@PREP@", prep))
    return path


def rpmspec_evr(path):
    return subprocess.run(["rpmspec", "-q", "--qf", "%{version}-%{release}\n", "--srpm",
                           str(path)], check=True, capture_output=True, text=True).stdout.strip()


def release_lines(path):
    return [line for line in path.read_text().splitlines() if line.startswith("Release:")]


@pytest.fixture
def greeter(tmp_path):
    return Path(shutil.copy(GREETER, tmp_path / "greeter.spec"))


def test_describe_greeter(greeter):
    assert rs.describe(rs.load(str(greeter))) == {
        "name": "greeter",
        "epoch": "",
        "version": "0.1.0",
        "release": "1" + DIST,
        "source0": "greeter-0.1.0.tar.gz",
        "sources": ["greeter-0.1.0.tar.gz"],
        "setup_dir": "greeter-0.1.0",
    }


def test_update_greeter(greeter):
    spec = rs.load(str(greeter))
    assert rs.update(spec, VERSION, RELEASE, ["Snapshot of upstream cb80a581"],
                     "Test Packager", "packager@example.org", TIMESTAMP) is True
    assert rpmspec_evr(greeter) == "%s-%s%s" % (VERSION, RELEASE, DIST)
    text = greeter.read_text()
    assert release_lines(greeter) == ["Release:        %s%%{?dist}" % RELEASE]
    assert text.count("%{?dist}") == 1
    changelog = text.split("%changelog\n", 1)[1].splitlines()
    assert changelog[:3] == [
        "* Tue Nov 03 2026 Test Packager <packager@example.org> - %s-%s" % (VERSION, RELEASE),
        "- Snapshot of upstream cb80a581",
        "",
    ]
    assert changelog[3].endswith("- 0.1.0-1")

    described = rs.describe(rs.load(str(greeter)))
    assert (described["version"], described["release"]) == (VERSION, RELEASE + DIST)
    assert described["source0"] == "greeter-%s.tar.gz" % VERSION
    assert described["setup_dir"] == "greeter-%s" % VERSION

    before = greeter.read_bytes()
    again = rs.update(rs.load(str(greeter)), VERSION, RELEASE, ["Snapshot of upstream cb80a581"],
                      "Test Packager", "packager@example.org", TIMESTAMP)
    assert again is False
    assert greeter.read_bytes() == before


def test_update_rpm_changelog_is_accepted_by_rpm(greeter):
    rs.update(rs.load(str(greeter)), VERSION, RELEASE, ["one", "two"], "Test Packager",
              "packager@example.org", TIMESTAMP)
    out = subprocess.run(
        ["rpmspec", "-q", "--srpm", "--qf",
         "[* %{changelogtime:day} %{changelogname}\n%{changelogtext}\n]", str(greeter)],
        check=True, capture_output=True, text=True).stdout
    assert out.splitlines()[:3] == [
        "* Tue Nov 03 2026 Test Packager <packager@example.org> - %s-%s" % (VERSION, RELEASE),
        "- one",
        "- two",
    ]


def test_release_without_dist_gets_exactly_one(tmp_path):
    path = small_spec(tmp_path, release="1")
    assert rs.update(rs.load(str(path)), "0.2.0", "5.gabcdef12", [], "A", "a@example.org",
                     TIMESTAMP) is True
    assert release_lines(path) == ["Release: 5.gabcdef12%{?dist}"]
    assert rpmspec_evr(path) == "0.2.0-5.gabcdef12" + DIST
    assert "- Snapshot build." in path.read_text()
    assert rs.update(rs.load(str(path)), "0.2.0", "5.gabcdef12", [], "A", "a@example.org",
                     TIMESTAMP) is False
    assert release_lines(path) == ["Release: 5.gabcdef12%{?dist}"]


def test_global_version_is_updated(tmp_path):
    path = small_spec(tmp_path)
    assert rs.update(rs.load(str(path)), "0.2.0^git3.0a1b2c3d", "2.g89abcdef", ["x"], "A",
                     "a@example.org", TIMESTAMP) is True
    assert rpmspec_evr(path) == "0.2.0^git3.0a1b2c3d-2.g89abcdef" + DIST
    lines = path.read_text().splitlines()
    assert "%global ver 0.2.0^git3.0a1b2c3d" in lines
    assert "Version: %{ver}" in lines


def test_same_version_lower_release_is_a_change(tmp_path):
    # Release 10 starts with "1" but is another release: the update must not be skipped
    path = small_spec(tmp_path, release="10%{?dist}")
    assert rs.update(rs.load(str(path)), "0.1.0", "1", ["x"], "A", "a@example.org",
                     TIMESTAMP) is True
    assert rpmspec_evr(path) == "0.1.0-1" + DIST
    assert release_lines(path) == ["Release: 1%{?dist}"]


def test_spec_that_does_not_parse(tmp_path):
    path = small_spec(tmp_path)
    path.write_text(path.read_text().replace("Summary: A small spec",
                                             "Summary: %{lua: error('boom')}"))
    with pytest.raises(rs.SpecError) as info:
        rs.load(str(path))
    message = str(info.value)
    assert str(path) in message
    assert "does not parse" in message
    assert "boom" in message


def test_missing_spec(tmp_path):
    with pytest.raises(rs.SpecError, match="spec file %s does not exist" % (tmp_path / "x.spec")):
        rs.load(str(tmp_path / "x.spec"))


@pytest.mark.parametrize(("prep", "expected"), [
    ("%setup -q -n foo-%{version}", "foo-0.1.0"),
    ("%setup -q -n src-%{name}", "src-foo"),
    ("%setup -q", "foo-0.1.0"),
    ("%setup -q -c", ""),
    ("%setup -q -c -n foo-%{version}", ""),
    ("%autosetup -p1", "foo-0.1.0"),
    ("%autosetup -n other-%{version}", "other-0.1.0"),
    ("echo no setup here", ""),
])
def test_setup_dir(tmp_path, prep, expected):
    spec = rs.load(str(small_spec(tmp_path, prep=prep)))
    assert rs.setup_dir(spec) == expected
    assert rs.describe(spec)["setup_dir"] == expected


def test_setup_dir_without_prep(tmp_path):
    path = tmp_path / "noprep.spec"
    path.write_text(SMALL.replace("%prep\n@PREP@\n", "").replace("@RELEASE@", "1"))
    assert rs.setup_dir(rs.load(str(path))) == ""


def test_describe_sources_and_patches(tmp_path):
    path = small_spec(tmp_path)
    path.write_text(path.read_text().replace(
        "Source0: foo-%{version}.tar.gz\n",
        "Source0: https://example.org/foo-%{version}.tar.gz\nSource1: foo.conf\n"
        "Patch0: fix-%{name}.patch\n"))
    described = rs.describe(rs.load(str(path)))
    assert described["source0"] == "foo-0.1.0.tar.gz"
    assert described["sources"] == ["foo-0.1.0.tar.gz", "foo.conf", "fix-foo.patch"]


def test_changelog_evr():
    assert rs.changelog_evr("", "1.0", "1") == "1.0-1"
    assert rs.changelog_evr("2", "1.0^git1.abc", "3.gdef") == "2:1.0^git1.abc-3.gdef"


def test_sources_and_patches_that_are_symlinks_are_refused(tmp_path):
    distgit = tmp_path / "distgit"
    distgit.mkdir()
    spec = small_spec(distgit)
    spec.write_text(spec.read_text().replace(
        "Source0: foo-%{version}.tar.gz",
        "Source0: foo-%{version}.tar.gz\nSource1: foo.conf\nPatch0: https://x.test/fix.patch"))
    (distgit / "foo.conf").write_text("regular\n")
    names = rs.describe(rs.load(str(spec)))["sources"]
    assert names == ["foo-0.1.0.tar.gz", "foo.conf", "fix.patch"]
    rs.check_links(str(spec), names)  # regular files (and absent ones) pass
    (distgit / "fix.patch").symlink_to("/etc/passwd")
    (distgit / "foo.conf").unlink()
    (distgit / "foo.conf").symlink_to("../outside.conf")
    with pytest.raises(rs.SpecError) as info:
        rs.check_links(str(spec), names)
    assert str(info.value) == (
        "spec file %s: sources and patches must be regular files of the distgit, these are "
        "symlinks: foo.conf -> ../outside.conf, fix.patch -> /etc/passwd" % spec)


def test_spec_that_is_a_symlink_is_refused(tmp_path):
    real = small_spec(tmp_path)
    (tmp_path / "distgit").mkdir()
    (tmp_path / "distgit" / "foo.spec").symlink_to(real)
    with pytest.raises(rs.SpecError, match="^spec file .*/distgit/foo.spec is a symlink \\(to "):
        rs.load(str(tmp_path / "distgit" / "foo.spec"))
