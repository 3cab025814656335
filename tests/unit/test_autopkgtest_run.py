"""autopkgtest_run: autopkgtest's summary read strictly, the verdict of each fail level, the
tests debian/tests/control declares, the command lines, and the checks of untrusted inputs."""

from __future__ import annotations

import os
import subprocess

import autopkgtest_run as at
import pytest
import yaml

# what autopkgtest 5.28 wrote for a control file with a passing test, a test that needs a
# machine of its own (reported twice: when the tree is read and when the tests are), a root
# test, a failing test, a flaky one and one that needs a reboot
ISOLATION = 'Test restriction "isolation-machine" requires testbed capability "isolation-machine"'
REBOOT = 'Test restriction "needs-reboot" requires testbed capability "reboot"'
SUMMARY = f"""\
needs-vm             SKIP {ISOLATION}
reboot               SKIP {REBOOT}
needs-vm             SKIP {ISOLATION}
reboot               SKIP {REBOOT}
smoke                PASS
rooty                PASS
bad                  FAIL non-zero exit status 3
wobbly               FLAKY stderr: something
command1             PASS (superficial)
"""


def test_summary_is_read_per_test_in_order():
    tests, messages = at.parse_summary(SUMMARY)
    assert [(t["name"], t["result"]) for t in tests] == [
        ("needs-vm", "skip"), ("reboot", "skip"), ("smoke", "pass"), ("rooty", "pass"),
        ("bad", "fail"), ("wobbly", "flaky"), ("command1", "pass")]
    assert tests[0]["reason"] == ISOLATION
    assert tests[4]["reason"] == "non-zero exit status 3"
    assert tests[2]["reason"] == "" and tests[6]["reason"] == "(superficial)"
    assert messages == []
    assert at.counts(tests) == {"pass": 3, "fail": 1, "skip": 2, "flaky": 1, "broken": 0}
    assert at.summary_line(tests) == "3 passed, 1 failed, 2 skipped, 1 flaky"


def test_summary_messages_and_package_lines():
    text = ("blame: arg:/b/greeter_1_all.deb deb:greeter /w/source/\n"
            "badpkg: Test dependencies are unsatisfiable.\n"
            "erroneous package: Test dependencies are unsatisfiable.\n"
            "*                    SKIP no tests in this package\n")
    tests, messages = at.parse_summary(text)
    assert tests == []
    assert messages[1] == "badpkg: Test dependencies are unsatisfiable."
    assert messages[-1] == "SKIP no tests in this package"


@pytest.mark.parametrize("line", ["smoke PASSED", "smoke", "   ", "smoke FAIL\tx\nbad line here"])
def test_summary_is_read_strictly(line):
    if not line.strip():
        assert at.parse_summary(line) == ([], [])
        return
    with pytest.raises(ValueError, match="unexpected line in autopkgtest's summary"):
        at.parse_summary(line)


def test_a_test_that_needs_a_machine_is_skipped_not_passed():
    tests, messages = at.parse_summary(
        "needs-vm             SKIP %s\nsmoke                PASS\n" % ISOLATION)
    assert {t["name"]: t["result"] for t in tests} == {"needs-vm": "skip", "smoke": "pass"}
    # autopkgtest's exit code 2: a test was skipped; that passes unless skips fail
    assert at.verdict(tests, messages, 2, "fail", "greeter", "/l/log") == (False, "")
    failed, message = at.verdict(tests, messages, 2, "skip", "greeter", "/l/log")
    assert failed and message == (
        "run-autopkgtest: test needs-vm of greeter was skipped (%s); log in /l/log" % ISOLATION)


def test_a_failed_test_fails_in_one_line_naming_it_and_the_reason():
    tests, messages = at.parse_summary(SUMMARY)
    failed, message = at.verdict(tests, messages, 6, "fail", "greeter", "/l/log")
    assert failed
    assert message == ("run-autopkgtest: test bad of greeter failed (non-zero exit status 3); "
                       "log in /l/log")
    failed, message = at.verdict(tests, messages, 6, "flaky", "greeter", "/l/log")
    assert message == ("run-autopkgtest: test bad of greeter failed (non-zero exit status 3), "
                       "and 1 more (wobbly); log in /l/log")
    # none reports only
    assert at.verdict(tests, messages, 6, "none", "greeter", "/l/log") == (False, "")


def test_erroneous_package_and_testbed_failure():
    _, messages = at.parse_summary(
        "blame: arg:x\nbadpkg: Test dependencies are unsatisfiable. A common reason is x.\n"
        "erroneous package: Test dependencies are unsatisfiable. A common reason is x.\n")
    failed, message = at.verdict([], messages, 12, "fail", "greeter", "/l/log")
    assert failed and message == (
        "run-autopkgtest: the tests of greeter could not be installed: Test dependencies are "
        "unsatisfiable. A common reason is x.; log in /l/log")
    assert at.verdict([], messages, 12, "none", "greeter", "/l/log") == (False, "")
    # a testbed that does not start fails whatever the level
    failed, message = at.verdict([], ["testbed failure: unexpected eof from the testbed"], 16,
                                 "none", "greeter", "/l/log")
    assert failed and message == (
        "run-autopkgtest: autopkgtest could not run the tests of greeter (testbed failure: "
        "unexpected eof from the testbed); log in /l/log")
    message = at.verdict([], [], 20, "none", "greeter", "/l/log")[1]
    assert message.endswith("(exit 20); log in /l/log")


def test_control_is_read_with_deb822():
    declared = at.read_control(
        "Tests: smoke, other\nDepends: @\n\n"
        "Test-Command: greeter | grep Hello\nRestrictions: superficial, needs-root\n\n"
        "Test-Command: true\nFeatures: test-name=named\n\n"
        "Test-Command: false\n", "greeter")
    assert declared == [
        {"name": "smoke", "restrictions": []}, {"name": "other", "restrictions": []},
        {"name": "command1", "restrictions": ["needs-root", "superficial"]},
        {"name": "named", "restrictions": []}, {"name": "command2", "restrictions": []}]


@pytest.mark.parametrize("text,expected", [
    ("Depends: @\n", "paragraph 1 has neither Tests nor Test-Command"),
    ("Tests: a\n\nTests: b\nTest-Command: true\n", "paragraph 2 has both Tests and Test-Command"),
    ("Tests: ,\n", "paragraph 1 has an empty Tests field"),
    ("\n\n", "declares no test"),
])
def test_bad_control_fails_in_one_line(text, expected):
    with pytest.raises(at.AutopkgtestError) as info:
        at.read_control(text, "greeter")
    assert str(info.value).startswith("run-autopkgtest: debian/tests/control of greeter")
    assert expected in str(info.value) and "\n" not in str(info.value)


def params(tmp_path, **over):
    dsc = tmp_path / "greeter_1.dsc"
    dsc.write_text("Source: greeter\n")
    deb = tmp_path / "greeter_1_all.deb"
    deb.write_bytes(b"!<arch>\n")
    p = {"phase": "plan", "dsc": str(dsc), "debs": [str(deb)], "extra_packages": [],
         "extra_repositories": [], "distribution": "bookworm", "arch": "amd64", "mirror": "",
         "cache_dir": str(tmp_path / "cache"), "chroot_max_age_days": 7,
         "work_dir": str(tmp_path / "work"), "output_dir": str(tmp_path / "logs"),
         "unpack_dir": "/dev/shm", "fail_on": "fail", "extra_args": [], "source": "", "rc": 0}
    p.update(over)
    return p


def test_command_lines(tmp_path):
    p = params(tmp_path, extra_args=["--timeout-test=600"],
               extra_repositories=["deb [trusted=yes] https://repos.test/deb bookworm main"])
    chroot = at.chroot_path(p, "bookworm", "amd64", "mmdebstrap 1.3.5")
    assert chroot.startswith(str(tmp_path / "cache" / "bookworm-amd64-"))
    assert chroot.endswith("-autopkgtest.tar")
    # another mirror is another testbed
    assert at.chroot_path(dict(p, mirror="http://m.test/debian"), "bookworm", "amd64",
                          "mmdebstrap 1.3.5") != chroot
    assert at.mmdebstrap_argv(p, "bookworm", "amd64", chroot) == [
        "mmdebstrap", "--variant=apt", "--mode=unshare", "--format=tar", "--arch=amd64",
        "--include=apt-utils", "--skip=cleanup/apt/lists", '--aptopt=Acquire::Languages "none"',
        "bookworm", chroot + ".incoming"]
    argv = at.autopkgtest_argv(p, "/w/source", chroot, "/l/summary")
    assert argv == [
        "autopkgtest", "--output-dir=" + p["output_dir"], "--summary-file=/l/summary",
        "--no-auto-control", "--setup-commands=apt-get update",
        "--add-apt-source=deb [trusted=yes] https://repos.test/deb bookworm main",
        "--timeout-test=600", "/w/source/", p["debs"][0],
        "--", "unshare", "--tarball", chroot, "--prefix", "/dev/shm/autopkgtest-virt-unshare."]


@pytest.mark.parametrize("over,expected", [
    ({"dsc": "-x.dsc"}, 'source package "-x.dsc" is not an existing .dsc file'),
    ({"debs": []}, "no built .deb to test"),
    ({"debs": ["greeter"]}, '"greeter" is not an existing .deb file'),
    ({"extra_packages": ["relative.deb"]}, '"relative.deb" is not an existing .deb file'),
    ({"extra_args": ["/etc/passwd"]}, 'extra argument "/etc/passwd" is not an option'),
    ({"extra_repositories": ["deb https://u:pw@r.test/ x main\ndeb http://evil/ x main"]},
     "apt source \"deb https://***@r.test/ x main\\ndeb http://evil/ x main\" is not one"),
    ({"arch": "../amd64"}, 'architecture "../amd64" is not a Debian architecture name'),
    ({"distribution": "bookwork"}, "unknown distribution 'bookwork'"),
])
def test_bad_inputs_fail_in_one_line(tmp_path, over, expected):
    with pytest.raises(at.AutopkgtestError) as info:
        at.plan(params(tmp_path, **over))
    assert expected in str(info.value), str(info.value)
    assert not (tmp_path / "work").exists()


def test_control_that_links_outside_the_tree_is_refused(tmp_path):
    tree = tmp_path / "source"
    (tree / "debian" / "tests").mkdir(parents=True)
    assert at.find_control(str(tree)) is None
    (tree / "debian" / "tests" / "control").symlink_to("/etc/passwd")
    with pytest.raises(at.AutopkgtestError, match="leads outside the source tree"):
        at.find_control(str(tree))
    (tree / "debian" / "tests" / "control").unlink()
    os.rmdir(tree / "debian" / "tests")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "control").write_text("Tests: x\n")
    (tree / "debian" / "tests").symlink_to(outside)
    with pytest.raises(at.AutopkgtestError, match="leads outside the source tree"):
        at.find_control(str(tree))


def make_source(root, control=None):
    """A 3.0 (native) source package with debian/tests/control (or none); its .dsc."""
    tree = root / "greeter-1.0"
    (tree / "debian" / "source").mkdir(parents=True)
    (tree / "debian" / "source" / "format").write_text("3.0 (native)\n")
    (tree / "debian" / "control").write_text(
        "Source: greeter\nMaintainer: T <t@example.org>\n\nPackage: greeter\n"
        "Architecture: all\nDescription: x\n x\n")
    (tree / "debian" / "changelog").write_text(
        "greeter (1.0) unstable; urgency=medium\n\n  * x\n\n"
        " -- T <t@example.org>  Tue, 03 Nov 2026 10:00:00 +0000\n")
    (tree / "debian" / "files").write_text("greeter_1.0_all.deb misc optional\n")
    if control is not None:
        (tree / "debian" / "tests").mkdir()
        (tree / "debian" / "tests" / "control").write_text(control)
    subprocess.run(["dpkg-source", "-b", tree.name], cwd=root, check=True, capture_output=True)
    return root / "greeter_1.0.dsc"


def test_plan_without_tests(tmp_path):
    dsc = make_source(tmp_path)
    p = params(tmp_path, dsc=str(dsc))
    plan = at.plan(p)
    assert plan["tests_found"] is False and plan["source"] == "greeter"
    assert plan["autopkgtest_argv"] == [] and plan["mmdebstrap_argv"] == []
    assert os.listdir(p["output_dir"]) == []


def test_plan_with_tests(tmp_path):
    dsc = make_source(tmp_path, "Tests: smoke\n\nTests: vm\nRestrictions: isolation-machine\n")
    p = params(tmp_path, dsc=str(dsc))
    os.makedirs(p["output_dir"])
    (tmp_path / "logs" / "old-log").write_text("from the last run\n")
    plan = at.plan(p)
    assert plan["tests_found"] is True
    assert plan["declared"] == [{"name": "smoke", "restrictions": []},
                                {"name": "vm", "restrictions": ["isolation-machine"]}]
    tree = plan["tree"]
    assert os.path.isfile(os.path.join(tree, "debian", "tests", "control"))
    # a built tree for autopkgtest (the distgit's own debian/files is not what says so)
    assert plan["tree_kind"] == "built"
    assert os.path.getsize(os.path.join(tree, "debian", "files")) == 0
    argv = plan["autopkgtest_argv"]
    assert argv[argv.index("--") - 2:argv.index("--")] == [tree + "/", p["debs"][0]]
    assert os.listdir(p["output_dir"]) == []  # autopkgtest wants an empty output directory
    assert plan["make_chroot"] is True


def test_finish_reads_the_summary_and_drops_the_package_copies(tmp_path):
    logs = tmp_path / "logs"
    (logs / "binaries").mkdir(parents=True)
    (logs / "binaries" / "greeter.deb").write_bytes(b"x")
    (logs / "summary").write_text("smoke                FAIL non-zero exit status 1\n")
    (logs / "log").write_text("Get:1 https://user:s3cret@repos.test/deb bookworm InRelease\n")
    result = at.finish(params(tmp_path, phase="finish", source="greeter", rc=4,
                              extra_repositories=["deb https://user:s3cret@repos.test/deb b main"]))
    assert result["failing"] is True
    assert result["message"] == ("run-autopkgtest: test smoke of greeter failed (non-zero exit "
                                 "status 1); log in %s/log" % logs)
    assert result["tests"] == [{"name": "smoke", "result": "fail",
                                "reason": "non-zero exit status 1"}]
    assert not (logs / "binaries").exists()
    assert "s3cret" not in (logs / "log").read_text()


def test_documentation_matches_the_argument_spec():
    documented = yaml.safe_load(at.DOCUMENTATION)["options"]
    assert set(documented) == set(at.ARGUMENT_SPEC)
    for name, spec in at.ARGUMENT_SPEC.items():
        doc = documented[name]
        for key in ("type", "elements", "choices", "default"):
            assert doc.get(key) == spec.get(key), (name, key)
        assert bool(doc.get("required")) == bool(spec.get("required")), name
    returned = yaml.safe_load(at.RETURN)
    assert "failed" not in returned  # a key that would fail the task
    for example in yaml.safe_load(at.EXAMPLES):
        assert example["autopkgtest_run"]["phase"] in ("plan", "finish")


def test_a_build_needed_test_gets_an_unbuilt_tree(tmp_path):
    assert at.tree_kind([{"name": "a", "restrictions": []}]) == "built"
    dsc = make_source(tmp_path, "Tests: a\n\nTests: unit\nRestrictions: build-needed\n")
    plan = at.plan(params(tmp_path, dsc=str(dsc)))
    assert plan["tree_kind"] == "unbuilt"
    assert not os.path.lexists(os.path.join(plan["tree"], "debian", "files"))


# autopkgtest's log when the built package depends on a package the archive does not have
UNMET_LOG = """\
The following packages have unmet dependencies:
 autopkgtest-satdep : Depends: greeter but it is not going to be installed
E: Unable to correct problems, you have held broken packages.
Starting pkgProblemResolver with broken count: 1
The following packages have unmet dependencies:
 greeter : Depends: no-such-package-zp but it is not installable
E: Unable to correct problems, you have held broken packages.
"""


def test_test_dependencies_that_do_not_install_name_apts_reason(tmp_path):
    assert at.unmet_dependencies(UNMET_LOG) == [
        "greeter : Depends: no-such-package-zp but it is not installable"]
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "summary").write_text(
        "smoke                FAIL badpkg\nblame: arg:/b/greeter_9.9_all.deb deb:greeter /w/\n"
        "badpkg: Test dependencies are unsatisfiable. A common reason is x.\n")
    (logs / "log").write_text(UNMET_LOG)
    result = at.finish(params(tmp_path, phase="finish", source="greeter", rc=12))
    why = "badpkg: greeter : Depends: no-such-package-zp but it is not installable"
    assert result["tests"] == [{"name": "smoke", "result": "fail", "reason": why}]
    assert result["failing"] and result["message"] == (
        "run-autopkgtest: test smoke of greeter failed (%s); log in %s/log" % (why, logs))
    # reported only at level none: the install check then gives apt's word on the package
    assert at.finish(params(tmp_path, phase="finish", source="greeter", rc=12,
                            fail_on="none"))["failing"] is False
