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
from ansible.module_utils.zuul_packaging.git import redact_url
from ansible.module_utils.zuul_packaging.lookaside import (
    LookasideError,
    check_name,
    check_template,
    check_url,
    fetch_verified,
    lookaside_url,
    read_sources,
)
from ansible.module_utils.zuul_packaging.lookaside import download as download_url
from ansible.module_utils.zuul_packaging.packaging_version import (
    DEFAULT_TAG_EXCLUDE,
    VersionError,
    compute,
)
from ansible.module_utils.zuul_packaging.rpm_spec import (
    SpecError,
    check_defines,
    check_links,
    define_args,
    describe,
    describe_missing,
    load,
    missing_macros,
    source_entries,
    update,
    uses_rpmautospec,
)
from ansible.module_utils.zuul_packaging.source_archive import ArchiveError, write_archive

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
    the spec (processed by rpmautospec when it uses C(%autorelease)/C(%autochangelog)) and
    the distgit's other regular files, sets Version and Release to the snapshot version
    and adds a C(%changelog) entry (C(specfile)).
  - "Sources: Source0 is always the upstream snapshot - the archive of the exact upstream
    commit with its git submodules (module_utils source_archive), in the format its file
    name says, with the top directory C(%setup)/C(%autosetup) expects. Every other source
    and patch comes from the distgit when it holds the file, else from the distgit's
    C(sources) file (a lookaside cache: downloaded from I(lookaside_url), else from the
    spec's URL, and verified against its checksum, through a download cache keyed by the
    checksum), else from its C(http(s)) URL in the spec (unverified). Downloads are
    size-limited (I(download_max_bytes)) and written atomically."
  - Then checks that C(rpmbuild -bp --nodeps) unpacks and patches it (a patch that does
    not apply fails naming the patch and the first rejected file), runs C(rpmbuild -bs),
    keeps the updated spec and rpmbuild's output in I(log_dir) and records the stamp.
  - I(defines) are passed as C(--define) to every rpmbuild run and to the spec parser.
  - A failure caused by macros this node's rpm does not define (Fedora's C(%gpgverify),
    forge and python macros on a Debian node) names them, their section and where they
    come from, instead of rpmbuild's last lines.
  - Every failure is one line that starts with C(build-rpm-source:) and names its cause.
  - Must run with an interpreter that can import C(specfile) and rpm's Python bindings
    (ensure-rpm-tools' venv).
requirements:
  - specfile (PyPI), rpm Python bindings; rpmautospec (PyPI) for specs that use it
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
    description: Spec file name inside the distgit; empty for the only C(*.spec) there, or
      C(<project>.spec) when there are several.
    type: str
    default: ''
  project:
    description: Name of the project, whose C(<project>.spec) is chosen when I(spec) is empty
      and the distgit has several spec files.
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
  defines:
    description: rpm macro definitions (name to value), passed as C(--define) to every
      rpmbuild run; names are macro names (not the build's directories), values one line.
    type: dict
    default: {}
  lookaside_url:
    description: URL template of the lookaside cache holding the files of the distgit's
      C(sources) file, with the fields C({name}) (the package), C({filename}),
      C({hashtype}) (lower case), C({hash}) and C({hashpath}) (C(<hashtype>/<hash>), or the
      bare hash for the older md5 lines); empty to download them from the spec's URLs.
    type: str
    default: ''
  download_cache:
    description: Directory of downloaded C(sources) files, kept by checksum between builds;
      empty for none.
    type: path
    default: ''
  download_max_bytes:
    description: Size limit of each downloaded source or patch.
    type: int
    default: 2147483648
  init_submodules:
    description: Run C(git submodule update --init --recursive) in the upstream checkout
      when its commit has submodules (they go into Source0).
    type: bool
    default: true
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
  description: The updated spec and rpmbuild's output (C(rpmbuild-srpm.log.txt)) kept in
    I(log_dir).
  type: list
  elements: str
  returned: success
sources:
  description: Where each source and patch came from - C(tag), C(file), C(origin)
    (C(upstream), C(distgit), C(lookaside), C(lookaside (cached)), C(url)) and C(url)
    (credentials redacted).
  type: list
  elements: dict
  returned: success
missing_macros:
  description: The macros the spec uses unconditionally that this node's rpm does not
    define, each C(section) and C(name) (build-rpm-binary names them when its build fails
    in that section).
  type: list
  elements: dict
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
    "project": {"type": "str", "default": ""},
    "output_dir": {"type": "path", "required": True},
    "log_dir": {"type": "path", "required": True},
    "tag_pattern": {"type": "str", "default": "*"},
    "base_version": {"type": "str", "default": ""},
    "tag_prefix": {"type": "str", "default": ""},
    "tag_exclude": {"type": "list", "elements": "str", "default": list(DEFAULT_TAG_EXCLUDE)},
    "defines": {"type": "dict", "default": {}},
    "lookaside_url": {"type": "str", "default": ""},
    "download_cache": {"type": "path", "default": ""},
    "download_max_bytes": {"type": "int", "default": 2147483648},
    "init_submodules": {"type": "bool", "default": True},
    "code": {"type": "str", "default": ""},
}
SPEC_NAME = re.compile(r"^[A-Za-z0-9_.+-]*$")
# the archive formats git archive writes, by the file name's ending
SOURCE0 = re.compile(r"^.*\.(tar\.gz|tgz|tar\.xz|tar\.bz2|tar|zip)$")
WROTE_SRPM = re.compile(r"^Wrote: (\S+\.src\.rpm)$", re.M)
# rpmbuild's and patch's own output lines (tool output, not the spec)
BAD_EXIT = re.compile(r"^error: Bad exit status from \S+ \(%(\w+)\)$", re.M)
REJECTS = re.compile(r"saving rejects to file (\S+)\.rej$")
NO_FILE = re.compile(r"^\|(?:---|\+\+\+) (?:[^/\s]+/)?(\S+)")
SOURCES_FILE = "sources"


class SourceBuildError(Exception):
    """A bad input or a failed step, with a message that names it."""


def fail(message):
    raise SourceBuildError("%s: %s" % (ROLE, message))


def check_inputs(p):
    """One line for an empty checkout path, a spec name that is not a plain file name, a bad
    macro definition or a bad lookaside URL template; the checked definitions."""
    if not p["upstream_path"] or not p["distgit_path"]:
        fail("set packaging_upstream_path and run fetch-distgit first (upstream=%s, distgit=%s)"
             % (json.dumps(p["upstream_path"] or ""), json.dumps(p["distgit_path"] or "")))
    if not SPEC_NAME.match(p["spec"]) or ".." in p["spec"]:
        fail("spec name %s must be a plain file name inside the distgit" % json.dumps(p["spec"]))
    try:
        check_template(p["lookaside_url"])
    except LookasideError as exc:
        fail("packaging_rpm_lookaside_url: %s" % exc)
    if p["download_max_bytes"] <= 0:
        fail("the download size limit must be a positive number of bytes, not %d"
             % p["download_max_bytes"])
    return check_defines(p["defines"])


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


def choose_spec(spec_name, project, regular, links):
    """The spec file's name: the one named, else the only *.spec, else <project>.spec when
    there are several; None when the named one is a symlink (pure)."""
    pattern = spec_name or "*.spec"
    found = [n for n in regular if fnmatch.fnmatch(n, pattern)]
    if len(found) > 1 and not spec_name and project and project + ".spec" in found:
        return project + ".spec"
    if len(found) == 1:
        return found[0]
    linked = [n for n in links if fnmatch.fnmatch(n, pattern)]
    if not found and len(linked) == 1:
        return None
    fail("%s in distgit %%s" % (
        "spec file %s not found" % spec_name if spec_name else "no spec file" if not found
        else "several spec files (%s) and none is %s (set packaging_rpm_spec)" % (
            ", ".join(found), json.dumps((project or "<project>") + ".spec"))))


def find_spec(distgit, spec_name, regular, links, project=""):
    """The spec file's path (see choose_spec); a spec that is a symlink fails naming its
    target."""
    try:
        chosen = choose_spec(spec_name, project, regular, links)
    except SourceBuildError as exc:
        raise SourceBuildError(str(exc) % distgit) from None
    if chosen is None:
        linked = [n for n in links if fnmatch.fnmatch(n, spec_name or "*.spec")]
        check_links(os.path.join(distgit, linked[0]), [])  # raises, naming the target
    return os.path.join(distgit, chosen)


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


def last_lines(stdout, stderr, count=2):
    """The last non-empty lines of a tool's output, stdout's before stderr's (pure)."""
    lines = [line for line in (stdout.splitlines() + stderr.splitlines()) if line.strip()]
    return " | ".join(lines[-count:])


def full_version(epoch, version, release):
    """[<epoch>:]<version>-<release> (pure)."""
    return "%s%s-%s" % ("%s:" % epoch if epoch else "", version, release)


def failed_section(output):
    """The spec section whose script rpmbuild reports as failed ('' when none) (pure)."""
    found = BAD_EXIT.findall(output)
    return found[-1] if found else ""


def rejected_patch(output, patches):
    """(patch file, first file it does not apply to, how) from rpmbuild -bp's output, or
    None when no patch failed (pure). patch's own words say what failed; %prep stops at the
    first patch that fails, so the failing one is the patch of the spec (patches: their file
    names) that the output names last - by name, not by line: the shell's trace of the
    rpmuncompress | patch pipeline is written by two processes at once and its lines may
    come out glued or after patch's words."""
    failed, headers = None, []
    for line in output.splitlines():
        header = NO_FILE.match(line)
        if header:
            headers.append(header.group(1))
        rejects = REJECTS.search(line)
        if rejects:
            failed = (rejects.group(1), line.split(" -- ")[0].strip())
        elif line.startswith(("can't find file to patch", "No file to patch")):
            failed = (headers[0] if headers else "?", "no such file")
        if failed:
            break
    if not failed:
        return None
    named = [(max(output.rfind("/SOURCES/" + name), output.rfind("(%s)" % name)), name)
             for name in patches]
    position, name = max(named, default=(-1, ""))
    return (name, *failed) if position >= 0 else None


def run(argv, seconds, log=None, cwd=None):
    """Run a tool, adding its wall time to seconds (and its output, stderr merged into stdout
    in the order written, to log); return the finished process."""
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False, env=dict(os.environ, LC_ALL="C.UTF-8"))
    proc.stderr = ""
    tool = os.path.basename(argv[0])
    seconds[tool] = round(seconds.get(tool, 0) + time.monotonic() - started, 3)
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write("$ %s\n%s\n%s\nexit %d\n\n" % (
                " ".join(argv), proc.stdout.rstrip("\n"), proc.stderr.rstrip("\n"),
                proc.returncode))
    return proc


def rpmbuild_argv(action, topdir, spec, defines=(), *options):
    return ["rpmbuild", action, *options, *define_args(defines),
            "--define", "_topdir " + topdir, spec]


def spec_macros(defines):
    """The definitions as specfile passes them to rpm (pure)."""
    return [(name, value if value.strip() else "%{nil}") for name, value in defines]


def explain_missing(spec_text, defines, sections=None):
    """'; <the missing macros>' for a failure, or '' when the spec lacks none."""
    try:
        text = describe_missing(missing_macros(spec_text, spec_macros(defines)), sections)
    except Exception:  # the explanation must never hide the failure itself
        return ""
    return "; " + text if text else ""


def autospec(distgit_spec, target):
    """rpmautospec's processing of a %autorelease/%autochangelog spec: the release number
    and the changelog from the distgit's git history, written to target."""
    try:
        from rpmautospec import process_distgit
    except ImportError as exc:
        fail("the spec uses %%autorelease/%%autochangelog and %s cannot import rpmautospec "
             "(%s); run ensure-rpm-tools" % (sys.executable, exc))
    try:
        process_distgit(distgit_spec, target)
    except Exception as exc:  # rpmautospec raises its own and pygit2's errors
        detail = " ".join(str(exc).split()) or type(exc).__name__
        fail("rpmautospec cannot process %s: %s" % (distgit_spec, detail[:300]))
    finally:
        # rpmautospec points rpm's log at the sys.stderr of the moment; back to rpm's own
        # stderr, where the spec parser reads rpm's errors from
        import rpm

        rpm.setLogFile(sys.__stderr__)
    if not os.path.isfile(target):
        fail("rpmautospec wrote no spec for %s" % distgit_spec)


def plan_sources(entries, listed, present, lookaside, package):
    """[(entry, how, url, sources line)] for each source and patch but Source0 (the
    upstream snapshot): 'distgit' when the distgit holds it, 'lookaside' when the sources
    file lists it (from the lookaside URL, else the spec's URL, verified either way),
    'url' for a remote one (unverified); fails naming one that has none of these (pure)."""
    by_name = {e["name"]: e for e in listed}
    plan = []
    for entry in entries:
        if entry["tag"] == "Source0":
            continue
        name = entry["filename"]
        try:
            check_name(name, "%s file name" % entry["tag"])
        except LookasideError as exc:
            fail(str(exc))
        if name in present:
            plan.append((entry, "distgit", "", None))
        elif name in by_name:
            url = (lookaside_url(lookaside, package, by_name[name]) if lookaside
                   else entry["location"] if entry["remote"] else "")
            if not url:
                fail("%s %s is listed in the distgit's sources file; set "
                     "packaging_rpm_lookaside_url to the lookaside cache that holds it"
                     % (entry["tag"], name))
            plan.append((entry, "lookaside", url, by_name[name]))
        elif entry["remote"]:
            plan.append((entry, "url", entry["location"], None))
        else:
            fail("%s %s is not in the distgit, nor in its sources file, and is no URL" % (
                entry["tag"], name))
    return plan


def fetch_sources(p, plan, sources_dir):
    """Download what the plan says into SOURCES; [{tag, file, origin, url}] (URLs redacted)."""
    fetched = []
    for entry, how, url, listed in plan:
        dest = os.path.join(sources_dir, entry["filename"])
        origin = how
        try:
            if how == "lookaside":
                origin = "lookaside" if p["lookaside_url"] else "url"
                got = fetch_verified(url, dest, listed, p["download_cache"],
                                     p["download_max_bytes"])
                origin += " (cached)" if got == "cache" else ""
            elif how == "url":
                check_url(url, "%s URL" % entry["tag"])
                download_url(url, dest, p["download_max_bytes"])
        except LookasideError as exc:
            fail("%s %s: %s" % (entry["tag"], entry["filename"], exc))
        fetched.append({"tag": entry["tag"], "file": entry["filename"], "origin": origin,
                        "url": redact_url(url)})
    return fetched


def build(p, spec_path, others, version_info, defines, listed):
    """Make the SRPM in an emptied _topdir; return (facts, tool seconds)."""
    seconds = {}
    out = p["output_dir"]
    shutil.rmtree(out, ignore_errors=True)
    for sub in ("SOURCES", "SPECS", "SRPMS"):
        os.makedirs(os.path.join(out, sub), mode=0o755)
    os.makedirs(p["log_dir"], mode=0o755, exist_ok=True)
    log = os.path.join(p["log_dir"], "rpmbuild-srpm.log.txt")
    with open(log, "w", encoding="utf-8"):
        pass
    os.chmod(log, 0o644)
    sources = os.path.join(out, "SOURCES")
    for name in others:
        shutil.copy2(os.path.join(p["distgit_path"], name), os.path.join(sources, name))
    spec = os.path.join(out, "SPECS", os.path.basename(spec_path))
    macros = spec_macros(defines)
    if uses_rpmautospec(load(spec_path, macros)):
        autospec(spec_path, spec)
    else:
        shutil.copyfile(spec_path, spec)
    os.chmod(spec, 0o644)
    update(load(spec, macros), version_info["rpm_version"], version_info["rpm_release"],
           [snapshot_changelog(version_info)], version_info["distgit_author_name"],
           version_info["distgit_author_email"], version_info["timestamp"])
    loaded = load(spec, macros)
    info = describe(loaded)
    with open(spec, encoding="utf-8") as handle:
        spec_text = handle.read()
    try:
        fmt = archive_format(info["name"], info["source0"])
    except SourceBuildError as exc:
        raise SourceBuildError(str(exc) + explain_missing(spec_text, defines, ["package"])) \
            from None
    entries = source_entries(loaded)
    plan = plan_sources(entries, listed, set(others), p["lookaside_url"], info["name"])
    fetched = fetch_sources(p, plan, sources)
    started = time.monotonic()
    try:
        submodules = write_archive(
            p["upstream_path"], version_info["upstream_sha"],
            os.path.join(sources, info["source0"]), fmt,
            info["setup_dir"] + "/" if info["setup_dir"] else "", p["init_submodules"])
    except ArchiveError as exc:
        fail("Source0 %s: %s" % (info["source0"], exc))
    seconds["git"] = round(time.monotonic() - started, 3)
    fetched.insert(0, {"tag": "Source0", "file": info["source0"],
                       "origin": "upstream" + (" with submodules %s" % ", ".join(submodules)
                                               if submodules else ""), "url": ""})
    proc = run(rpmbuild_argv("-bp", out, spec, defines, "--nodeps"), seconds, log)
    if proc.returncode != 0:
        output = proc.stdout + "\n" + proc.stderr
        rejected = rejected_patch(output, [e["filename"] for e in entries
                                           if e["tag"].startswith("Patch")])
        if rejected:
            fail("patch %s does not apply to upstream %s: %s (%s); rebase it on the upstream "
                 "change; log in %s" % (rejected[0], version_info["upstream_sha"][:12],
                                         rejected[1], rejected[2], log))
        missing = explain_missing(spec_text, defines, [failed_section(output) or "prep"])
        if missing:
            fail("%%prep of %s fails%s; log in %s" % (info["name"], missing, log))
        fail("%%prep of %s fails on Source0 %s (archive top directory %s): %s; log in %s" % (
            info["name"], info["source0"], info["setup_dir"] or "none",
            last_lines(proc.stdout, proc.stderr), log))
    proc = run(rpmbuild_argv("-bs", out, spec, defines), seconds, log)
    wrote = WROTE_SRPM.search(proc.stdout)
    if proc.returncode != 0 or not wrote:
        missing = explain_missing(spec_text, defines)
        fail("rpmbuild -bs of %s failed (exit %d): %s; log in %s" % (
            info["name"], proc.returncode,
            missing[2:] if missing else last_lines(proc.stdout, proc.stderr, 3) or "no output",
            log))
    kept = os.path.join(p["log_dir"], os.path.basename(spec) + ".txt")
    shutil.copyfile(spec, kept)
    os.chmod(kept, 0o644)
    srpm = wrote.group(1)
    version = full_version(info["epoch"], info["version"], info["release"])
    return {
        "name": info["name"], "epoch": info["epoch"], "version": version,
        "release": info["release"], "nevr": "%s-%s" % (info["name"], version),
        "source_package": srpm, "files": [srpm], "logs": [kept, log],
        "sources": fetched,
        "missing_macros": [{"section": s, "name": n}
                           for s, n in missing_macros(spec_text, macros)],
    }, seconds


def stamp_inputs(p, version_info, spec_path, defines):
    """What the stamp key covers besides the distgit's files and the role's code (pure)."""
    return {
        # the tags skipped as not versions do not change what is built
        "version": {k: v for k, v in version_info.items() if k != "skipped_tags"},
        "spec": os.path.basename(spec_path), "tag_pattern": p["tag_pattern"],
        "base_version": p["base_version"], "tag_prefix": p["tag_prefix"],
        "tag_exclude": p["tag_exclude"], "python": sys.executable, "log_dir": p["log_dir"],
        "defines": defines, "lookaside_url": p["lookaside_url"],
        "init_submodules": p["init_submodules"],
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


def read_spec_text(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return ""


def source_package(p):
    """Every return value of the module, building when the stamp is not fresh."""
    p = dict({k: v.get("default") for k, v in ARGUMENT_SPEC.items()}, **p)
    try:
        return build_or_reuse(p)
    except SpecError as exc:
        message = "%s: %s" % (ROLE, exc)
        if " does not parse: " in message and p.get("_spec_path"):
            try:
                defines = check_defines(p["defines"])
            except SpecError:
                defines = []
            message += explain_missing(read_spec_text(p["_spec_path"]), defines)
        raise SourceBuildError(message) from exc
    except LookasideError as exc:
        raise SourceBuildError("%s: %s" % (ROLE, exc)) from exc


def build_or_reuse(p):
    started = time.monotonic()
    defines = check_inputs(p)
    regular, links = distgit_files(p["distgit_path"])
    spec_path = find_spec(p["distgit_path"], p["spec"], regular, links, p["project"])
    p["_spec_path"] = spec_path
    check_links(spec_path, describe(load(spec_path, spec_macros(defines)))["sources"])
    listed = read_sources(os.path.join(p["distgit_path"], SOURCES_FILE))
    others = [n for n in regular if not fnmatch.fnmatch(n, "*.spec")]
    try:
        version_info = compute(p["upstream_path"], p["distgit_path"], p["tag_pattern"],
                               p["base_version"], p["tag_prefix"], p["tag_exclude"])
    except VersionError as exc:
        raise SourceBuildError("%s: %s" % (ROLE, exc)) from exc
    stamp = os.path.join(p["output_dir"], ".build-stamp.json")
    key = build_key(stamp_inputs(p, version_info, spec_path, defines),
                    input_files=[spec_path] + [os.path.join(p["distgit_path"], n) for n in others],
                    code=p["code"])
    fresh, reason, facts = check(stamp, key)
    if fresh and "missing_macros" not in facts:
        fresh, reason = False, "the stamp is an older role's"
    seconds = {}
    if not fresh:
        facts, seconds = build(p, spec_path, others, version_info, defines, listed)
        record(stamp, key, facts, facts["files"] + facts["logs"])
    return dict(
        facts, changed=not fresh, version_info=version_info, fresh=fresh, reason=reason,
        key=key, tool_seconds=seconds,
        record=make_record(facts, version_info, fresh, key, time.monotonic() - started))


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=ARGUMENT_SPEC)
    try:
        module.exit_json(**source_package(dict(module.params)))
    except SourceBuildError as exc:
        module.fail_json(msg=redact_url(str(exc)))
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
