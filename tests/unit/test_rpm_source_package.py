"""rpm_source_package: a real SRPM build of the example (specfile, git archive, rpmbuild -bp and
-bs), reused while its inputs are unchanged, and one line per bad input."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import rpm
import rpm_source_package as rsp
import yaml

ROOT = Path(__file__).resolve().parents[2]
DIST = rpm.expandMacro("%{?dist}")  # what rpmbuild appends on this host ('' on Debian)
RECORD_KEYS = {"role", "step", "format", "result", "summary", "files", "logs", "seconds",
               "details"}


@pytest.fixture
def example(tmp_path):
    subprocess.run([str(ROOT / "examples" / "make-repos.sh"), str(tmp_path / "ex")], check=True,
                   capture_output=True)
    return tmp_path / "ex"


def params(example, tmp_path, **extra):
    base = {"upstream_path": str(example / "upstream"),
            "distgit_path": str(example / "distgit-rpm"), "spec": "",
            "output_dir": str(tmp_path / "out"), "log_dir": str(tmp_path / "logs"),
            "tag_pattern": "*", "base_version": "", "tag_prefix": "",
            "tag_exclude": ["*-eom", "*-em", "*-eol"], "code": "c1"}
    base.update(extra)
    return base


def git(path, *args):
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_AUTHOR_NAME="T",
               GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="T",
               GIT_COMMITTER_EMAIL="t@example.org")
    return subprocess.run(["git", "-C", str(path), *args], check=True, capture_output=True,
                          text=True, env=env).stdout.strip()


def rpmq(path, fmt):
    return subprocess.run(["rpm", "-qp", "--qf", fmt, str(path)], check=True,
                          capture_output=True, text=True).stdout


def edit_spec(example, old, new):
    spec = example / "distgit-rpm" / "greeter.spec"
    text = spec.read_text()
    assert old in text
    spec.write_text(text.replace(old, new, 1))


def test_build_then_reuse(example, tmp_path):
    upstream = git(example / "upstream", "rev-parse", "HEAD")
    distgit = git(example / "distgit-rpm", "rev-parse", "HEAD")
    version = "0.1.0^git1.%s-1.g%s%s" % (upstream[:8], distgit[:8], DIST)
    first = rsp.source_package(params(example, tmp_path))
    srpm = tmp_path / "out" / "SRPMS" / ("greeter-%s.src.rpm" % version)
    assert first["changed"] and not first["fresh"]
    assert (first["name"], first["version"], first["epoch"]) == ("greeter", version, "")
    assert first["nevr"] == "greeter-" + version
    assert first["release"] == "1.g%s%s" % (distgit[:8], DIST)
    assert first["source_package"] == str(srpm) and first["files"] == [str(srpm)]
    assert first["logs"] == [str(tmp_path / "logs" / "greeter.spec.txt"),
                             str(tmp_path / "logs" / "rpmbuild-srpm.log.txt")]
    assert "$ rpmbuild -bs" in (tmp_path / "logs" / "rpmbuild-srpm.log.txt").read_text()
    assert set(first["tool_seconds"]) == {"git", "rpmbuild"}
    assert rpmq(srpm, "%{NAME}-%{VERSION}-%{RELEASE} %{ARCH}") == "greeter-%s noarch" % version
    # Source0 is the exact upstream commit, with the top directory %autosetup expects
    tarball = subprocess.run("rpm2cpio '%s' | cpio -i --quiet --to-stdout 'greeter-*.tar.gz'"
                             % srpm, shell=True, check=True, capture_output=True).stdout
    commit = subprocess.run(["git", "get-tar-commit-id"], input=subprocess.run(
        ["zcat"], input=tarball, capture_output=True, check=True).stdout,
        capture_output=True, check=True).stdout.decode().strip()
    assert commit == upstream
    kept = (tmp_path / "logs" / "greeter.spec.txt").read_text()
    assert "Snapshot of upstream %s (v0.1.0+1), distgit %s" % (upstream[:12], distgit[:12]) in kept

    record = first["record"]
    assert set(record) == RECORD_KEYS
    assert (record["role"], record["step"], record["format"], record["result"]) == (
        "build-rpm-source", "source", "rpm", "done")
    assert record["summary"] == "source package greeter %s (%s)" % (version, srpm.name)
    assert record["files"] == [str(srpm)] and record["logs"] == first["logs"]
    assert record["details"] == {
        "name": "greeter", "version": version, "source_package": str(srpm),
        "upstream_sha": upstream, "upstream_tag": "v0.1.0", "commits_since_tag": 1,
        "distgit_sha": distgit}
    json.dumps(record)  # a fact: plain JSON

    before = srpm.stat().st_mtime_ns
    again = rsp.source_package(params(example, tmp_path))
    assert again["fresh"] and not again["changed"] and again["tool_seconds"] == {}
    assert {k: again[k] for k in ("name", "version", "source_package", "files", "logs")} == {
        k: first[k] for k in ("name", "version", "source_package", "files", "logs")}
    assert again["record"]["result"] == "reused"
    assert again["record"]["summary"].endswith(
        ", unchanged since the last build (key %s), not rebuilt" % again["key"][:12])
    assert srpm.stat().st_mtime_ns == before
    # another role version (code digest), or a changed distgit file, builds anew
    assert not rsp.source_package(params(example, tmp_path, code="c2"))["fresh"]
    (example / "distgit-rpm" / "extra.conf").write_text("a source\n")
    rebuilt = rsp.source_package(params(example, tmp_path, code="c2"))
    assert not rebuilt["fresh"]
    assert (tmp_path / "out" / "SOURCES" / "extra.conf").read_text() == "a source\n"


def test_a_missing_output_rebuilds(example, tmp_path):
    first = rsp.source_package(params(example, tmp_path))
    Path(first["logs"][0]).unlink()
    again = rsp.source_package(params(example, tmp_path))
    assert not again["fresh"] and again["reason"].startswith("output ")
    assert Path(again["logs"][0]).is_file()


def no_spec(example):
    (example / "distgit-rpm" / "greeter.spec").unlink()


def two_specs(example):
    (example / "distgit-rpm" / "other.spec").write_text("Name: other\n")


def linked_spec(example):
    spec = example / "distgit-rpm" / "greeter.spec"
    (example / "elsewhere.spec").write_text(spec.read_text())
    spec.unlink()
    spec.symlink_to(example / "elsewhere.spec")


def linked_patch(example):
    edit_spec(example, "%description", "Patch0:         host.patch\n\n%description")
    (example / "distgit-rpm" / "host.patch").symlink_to("/etc/passwd")


def broken_spec(example):
    edit_spec(example, "Summary:        Print a greeting",
              "Summary:        %{lua: error('no summary')}")


def untagged(example):
    git(example / "upstream", "tag", "-d", "v0.1.0")


@pytest.mark.parametrize("change, extra, message", [
    (None, {"upstream_path": ""}, "build-rpm-source: set packaging_upstream_path and run "
     'fetch-distgit first (upstream="", distgit="{ex}/distgit-rpm")'),
    (None, {"spec": "../greeter.spec"},
     'build-rpm-source: spec name "../greeter.spec" must be a plain file name inside the distgit'),
    (None, {"spec": "other.spec"},
     "build-rpm-source: spec file other.spec not found in distgit {ex}/distgit-rpm"),
    (no_spec, {}, "build-rpm-source: no spec file in distgit {ex}/distgit-rpm"),
    (two_specs, {}, "build-rpm-source: several spec files (greeter.spec, other.spec) and none is "
     '"<project>.spec" (set packaging_rpm_spec) in distgit {ex}/distgit-rpm'),
    (two_specs, {"project": "third"}, "build-rpm-source: several spec files (greeter.spec, "
     'other.spec) and none is "third.spec" (set packaging_rpm_spec) in distgit {ex}/distgit-rpm'),
    (linked_spec, {}, "build-rpm-source: spec file {ex}/distgit-rpm/greeter.spec is a symlink "
     "(to {ex}/elsewhere.spec); it must be a regular file of the distgit"),
    (linked_patch, {}, "build-rpm-source: spec file {ex}/distgit-rpm/greeter.spec: sources and "
     "patches must be regular files of the distgit, these are symlinks: host.patch -> /etc/passwd"),
    (broken_spec, {}, "build-rpm-source: spec file {ex}/distgit-rpm/greeter.spec does not parse: "),
    (untagged, {}, "build-rpm-source: upstream {ex}/upstream has no tag matching '*' reachable "
     "from HEAD"),
])
def test_bad_inputs_build_nothing(example, tmp_path, change, extra, message):
    if change:
        change(example)
    with pytest.raises(rsp.SourceBuildError) as info:
        rsp.source_package(params(example, tmp_path, **extra))
    text = str(info.value)
    assert text.startswith(message.replace("{ex}", str(example))), text
    assert "\n" not in text
    assert not (tmp_path / "out").exists() and not (tmp_path / "logs").exists()


def test_source0_that_git_cannot_write(example, tmp_path):
    edit_spec(example, "Source0:        %{name}-%{version}.tar.gz",
              "Source0:        %{name}-%{version}.tar.lz")
    with pytest.raises(rsp.SourceBuildError) as info:
        rsp.source_package(params(example, tmp_path))
    assert str(info.value).startswith(
        'build-rpm-source: Source0 of greeter is "greeter-0.1.0^git1.')
    assert str(info.value).endswith(
        '.tar.lz"; it must be a .tar.gz, .tgz, .tar.xz, .tar.bz2, .tar or .zip file name')


def test_prep_that_does_not_find_the_top_directory(example, tmp_path):
    edit_spec(example, "%autosetup", "%autosetup\ncd ../greeter-upstream-tarball")
    with pytest.raises(rsp.SourceBuildError) as info:
        rsp.source_package(params(example, tmp_path))
    message = str(info.value)
    assert message.startswith("build-rpm-source: %prep of greeter fails on Source0 "
                              "greeter-0.1.0^git1.")
    assert "(archive top directory greeter-0.1.0^git1." in message
    assert "(%prep)" in message and "\n" not in message  # rpmbuild's last lines
    assert not (tmp_path / "out" / ".build-stamp.json").exists()


def test_tar_xz_source0_and_setup_name(example, tmp_path):
    edit_spec(example, "Source0:        %{name}-%{version}.tar.gz",
              "Source0:        %{name}-src-%{version}.tar.xz")
    edit_spec(example, "%autosetup", "%autosetup -n %{name}-src-%{version}")
    done = rsp.source_package(params(example, tmp_path))
    listing = subprocess.run(["rpm", "-qpl", done["source_package"]], check=True,
                             capture_output=True, text=True).stdout.split()
    tarball = [n for n in listing if n.endswith(".tar.xz")]
    assert len(tarball) == 1 and tarball[0].startswith("greeter-src-0.1.0^git1.")
    names = subprocess.run(["tar", "-tJf", str(tmp_path / "out" / "SOURCES" / tarball[0])],
                           check=True, capture_output=True, text=True).stdout.split()
    assert all(n.startswith(tarball[0][:-len(".tar.xz")] + "/") for n in names)


def test_archive_format_and_argv():
    assert rsp.archive_format("p", "p-1.tar.gz") == "tar.gz"
    assert rsp.archive_format("p", "p-1.tgz") == "tgz"
    assert rsp.archive_format("p", "p-1.0.tar.xz") == "tar.xz"
    assert rsp.archive_format("p", "p.tar.bz2") == "tar.bz2"
    assert rsp.archive_format("p", "p.tar") == "tar"
    assert rsp.archive_format("p", "p.zip") == "zip"
    for name in ("p.tar.lz", "tar.gz", "p.gz", ""):
        with pytest.raises(rsp.SourceBuildError, match="it must be a .tar.gz"):
            rsp.archive_format("p", name)


def test_small_pure_helpers():
    assert rsp.full_version("", "1.0", "1") == "1.0-1"
    assert rsp.full_version("2", "1.0^git1.abc", "3.gdef") == "2:1.0^git1.abc-3.gdef"
    assert rsp.last_lines("a\n\nb\n", "c\n  \n") == "b | c"
    assert rsp.last_lines("", "") == ""
    assert rsp.snapshot_changelog({
        "upstream_sha": "a" * 40, "upstream_tag": "", "base_version": "2.0",
        "commits_since_tag": 3, "distgit_sha": "b" * 40}) == (
        "Snapshot of upstream aaaaaaaaaaaa (2.0+3), distgit bbbbbbbbbbbb")


def test_documented_options_are_the_argument_spec():
    documented = yaml.safe_load(rsp.DOCUMENTATION)["options"]
    assert set(documented) == set(rsp.ARGUMENT_SPEC)
    for name, spec in rsp.ARGUMENT_SPEC.items():
        doc = documented[name]
        for key in ("type", "elements", "choices", "default"):
            assert doc.get(key) == spec.get(key), (name, key)
        assert bool(doc.get("required")) == bool(spec.get("required")), name
    returned = set(yaml.safe_load(rsp.RETURN))
    assert {"name", "version", "source_package", "files", "version_info", "record"} <= returned


def test_runs_with_the_interpreter_the_role_names():
    """Ansible runs a module with ansible_python_interpreter only when its shebang names plain
    `python` (a `python3` shebang looks for ansible_python3_interpreter instead, and runs
    /usr/bin/python3, which has no specfile library): the role sets the former."""
    first = Path(rsp.__file__).read_text().splitlines()[0]
    assert first == "#!/usr/bin/python"
    tasks = yaml.safe_load((ROOT / "roles/build-rpm-source/tasks/main.yaml").read_text())
    [task] = [t for t in tasks if "rpm_source_package" in t]
    assert task["vars"]["ansible_python_interpreter"] == "{{ build_rpm_source_python }}"
