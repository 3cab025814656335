"""A 3.0 (native) distgit through the deb job, with the real tools: the source package is a
snapshot of the distgit itself (no orig tarball, no Debian revision), built with sbuild,
published and installed.

The distgit is modelled on devscripts on Salsa (``debian/devscripts``): a tool developed in
the distgit, its code beside ``debian/``, ``3.0 (native)``, a released changelog entry and
commits after it. The job runs as it would under Zuul on a change to that project: the
upstream checkout is the distgit."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from pipeline import ROOT, commit_all, git, job_vars, play

CHANGELOG = """hello-tool (1.4) unstable; urgency=medium

  * Release 1.4.

 -- Tool Developers <dev@hello-tool.example>  Mon, 02 Nov 2026 10:00:00 +0000
"""
CONTROL = """Source: hello-tool
Section: utils
Priority: optional
Maintainer: Tool Developers <dev@hello-tool.example>
Build-Depends: debhelper-compat (= 13)
Standards-Version: 4.6.2
Rules-Requires-Root: no

Package: hello-tool
Architecture: all
Depends: ${misc:Depends}
Description: say hello from a native package
 hello-tool prints a greeting. It is developed in its packaging repository, as
 a native Debian package.
"""
FILES = {
    "hello-tool": "#!/bin/sh\necho \"hello from hello-tool\"\n",
    "Makefile": "all:\n\ninstall:\n\tinstall -D -m 0755 hello-tool $(DESTDIR)/usr/bin/hello-tool\n",
    "debian/control": CONTROL,
    "debian/changelog": CHANGELOG,
    "debian/rules": "#!/usr/bin/make -f\n\n%:\n\tdh $@\n",
    "debian/source/format": "3.0 (native)\n",
}


def dpkg_compare(a, op, b):
    return subprocess.run(["dpkg", "--compare-versions", a, op, b], check=False).returncode == 0


@pytest.fixture(scope="module")
def native_build(tmp_path_factory):
    distgit = tmp_path_factory.mktemp("native") / "hello-tool"
    distgit.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(distgit)], check=True)
    for relative, text in FILES.items():
        (distgit / relative).parent.mkdir(parents=True, exist_ok=True)
        (distgit / relative).write_text(text)
    (distgit / "debian" / "rules").chmod(0o755)
    (distgit / "hello-tool").chmod(0o755)
    copyright_text = (ROOT / "examples" / "greeter" / "distgit-deb" / "debian" / "copyright"
                      ).read_text().replace("greeter", "hello-tool")
    (distgit / "debian" / "copyright").write_text(copyright_text)
    commit_all(distgit, "Release 1.4", "2026-11-02T10:00:00Z")
    (distgit / "hello-tool").write_text("#!/bin/sh\necho \"hello from hello-tool, ${1:-you}\"\n")
    commit_all(distgit, "Greet a name", "2026-11-03T10:00:00Z")
    work = tmp_path_factory.mktemp("run")
    variables = job_vars(distgit.parent, work, packaging_upstream_path=str(distgit),
                         packaging_distgit_url=str(distgit),
                         packaging_deb_distribution="bookworm",
                         verify_deb_install_test_commands=[
                             'test "$(hello-tool packager)" = "hello from hello-tool, '
                             'packager"'])
    result = play("build-deb.yaml", variables)
    assert result.rc == 0, result.output[-3000:]
    result.variables = variables  # for a rerun
    sha = git(distgit, "rev-parse", "HEAD")
    return work, "1.4+git1.%s" % sha[:8], result


def test_native_source_package_is_a_snapshot_of_the_distgit(native_build):
    work, version, _ = native_build
    source = work / "work" / "deb" / "source"
    assert sorted(p.name for p in source.glob("hello-tool_*")) == [
        "hello-tool_%s.dsc" % version, "hello-tool_%s.tar.xz" % version]
    assert dpkg_compare(version, "gt", "1.4") and dpkg_compare(version, "lt", "1.4.1")
    report = json.loads((work / "output" / "artifacts" / "build-report-deb.json").read_text())
    assert report["outcome"] == "built"
    details = {r["step"]: r for r in report["steps"]}["source"]["details"]
    assert (details["layout"], details["source_format"], details["source_from"]) == (
        "native", "3.0 (native)", "distgit")
    assert details["upstream_sha"] == details["distgit_sha"]


def test_native_package_is_built_published_and_installed(native_build):
    work, version, result = native_build
    debs = sorted((work / "work" / "deb" / "binary").glob("*.deb"))
    assert [d.name for d in debs] == ["hello-tool_%s_all.deb" % version]
    listing = subprocess.run(["reprepro", "-b", str(work / "repos" / "deb" / "bookworm" /
                                                   "current"), "list", "bookworm"],
                             check=True, capture_output=True, text=True).stdout
    assert "bookworm|main|source: hello-tool %s" % version in listing
    log = (work / "output" / "logs" / "deb" / "verify-install.txt").read_text()
    assert "Setting up hello-tool (%s)" % version in log
    assert Path(work / "repos").is_dir() and "hello-tool %s" % version in result.output


def test_native_rerun_without_an_upstream_path_is_skipped(native_build):
    """A local run of a native distgit needs no upstream checkout (the distgit is its own
    upstream): with nothing changed, the same inputs are found published and skipped."""
    work, version, result = native_build
    again = play("build-deb.yaml", dict(result.variables, packaging_upstream_path=""))
    assert again.rc == 0, again.output[-3000:]
    assert "nothing new to build or publish" in again.output
    assert "Run sbuild" not in again.output
