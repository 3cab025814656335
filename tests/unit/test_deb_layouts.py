"""deb_source_package on the distgit layouts Debian teams keep, each proven on the source
package it makes (the .dsc, its tarballs, dpkg-source -x of it, the version by python-debian
and dpkg), with the real git, patch and dpkg-source.

The fixtures are small, written for these tests, each modelled on a public layout:

- native: devscripts on Salsa (``debian/devscripts``): a tool developed in the distgit
  itself, ``3.0 (native)``, its code beside ``debian/``, released entries followed by an
  ``UNRELEASED`` one while the next version is being written;
- gbp: Salsa repositories that keep upstream's git plus ``debian/`` on ``debian/latest``,
  with a ``debian/gbp.conf`` naming the branch and the upstream tag format
  (``upstream-tag = v%(version)s``), and the JavaScript team's ``node-*`` packages, whose
  gbp.conf lists extra upstream tarballs as ``component = [...]`` (a ``types-*`` directory);
- quilt: a ``3.0 (quilt)`` package whose ``debian/patches`` were exported by ``gbp pq``
  (``0001-<subject>.patch`` with DEP-3 headers, listed in ``series``);
- submodules: an upstream that vendors a library as a git submodule."""

from __future__ import annotations

import difflib
import subprocess
import tarfile
from pathlib import Path

import deb_source_package as dsp
import pytest
from ansible.module_utils.zuul_packaging.debian_source import (
    DebianSourceError,
    gbp_tag_options,
    native_snapshot,
    parse_series,
    patch_failure,
    read_gbp_conf,
)
from debian.debian_support import Version, version_compare

RULES = "#!/usr/bin/make -f\n%:\n\tdh $@\n"


def control(source, arch="all"):
    return ("Source: %s\nSection: misc\nPriority: optional\nMaintainer: Test Packager "
            "<packager@example.org>\nBuild-Depends: debhelper-compat (= 13)\n"
            "Standards-Version: 4.6.2\nRules-Requires-Root: no\n\nPackage: %s\n"
            "Architecture: %s\nDescription: test package\n a package of the tests.\n"
            % (source, source, arch))


def entry(source, version, dist="unstable", text="Release.", day=2):
    return ("%s (%s) %s; urgency=medium\n\n  * %s\n\n -- Test Packager "
            "<packager@example.org>  Mon, 0%d Nov 2026 10:00:00 +0000\n\n"
            % (source, version, dist, text, day))


def debian_files(source, fmt, changelog, **extra):
    files = {"debian/control": control(source), "debian/rules": RULES,
             "debian/changelog": changelog, "debian/source/format": fmt + "\n",
             "debian/copyright": "Format: https://www.debian.org/doc/packaging-manuals/"
                                 "copyright-format/1.0/\n\nFiles: *\nCopyright: none\n"
                                 "License: public-domain\n"}
    files.update(extra)
    return files


def params(upstream, distgit, out, **extra):
    base = {"upstream_path": str(upstream) if upstream else "", "distgit_path": str(distgit),
            "distribution": "bookworm", "output_dir": str(out), "tag_pattern": "*",
            "base_version": "", "tag_prefix": "", "tag_exclude": ["*-eom", "*-em", "*-eol"],
            "changelog_author": "", "distgit_branch": "", "submodules": True, "code": "c1"}
    base.update(extra)
    return base


def dsc_files(dsc):
    """The file names a .dsc lists, read with python-debian."""
    from debian import deb822

    with open(dsc, encoding="utf-8") as handle:
        return sorted(f["name"] for f in deb822.Dsc(handle)["Files"])


def extract(dsc, dest):
    subprocess.run(["dpkg-source", "--no-check", "-x", str(dsc), str(dest)], check=True,
                   capture_output=True)
    return dest


def changelog_versions(tree):
    from debian import changelog

    log = changelog.Changelog((Path(tree) / "debian" / "changelog").read_text())
    return [str(block.version) for block in log]


def members(tarball):
    with tarfile.open(tarball) as tar:
        return sorted(m.name for m in tar.getmembers() if m.isfile())


def dpkg_lt(a, b):
    return subprocess.run(["dpkg", "--compare-versions", a, "lt", b],
                          check=False).returncode == 0


def sorts_between(low, version, high):
    """version is above low and below high, by python-debian and by dpkg itself."""
    return (version_compare(low, version) < 0 < version_compare(high, version)
            and dpkg_lt(low, version) and dpkg_lt(version, high))


# --- native: devscripts ------------------------------------------------------------------


@pytest.fixture
def native(make_repo):
    """A tool developed in its distgit, released as 2.23.4, then two more commits."""
    repo = make_repo("hello-tool")
    files = debian_files("hello-tool", "3.0 (native)", entry("hello-tool", "2.23.4"))
    files.update({"scripts/hello-tool": "#!/bin/sh\necho hello\n",
                  "Makefile": "all:\ninstall:\n\tinstall -D scripts/hello-tool "
                              "$(DESTDIR)/usr/bin/hello-tool\n"})
    repo.commit("Release 2.23.4", files=files)
    repo.tag("v2.23.4")
    repo.commit("Fix a typo", files={"scripts/hello-tool": "#!/bin/sh\necho hello, world\n"})
    repo.commit("Add a manual page", files={"hello-tool.1": ".TH HELLO-TOOL 1\n"})
    return repo


def test_native_is_a_snapshot_of_the_distgit(native, tmp_path):
    got = dsp.source_package(params("", native.path, tmp_path / "out"))
    sha = native.head()
    version = "2.23.4+git2.%s" % sha[:8]
    assert got["version"] == version
    assert got["layout"]["layout"] == "native" and got["layout"]["upstream"] == "distgit"
    assert got["version_info"]["upstream_sha"] == got["version_info"]["distgit_sha"] == sha
    assert sorts_between("2.23.4", version, "2.23.5")
    assert sorts_between("2.23.4", version, "2.23.4.1")
    # a native source package: one tarball, no orig, no Debian revision
    assert dsc_files(got["dsc"]) == ["hello-tool_%s.tar.xz" % version]
    tree = extract(got["dsc"], tmp_path / "x")
    assert (tree / "scripts" / "hello-tool").read_text() == "#!/bin/sh\necho hello, world\n"
    assert (tree / "hello-tool.1").is_file()
    assert changelog_versions(tree)[:2] == [version, "2.23.4"]
    assert dsp.source_package(params("", native.path, tmp_path / "out"))["fresh"]
    # the next commit sorts higher; an unrelated upstream path is not read
    native.commit("Another change")
    later = dsp.source_package(params(tmp_path / "elsewhere", native.path, tmp_path / "out"))
    assert later["version"] == "2.23.4+git3.%s" % native.head()[:8]
    assert version_compare(later["version"], version) > 0


def test_native_unreleased_entry_sorts_below_its_release(native, tmp_path):
    """dch's UNRELEASED 2.23.5 entry: snapshots are 2.23.5~..., above every earlier
    snapshot, below the release of 2.23.5, and the entry is the snapshot's own."""
    before = dsp.source_package(params("", native.path, tmp_path / "a"))["version"]
    log = (native.path / "debian" / "changelog").read_text()
    native.commit("Start 2.23.5", files={"debian/changelog": entry(
        "hello-tool", "2.23.5", "UNRELEASED", "Work in progress.", 4) + log})
    native.commit("More work")
    got = dsp.source_package(params("", native.path, tmp_path / "b"))
    assert got["version"] == "2.23.5~git1.%s" % native.head()[:8]
    assert sorts_between(before, got["version"], "2.23.5")
    tree = extract(got["dsc"], tmp_path / "x")
    assert changelog_versions(tree) == [got["version"], "2.23.4"]
    assert "Work in progress." in (tree / "debian" / "changelog").read_text()
    # the release commit: 2.23.5+git0..., above every 2.23.5~ snapshot
    native.commit("Release 2.23.5", files={"debian/changelog": entry(
        "hello-tool", "2.23.5", "unstable", "Work in progress.", 4) + log})
    released = dsp.source_package(params("", native.path, tmp_path / "c"))
    assert released["version"] == "2.23.5+git0.%s" % native.head()[:8]
    assert sorts_between(got["version"], released["version"], "2.23.6")


def test_native_snapshot_order():
    assert native_snapshot("1:2.0", True, 3, "abcdef12") == "2.0+git3.abcdef12"
    assert native_snapshot("2.0", False, 0, "abcdef12") == "2.0~git0.abcdef12"
    assert Version("2.0~git9.ffffffff") < Version("2.0") < Version("2.0+git0.00000000")


# --- gbp: upstream's git plus debian/, debian/gbp.conf -------------------------------------

GBP_CONF = """# Salsa DEP-14 layout
[DEFAULT]
debian-branch = debian/latest
upstream-branch = upstream/latest
pristine-tar = True
upstream-tag = v%(version)s
component = ['types-greeter']

[buildpackage]
sign-tags = True
"""


@pytest.fixture
def gbp_layout(make_repo):
    """An upstream tagged v1.4.0 (and 9.9-docs, not a release in v%(version)s) whose tree
    has a types-greeter/ component and a debian/ of its own; a distgit on debian/latest
    holding an older copy of the upstream source plus debian/ with gbp.conf."""
    upstream = make_repo("upstream")
    upstream.commit("Release", files={"src/greeter.c": "int v = 14;\n",
                                      "types-greeter/index.d.ts": "export {};\n",
                                      "debian/control": "upstream's own, not used\n"})
    upstream.tag("v1.4.0")
    upstream.tag("9.9-docs")
    upstream.commit("After the release", files={"src/greeter.c": "int v = 15;\n"})
    distgit = make_repo("distgit")
    distgit.git("checkout", "-q", "-b", "debian/latest")
    files = debian_files("greeter", "3.0 (quilt)", entry("greeter", "1.3.0-1"),
                         **{"debian/gbp.conf": GBP_CONF})
    files.update({"src/greeter.c": "int v = 13;\n", "types-greeter/index.d.ts": "old\n"})
    distgit.commit("Packaging of 1.3.0", files=files)
    return upstream, distgit


def test_gbp_layout_takes_debian_from_the_distgit_and_source_from_upstream(gbp_layout,
                                                                           tmp_path):
    upstream, distgit = gbp_layout
    got = dsp.source_package(params(upstream.path, distgit.path, tmp_path / "out",
                                    distgit_branch="debian/latest"))
    upstream_version = "1.4.0+git1.%s" % upstream.head()[:8]
    assert got["version"] == "%s-1.g%s" % (upstream_version, distgit.head()[:8])
    assert got["version_info"]["upstream_tag"] == "v1.4.0"  # not 9.9-docs: upstream-tag
    assert got["layout"] == {
        "layout": "gbp", "source_format": "3.0 (quilt)", "upstream": "upstream",
        "gbp": {"debian-branch": "debian/latest", "upstream-tag": "v%(version)s",
                "component": ["types-greeter"]},
        "components": ["types-greeter"], "submodules": [], "patches": 0}
    assert got["warnings_found"] == []
    base = "greeter_%s" % upstream_version
    assert dsc_files(got["dsc"]) == sorted([
        base + ".orig.tar.gz", base + ".orig-types-greeter.tar.gz",
        "greeter_%s.debian.tar.xz" % got["version"]])
    out = tmp_path / "out"
    top = "greeter-%s" % upstream_version
    # the component is its own tarball, as gbp makes it, and not in the main one
    assert members(out / (base + ".orig.tar.gz")) == sorted([
        top + "/src/greeter.c", top + "/debian/control"])
    assert members(out / (base + ".orig-types-greeter.tar.gz")) == [
        "types-greeter/index.d.ts"]
    tree = extract(got["dsc"], tmp_path / "x")
    assert (tree / "src" / "greeter.c").read_text() == "int v = 15;\n"  # the upstream's
    assert (tree / "types-greeter" / "index.d.ts").read_text() == "export {};\n"
    assert (tree / "debian" / "gbp.conf").read_text() == GBP_CONF  # the distgit's debian/
    assert (tree / "debian" / "control").read_text() == control("greeter")


def test_gbp_job_options_win_and_branch_mismatch_is_said(gbp_layout, tmp_path):
    upstream, distgit = gbp_layout
    got = dsp.source_package(params(upstream.path, distgit.path, tmp_path / "out",
                                    tag_pattern="[0-9]*", distgit_branch="debian/bookworm"))
    assert got["version_info"]["upstream_tag"] == "9.9-docs"
    assert "upstream-tag" not in got["layout"]["gbp"]
    assert got["warnings_found"] == [
        "the distgit is on branch debian/bookworm but debian/gbp.conf's debian-branch is "
        "debian/latest"]


def test_gbp_upstream_tag_without_matching_tags_says_where_it_came_from(gbp_layout, tmp_path):
    upstream, distgit = gbp_layout
    (distgit.path / "debian" / "gbp.conf").write_text(
        "[DEFAULT]\nupstream-tag = upstream/%(version)s\n")
    with pytest.raises(dsp.SourceBuildError) as info:
        dsp.source_package(params(upstream.path, distgit.path, tmp_path / "out"))
    message = str(info.value)
    assert message.startswith("build-deb-source: upstream %s has no tag matching 'upstream/*' "
                              "with prefix 'upstream/'" % upstream.path)
    assert message.endswith("(tag pattern from debian/gbp.conf upstream-tag "
                            "'upstream/%(version)s')")
    assert "\n" not in message and not (tmp_path / "out").exists()


def test_gbp_component_missing_upstream_fails_in_one_line(gbp_layout, tmp_path):
    upstream, distgit = gbp_layout
    (distgit.path / "debian" / "gbp.conf").write_text(
        "[DEFAULT]\ncomponent = ['types-greeter', 'docs']\n")
    with pytest.raises(dsp.SourceBuildError) as info:
        dsp.source_package(params(upstream.path, distgit.path, tmp_path / "out"))
    assert str(info.value) == (
        "build-deb-source: debian/gbp.conf component: the upstream tree of %s has no "
        "directory docs (gbp makes each component's tarball from that directory of the "
        "upstream tree)" % upstream.head()[:12])
    assert not list((tmp_path / "out").glob("*.dsc"))


def test_gbp_components_need_quilt(gbp_layout, tmp_path):
    upstream, distgit = gbp_layout
    (distgit.path / "debian" / "source" / "format").write_text("1.0\n")
    with pytest.raises(dsp.SourceBuildError) as info:
        dsp.source_package(params(upstream.path, distgit.path, tmp_path / "out"))
    assert str(info.value) == (
        "build-deb-source: debian/gbp.conf lists components (types-greeter); they need "
        "source format 3.0 (quilt) (this distgit's is 1.0) and cannot be named debian")


@pytest.mark.parametrize("text, expected", [
    ("[DEFAULT]\ndebian-branch=debian/latest\n[buildpackage]\ndebian-branch = main\n",
     {"debian-branch": "main"}),
    ("[DEFAULT]\ncomponent = docs\n", {"component": ["docs"]}),
    ("[DEFAULT]\npristine-tar = True\n[dch]\nupstream-tag = x%(version)s\n", {}),
    ("[DEFAULT]\nupstream-tag = v%(version%~%_)s\n", {"upstream-tag": "v%(version%~%_)s"}),
])
def test_read_gbp_conf(text, expected):
    assert read_gbp_conf(text) == expected


@pytest.mark.parametrize("text, message", [
    ("[DEFAULT]\ncomponent = ['../etc']\n", "component '../etc' is not a component name"),
    ("[DEFAULT]\ncomponent = ['-x']\n", "component '-x' is not a component name"),
    ("[DEFAULT]\ncomponent = [__import__('os')]\n", "is not a list of names"),
    ("[DEFAULT]\ncomponent = ['a', 'a']\n", "a component is listed twice"),
    ("upstream-tag = v%(version)s\n", "debian/gbp.conf does not parse"),
    ("[DEFAULT]\ndebian-branch = a\ndebian-branch = b\n", "debian/gbp.conf does not parse"),
])
def test_bad_gbp_conf(text, message):
    with pytest.raises(DebianSourceError, match=message.replace("(", r"\(").replace("[", r"\[")):
        read_gbp_conf(text)


@pytest.mark.parametrize("fmt, expected", [
    ("v%(version)s", ("v*", "v")),
    ("upstream/%(version)s", ("upstream/*", "upstream/")),
    ("%(version)s", ("*", "")),
    ("release-%(hversion)s", ("release-*", "release-")),
    ("v[%(version%~%_)s", ("v[[]*", "v[")),
])
def test_gbp_tag_options(fmt, expected):
    assert gbp_tag_options(fmt) == expected


@pytest.mark.parametrize("fmt", ["%(version)s-final", "%(pkg)s-%(version)s", "v1.0",
                                 "-%(version)s"])
def test_gbp_tag_options_refused(fmt):
    with pytest.raises(DebianSourceError, match="upstream-tag"):
        gbp_tag_options(fmt)


# --- quilt: debian/patches exported by gbp pq ---------------------------------------------

PATHS_C = "".join("const char *path%d = \"/usr/share/greeter/%d\";\n" % (i, i)
                  for i in range(12))


def unified(path, before, after, subject):
    """A gbp pq style patch (DEP-3 header, a/ b/ names) made with difflib."""
    diff = difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                "a/" + path, "b/" + path)
    return "From: Test Packager <packager@example.org>\nSubject: %s\n\n---\n%s" % (
        subject, "".join(diff))


@pytest.fixture
def quilt(make_repo):
    """An upstream with src/paths.c and README; a distgit with two patches in series."""
    upstream = make_repo("upstream")
    upstream.commit("Release", files={"src/paths.c": PATHS_C, "README": "greeter\n"})
    upstream.tag("v2.0.0")
    patched = PATHS_C.replace("path1 =", "path1_fixed =").replace("path10 =", "path10_fixed =")
    patches = {
        "debian/patches/0001-readme.patch": unified("README", "greeter\n",
                                                   "greeter (Debian)\n", "Say Debian"),
        "debian/patches/0002-fix-path.patch": unified("src/paths.c", PATHS_C, patched,
                                                      "Fix the paths"),
        "debian/patches/series": "# exported by gbp pq\n0001-readme.patch\n"
                                 "0002-fix-path.patch -p1\n\n",
    }
    distgit = make_repo("distgit")
    distgit.commit("Packaging", files=debian_files("greeter", "3.0 (quilt)",
                                                   entry("greeter", "2.0.0-1"), **patches))
    return upstream, distgit


def test_quilt_patches_are_checked_and_shipped(quilt, tmp_path):
    upstream, distgit = quilt
    got = dsp.source_package(params(upstream.path, distgit.path, tmp_path / "out"))
    assert got["layout"]["patches"] == 2 and got["layout"]["layout"] == "debian"
    assert "patch" in got["tool_seconds"]
    tree = extract(got["dsc"], tmp_path / "x")  # dpkg-source -x applies the series
    assert (tree / "README").read_text() == "greeter (Debian)\n"
    assert "path10_fixed" in (tree / "src" / "paths.c").read_text()
    assert not (tmp_path / "out" / ".patch-check").exists()


def test_quilt_patch_that_no_longer_applies_fails_in_one_line(quilt, tmp_path):
    upstream, distgit = quilt
    # upstream rewrites one of the two places the patch changes
    upstream.commit("Move path1", files={"src/paths.c": PATHS_C.replace(
        "path1 = \"/usr/share/greeter/1\"", "path1 = \"/opt/greeter/1\"")})
    with pytest.raises(dsp.SourceBuildError) as info:
        dsp.source_package(params(upstream.path, distgit.path, tmp_path / "out"))
    assert str(info.value) == (
        "build-deb-source: debian/patches/0002-fix-path.patch does not apply to upstream "
        "%s: src/paths.c (1 of 2 hunks FAILED)" % upstream.head()[:12])
    assert not (tmp_path / "out").exists()


def test_quilt_patch_of_a_removed_file(quilt, tmp_path):
    upstream, distgit = quilt
    upstream.git("rm", "-q", "README")
    upstream.commit("Drop README", files={"NEWS": "news\n"})
    with pytest.raises(dsp.SourceBuildError) as info:
        dsp.source_package(params(upstream.path, distgit.path, tmp_path / "out"))
    assert str(info.value) == (
        "build-deb-source: debian/patches/0001-readme.patch does not apply to upstream "
        "%s: README (file not found)" % upstream.head()[:12])


@pytest.mark.parametrize("series, message", [
    ("0001-readme.patch\n0003-gone.patch\n",
     "build-deb-source: debian/patches/series lists 0003-gone.patch, which is not in "
     "debian/patches"),
    ("0001-readme.patch\n../../../etc/passwd\n",
     "build-deb-source: debian/patches/series line 2: patch name '../../../etc/passwd' "
     "leaves debian/patches (refused)"),
    ("/etc/passwd\n",
     "build-deb-source: debian/patches/series line 1: patch name '/etc/passwd' leaves "
     "debian/patches (refused)"),
])
def test_quilt_bad_series(quilt, tmp_path, series, message):
    upstream, distgit = quilt
    (distgit.path / "debian" / "patches" / "series").write_text(series)
    with pytest.raises(dsp.SourceBuildError) as info:
        dsp.source_package(params(upstream.path, distgit.path, tmp_path / "out"))
    assert str(info.value) == message


def test_parse_series_as_dpkg_source():
    assert parse_series("# c\n a.patch  # why\nsub/b.patch -p1\n\n") == ["a.patch", "sub/b.patch"]


@pytest.mark.parametrize("output, expected", [
    ("checking file src/a.c\nHunk #2 FAILED at 10.\n1 out of 2 hunks FAILED\n",
     ("src/a.c", "1 of 2 hunks FAILED")),
    ("checking file README\nchecking file src/b.c\nHunk #1 FAILED at 1.\n"
     "1 out of 1 hunk FAILED\n", ("src/b.c", "1 of 1 hunk FAILED")),
    ("can't find file to patch at input line 5\n|--- a/src/gone.c\n|+++ b/src/gone.c\n"
     "No file to patch.  Skipping patch.\n1 out of 1 hunk ignored\n",
     ("src/gone.c", "file not found")),
    ("checking file x.c\nReversed (or previously applied) patch detected!  Skipping patch.\n",
     ("x.c", "already applied")),
])
def test_patch_failure(output, expected):
    assert patch_failure(output) == expected


# --- submodules --------------------------------------------------------------------------


@pytest.fixture
def with_submodule(make_repo, monkeypatch):
    """An upstream vendoring lib/ as a submodule, and a distgit with debian/ only."""
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")  # the test's submodule is a local path
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "protocol.file.allow")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "always")
    lib = make_repo("lib")
    lib.commit("lib", files={"lib.c": "int lib;\n"})
    upstream = make_repo("upstream")
    upstream.commit("code", files={"main.c": "int main;\n"})
    upstream.git("submodule", "add", "-q", str(lib.path), "vendor/lib")
    upstream.commit("vendor lib")
    upstream.tag("v1.0")
    distgit = make_repo("distgit")
    distgit.commit("Packaging", files=debian_files("greeter", "3.0 (quilt)",
                                                   entry("greeter", "1.0-1")))
    clone = upstream.clone(upstream.path.parent / "zuul-checkout")  # no submodule checked out
    return clone, distgit


def test_orig_tarball_holds_submodules(with_submodule, tmp_path):
    upstream, distgit = with_submodule
    got = dsp.source_package(params(upstream.path, distgit.path, tmp_path / "out"))
    assert got["layout"]["submodules"] == ["vendor/lib"]
    orig = [f for f in got["files"] if f.endswith(".orig.tar.gz")][0]
    assert "greeter-1.0/vendor/lib/lib.c" in members(orig)
    tree = extract(got["dsc"], tmp_path / "x")
    assert (tree / "vendor" / "lib" / "lib.c").read_text() == "int lib;\n"


def test_submodules_not_initialised_fail_naming_them(with_submodule, tmp_path):
    upstream, distgit = with_submodule
    with pytest.raises(dsp.SourceBuildError) as info:
        dsp.source_package(params(upstream.path, distgit.path, tmp_path / "out",
                                  submodules=False))
    assert str(info.value).startswith(
        "build-deb-source: upstream submodule vendor/lib (commit ")
    assert "is not checked out in %s" % upstream.path in str(info.value)


def test_documented_options_are_the_argument_spec():
    import yaml

    documented = yaml.safe_load(dsp.DOCUMENTATION)["options"]
    assert set(documented) == set(dsp.ARGUMENT_SPEC)
    for name, spec in dsp.ARGUMENT_SPEC.items():
        for key in ("type", "elements", "default"):
            assert documented[name].get(key) == spec.get(key), (name, key)
        assert bool(documented[name].get("required")) == bool(spec.get("required")), name
    assert "layout" in yaml.safe_load(dsp.RETURN)


def test_a_distgit_that_is_not_native_needs_an_upstream(quilt, tmp_path):
    _, distgit = quilt
    with pytest.raises(dsp.SourceBuildError) as info:
        dsp.source_package(params("", distgit.path, tmp_path / "out"))
    assert str(info.value) == (
        "build-deb-source: set packaging_upstream_path to the upstream checkout (only a "
        "3.0 (native) distgit builds without one)")


def test_quilt_vendor_series_is_the_one_checked(quilt, tmp_path):
    """dpkg-source applies debian/patches/<vendor>.series when there is one (Ubuntu's
    ubuntu.series beside Debian's series); the check reads the same file."""
    upstream, distgit = quilt
    patches = distgit.path / "debian" / "patches"
    (patches / "series").write_text("0001-readme.patch\n0009-ubuntu-only.patch\n")
    (patches / "debian.series").write_text("0001-readme.patch\n")
    got = dsp.source_package(params(upstream.path, distgit.path, tmp_path / "out"))
    assert got["layout"]["patches"] == 1
    (patches / "debian.series").write_text("0003-gone.patch\n")
    with pytest.raises(dsp.SourceBuildError, match="^build-deb-source: debian/patches/"
                       "debian.series lists 0003-gone.patch, which is not in debian/patches$"):
        dsp.source_package(params(upstream.path, distgit.path, tmp_path / "out2"))
