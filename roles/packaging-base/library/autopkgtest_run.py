#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Plan an autopkgtest run of a source package's debian/tests on the built packages, in a
fresh root of the target release (autopkgtest-virt-unshare on a cached tarball), then read
autopkgtest's summary into per-test results."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time

from ansible.module_utils.zuul_packaging.deb_distribution import (
    DistributionError,
    classify,
    known_codenames,
)
from ansible.module_utils.zuul_packaging.git import redact_url

DOCUMENTATION = r"""
---
module: autopkgtest_run
short_description: Plan an autopkgtest run on the built packages and read its results
description:
  - The bookkeeping of the run-autopkgtest role in two module runs around the commands that
    do the work (mmdebstrap when the testbed tarball is missing or too old, autopkgtest).
  - "C(phase=plan): checks the inputs (the .dsc, the built .debs, the distribution, the fail
    level, the extra options and apt sources); unpacks the source package with
    C(dpkg-source -x) into I(work_dir); finds C(debian/tests/control) there (a regular file
    inside the tree: a symlink that leads elsewhere is refused) and reads it with
    python-debian's deb822, failing in one line when a paragraph has neither C(Tests) nor
    C(Test-Command); marks the tree built (an empty C(debian/files)) unless a test declares
    build-needed, so that autopkgtest installs nothing into the testbed to unpack it; names
    the cached testbed tarball from what shapes it (distribution, architecture, mirror,
    mmdebstrap's version) and decides whether it must be made; empties I(output_dir).
    Returns the mmdebstrap and autopkgtest command lines. Without C(debian/tests/control) it
    returns C(tests_found=false) and nothing else is needed."
  - "The testbed is C(mmdebstrap --variant=apt) with apt-utils (autopkgtest's apt-ftparchive
    for the built packages), its apt lists kept (C(apt-get update) at the start of every run
    is then quick) and no translations: no build dependency and no tool the tests did not ask
    for. autopkgtest runs with the C(unshare) virtualisation server as the connecting user
    (capabilities revert, revert-full-system, root-on-testbed): tests that need
    isolation-container, isolation-machine or needs-reboot are skipped by autopkgtest with its
    reason."
  - "C(phase=finish): reads autopkgtest's summary file (one line per test, C(name
    PASS|FAIL|SKIP|FLAKY|BROKEN reason), plus its C(blame:), C(badpkg:), C(erroneous
    package:), C(testbed failure:) and C(quitting:) lines) strictly; returns the tests with
    their result and reason, the counts, whether the fail level is reached and the one-line
    message naming the first failed test and its reason; removes the copies of the packages
    autopkgtest keeps in I(output_dir) and redacts URL credentials of the extra apt sources
    from the kept logs."
requirements:
  - python-debian, distro-info (Debian packages python3-debian, python3-distro-info)
  - autopkgtest, mmdebstrap and dpkg-dev on the node, unshare from util-linux 2.38 or later
options:
  phase:
    description:
      - Which step of the bookkeeping to run, C(plan) before autopkgtest, C(finish) after it
        (a step, not a desired state, hence not called C(state)).
    type: str
    choices: [plan, finish]
    required: true
  dsc:
    description: Source package (.dsc) whose C(debian/tests) run (C(plan)).
    type: str
    default: ''
  debs:
    description: The built binary packages (.deb files) to test (C(plan)).
    type: list
    elements: str
    default: []
  extra_packages:
    description:
      - Further .deb files autopkgtest may install (those of earlier jobs of the buildset)
        (C(plan)).
    type: list
    elements: str
    default: []
  extra_repositories:
    description: Further apt source lines (C(deb ...)) added to the testbed (C(plan)).
    type: list
    elements: str
    default: []
  distribution:
    description: Target distribution codename or alias (C(plan)).
    type: str
    default: ''
  arch:
    description: Architecture of the testbed; empty for the node's (C(plan)).
    type: str
    default: ''
  mirror:
    description: Archive mirror for mmdebstrap; empty for its default (C(plan)).
    type: str
    default: ''
  cache_dir:
    description: Directory of the cached testbed tarballs (C(plan)).
    type: path
    default: ''
  chroot_max_age_days:
    description: A testbed tarball older than this is made again (C(plan)).
    type: int
    default: 7
  work_dir:
    description: Where the source package is unpacked (emptied first) (C(plan)).
    type: path
    default: ''
  output_dir:
    description:
      - autopkgtest's output directory (its log, each test's output, the summary); emptied
        by C(plan).
    type: path
    required: true
  unpack_dir:
    description: Where autopkgtest-virt-unshare unpacks the testbed (a tmpfs when there is one).
    type: str
    default: /dev/shm
  fail_on:
    description:
      - Lowest test result that fails the step, C(fail) (a failed test, a broken test or an
        erroneous package), C(flaky) (also a failed test marked flaky), C(skip) (also a
        skipped test), or C(none) to report only.
    type: str
    choices: [fail, flaky, skip, none]
    default: fail
  extra_args:
    description: Further autopkgtest options (each starts with C(-)), before the packages (C(plan)).
    type: list
    elements: str
    default: []
  source:
    description: Source package name, for the messages (C(finish)).
    type: str
    default: ''
  rc:
    description: autopkgtest's exit code (C(finish)).
    type: int
    default: 0
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Plan the test run
  autopkgtest_run:
    phase: plan
    dsc: /home/zuul/packaging/deb/source/greeter_0.1.0-1.dsc
    debs: [/home/zuul/packaging/deb/binary/greeter_0.1.0-1_all.deb]
    distribution: bookworm
    cache_dir: /home/zuul/.cache/zuul-packaging/chroots
    work_dir: /home/zuul/packaging/deb/autopkgtest
    output_dir: /home/zuul/zuul-output/logs/deb/autopkgtest
  register: _plan

- name: Read the results
  autopkgtest_run:
    phase: finish
    output_dir: /home/zuul/zuul-output/logs/deb/autopkgtest
    source: greeter
    fail_on: fail
    rc: 4
  register: _finish
"""

RETURN = r"""
tests_found:
  description: Whether the source package has C(debian/tests/control) (C(plan)).
  type: bool
  returned: success
declared:
  description: The tests C(debian/tests/control) declares, each with C(name) and
    C(restrictions) (a C(Test-Command) is named C(command1), C(command2), ... as
    autopkgtest names it) (C(plan)).
  type: list
  elements: dict
  returned: success
source:
  description: Source package name (C(plan)).
  type: str
  returned: success
tree:
  description: The unpacked source tree (C(plan)).
  type: str
  returned: success
tree_kind:
  description: How autopkgtest gets the tree, C(built) (an empty C(debian/files) marks it; no
    test declares build-needed, so nothing is built and no dpkg-dev is installed in the
    testbed to unpack it) or C(unbuilt) (autopkgtest builds it in the testbed for a
    build-needed test) (C(plan)).
  type: str
  returned: success
chroot:
  description: Path of the cached testbed tarball (C(plan)).
  type: str
  returned: success
make_chroot:
  description: Whether the testbed tarball must be made (C(plan)).
  type: bool
  returned: success
mmdebstrap_argv:
  description: The command that makes the testbed tarball into C(<chroot>.incoming) (C(plan)).
  type: list
  elements: str
  returned: success
autopkgtest_argv:
  description: The autopkgtest command (C(plan)).
  type: list
  elements: str
  returned: success
summary_file:
  description: autopkgtest's summary file (C(plan), C(finish)).
  type: str
  returned: success
tests:
  description: Each test autopkgtest reported, in its order, with C(name), C(result) (C(pass),
    C(fail), C(skip), C(flaky) or C(broken)) and C(reason) (autopkgtest's words, empty for a
    pass) (C(finish)).
  type: list
  elements: dict
  returned: success
counts:
  description: Number of tests of each result (C(finish)).
  type: dict
  returned: success
messages:
  description: autopkgtest's lines about the run rather than a test (C(badpkg:), C(testbed
    failure:), ...) (C(finish)).
  type: list
  elements: str
  returned: success
failing:
  description: Whether the step fails (the fail level is reached, or autopkgtest could not run
    the tests) (C(finish)).
  type: bool
  returned: success
message:
  description: The one line that names the failure, empty when the step passes (C(finish)).
  type: str
  returned: success
summary:
  description: One line with the counts (C(finish)).
  type: str
  returned: success
"""

ARCH_NAME = re.compile(r"^[a-z0-9-]*$")
# autopkgtest's summary: '%-20s %s' % (test name, result and reason)
SUMMARY_LINE = re.compile(
    r"^(?P<name>\S+)\s+(?P<status>PASS|FAIL|SKIP|FLAKY|BROKEN)(?: (?P<reason>.*))?$")
MESSAGE_PREFIXES = ("blame: ", "badpkg: ", "erroneous package: ", "testbed failure: ",
                    "quitting: ")
RESULTS = ("pass", "fail", "skip", "flaky", "broken")
# what each fail level fails on
FAILING = {"fail": {"fail", "broken"}, "flaky": {"fail", "broken", "flaky"},
           "skip": {"fail", "broken", "flaky", "skip"}, "none": set()}
# autopkgtest's exit codes (autopkgtest(1)): 12/14 erroneous package, 16 testbed failure,
# 20 other failures including bad usage; 0, 2, 4, 6 and 8 report test results
ERRONEOUS_PACKAGE = (12, 14)
TESTBED_FAILURE = 16
TESTBED_APT_OPTIONS = ['Acquire::Languages "none"']
TESTBED_PACKAGES = ["apt-utils"]


class AutopkgtestError(Exception):
    """A bad input or a failed step, with a message that names it."""


def probe(argv):
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise AutopkgtestError("run-autopkgtest: %s is not installed on this node "
                               "(ensure-deb-tools installs it)" % argv[0]) from None
    return proc.stdout.strip()


def check_inputs(p):
    """The target's codename; fails in one line naming a bad input."""
    dsc = p["dsc"]
    if not dsc or not dsc.endswith(".dsc") or not os.path.isfile(dsc):
        raise AutopkgtestError("run-autopkgtest: source package %s is not an existing .dsc file"
                               % json.dumps(dsc))
    if not p["debs"]:
        raise AutopkgtestError("run-autopkgtest: no built .deb to test (run_autopkgtest_packages "
                               "is empty)")
    for deb in list(p["debs"]) + list(p["extra_packages"]):
        # autopkgtest takes an argument for a binary package only when it ends in .deb and
        # exists; anything else it would read as a source, or as a package name to download
        if not (os.path.isabs(deb) and deb.endswith(".deb") and os.path.isfile(deb)):
            raise AutopkgtestError("run-autopkgtest: %s is not an existing .deb file (an absolute "
                                   "path)" % json.dumps(deb))
    for arg in p["extra_args"]:
        if not arg.startswith("-"):
            raise AutopkgtestError("run-autopkgtest: extra argument %s is not an option (starting "
                                   "with -)" % json.dumps(arg))
    for line in p["extra_repositories"]:
        if not line.startswith("deb ") or "\n" in line or "\r" in line:
            raise AutopkgtestError("run-autopkgtest: apt source %s is not one 'deb ...' line"
                                   % json.dumps(redact_url(line)))
    if not ARCH_NAME.match(p["arch"]):
        raise AutopkgtestError("run-autopkgtest: architecture %s is not a Debian architecture "
                               "name" % json.dumps(p["arch"]))
    try:
        target = classify(p["distribution"], *known_codenames())
    except ImportError:
        raise AutopkgtestError("python3-distro-info is not installed on this node") from None
    except DistributionError as exc:
        raise AutopkgtestError(str(exc)) from exc
    return target["codename"]


def inside(root, path):
    """Whether path, with every symlink resolved, is root or under it (pure but for the
    file system lookups)."""
    root = os.path.realpath(root)
    return os.path.commonpath([root, os.path.realpath(path)]) == root


def find_control(tree):
    """debian/tests/control of the unpacked tree, or None when there is none; fails when a
    symlink in its path leads outside the tree or it is not a regular file."""
    control = os.path.join(tree, "debian", "tests", "control")
    if not os.path.lexists(control):
        return None
    if not inside(tree, control):
        raise AutopkgtestError("run-autopkgtest: debian/tests/control leads outside the source "
                               "tree (a symlink); refused")
    if not os.path.isfile(control):
        raise AutopkgtestError("run-autopkgtest: debian/tests/control is not a regular file")
    return control


def read_control(text, source=""):
    """The tests a debian/tests/control declares, [{name, restrictions}], read with deb822;
    a paragraph with neither Tests nor Test-Command fails in one line (pure)."""
    try:
        from debian import deb822
    except ImportError:
        raise AutopkgtestError("python-debian is not importable on this node") from None
    declared, commands = [], 0
    of = (" of %s" % source) if source else ""
    for index, para in enumerate(deb822.Deb822.iter_paragraphs(text.splitlines(True)), 1):
        restrictions = sorted(set(para.get("Restrictions", "").replace(",", " ").split()))
        if "Tests" in para and "Test-Command" in para:
            raise AutopkgtestError("run-autopkgtest: debian/tests/control%s: paragraph %d has both "
                                   "Tests and Test-Command" % (of, index))
        if "Tests" in para:
            names = para["Tests"].replace(",", " ").split()
            if not names:
                raise AutopkgtestError("run-autopkgtest: debian/tests/control%s: paragraph %d "
                                       "has an empty Tests field" % (of, index))
        elif "Test-Command" in para:
            features = para.get("Features", "").replace(",", " ").split()
            named = [f.split("=", 1)[1] for f in features if f.startswith("test-name=")]
            commands += 0 if named else 1
            names = named[:1] or ["command%d" % commands]
        else:
            raise AutopkgtestError("run-autopkgtest: debian/tests/control%s: paragraph %d has "
                                   "neither Tests nor Test-Command" % (of, index))
        declared += [{"name": name, "restrictions": restrictions} for name in names]
    if not declared:
        raise AutopkgtestError("run-autopkgtest: debian/tests/control%s declares no test" % of)
    return declared


def parse_summary(text):
    """autopkgtest's summary file: (tests, messages) (pure).

    tests: [{name, result, reason}] in the order autopkgtest first named them (a test it
    reports twice, as it does for a skipped one, keeps its last result); messages: its lines
    about the run (blame, badpkg, erroneous package, testbed failure, quitting, and the
    '*' lines about the whole package). Any other line is an error."""
    tests, order, messages = {}, [], []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith(MESSAGE_PREFIXES):
            messages.append(line)
            continue
        match = SUMMARY_LINE.match(line)
        if not match:
            raise ValueError("unexpected line in autopkgtest's summary: %r" % line)
        name, reason = match.group("name"), (match.group("reason") or "").strip()
        if name == "*":
            messages.append("%s %s" % (match.group("status"), reason))
            continue
        if name not in tests:
            order.append(name)
        tests[name] = {"name": name, "result": match.group("status").lower(), "reason": reason}
    return [tests[name] for name in order], messages


def unmet_dependencies(log_text):
    """apt's lines of the last 'The following packages have unmet dependencies:' block of
    autopkgtest's log, without autopkgtest's own synthetic package (pure)."""
    blocks, current = [], None
    for line in log_text.splitlines():
        if line.startswith("The following packages have unmet dependencies:"):
            current = []
            blocks.append(current)
        elif current is not None and line.startswith(" ") and " : " in line:
            current.append(line.strip())
        else:
            current = None
    lines = blocks[-1] if blocks else []
    return [line for line in lines if not line.startswith("autopkgtest-satdep ")]


def explain_badpkg(tests, unmet):
    """The tests whose reason is autopkgtest's bare 'badpkg' (their dependencies did not
    install), with apt's unmet dependencies added to the reason (pure)."""
    if not unmet:
        return tests
    why = "badpkg: " + " | ".join(unmet[:2])
    return [dict(t, reason=why) if t["reason"] == "badpkg" else t for t in tests]


def counts(tests):
    """Number of tests of each result (pure)."""
    return {result: sum(1 for t in tests if t["result"] == result) for result in RESULTS}


def summary_line(tests):
    """'1 passed, 1 failed, 2 skipped' (pure)."""
    words = {"pass": "passed", "fail": "failed", "skip": "skipped", "flaky": "flaky",
             "broken": "broken"}
    c = counts(tests)
    shown = [r for r in RESULTS if c[r] or r in ("pass", "fail", "skip")]
    return ", ".join("%d %s" % (c[r], words[r]) for r in shown)


def verdict(tests, messages, rc, fail_on, source, log):
    """(failed, one-line message) of a run (pure): a test result at or above the fail level
    fails; an erroneous package fails unless the level is none; a testbed failure or any
    other failure of autopkgtest itself always fails."""
    of = source or "the source package"
    where = "; log in %s" % log
    badpkg = [m for m in messages if m.startswith(("badpkg: ", "erroneous package: "))]
    broken = [m for m in messages if m.startswith(("testbed failure: ", "quitting: "))]
    if rc == TESTBED_FAILURE or (rc >= 16 and rc not in ERRONEOUS_PACKAGE):
        why = (broken or badpkg or messages or ["exit %d" % rc])[0]
        return True, "run-autopkgtest: autopkgtest could not run the tests of %s (%s)%s" % (
            of, why, where)
    failing = [t for t in tests if t["result"] in FAILING[fail_on]]
    if failing:
        first = failing[0]
        more = failing[1:]
        verb = {"skip": "was skipped", "flaky": "failed (flaky)", "broken": "is broken"}.get(
            first["result"], "failed")
        text = "run-autopkgtest: test %s of %s %s (%s)" % (
            first["name"], of, verb, first["reason"] or first["result"])
        if more:
            text += ", and %d more (%s)" % (len(more), ", ".join(t["name"] for t in more))
        return True, text + where
    if rc in ERRONEOUS_PACKAGE and fail_on != "none":
        unmet = [m.split(": ", 1)[1] for m in messages if m.startswith("unmet dependencies: ")]
        why = (" | ".join(unmet) if unmet
               else badpkg[0].split(": ", 1)[1] if badpkg else "exit %d" % rc)
        return True, "run-autopkgtest: the tests of %s could not be installed: %s%s" % (
            of, why, where)
    if not tests and rc not in (0, 8) and fail_on != "none":
        return True, "run-autopkgtest: autopkgtest reported no test of %s (exit %d)%s" % (
            of, rc, where)
    return False, ""


def chroot_path(p, codename, arch, mmdebstrap_version):
    """The cached testbed tarball's path: everything that shapes it, hashed (pure)."""
    key = {"distribution": codename, "arch": arch, "mirror": p["mirror"], "variant": "apt",
           "packages": TESTBED_PACKAGES, "aptopt": TESTBED_APT_OPTIONS, "lists": True,
           "mmdebstrap": mmdebstrap_version}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return os.path.join(p["cache_dir"], "%s-%s-%s-autopkgtest.tar" % (codename, arch, digest))


def mmdebstrap_argv(p, codename, arch, chroot):
    """mmdebstrap's command for the testbed tarball (pure): the apt variant, apt-utils, the
    apt lists kept, no translations."""
    return (["mmdebstrap", "--variant=apt", "--mode=unshare", "--format=tar", "--arch=" + arch,
             "--include=" + ",".join(TESTBED_PACKAGES), "--skip=cleanup/apt/lists"]
            + ["--aptopt=" + opt for opt in TESTBED_APT_OPTIONS]
            + [codename, chroot + ".incoming"] + ([p["mirror"]] if p["mirror"] else []))


def autopkgtest_argv(p, tree, chroot, summary_file):
    """autopkgtest's command (pure). Every path is absolute, so none reads as an option or as
    a package name to download."""
    unpack = p["unpack_dir"].rstrip("/") or "/tmp"
    argv = ["autopkgtest", "--output-dir=" + p["output_dir"], "--summary-file=" + summary_file,
            "--no-auto-control", "--setup-commands=apt-get update"]
    argv += ["--add-apt-source=" + line for line in p["extra_repositories"]]
    argv += list(p["extra_args"])
    argv += [tree.rstrip("/") + "/"] + list(p["debs"]) + list(p["extra_packages"])
    argv += ["--", "unshare", "--tarball", chroot,
             "--prefix", unpack + "/autopkgtest-virt-unshare."]
    return argv


def stale(path, max_age_days):
    """Whether a cached tarball is missing or older than max_age_days."""
    try:
        return time.time() - os.stat(path).st_mtime > max_age_days * 86400
    except FileNotFoundError:
        return True


def empty_dir(path):
    if os.path.lexists(path) and not os.path.isdir(path):
        raise AutopkgtestError("run-autopkgtest: %s is not a directory" % path)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, mode=0o755)


def unpack(dsc, work_dir):
    """dpkg-source -x of the .dsc into work_dir/<name>; the tree's path."""
    empty_dir(work_dir)
    tree = os.path.join(work_dir, "source")
    proc = subprocess.run(["dpkg-source", "--no-copy", "-x", "--", os.path.abspath(dsc), tree],
                          capture_output=True, text=True, check=False,
                          env=dict(os.environ, LC_ALL="C.UTF-8"))
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raise AutopkgtestError("run-autopkgtest: dpkg-source -x %s failed: %s" % (
            os.path.basename(dsc), lines[-1] if lines else "exit %d" % proc.returncode))
    # autopkgtest takes a tree with debian/files for a built one (see mark_built); not the
    # distgit's say
    files = os.path.join(tree, "debian", "files")
    if os.path.lexists(files):
        os.unlink(files)
    return tree


def tree_kind(declared):
    """How autopkgtest gets the unpacked tree (pure): 'unbuilt' when a test declares
    build-needed (autopkgtest builds it in the testbed, with its build dependencies, as that
    test asks), else 'built': the built packages are given, so nothing is built, and
    autopkgtest installs no dpkg-dev to unpack it, which it would leave in the test roots."""
    return "unbuilt" if any("build-needed" in t["restrictions"] for t in declared) else "built"


def mark_built(tree):
    """An empty debian/files: what makes autopkgtest take a source tree for a built one."""
    with open(os.path.join(tree, "debian", "files"), "w", encoding="utf-8"):
        pass


def plan(p):
    codename = check_inputs(p)
    if p["fail_on"] not in FAILING:
        raise AutopkgtestError("run-autopkgtest: fail level %s is not one of %s" % (
            json.dumps(p["fail_on"]), ", ".join(FAILING)))
    try:
        from debian import deb822
        with open(p["dsc"], encoding="utf-8") as handle:
            source = deb822.Dsc(handle).get("Source", "")
    except ImportError:
        raise AutopkgtestError("python-debian is not importable on this node") from None
    tree = unpack(p["dsc"], p["work_dir"])
    control = find_control(tree)
    empty_dir(p["output_dir"])
    result = {"changed": False, "tests_found": control is not None, "declared": [],
              "source": source, "tree": tree, "tree_kind": "", "chroot": "", "make_chroot": False,
              "mmdebstrap_argv": [], "autopkgtest_argv": [],
              "summary_file": os.path.join(p["output_dir"], "summary")}
    if control is None:
        return result
    with open(control, encoding="utf-8", errors="replace") as handle:
        result["declared"] = read_control(handle.read(), source)
    result["tree_kind"] = tree_kind(result["declared"])
    if result["tree_kind"] == "built":
        mark_built(tree)
    arch = p["arch"] or probe(["dpkg", "--print-architecture"])
    chroot = chroot_path(p, codename, arch, probe(["mmdebstrap", "--version"]))
    make = stale(chroot, p["chroot_max_age_days"])
    if make:
        os.makedirs(p["cache_dir"], mode=0o755, exist_ok=True)
    if not shutil.which("autopkgtest"):
        raise AutopkgtestError("run-autopkgtest: autopkgtest is not installed on this node "
                               "(ensure-deb-tools installs it)")
    if "--map-auto" not in probe(["unshare", "--help"]):
        raise AutopkgtestError("run-autopkgtest: this node's unshare has no --map-auto, which "
                               "autopkgtest-virt-unshare needs (util-linux 2.38 or later: Debian "
                               "12, Ubuntu 24.04)")
    result.update(chroot=chroot, make_chroot=make,
                  mmdebstrap_argv=mmdebstrap_argv(p, codename, arch, chroot),
                  autopkgtest_argv=autopkgtest_argv(p, tree, chroot, result["summary_file"]))
    return result


def redact_files(directory):
    """URL credentials replaced by *** in every file under directory."""
    for parent, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(parent, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                text = handle.read()
            clean = redact_url(text)
            if clean != text:
                with open(path, "w", encoding="utf-8", errors="surrogateescape") as handle:
                    handle.write(clean)


def finish(p):
    summary_file = os.path.join(p["output_dir"], "summary")
    log = os.path.join(p["output_dir"], "log")
    try:
        with open(summary_file, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except FileNotFoundError:
        text = ""
    try:
        tests, messages = parse_summary(text)
    except ValueError as exc:
        raise AutopkgtestError("run-autopkgtest: %s; log in %s" % (exc, log)) from exc
    # autopkgtest's copies of the packages it installed: the build's own files, not logs
    shutil.rmtree(os.path.join(p["output_dir"], "binaries"), ignore_errors=True)
    if any(redact_url(line) != line for line in p["extra_repositories"]):
        redact_files(p["output_dir"])
    if p["rc"] in ERRONEOUS_PACKAGE or any(t["reason"] == "badpkg" for t in tests):
        try:
            with open(log, encoding="utf-8", errors="replace") as handle:
                unmet = unmet_dependencies(handle.read())
        except FileNotFoundError:
            unmet = []
        tests = explain_badpkg(tests, unmet)
        messages = messages + ["unmet dependencies: " + line for line in unmet[:2]]
    failed, message = verdict(tests, messages, p["rc"], p["fail_on"], p["source"], log)
    return {"changed": False, "tests": tests, "counts": counts(tests),
            "messages": [redact_url(m) for m in messages], "failing": failed,
            "message": redact_url(message), "summary": summary_line(tests),
            "summary_file": summary_file}


ARGUMENT_SPEC = {
    "phase": {"type": "str", "choices": ["plan", "finish"], "required": True},
    "dsc": {"type": "str", "default": ""},
    "debs": {"type": "list", "elements": "str", "default": []},
    "extra_packages": {"type": "list", "elements": "str", "default": []},
    "extra_repositories": {"type": "list", "elements": "str", "default": []},
    "distribution": {"type": "str", "default": ""},
    "arch": {"type": "str", "default": ""},
    "mirror": {"type": "str", "default": ""},
    "cache_dir": {"type": "path", "default": ""},
    "chroot_max_age_days": {"type": "int", "default": 7},
    "work_dir": {"type": "path", "default": ""},
    "output_dir": {"type": "path", "required": True},
    "unpack_dir": {"type": "str", "default": "/dev/shm"},
    "fail_on": {"type": "str", "choices": ["fail", "flaky", "skip", "none"], "default": "fail"},
    "extra_args": {"type": "list", "elements": "str", "default": []},
    "source": {"type": "str", "default": ""},
    "rc": {"type": "int", "default": 0},
}


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=ARGUMENT_SPEC)
    p = module.params
    try:
        module.exit_json(**(plan(p) if p["phase"] == "plan" else finish(p)))
    except AutopkgtestError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg="run-autopkgtest: %s: %s" % (exc.filename or "", exc.strerror or exc))


def main():
    run_module()


if __name__ == "__main__":
    main()
