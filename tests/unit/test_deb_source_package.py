"""deb_source_package: a real source build of the example (git archive, python-debian,
dpkg-source), reused while its inputs are unchanged, and one line per bad input."""

from __future__ import annotations

import subprocess
from pathlib import Path

import deb_source_package as dsp
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def example(tmp_path):
    subprocess.run([str(ROOT / "examples" / "make-repos.sh"), str(tmp_path / "ex")], check=True,
                   capture_output=True)
    return tmp_path / "ex"


def params(example, tmp_path, **extra):
    base = {"upstream_path": str(example / "upstream"),
            "distgit_path": str(example / "distgit-deb"), "distribution": "unstable",
            "output_dir": str(tmp_path / "out"), "tag_pattern": "*", "base_version": "",
            "tag_prefix": "", "tag_exclude": ["*-eom", "*-em", "*-eol"],
            "changelog_author": "", "distgit_branch": "", "submodules": True, "code": "c1"}
    base.update(extra)
    return base


def test_build_then_reuse(example, tmp_path):
    first = dsp.source_package(params(example, tmp_path))
    assert first["changed"] and not first["fresh"] and first["distribution"] == "sid"
    assert first["source"] == "greeter" and first["version"].startswith("0.1.0+git1.")
    assert first["dsc"] == str(tmp_path / "out" / ("greeter_%s.dsc" % first["version"]))
    assert sorted(Path(f).name for f in first["files"]) == sorted([
        "greeter_%s.dsc" % first["version"],
        "greeter_%s.debian.tar.xz" % first["version"],
        "greeter_%s.orig.tar.gz" % first["version"].rsplit("-", 1)[0]])
    assert set(first["tool_seconds"]) == {"git", "tar", "dpkg-source"}
    log = subprocess.run(["dpkg-parsechangelog", "-l",
                          str(tmp_path / "out" / ("greeter-%s" % first["version"].rsplit("-", 1)[0])
                              / "debian" / "changelog"), "-S", "Version"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert log == first["version"]
    again = dsp.source_package(params(example, tmp_path))
    assert again["fresh"] and not again["changed"] and again["files"] == first["files"]
    assert again["tool_seconds"] == {}
    # another role version (code digest) builds anew
    assert not dsp.source_package(params(example, tmp_path, code="c2"))["fresh"]


@pytest.mark.parametrize("extra, message", [
    ({"distribution": "bookwork"}, "unknown distribution 'bookwork': not a Debian or Ubuntu"),
    ({"distgit_path": "/nonexistent"}, "no debian/ directory in /nonexistent"),
    ({"upstream_path": "/nonexistent"}, "upstream path /nonexistent does not exist"),
])
def test_bad_inputs_build_nothing(example, tmp_path, extra, message):
    with pytest.raises(dsp.SourceBuildError) as info:
        dsp.source_package(params(example, tmp_path, **extra))
    assert str(info.value).startswith(message)
    assert not (tmp_path / "out").exists()


def test_tag_options_reach_the_version(example, tmp_path):
    upstream = example / "upstream"
    subprocess.run(["git", "-C", str(upstream), "tag", "greeter-0.3.0", "HEAD~1"], check=True)
    subprocess.run(["git", "-C", str(upstream), "tag", "9.0-eol", "HEAD"], check=True)
    first = dsp.source_package(params(example, tmp_path))
    assert first["version_info"]["upstream_tag"] == "v0.1.0"  # 9.0-eol is not a release
    assert {"tag": "greeter-0.3.0", "reason": "does not start with a digit (after an optional "
            "'v')"} in first["version_info"]["skipped_tags"]
    # a new tag that is not a release changes nothing that is built: the stamp holds
    subprocess.run(["git", "-C", str(upstream), "tag", "nightly", "HEAD"], check=True)
    again = dsp.source_package(params(example, tmp_path))
    assert again["fresh"] and again["key"] == first["key"]
    prefixed = dsp.source_package(params(example, tmp_path, tag_prefix="greeter-"))
    assert prefixed["version"].startswith("0.3.0+git1.")
    with pytest.raises(dsp.SourceBuildError, match="with prefix 'absent-'"):
        dsp.source_package(params(example, tmp_path, tag_prefix="absent-"))
    assert dsp.source_package(params(example, tmp_path, tag_exclude=[]))["version"].startswith(
        "9.0.eol-")
