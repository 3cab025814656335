"""debian_source: debian/control and debian/changelog parsing, and a changelog entry that
dpkg-parsechangelog itself reads back."""

from __future__ import annotations

import subprocess

import pytest
from ansible.module_utils.zuul_packaging import debian_source as ds

CONTROL = """\
Source: greeter
Section: misc
Priority: optional
Maintainer: Greeter Packagers <packagers@greeter.example>
Build-Depends: debhelper-compat (= 13)
Standards-Version: 4.6.2

Package: greeter
Architecture: all
Depends: ${misc:Depends}
Description: Print a greeting
 greeter prints a greeting.

Package: greeter-tools
Architecture: amd64 arm64
Description: Tools
 More tools.
"""

CHANGELOG = """\
greeter (0.1.0-1) unstable; urgency=medium

  * Initial packaging.

 -- Greeter Packagers <packagers@greeter.example>  Mon, 02 Nov 2026 10:00:00 +0000
"""

DATE = "Tue, 03 Nov 2026 10:00:00 +0000"
VERSION = "0.1.0+git1.cb80a581-2.gbdfa423f"


def make_tree(root, control=CONTROL, changelog=CHANGELOG, source_format="3.0 (quilt)",
              rules=True):
    debian = root / "debian"
    (debian / "source").mkdir(parents=True)
    (debian / "control").write_text(control)
    (debian / "changelog").write_text(changelog)
    if rules:
        (debian / "rules").write_text("#!/usr/bin/make -f\n%:\n\tdh $@\n")
    if source_format is not None:
        (debian / "source" / "format").write_text(source_format + "\n")
    return root


def parsechangelog(root, field):
    return subprocess.run(
        ["dpkg-parsechangelog", "-l", str(root / "debian" / "changelog"), "-S", field],
        check=True, capture_output=True, text=True).stdout.strip()


def test_parse_control_good():
    source, binaries = ds.parse_control(CONTROL)
    assert source == "greeter"
    assert binaries == [{"package": "greeter", "architecture": "all"},
                        {"package": "greeter-tools", "architecture": "amd64 arm64"}]


def test_parse_control_accepts_user_and_policy_fields():
    control = CONTROL.replace("Section: misc\n", "Section: misc\nXS-Go-Import-Path: x\n"
                              "Vcs-Git: https://git.example/greeter\nRules-Requires-Root: no\n"
                              "X-Python3-Version: >= 3.9\n").replace(
        "Depends: ${misc:Depends}\n", "Depends: ${misc:Depends}\nMulti-Arch: foreign\n"
        "XB-Cnf-Visible-Pkgname: greeter\nBuilt-Using: ${sphinxdoc:Built-Using}\n")
    source, binaries = ds.parse_control(control)
    assert source == "greeter" and len(binaries) == 2


def test_parse_control_ignores_comments():
    text = "# a comment\nSource: greeter\n\n# another\nPackage: greeter\nArchitecture: all\n"
    assert ds.parse_control(text) == ("greeter", [{"package": "greeter",
                                                   "architecture": "all"}])


@pytest.mark.parametrize(("control", "message"), [
    (CONTROL.replace("Source: greeter\n", ""),
     "/x/debian/control: first paragraph has no Source field"),
    (CONTROL.replace("Section: misc\n", "Section: misc\nthis line is not a field\n"),
     "/x/debian/control line 3 is neither a field nor a continuation: "
     "'this line is not a field'"),
    (CONTROL.replace("Architecture: amd64 arm64\n", ""),
     "/x/debian/control: binary package greeter-tools has no Architecture field"),
    (CONTROL.partition("\n\n")[0] + "\n", "/x/debian/control declares no binary package"),
    (CONTROL.replace("Package: greeter-tools\n", ""),
     "/x/debian/control: a binary paragraph has no Package field"),
    ("", "/x/debian/control has no paragraphs"),
    (CONTROL.replace("Section: misc\n", "Section: misc\nBuild-Depend: debhelper\n"),
     "/x/debian/control: unknown field 'Build-Depend' in the source paragraph (user-defined "
     "fields start with X-, XS-, XB- or XC-)"),
    (CONTROL.replace("Depends: ${misc:Depends}\n", "Depends: ${misc:Depends}\nFrobnicate: yes\n"),
     "/x/debian/control: unknown field 'Frobnicate' in the binary paragraph (user-defined "
     "fields start with X-, XS-, XB- or XC-)"),
])
def test_parse_control_bad(control, message):
    with pytest.raises(ds.DebianSourceError) as info:
        ds.parse_control(control, "/x/debian/control")
    assert str(info.value) == message


def test_inspect(tmp_path):
    make_tree(tmp_path)
    assert ds.inspect(str(tmp_path)) == {
        "source": "greeter",
        "binaries": [{"package": "greeter", "architecture": "all"},
                     {"package": "greeter-tools", "architecture": "amd64 arm64"}],
        "epoch": "",
        "previous_version": "0.1.0-1",
        "previous_author": "Greeter Packagers <packagers@greeter.example>",
        "source_format": "3.0 (quilt)",
        "native": False,
    }


def test_inspect_native_and_epoch(tmp_path):
    make_tree(tmp_path, changelog=CHANGELOG.replace("(0.1.0-1)", "(2:0.1.0)"),
              source_format="3.0 (native)")
    info = ds.inspect(str(tmp_path))
    assert info["native"] is True
    assert info["source_format"] == "3.0 (native)"
    assert info["epoch"] == "2"
    assert info["previous_version"] == "2:0.1.0"


def test_inspect_without_format_file_is_1_0(tmp_path):
    make_tree(tmp_path, source_format=None)
    info = ds.inspect(str(tmp_path))
    assert (info["source_format"], info["native"]) == ("1.0", False)


def test_inspect_errors_name_the_file(tmp_path):
    with pytest.raises(ds.DebianSourceError, match="no debian/ directory in %s" % tmp_path):
        ds.inspect(str(tmp_path))

    make_tree(tmp_path / "norules", rules=False)
    with pytest.raises(ds.DebianSourceError) as info:
        ds.inspect(str(tmp_path / "norules"))
    assert str(info.value) == "debian/rules is missing: %s" % (
        tmp_path / "norules" / "debian" / "rules")

    make_tree(tmp_path / "format", source_format="3.0 (git)")
    with pytest.raises(ds.DebianSourceError, match="unsupported source format '3.0 \\(git\\)'"):
        ds.inspect(str(tmp_path / "format"))

    make_tree(tmp_path / "mismatch", changelog=CHANGELOG.replace("greeter (", "other ("))
    with pytest.raises(ds.DebianSourceError, match="names source 'other' but debian/control "
                                                   "names 'greeter'"):
        ds.inspect(str(tmp_path / "mismatch"))

    make_tree(tmp_path / "nocontrol")
    (tmp_path / "nocontrol" / "debian" / "control").unlink()
    with pytest.raises(ds.DebianSourceError) as info:
        ds.inspect(str(tmp_path / "nocontrol"))
    assert str(info.value) == "debian/control is missing: %s" % (
        tmp_path / "nocontrol" / "debian" / "control")


@pytest.mark.parametrize("changelog", [
    "garbage\n",
    "",
    CHANGELOG.replace("Mon, 02 Nov 2026 10:00:00 +0000", "yesterday"),
])
def test_changelog_that_does_not_parse(tmp_path, changelog):
    make_tree(tmp_path, changelog=changelog)
    path = tmp_path / "debian" / "changelog"
    with pytest.raises(ds.DebianSourceError) as info:
        ds.inspect(str(tmp_path))
    assert str(info.value).startswith("%s does not parse: " % path)
    with pytest.raises(ds.DebianSourceError, match="does not parse"):
        ds.add_entry(str(tmp_path), "greeter", VERSION, "bookworm", "A <a@example.org>", DATE,
                     ["Snapshot"])
    assert path.read_text() == changelog


def test_add_entry_is_read_by_dpkg_parsechangelog(tmp_path):
    make_tree(tmp_path)
    changed = ds.add_entry(str(tmp_path), "greeter", VERSION, "bookworm",
                           "Test Packager <packager@example.org>", DATE,
                           ["Snapshot of upstream cb80a581", "distgit bdfa423f"])
    assert changed is True
    assert parsechangelog(tmp_path, "Version") == VERSION
    assert parsechangelog(tmp_path, "Distribution") == "bookworm"
    assert parsechangelog(tmp_path, "Source") == "greeter"
    assert parsechangelog(tmp_path, "Maintainer") == "Test Packager <packager@example.org>"
    assert parsechangelog(tmp_path, "Date") == DATE
    changes = parsechangelog(tmp_path, "Changes")
    assert "  * Snapshot of upstream cb80a581" in changes
    assert "  * distgit bdfa423f" in changes
    # the old entry is still there, below the new one
    text = (tmp_path / "debian" / "changelog").read_text()
    assert text.index(VERSION) < text.index("(0.1.0-1)")
    assert ds.inspect(str(tmp_path))["previous_version"] == VERSION

    before = (tmp_path / "debian" / "changelog").read_bytes()
    again = ds.add_entry(str(tmp_path), "greeter", VERSION, "bookworm",
                         "Test Packager <packager@example.org>", DATE,
                         ["Snapshot of upstream cb80a581", "distgit bdfa423f"])
    assert again is False
    assert (tmp_path / "debian" / "changelog").read_bytes() == before


def test_add_entry_with_epoch(tmp_path):
    make_tree(tmp_path, changelog=CHANGELOG.replace("(0.1.0-1)", "(1:0.1.0-1)"))
    assert ds.add_entry(str(tmp_path), "greeter", "1:" + VERSION, "UNRELEASED",
                        "A <a@example.org>", DATE, ["Snapshot"]) is True
    assert parsechangelog(tmp_path, "Version") == "1:" + VERSION
    assert ds.add_entry(str(tmp_path), "greeter", "1:" + VERSION, "UNRELEASED",
                        "A <a@example.org>", DATE, ["Snapshot"]) is False


def test_debian_that_is_a_symlink_is_refused(tmp_path):
    outside = make_tree(tmp_path / "elsewhere")
    distgit = tmp_path / "distgit"
    distgit.mkdir()
    (distgit / "debian").symlink_to(outside / "debian")
    with pytest.raises(ds.DebianSourceError) as info:
        ds.inspect(str(distgit))
    assert str(info.value) == ("%s/debian is a symlink (to %s/debian); debian/ must be a "
                               "directory of the distgit" % (distgit, outside))


def test_symlinks_leading_outside_debian_are_refused(tmp_path):
    distgit = make_tree(tmp_path / "distgit")
    debian = distgit / "debian"
    (distgit / "README").write_text("distgit file, outside debian/\n")
    (debian / "copyright").symlink_to("/etc/passwd")
    (debian / "source" / "options").symlink_to("../../README")
    (debian / "docs").symlink_to("/etc")
    (debian / "stays").symlink_to("source/format")        # inside: allowed
    (debian / "source" / "up").symlink_to("../control")   # inside: allowed
    (debian / "via-dir").symlink_to("docs/passwd")        # follows a link out
    assert ds.escaping_links(str(debian)) == [
        ("copyright", "/etc/passwd"), ("docs", "/etc"), ("source/options", "../../README"),
        ("via-dir", "docs/passwd")]
    with pytest.raises(ds.DebianSourceError) as info:
        ds.inspect(str(distgit))
    assert str(info.value) == (
        "%s/debian: symlinks that lead outside debian/ (refused: the published source would "
        "carry what they point to): copyright -> /etc/passwd, docs -> /etc, source/options -> "
        "../../README, via-dir -> docs/passwd" % distgit)


def test_symlinks_inside_debian_are_allowed(tmp_path):
    distgit = make_tree(tmp_path / "distgit")
    (distgit / "debian" / "greeter.docs").write_text("README\n")
    (distgit / "debian" / "greeter-extra.docs").symlink_to("greeter.docs")
    assert ds.escaping_links(str(distgit / "debian")) == []
    assert ds.inspect(str(distgit))["source"] == "greeter"
