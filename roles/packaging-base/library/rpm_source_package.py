#!/usr/bin/python
# SPDX-License-Identifier: Apache-2.0
"""Build the SRPM of an upstream snapshot with the distgit's spec file, or reuse the unchanged
last one."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time

from ansible.module_utils.zuul_packaging.build_stamp import build_key, check, record
from ansible.module_utils.zuul_packaging.packaging_version import (
    DEFAULT_TAG_EXCLUDE,
    VersionError,
    compute,
)
from ansible.module_utils.zuul_packaging.rpm_spec import (
    SpecError,
    check_links,
    describe,
    load,
    update,
)

DOCUMENTATION = r"""
---
module: rpm_source_package
short_description: Build the SRPM of an upstream snapshot
description:
  - One step for the whole source build of the build-rpm-source role, so that it costs one
    module run - checks the inputs, finds the distgit's spec file and parses it (the
    C(specfile) library, which uses rpm's own parser), computes the snapshot version from
    both git histories and looks up the build stamp of these inputs (the version, the
    content of the spec and of the distgit's other files, the options, the interpreter and
    the calling role's code).
  - When the stamp says the last build of the same inputs is intact, returns it unchanged.
  - Otherwise empties I(output_dir) and makes a private rpmbuild C(_topdir) there - copies
    the spec and the distgit's other regular files, sets Version and Release to the
    snapshot version and adds a C(%changelog) entry (C(specfile)), makes Source0 with
    C(git archive) of the exact upstream commit (the format its name says, the top
    directory C(%setup)/C(%autosetup) expects), checks that C(rpmbuild -bp --nodeps)
    unpacks it, runs C(rpmbuild -bs), keeps the updated spec in I(log_dir) and records the
    stamp.
  - Every failure is one line that starts with C(build-rpm-source:) and names its cause.
  - Must run with an interpreter that can import C(specfile) and rpm's Python bindings
    (ensure-rpm-tools' venv).
requirements:
  - specfile (PyPI), rpm Python bindings
  - git and rpmbuild on the node
options:
  upstream_path:
    description: Upstream git checkout (its HEAD is built).
    type: path
    required: true
  distgit_path:
    description: Distgit checkout holding the spec file.
    type: path
    required: true
  spec:
    description: Spec file name inside the distgit; empty for the only C(*.spec) there.
    type: str
    default: ''
  output_dir:
    description: Directory of the private C(_topdir) and the stamp (emptied when a build is needed).
    type: path
    required: true
  log_dir:
    description: Directory the updated spec is kept in, as C(<spec>.txt).
    type: path
    required: true
  tag_pattern:
    description: Glob of the upstream release tags.
    type: str
    default: '*'
  tag_prefix:
    description: Literal prefix of the release tags, removed before a tag becomes a version.
    type: str
    default: ''
  tag_exclude:
    description: Globs of tags that are never releases.
    type: list
    elements: str
    default: ['*-eom', '*-em', '*-eol']
  base_version:
    description: Base version when no tag is reachable.
    type: str
    default: ''
  code:
    description: Digest of the calling role's files (part of the stamp key).
    type: str
    default: ''
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Build the SRPM
  rpm_source_package:
    upstream_path: "{{ zuul.project.src_dir }}"
    distgit_path: "{{ fetch_distgit_path }}"
    output_dir: "{{ ansible_facts.user_dir }}/packaging/rpm/source"
    log_dir: "{{ ansible_facts.user_dir }}/zuul-output/logs/rpm"
  vars:
    ansible_python_interpreter: "{{ ensure_rpm_tools_python }}"
  register: _source
"""

RETURN = r"""
name:
  description: Package name from the spec.
  type: str
  returned: success
version:
  description: Full version of the snapshot, C([<epoch>:]<version>-<release>), the release
    expanded by this node's rpm (with its dist suffix, if any).
  type: str
  returned: success
  sample: 0.1.0^git1.cb80a581-1.gbdfa423f
epoch:
  description: Epoch of the spec ('' when none).
  type: str
  returned: success
release:
  description: Release of the updated spec, expanded.
  type: str
  returned: success
nevr:
  description: C(<name>-[<epoch>:]<version>-<release>).
  type: str
  returned: success
source_package:
  description: Path of the SRPM.
  type: str
  returned: success
files:
  description: The files of the source package (the SRPM).
  type: list
  elements: str
  returned: success
logs:
  description: The updated spec kept in I(log_dir).
  type: list
  elements: str
  returned: success
version_info:
  description: Everything the snapshot version computation returns for the two checkouts
    (shas, tag, base version, commit counts, deb and rpm versions, changelog dates).
  type: dict
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

ROLE = "build-rpm-source"
ARGUMENT_SPEC = {
    "upstream_path": {"type": "path", "required": True},
    "distgit_path": {"type": "path", "required": True},
    "spec": {"type": "str", "default": ""},
    "output_dir": {"type": "path", "required": True},
    "log_dir": {"type": "path", "required": True},
    "tag_pattern": {"type": "str", "default": "*"},
    "base_version": {"type": "str", "default": ""},
    "tag_prefix": {"type": "str", "default": ""},
    "tag_exclude": {"type": "list", "elements": "str", "default": list(DEFAULT_TAG_EXCLUDE)},
    "code": {"type": "str", "default": ""},
}
SPEC_NAME = re.compile(r"^[A-Za-z0-9_.+-]*$")
# the archive formats git archive writes, by the file name's ending
SOURCE0 = re.compile(r"^.*\.(tar\.gz|tgz|tar\.xz|tar\.bz2|tar|zip)$")
WROTE_SRPM = re.compile(r"^Wrote: (\S+\.src\.rpm)$", re.M)


class SourceBuildError(Exception):
    """A bad input or a failed step, with a message that names it."""


def fail(message):
    raise SourceBuildError("%s: %s" % (ROLE, message))


def check_inputs(p):
    """One line for an empty checkout path or a spec name that is not a plain file name."""
    if not p["upstream_path"] or not p["distgit_path"]:
        fail("set packaging_upstream_path and run fetch-distgit first (upstream=%s, distgit=%s)"
             % (json.dumps(p["upstream_path"] or ""), json.dumps(p["distgit_path"] or "")))
    if not SPEC_NAME.match(p["spec"]) or ".." in p["spec"]:
        fail("spec name %s must be a plain file name inside the distgit" % json.dumps(p["spec"]))


def distgit_files(distgit):
    """(regular files, symlinks) at the top of the distgit, sorted; hidden names left out."""
    regular, links = [], []
    try:
        names = sorted(os.listdir(distgit))
    except OSError as exc:
        fail("cannot read distgit %s: %s" % (distgit, exc.strerror or exc))
    for name in names:
        if name.startswith("."):
            continue
        mode = os.lstat(os.path.join(distgit, name)).st_mode
        if stat.S_ISREG(mode):
            regular.append(name)
        elif stat.S_ISLNK(mode):
            links.append(name)
    return regular, links


def find_spec(distgit, spec_name, regular, links):
    """The spec file's path: the one named, else the only *.spec (pure but for readlink)."""
    pattern = spec_name or "*.spec"
    found = [n for n in regular if fnmatch.fnmatch(n, pattern)]
    if not found:
        linked = [n for n in links if fnmatch.fnmatch(n, pattern)]
        if len(linked) == 1:
            check_links(os.path.join(distgit, linked[0]), [])  # raises, naming the target
    if len(found) != 1:
        fail("%s in distgit %s" % (
            "spec file %s not found" % spec_name if spec_name
            else "no spec file" if not found else "several spec files (set packaging_rpm_spec)",
            distgit))
    return os.path.join(distgit, found[0])


def snapshot_changelog(version_info):
    """The line of the snapshot %changelog entry (pure)."""
    return "Snapshot of upstream %s (%s+%s), distgit %s" % (
        version_info["upstream_sha"][:12],
        version_info["upstream_tag"] or version_info["base_version"],
        version_info["commits_since_tag"], version_info["distgit_sha"][:12])


def archive_format(name, source0):
    """The git archive format of Source0's file name, or a one-line error (pure)."""
    match = SOURCE0.match(source0)
    if not match:
        fail("Source0 of %s is %s; it must be a .tar.gz, .tgz, .tar.xz, .tar.bz2, .tar or .zip "
             "file name" % (name, json.dumps(source0)))
    return match.group(1)


def archive_argv(upstream, sources_dir, source0, setup_dir, fmt, sha):
    """git archive of the exact commit into SOURCES, with %setup's top directory (pure)."""
    return (["git", "-c", "tar.tar.xz.command=xz -c", "-c", "tar.tar.bz2.command=bzip2 -c",
             "-C", upstream, "archive", "--format=" + fmt,
             "--output=" + os.path.join(sources_dir, source0)]
            + (["--prefix=%s/" % setup_dir] if setup_dir else [])
            + ["--end-of-options", sha])


def last_lines(stdout, stderr, count=2):
    """The last non-empty lines of a tool's output, stdout's before stderr's (pure)."""
    lines = [line for line in (stdout.splitlines() + stderr.splitlines()) if line.strip()]
    return " | ".join(lines[-count:])


def full_version(epoch, version, release):
    """[<epoch>:]<version>-<release> (pure)."""
    return "%s%s-%s" % ("%s:" % epoch if epoch else "", version, release)


def run(argv, seconds, cwd=None):
    """Run a tool, adding its wall time to seconds; return the finished process."""
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False,
                          env=dict(os.environ, LC_ALL="C.UTF-8"))
    tool = os.path.basename(argv[0])
    seconds[tool] = round(seconds.get(tool, 0) + time.monotonic() - started, 3)
    return proc


def rpmbuild_argv(action, topdir, spec, *options):
    return ["rpmbuild", action, *options, "--define", "_topdir " + topdir, spec]


def build(p, spec_path, others, version_info):
    """Make the SRPM in an emptied _topdir; return (facts, tool seconds)."""
    seconds = {}
    out = p["output_dir"]
    shutil.rmtree(out, ignore_errors=True)
    for sub in ("SOURCES", "SPECS", "SRPMS"):
        os.makedirs(os.path.join(out, sub), mode=0o755)
    os.makedirs(p["log_dir"], mode=0o755, exist_ok=True)
    sources = os.path.join(out, "SOURCES")
    for name in others:
        shutil.copy2(os.path.join(p["distgit_path"], name), os.path.join(sources, name))
    spec = os.path.join(out, "SPECS", os.path.basename(spec_path))
    shutil.copyfile(spec_path, spec)
    os.chmod(spec, 0o644)
    update(load(spec), version_info["rpm_version"], version_info["rpm_release"],
           [snapshot_changelog(version_info)], version_info["distgit_author_name"],
           version_info["distgit_author_email"], version_info["timestamp"])
    info = describe(load(spec))
    fmt = archive_format(info["name"], info["source0"])
    proc = run(archive_argv(p["upstream_path"], sources, info["source0"], info["setup_dir"], fmt,
                            version_info["upstream_sha"]), seconds)
    if proc.returncode != 0:
        fail("git archive of %s failed (exit %d): %s" % (
            p["upstream_path"], proc.returncode, last_lines(proc.stdout, proc.stderr)))
    proc = run(rpmbuild_argv("-bp", out, spec, "--nodeps"), seconds)
    if proc.returncode != 0:
        fail("%%prep of %s fails on Source0 %s (archive top directory %s): %s" % (
            info["name"], info["source0"], info["setup_dir"] or "none",
            last_lines(proc.stdout, proc.stderr)))
    proc = run(rpmbuild_argv("-bs", out, spec), seconds)
    wrote = WROTE_SRPM.search(proc.stdout)
    if proc.returncode != 0 or not wrote:
        fail("rpmbuild -bs of %s failed (exit %d): %s" % (
            info["name"], proc.returncode, last_lines(proc.stdout, proc.stderr, 3) or "no output"))
    kept = os.path.join(p["log_dir"], os.path.basename(spec) + ".txt")
    shutil.copyfile(spec, kept)
    os.chmod(kept, 0o644)
    srpm = wrote.group(1)
    version = full_version(info["epoch"], info["version"], info["release"])
    return {
        "name": info["name"], "epoch": info["epoch"], "version": version,
        "release": info["release"], "nevr": "%s-%s" % (info["name"], version),
        "source_package": srpm, "files": [srpm], "logs": [kept],
    }, seconds


def stamp_inputs(p, version_info, spec_path):
    """What the stamp key covers besides the distgit's files and the role's code (pure)."""
    return {
        # the tags skipped as not versions do not change what is built
        "version": {k: v for k, v in version_info.items() if k != "skipped_tags"},
        "spec": os.path.basename(spec_path), "tag_pattern": p["tag_pattern"],
        "base_version": p["base_version"], "tag_prefix": p["tag_prefix"],
        "tag_exclude": p["tag_exclude"], "python": sys.executable, "log_dir": p["log_dir"],
    }


def make_record(facts, version_info, fresh, key, seconds):
    """The build record of the source step (doc/source/architecture.rst) (pure)."""
    summary = "source package %s %s (%s)" % (
        facts["name"], facts["version"], os.path.basename(facts["source_package"]))
    if fresh:
        summary += ", unchanged since the last build (key %s), not rebuilt" % key[:12]
    return {
        "role": ROLE, "step": "source", "format": "rpm",
        "result": "reused" if fresh else "done", "summary": summary,
        "files": list(facts["files"]), "logs": list(facts["logs"]),
        "seconds": round(seconds, 3),
        "details": {
            "name": facts["name"], "version": facts["version"],
            "source_package": facts["source_package"],
            "upstream_sha": version_info["upstream_sha"],
            "upstream_tag": version_info["upstream_tag"],
            "commits_since_tag": version_info["commits_since_tag"],
            "distgit_sha": version_info["distgit_sha"],
        },
    }


def source_package(p):
    """Every return value of the module, building when the stamp is not fresh."""
    try:
        return build_or_reuse(p)
    except SpecError as exc:
        raise SourceBuildError("%s: %s" % (ROLE, exc)) from exc


def build_or_reuse(p):
    started = time.monotonic()
    check_inputs(p)
    regular, links = distgit_files(p["distgit_path"])
    spec_path = find_spec(p["distgit_path"], p["spec"], regular, links)
    check_links(spec_path, describe(load(spec_path))["sources"])
    others = [n for n in regular if not fnmatch.fnmatch(n, "*.spec")]
    try:
        version_info = compute(p["upstream_path"], p["distgit_path"], p["tag_pattern"],
                               p["base_version"], p["tag_prefix"], p["tag_exclude"])
    except VersionError as exc:
        raise SourceBuildError("%s: %s" % (ROLE, exc)) from exc
    stamp = os.path.join(p["output_dir"], ".build-stamp.json")
    key = build_key(stamp_inputs(p, version_info, spec_path),
                    input_files=[spec_path] + [os.path.join(p["distgit_path"], n) for n in others],
                    code=p["code"])
    fresh, reason, facts = check(stamp, key)
    if fresh and "source_package" not in facts:
        fresh, reason = False, "the stamp is an older role's"
    seconds = {}
    if not fresh:
        facts, seconds = build(p, spec_path, others, version_info)
        record(stamp, key, facts, facts["files"] + facts["logs"])
    return dict(
        facts, changed=not fresh, version_info=version_info, fresh=fresh, reason=reason,
        key=key, tool_seconds=seconds,
        record=make_record(facts, version_info, fresh, key, time.monotonic() - started))


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=ARGUMENT_SPEC)
    try:
        module.exit_json(**source_package(module.params))
    except SourceBuildError as exc:
        module.fail_json(msg=str(exc))
    except ImportError as exc:
        module.fail_json(msg="%s: %s cannot import the specfile library or rpm's Python bindings "
                             "(%s); run ensure-rpm-tools or set build_rpm_source_python"
                         % (ROLE, sys.executable, exc))
    except OSError as exc:
        module.fail_json(msg="%s: %s: %s" % (ROLE, exc.filename or "", exc.strerror or exc))


def main():
    run_module()


if __name__ == "__main__":
    main()
