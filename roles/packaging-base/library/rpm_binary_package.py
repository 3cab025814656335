#!/usr/bin/python
# SPDX-License-Identifier: Apache-2.0
"""Rebuild an SRPM into binary RPMs with mock or rpmbuild, or reuse the unchanged last build."""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import time

from ansible.module_utils.zuul_packaging.build_stamp import build_key, check, record
from ansible.module_utils.zuul_packaging.mock_config import (
    MockConfigError,
    check_target,
    command,
    render_config,
)
from ansible.module_utils.zuul_packaging.rpm_spec import (
    SpecError,
    check_defines,
    define_args,
    describe_missing,
)

DOCUMENTATION = r"""
---
module: rpm_binary_package
short_description: Rebuild an SRPM into binary RPMs with mock or rpmbuild
description:
  - One step for the whole binary build of the build-rpm-binary role, so that it costs one
    module run - chooses the builder (mock where it is on C(PATH), else rpmbuild, unless
    I(builder) names one), refuses rpmbuild for a mock target when I(allow_rpmbuild) is
    false, checks the SRPM and, with mock, the target and the extra repositories, and looks
    up the build stamp of these inputs (the SRPM's content, the builder and its options,
    the calling role's code).
  - When the stamp says the last build of the same inputs is intact, returns it unchanged.
  - "Otherwise empties I(output_dir) and builds. mock: writes a config that includes the
    mock-core-configs target and adds the extra repositories (a root name of its own),
    runs C(mock -r <config> --resultdir <output_dir>/results --rebuild <srpm>) and keeps
    mock's C(*.log) files in I(log_dir) as C(mock-<name>.txt), also when it fails. rpmbuild:
    runs C(rpmbuild --rebuild) with the private C(_topdir) C(<output_dir>/rpmbuild), lists
    the BuildRequires the node does not satisfy (rpmbuild's C(... is needed by ...) lines)
    and fails naming them, unless I(nodeps): then it rebuilds with C(--nodeps); its output
    is kept as C(<log_dir>/rpmbuild.log.txt)."
  - I(defines) are passed as C(--define) to rpmbuild and mock, and are part of the stamp key.
  - When the build fails in a spec section (C(%build), C(%install), ...) that uses macros
    build-rpm-source found undefined on this node (I(missing_macros)), the failure names
    them and the node the job needs instead of the build's last lines.
  - Collects the binary RPMs under I(output_dir) (never the SRPM), reads their names with
    C(rpm -qp) and records the stamp.
  - Every failure is one line that starts with C(build-rpm-binary:) and names its cause.
requirements:
  - rpm and rpmbuild on the node; mock for the mock builder
options:
  srpm:
    description: SRPM to rebuild.
    type: path
    required: true
  builder:
    description: C(mock) or C(rpmbuild); empty for mock where it is on C(PATH), else rpmbuild.
    type: str
    default: ''
  allow_rpmbuild:
    description: Whether rpmbuild on the node may build for I(mock_target).
    type: bool
    default: true
  mock_target:
    description: mock-core-configs target (the mock builder's buildroot, the record's target).
    type: str
    required: true
  mock_config_dir:
    description: Directory of mock-core-configs.
    type: path
    default: /etc/mock
  extra_repositories:
    description: Extra repository base URLs (C(http(s)://) or C(file://)) of the mock build.
    type: list
    elements: str
    default: []
  nodeps:
    description: With rpmbuild, build without the BuildRequires the node does not satisfy.
    type: bool
    default: false
  output_dir:
    description: Directory of the results and of the stamp (emptied when a build is needed).
    type: path
    required: true
  log_dir:
    description: Directory the build logs are kept in.
    type: path
    required: true
  extra_args:
    description: Further mock or rpmbuild arguments.
    type: list
    elements: str
    default: []
  defines:
    description: rpm macro definitions (name to value), passed as C(--define) to rpmbuild
      and mock; names are macro names (not the build's directories), values one line.
    type: dict
    default: {}
  missing_macros:
    description: The macros the spec uses that the node's rpm lacks, each C(section) and
      C(name) (build-rpm-source's C(missing_macros)).
    type: list
    elements: dict
    default: []
  node_system:
    description: Distribution and version of the node, for the buildroot of rpmbuild.
    type: str
    default: unknown
  code:
    description: Digest of the calling role's files (part of the stamp key).
    type: str
    default: ''
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Build the RPMs
  rpm_binary_package:
    srpm: "{{ build_rpm_source_source_package }}"
    mock_target: centos-stream-9-x86_64
    output_dir: "{{ ansible_facts.user_dir }}/packaging/rpm/binary"
    log_dir: "{{ ansible_facts.user_dir }}/zuul-output/logs/rpm"
  register: _binary
"""

RETURN = r"""
packages:
  description: Paths of the built binary RPMs, sorted.
  type: list
  elements: str
  returned: success
names:
  description: Names of the built binary packages.
  type: list
  elements: str
  returned: success
builder:
  description: The builder that ran, C(mock) or C(rpmbuild).
  type: str
  returned: success
buildroot:
  description: What made the RPMs, C(mock <target>) or C(rpmbuild on the node (<node_system>)).
  type: str
  returned: success
target:
  description: The mock target the build is for (I(mock_target)).
  type: str
  returned: success
log_dir:
  description: Directory of the kept build logs.
  type: str
  returned: success
logs:
  description: The kept build logs.
  type: list
  elements: str
  returned: success
unresolved_buildrequires:
  description: With rpmbuild, the BuildRequires the node did not satisfy (built with
    C(--nodeps)); empty with mock.
  type: list
  elements: str
  returned: success
fresh:
  description: Whether the last build was reused.
  type: bool
  returned: success
reason:
  description: Why the last build was or was not reused.
  type: str
  returned: success
key:
  description: The stamp key of the inputs.
  type: str
  returned: success
tool_seconds:
  description: Wall time of each tool the build ran (empty when reused).
  type: dict
  returned: success
record:
  description: The step's build record (role, step, format, result, summary, files, logs,
    seconds, details), as doc/source/architecture.rst describes it.
  type: dict
  returned: success
"""

ROLE = "build-rpm-binary"
ARGUMENT_SPEC = {
    "srpm": {"type": "path", "required": True},
    "builder": {"type": "str", "default": ""},
    "allow_rpmbuild": {"type": "bool", "default": True},
    "mock_target": {"type": "str", "required": True},
    "mock_config_dir": {"type": "path", "default": "/etc/mock"},
    "extra_repositories": {"type": "list", "elements": "str", "default": []},
    "nodeps": {"type": "bool", "default": False},
    "output_dir": {"type": "path", "required": True},
    "log_dir": {"type": "path", "required": True},
    "extra_args": {"type": "list", "elements": "str", "default": []},
    "defines": {"type": "dict", "default": {}},
    "missing_macros": {"type": "list", "elements": "dict", "default": []},
    "node_system": {"type": "str", "default": "unknown"},
    "code": {"type": "str", "default": ""},
}
BUILDERS = ("mock", "rpmbuild")
NEEDED = re.compile(r"^\s+(.+) is needed by ")
MOCK_ERROR = re.compile(r"^(ERROR|Error|No matching)")
BAD_EXIT = re.compile(r"Bad exit status from \S+ \(%(\w+)\)")


class BinaryBuildError(Exception):
    """A bad input or a failed step, with a message that names it."""


def fail(message):
    raise BinaryBuildError("%s: %s" % (ROLE, message))


def defines_of(p):
    """The checked macro definitions [(name, value)]; one line for a bad one (pure)."""
    try:
        return check_defines(p.get("defines") or {})
    except SpecError as exc:
        raise BinaryBuildError("%s: %s" % (ROLE, exc)) from exc


def choose_builder(builder, has_mock):
    """The builder that runs: the one asked for, else mock where it is installed (pure)."""
    return builder or ("mock" if has_mock else "rpmbuild")


def buildroot(builder, target, node_system):
    """What really makes the RPMs: mock's buildroot of the target, or the node itself (pure)."""
    if builder == "mock":
        return "mock " + target
    return "rpmbuild on the node (%s)" % node_system


def check_inputs(p, builder, root, has_mock):
    """One line for rpmbuild standing in for a mock target, an unknown builder or a missing
    SRPM; with mock, for an unknown target or a bad repository. Returns mock's config text
    and digest (None with rpmbuild)."""
    defines_of(p)
    # a job named after a mock target must not publish a build of another system under its name
    if builder == "rpmbuild" and not p["allow_rpmbuild"]:
        fail("this job builds for the mock target %s but would run %s%s; run it on a node with "
             "mock, or set packaging_rpm_allow_rpmbuild: true to publish the rpmbuild build under "
             "that name" % (p["mock_target"], root, "" if has_mock else " (mock is not installed)"))
    if builder not in BUILDERS:
        fail("unknown builder %s (use mock or rpmbuild)" % json.dumps(p["builder"]))
    if not p["srpm"] or not os.path.isfile(p["srpm"]):
        fail("SRPM %s does not exist" % json.dumps(p["srpm"] or ""))
    if builder != "mock":
        return None
    try:
        check_target(p["mock_target"], p["mock_config_dir"])
        return render_config(p["mock_target"], p["extra_repositories"])
    except MockConfigError as exc:
        raise BinaryBuildError("%s: %s" % (ROLE, exc)) from exc


def stamp_inputs(p, builder):
    """What the stamp key covers besides the SRPM's content and the role's code (pure)."""
    inputs = {"builder": builder, "extra_args": p["extra_args"], "log_dir": p["log_dir"],
              "defines": defines_of(p)}
    if builder == "mock":
        inputs.update(target=p["mock_target"], config_dir=p["mock_config_dir"],
                      repositories=p["extra_repositories"])
    else:
        inputs["nodeps"] = p["nodeps"]
    return inputs


def unresolved_buildrequires(stdout, stderr):
    """The BuildRequires rpmbuild's dependency check reports missing (pure)."""
    return [m.group(1) for m in map(NEEDED.match, stdout.splitlines() + stderr.splitlines()) if m]


def last_lines(stdout, stderr, count=2, pattern=None):
    """The last non-empty (or matching) lines of a tool's output, stdout's first (pure)."""
    lines = [line for line in stdout.splitlines() + stderr.splitlines()
             if (pattern.match(line) if pattern else line.strip())]
    return " | ".join(lines[-count:])


def failed_section(output):
    """The spec section whose script the build reports as failed ('' when none) (pure)."""
    found = BAD_EXIT.findall(output)
    return found[-1] if found else ""


def explain_missing(missing, output):
    """'; <the missing macros of the failed section>' or '' (pure)."""
    section = failed_section(output)
    pairs = [(m.get("section", ""), m.get("name", "")) for m in missing
             if isinstance(m, dict)]
    text = describe_missing(pairs, [section]) if section else ""
    return "%%%s fails: %s" % (section, text) if text else ""


def rpmbuild_argv(p, nodeps=False):
    return (["rpmbuild", "--rebuild"] + (["--nodeps"] if nodeps else [])
            + define_args(defines_of(p))
            + ["--define", "_topdir " + os.path.join(p["output_dir"], "rpmbuild")]
            + list(p["extra_args"]) + [p["srpm"]])


def run(argv, seconds):
    """Run a tool, adding its wall time to seconds; return the finished process."""
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False,
                          env=dict(os.environ, LC_ALL="C.UTF-8"))
    tool = os.path.basename(argv[0])
    seconds[tool] = round(seconds.get(tool, 0) + time.monotonic() - started, 3)
    return proc


def keep(path, dest):
    shutil.copyfile(path, dest)
    os.chmod(dest, 0o644)
    return dest


def build_with_mock(p, config, seconds):
    """mock --rebuild into <output_dir>/results; mock's logs kept whatever the outcome."""
    text, digest = config
    config_dir = os.path.join(p["output_dir"], "mock-config")
    os.makedirs(config_dir, mode=0o755, exist_ok=True)
    path = os.path.join(config_dir, "%s-%s.cfg" % (p["mock_target"], digest))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    results = os.path.join(p["output_dir"], "results")
    proc = run(command(path, p["srpm"], results, p["extra_args"], defines_of(p)), seconds)
    logs = [keep(log, os.path.join(p["log_dir"], "mock-%s.txt" % os.path.basename(log)))
            for log in sorted(glob.glob(os.path.join(glob.escape(results), "*.log")))]
    if proc.returncode != 0:
        build_log = ""
        for log in logs:
            if log.endswith("build.log.txt"):
                with open(log, encoding="utf-8", errors="replace") as handle:
                    build_log = handle.read()
        missing = explain_missing(p["missing_macros"], build_log + proc.stdout + proc.stderr)
        fail("mock -r %s failed (exit %d): %s; logs in %s" % (
            p["mock_target"], proc.returncode,
            missing or last_lines(proc.stdout, proc.stderr, 2, MOCK_ERROR), p["log_dir"]))
    return logs, []


def build_with_rpmbuild(p, seconds):
    """rpmbuild --rebuild on the node; BuildRequires it lacks fail, or are skipped (nodeps)."""
    proc = run(rpmbuild_argv(p), seconds)
    unresolved = unresolved_buildrequires(proc.stdout, proc.stderr)
    if unresolved and p["nodeps"]:
        proc = run(rpmbuild_argv(p, nodeps=True), seconds)
    log = os.path.join(p["log_dir"], "rpmbuild.log.txt")
    with open(log, "w", encoding="utf-8") as handle:
        handle.write(proc.stdout.rstrip("\n") + "\n" + proc.stderr.rstrip("\n") + "\n")
    os.chmod(log, 0o644)
    if unresolved and not p["nodeps"]:
        fail("BuildRequires not installed on this host: %s; install them, use the mock builder, "
             "or set build_rpm_binary_nodeps to build without them" % ", ".join(unresolved))
    if proc.returncode != 0:
        fail("rpmbuild --rebuild of %s failed (exit %d): %s; full log in %s" % (
            os.path.basename(p["srpm"]), proc.returncode,
            explain_missing(p["missing_macros"], proc.stdout + proc.stderr)
            or last_lines(proc.stdout, proc.stderr), log))
    return [log], unresolved


def collect(output_dir):
    """The binary RPMs under output_dir (mock's resultdir or rpmbuild's RPMS/), sorted; never
    the SRPM."""
    found = []
    for top, _dirs, files in os.walk(output_dir):
        found += [os.path.join(top, n) for n in files
                  if n.endswith(".rpm") and not n.endswith(".src.rpm")]
    return sorted(found)


def package_names(rpms, seconds):
    proc = run(["rpm", "-qp", "--qf", "%{NAME}\n", *rpms], seconds)
    if proc.returncode != 0:
        fail("rpm -qp cannot read the built RPMs: %s" % last_lines(proc.stdout, proc.stderr))
    names = []
    for name in proc.stdout.split():
        if name not in names:
            names.append(name)
    return names


def build(p, builder, config):
    """Build in an emptied output directory; return (facts, tool seconds)."""
    seconds = {}
    shutil.rmtree(p["output_dir"], ignore_errors=True)
    os.makedirs(p["output_dir"], mode=0o755)
    os.makedirs(p["log_dir"], mode=0o755, exist_ok=True)
    if builder == "mock":
        logs, unresolved = build_with_mock(p, config, seconds)
    else:
        logs, unresolved = build_with_rpmbuild(p, seconds)
    rpms = collect(p["output_dir"])
    if not rpms:
        fail("the build left no binary RPM under %s" % p["output_dir"])
    return {"packages": rpms, "names": package_names(rpms, seconds), "logs": logs,
            "unresolved_buildrequires": unresolved}, seconds


def make_record(facts, builder, root, target, fresh, key, seconds):
    """The build record of the binary step (doc/source/architecture.rst) (pure)."""
    summary = "binary packages %s built with %s" % (
        ", ".join(os.path.basename(r) for r in facts["packages"]), root)
    if facts["unresolved_buildrequires"]:
        summary += " with --nodeps (BuildRequires not installed on this host: %s)" % ", ".join(
            facts["unresolved_buildrequires"])
    if fresh:
        summary += ", unchanged since the last build (key %s), not rebuilt" % key[:12]
    return {
        "role": ROLE, "step": "binary", "format": "rpm",
        "result": "reused" if fresh else "done", "summary": summary,
        "files": list(facts["packages"]), "logs": list(facts["logs"]),
        "seconds": round(seconds, 3),
        "details": {"packages": list(facts["packages"]), "builder": builder,
                    "buildroot": root, "target": target},
    }


def binary_package(p, has_mock):
    """Every return value of the module, building when the stamp is not fresh."""
    p = dict({k: v.get("default") for k, v in ARGUMENT_SPEC.items()}, **p)
    started = time.monotonic()
    builder = choose_builder(p["builder"], has_mock)
    root = buildroot(builder, p["mock_target"], p["node_system"])
    config = check_inputs(p, builder, root, has_mock)
    stamp = os.path.join(p["output_dir"], ".build-stamp.json")
    key = build_key(stamp_inputs(p, builder), input_files=[p["srpm"]], code=p["code"])
    fresh, reason, facts = check(stamp, key)
    if fresh and "packages" not in facts:
        fresh, reason = False, "the stamp is an older role's"
    seconds = {}
    if not fresh:
        facts, seconds = build(p, builder, config)
        record(stamp, key, facts, facts["packages"] + facts["logs"])
    return dict(
        facts, changed=not fresh, builder=builder, buildroot=root, target=p["mock_target"],
        log_dir=p["log_dir"], fresh=fresh, reason=reason, key=key, tool_seconds=seconds,
        record=make_record(facts, builder, root, p["mock_target"], fresh, key,
                           time.monotonic() - started))


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=ARGUMENT_SPEC)
    try:
        module.exit_json(**binary_package(module.params, bool(shutil.which("mock"))))
    except BinaryBuildError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg="%s: %s: %s" % (ROLE, exc.filename or "", exc.strerror or exc))


def main():
    run_module()


if __name__ == "__main__":
    main()
