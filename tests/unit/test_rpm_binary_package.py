"""rpm_binary_package: real rpmbuild --rebuild of small SRPMs (made with rpmbuild -bs), the
BuildRequires rules, reuse of an unchanged build, and one line per bad input. mock cannot run
here: its config, command line and result collection are checked as pure functions, and the
role's whole mock path in tests/integration/test_rpm_results.py."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest
import rpm_binary_package as rbp
import yaml

TARGET = "centos-stream-9-x86_64"
MISSING = "zuul-packaging-test-missing-dependency"
RECORD_KEYS = {"role", "step", "format", "result", "summary", "files", "logs", "seconds",
               "details"}

SPEC = textwrap.dedent("""\
    Name: tiny
    Version: 1.0
    Release: 1
    Summary: A tiny package
    License: MIT
    BuildArch: noarch
    @BUILDREQUIRES@
    %description
    A tiny package.
    %package extra
    Summary: Its extra part
    %description extra
    Its extra part.
    %build
    @BUILD@
    %install
    mkdir -p %{buildroot}/usr/share/tiny
    echo x > %{buildroot}/usr/share/tiny/x
    echo y > %{buildroot}/usr/share/tiny/y
    %files
    /usr/share/tiny/x
    %files extra
    /usr/share/tiny/y
    """)


def make_srpm(directory, buildrequires="", build="true"):
    directory.mkdir(parents=True, exist_ok=True)
    spec = directory / "tiny.spec"
    spec.write_text(SPEC.replace("@BUILDREQUIRES@", buildrequires).replace("@BUILD@", build))
    subprocess.run(["rpmbuild", "-bs", "--define", "_topdir %s/top" % directory, str(spec)],
                   check=True, capture_output=True)
    return str(next((directory / "top" / "SRPMS").glob("*.src.rpm")))


@pytest.fixture
def srpm(tmp_path):
    return make_srpm(tmp_path / "src")


def params(srpm_path, tmp_path, **extra):
    base = {"srpm": srpm_path, "builder": "rpmbuild", "allow_rpmbuild": True, "mock_target": TARGET,
            "mock_config_dir": str(tmp_path / "mock"), "extra_repositories": [],
            "nodeps": False, "output_dir": str(tmp_path / "out"),
            "log_dir": str(tmp_path / "logs"), "extra_args": [],
            "node_system": "Debian 12.12", "code": "c1"}
    base.update(extra)
    return base


def test_rpmbuild_then_reuse(srpm, tmp_path):
    first = rbp.binary_package(params(srpm, tmp_path), has_mock=False)
    noarch = tmp_path / "out" / "rpmbuild" / "RPMS" / "noarch"
    rpms = [str(noarch / "tiny-1.0-1.noarch.rpm"), str(noarch / "tiny-extra-1.0-1.noarch.rpm")]
    log = str(tmp_path / "logs" / "rpmbuild.log.txt")
    assert first["changed"] and not first["fresh"]
    assert first["packages"] == rpms and first["names"] == ["tiny", "tiny-extra"]
    assert (first["builder"], first["buildroot"], first["target"]) == (
        "rpmbuild", "rpmbuild on the node (Debian 12.12)", TARGET)
    assert first["logs"] == [log] and first["log_dir"] == str(tmp_path / "logs")
    assert "Wrote: %s" % rpms[0] in Path(log).read_text()
    assert first["unresolved_buildrequires"] == []
    assert set(first["tool_seconds"]) == {"rpmbuild", "rpm"}
    record = first["record"]
    assert set(record) == RECORD_KEYS
    assert (record["role"], record["step"], record["format"], record["result"]) == (
        "build-rpm-binary", "binary", "rpm", "done")
    assert record["summary"] == ("binary packages tiny-1.0-1.noarch.rpm, "
                                 "tiny-extra-1.0-1.noarch.rpm built with rpmbuild on the node "
                                 "(Debian 12.12)")
    assert record["files"] == rpms and record["logs"] == [log]
    assert record["details"] == {"packages": rpms, "builder": "rpmbuild",
                                 "buildroot": "rpmbuild on the node (Debian 12.12)",
                                 "target": TARGET}
    json.dumps(record)

    before = Path(rpms[0]).stat().st_mtime_ns
    again = rbp.binary_package(params(srpm, tmp_path), has_mock=False)
    assert again["fresh"] and not again["changed"] and again["tool_seconds"] == {}
    assert again["packages"] == rpms and again["names"] == first["names"]
    assert again["record"]["result"] == "reused"
    assert again["record"]["summary"].endswith(
        ", unchanged since the last build (key %s), not rebuilt" % again["key"][:12])
    assert Path(rpms[0]).stat().st_mtime_ns == before
    # other options, another SRPM content or a changed output build anew
    assert not rbp.binary_package(params(srpm, tmp_path, extra_args=["--nocheck"]),
                                  has_mock=False)["fresh"]
    Path(log).write_text("changed\n")
    assert not rbp.binary_package(params(srpm, tmp_path, extra_args=["--nocheck"]),
                                  has_mock=False)["fresh"]


def test_unsatisfied_buildrequires_fail_and_keep_the_log(tmp_path):
    srpm = make_srpm(tmp_path / "src", "BuildRequires: %s >= 2" % MISSING)
    with pytest.raises(rbp.BinaryBuildError) as info:
        rbp.binary_package(params(srpm, tmp_path), has_mock=False)
    assert str(info.value) == (
        "build-rpm-binary: BuildRequires not installed on this host: %s >= 2; install them, use "
        "the mock builder, or set build_rpm_binary_nodeps to build without them" % MISSING)
    assert "is needed by" in (tmp_path / "logs" / "rpmbuild.log.txt").read_text()
    assert not list((tmp_path / "out").rglob("*.rpm"))
    assert not (tmp_path / "out" / ".build-stamp.json").exists()


def test_nodeps_builds_and_lists_them(tmp_path):
    srpm = make_srpm(tmp_path / "src", "BuildRequires: %s\nBuildRequires: %s-two" % (
        MISSING, MISSING))
    done = rbp.binary_package(params(srpm, tmp_path, nodeps=True), has_mock=False)
    assert done["unresolved_buildrequires"] == [MISSING, MISSING + "-two"]
    assert done["names"] == ["tiny", "tiny-extra"]
    assert done["record"]["summary"].endswith(
        " with --nodeps (BuildRequires not installed on this host: %s, %s-two)"
        % (MISSING, MISSING))
    again = rbp.binary_package(params(srpm, tmp_path, nodeps=True), has_mock=False)
    assert again["fresh"] and again["unresolved_buildrequires"] == done["unresolved_buildrequires"]


def test_failed_build_names_the_exit_and_the_last_lines(tmp_path):
    srpm = make_srpm(tmp_path / "src", build="echo the compiler broke >&2; exit 3")
    with pytest.raises(rbp.BinaryBuildError) as info:
        rbp.binary_package(params(srpm, tmp_path), has_mock=False)
    message = str(info.value)
    assert message.startswith("build-rpm-binary: rpmbuild --rebuild of tiny-1.0-1.src.rpm "
                              "failed (exit 1): ")
    assert message.endswith("; full log in %s/logs/rpmbuild.log.txt" % tmp_path)
    assert "\n" not in message
    assert "the compiler broke" in (tmp_path / "logs" / "rpmbuild.log.txt").read_text()
    assert not (tmp_path / "out" / ".build-stamp.json").exists()


@pytest.mark.parametrize("extra, has_mock, message", [
    ({"builder": "cowbuilder"}, False,
     'build-rpm-binary: unknown builder "cowbuilder" (use mock or rpmbuild)'),
    ({"srpm": "/nonexistent/x.src.rpm"}, False,
     'build-rpm-binary: SRPM "/nonexistent/x.src.rpm" does not exist'),
    ({"srpm": ""}, False, 'build-rpm-binary: SRPM "" does not exist'),
    ({"builder": "", "allow_rpmbuild": False}, False,
     "build-rpm-binary: this job builds for the mock target %s but would run rpmbuild on the "
     "node (Debian 12.12) (mock is not installed); run it on a node with mock, or set "
     "packaging_rpm_allow_rpmbuild: true to publish the rpmbuild build under that name" % TARGET),
    ({"builder": "rpmbuild", "allow_rpmbuild": False}, True,
     "build-rpm-binary: this job builds for the mock target %s but would run rpmbuild on the "
     "node (Debian 12.12); run it on a node with mock" % TARGET),
    ({"builder": "mock", "mock_target": "centos-stream-99-x86_64"}, False,
     "build-rpm-binary: unknown mock target 'centos-stream-99-x86_64': no "
     "centos-stream-99-x86_64.cfg in "),
    ({"builder": "mock", "mock_target": "../x"}, False,
     "build-rpm-binary: mock target '../x' is not a plain config name"),
    ({"builder": "mock", "extra_repositories": ["ftp://repos.test/x"]}, False,
     "build-rpm-binary: extra repository 'ftp://repos.test/x' is not an http(s):// or file:// "
     "URL"),
])
def test_bad_inputs_build_nothing(srpm, tmp_path, extra, has_mock, message):
    (tmp_path / "mock").mkdir()
    (tmp_path / "mock" / (TARGET + ".cfg")).write_text("config_opts['root'] = 'x'\n")
    with pytest.raises(rbp.BinaryBuildError) as info:
        rbp.binary_package(params(srpm, tmp_path, **extra), has_mock=has_mock)
    assert str(info.value).startswith(message), str(info.value)
    assert not (tmp_path / "out").exists() and not (tmp_path / "logs").exists()


def test_the_builder_and_what_really_builds():
    assert rbp.choose_builder("", True) == "mock"
    assert rbp.choose_builder("", False) == "rpmbuild"
    assert rbp.choose_builder("rpmbuild", True) == "rpmbuild"
    assert rbp.choose_builder("mock", False) == "mock"
    assert rbp.buildroot("mock", TARGET, "Debian 12") == "mock " + TARGET
    assert rbp.buildroot("rpmbuild", TARGET, "Fedora 41") == "rpmbuild on the node (Fedora 41)"


def test_stamp_inputs_hold_each_builders_options(tmp_path):
    p = params("s.src.rpm", tmp_path, extra_repositories=["file:///r"], nodeps=True)
    assert rbp.stamp_inputs(p, "rpmbuild") == {
        "builder": "rpmbuild", "extra_args": [], "log_dir": p["log_dir"], "nodeps": True,
        "defines": []}
    assert rbp.stamp_inputs(p, "mock") == {
        "builder": "mock", "extra_args": [], "log_dir": p["log_dir"], "target": TARGET,
        "config_dir": p["mock_config_dir"], "repositories": ["file:///r"], "defines": []}
    # macro definitions are part of both builders' keys
    p["defines"] = {"dlrn": 1}
    assert rbp.stamp_inputs(p, "mock")["defines"] == [("dlrn", "1")]


def test_rpmbuild_argv(tmp_path):
    p = params("/s/x.src.rpm", tmp_path, extra_args=["--without", "tests"])
    assert rbp.rpmbuild_argv(p) == ["rpmbuild", "--rebuild", "--define",
                                    "_topdir %s/out/rpmbuild" % tmp_path, "--without", "tests",
                                    "/s/x.src.rpm"]
    assert rbp.rpmbuild_argv(p, nodeps=True)[:3] == ["rpmbuild", "--rebuild", "--nodeps"]


def test_output_parsing():
    out = "Building\n    foo >= 1 is needed by tiny-1.0-1.noarch\n"
    err = "error: Failed build dependencies:\n\tbar is needed by tiny-1.0-1.noarch\n"
    assert rbp.unresolved_buildrequires(out, err) == ["foo >= 1", "bar"]
    assert rbp.unresolved_buildrequires("", "") == []
    mock_err = "INFO: x\nERROR: Command failed\nNo matching package to install: 'make'\nEnd\n"
    assert rbp.last_lines("", mock_err, 2, rbp.MOCK_ERROR) == (
        "ERROR: Command failed | No matching package to install: 'make'")
    assert rbp.last_lines("a\n\n", "b\n c \n\n") == "b |  c "


def test_collect_leaves_out_the_srpm(tmp_path):
    results = tmp_path / "out" / "results"
    results.mkdir(parents=True)
    for name in ("b-1-1.noarch.rpm", "a-1-1.x86_64.rpm", "a-1-1.src.rpm", "build.log"):
        (results / name).write_text("x")
    assert rbp.collect(str(tmp_path / "out")) == [str(results / "a-1-1.x86_64.rpm"),
                                                   str(results / "b-1-1.noarch.rpm")]


def test_documented_options_are_the_argument_spec():
    documented = yaml.safe_load(rbp.DOCUMENTATION)["options"]
    assert set(documented) == set(rbp.ARGUMENT_SPEC)
    for name, spec in rbp.ARGUMENT_SPEC.items():
        doc = documented[name]
        for key in ("type", "elements", "choices", "default"):
            assert doc.get(key) == spec.get(key), (name, key)
        assert bool(doc.get("required")) == bool(spec.get("required")), name
    returned = set(yaml.safe_load(rbp.RETURN))
    assert {"packages", "builder", "buildroot", "log_dir", "record"} <= returned
