#!/usr/bin/python
# SPDX-License-Identifier: Apache-2.0
"""Compare the deb and the rpm build of one upstream change (deb/rpm parity)."""

from __future__ import annotations

import html
import json
import os
import posixpath
import sys
from urllib.parse import quote, unquote, urlsplit

from ansible.module_utils.zuul_packaging.git import redact_url
from ansible.module_utils.zuul_packaging.parity import (
    KINDS,
    LEVELS,
    ParityError,
    compare,
    debug_package,
    missing_libraries,
    read_deb,
    read_dsc,
    read_rpm,
    read_srpm,
    summary,
    write_if_changed,
)

DOCUMENTATION = r"""
---
module: packaging_parity
short_description: Compare the deb and the rpm packages of one upstream change
description:
  - Reads the packages of one deb build and one rpm build (each a published build directory,
    C(builds/<id>) or a repository's C(current), on this node or over HTTP(S)) with the formats'
    own readers (python-debian, rpm's header reader) and reports how they differ, one line each.
  - Compares the upstream version and commit; runtime dependencies (deb Depends and Pre-Depends,
    rpm Requires) and, when the build holds its source package (.dsc, SRPM), build dependencies,
    each mapped back to the upstream name it stands for (the team's mapping, then pymod2pkg's
    tables for Python names, else the package name); the files the packages install, normalized
    for known layout differences (site-packages and dist-packages, /usr/lib64 and the multiarch
    directory, doc directories with or without the version, man/info/doc compression; Debian's
    copyright and changelog.Debian, rpm's build-id links and license files, byte code left out);
    maintainer scripts against scriptlets; the licenses the copyright file and the License tag
    declare.
  - A build without its source package (an rpm repository publishes the SRPM only when asked)
    takes it from the build job's report (I(rpm_build_report), I(deb_build_report)): the
    source files it lists, from the report's own directory, where write-build-report copies
    them (the build job's C(packaging/artifacts/) in its logs). The source package must be
    the one the binary packages name (name and version), else build dependencies are left
    out with a note.
  - The build's own files are those its marker (C(.zuul-packaging-build.json)) lists as inputs;
    a directory without a marker gives all its packages. Over HTTP(S) the marker is required.
  - Writes C(parity-report.json) and C(parity-report.html) into I(report_dir) when given.
    Never fails for a difference; I(fail_on) only sets C(gate).
options:
  deb_repo:
    description: The deb build, a directory, C(file://) or C(http(s)://) URL.
    type: str
    required: true
  rpm_repo:
    description: The rpm build, a directory, C(file://) or C(http(s)://) URL.
    type: str
    required: true
  deb_upstream_sha:
    description: Upstream commit of the deb build ('' reads the marker).
    type: str
    default: ''
  rpm_upstream_sha:
    description: Upstream commit of the rpm build ('' reads the marker).
    type: str
    default: ''
  deb_build_report:
    description: The deb build job's C(build-report-deb.json) (path, C(file://) or
      C(http(s)://) URL), read when the deb build holds no .dsc ('' reads none).
    type: str
    default: ''
  rpm_build_report:
    description: The rpm build job's C(build-report-rpm.json), read when the rpm build holds
      no SRPM ('' reads none); one that cannot be read is a note, not a failure.
    type: str
    default: ''
  mapping:
    description: The team's names, C({upstream name: {deb: [packages], rpm: [packages]}}),
      looked up before pymod2pkg.
    type: dict
    default: {}
  ignore:
    description: Package names left out of the comparison, C({depends: {deb: [], rpm: []},
      build_depends: {deb: [], rpm: []}}), besides each family's own toolchain.
    type: dict
    default: {}
  deb_dist:
    description: pymod2pkg's distribution of the debs.
    type: str
    default: ubuntu
  rpm_dist:
    description: pymod2pkg's distribution of the rpms.
    type: str
    default: fedora
  work_dir:
    description: Where packages read over HTTP(S) are downloaded.
    type: path
    required: true
  report_dir:
    description: Where C(parity-report.json) and C(parity-report.html) are written ('' writes none).
    type: path
    default: ''
  fail_on:
    description: C(none), C(error) (version, commit, runtime dependency differences) or
      C(warning) (any difference); sets C(gate).
    type: str
    default: none
    choices: [none, error, warning]
  max_bytes:
    description: Largest file downloaded over HTTP(S).
    type: int
    default: 1073741824
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Compare the two builds
  packaging_parity:
    deb_repo: /srv/repos/deb/bookworm/builds/1234
    rpm_repo: https://repos.example.org/rpm/centos-stream-9-x86_64/builds/1235
    mapping: {libgreet: {deb: [libgreet1], rpm: [greet-libs]}}
    work_dir: /tmp/parity
    report_dir: "{{ zuul_output_dir }}/artifacts"
  register: _parity
"""

RETURN = r"""
differences:
  description: Every difference (C(kind) one of version, commit, depends, build-depends, files,
    scripts, licenses; C(level) error or warning; C(side) deb, rpm or both; C(message) one
    line; C(items) what differs).
  type: list
  elements: dict
  returned: success
messages:
  description: The one-line messages of the differences.
  type: list
  elements: str
  returned: success
compared:
  description: The kinds compared (build-depends only when both source packages were read).
  type: list
  elements: str
  returned: success
notes:
  description: What was not compared, and why, one line each.
  type: list
  elements: str
  returned: success
counts:
  description: Number of differences per kind.
  type: dict
  returned: success
gate:
  description: Whether a difference reaches I(fail_on).
  type: bool
  returned: success
deb:
  description: The debs read (name, version, file, files, scripts, licenses, depends), the
    upstream commit and the build's URL without credentials.
  type: dict
  returned: success
rpm:
  description: The same for the rpms.
  type: dict
  returned: success
report_json:
  description: Path of the JSON report ('' without I(report_dir)).
  type: str
  returned: success
report_html:
  description: Path of the HTML report ('' without I(report_dir)).
  type: str
  returned: success
message:
  description: One line saying how many differences there are.
  type: str
  returned: success
"""

MARKER = ".zuul-packaging-build.json"


def local_dir(repo):
    """The directory a repository argument names, or '' for an http(s) URL."""
    parts = urlsplit(repo)
    if parts.scheme in ("http", "https"):
        return ""
    if parts.scheme == "file":
        return unquote(parts.path)
    if parts.scheme:
        raise ParityError(
            "%s is neither a directory nor a file:// or http(s):// URL" % redact_url(repo)
        )
    return repo


def safe_relative(name, label):
    """A marker's relative path, refused when it leaves the build directory."""
    norm = posixpath.normpath(name)
    if not name or norm.startswith(("/", "..")) or "\0" in name:
        raise ParityError("%s names %r, which is outside its build directory" % (label, name))
    return norm


def build_files(repo, work_dir, fmt, fetch=None):
    """(marker, [local paths of the build's files]) of one build."""
    directory = local_dir(repo)
    if directory:
        if not os.path.isdir(directory):
            raise ParityError(
                "the %s build %s is not a directory on this node" % (fmt, redact_url(repo))
            )
        marker = {}
        if os.path.isfile(os.path.join(directory, MARKER)):
            with open(os.path.join(directory, MARKER), encoding="utf-8") as handle:
                try:
                    marker = json.load(handle)
                except ValueError:
                    raise ParityError("the %s build's %s is not JSON" % (fmt, MARKER)) from None
        if marker.get("inputs"):
            paths = [
                os.path.join(directory, safe_relative(name, "the %s build's marker" % fmt))
                for name in marker["inputs"]
            ]
        else:
            paths = []
            for root, dirs, names in os.walk(directory):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                paths.extend(os.path.join(root, n) for n in sorted(names))
        for path in paths:  # symlinks never lead outside the build
            if not os.path.realpath(path).startswith(os.path.realpath(directory) + os.sep):
                raise ParityError(
                    "the %s build's %s leads outside the build" % (fmt, os.path.basename(path))
                )
        return marker, paths
    base = repo.rstrip("/")
    try:
        marker = json.loads(fetch(base + "/" + MARKER))
    except ValueError:
        raise ParityError(
            "the %s build at %s has no readable %s" % (fmt, redact_url(repo), MARKER)
        ) from None
    paths = []
    target = os.path.join(work_dir, fmt)
    os.makedirs(target, exist_ok=True)
    for name in marker.get("inputs", []):
        relative = safe_relative(name, "the %s build's marker" % fmt)
        if not relative.endswith((".deb", ".rpm", ".dsc")):
            continue
        path = os.path.join(target, os.path.basename(relative))
        with open(path, "wb") as handle:
            handle.write(fetch(base + "/" + relative, binary=True))
        paths.append(path)
    return marker, paths


def read_side(fmt, paths):
    """(binary packages read, source package read or None) of one build."""
    if fmt == "deb":
        binaries = [read_deb(p) for p in paths if p.endswith(".deb")]
        binaries = [b for b in binaries if not debug_package(b["name"], fmt)]
        dscs = [p for p in paths if p.endswith(".dsc")]
        return binaries, read_dsc(dscs[0]) if dscs else None
    binaries = [read_rpm(p) for p in paths if p.endswith(".rpm") and not p.endswith(".src.rpm")]
    binaries = [b for b in binaries if not debug_package(b["name"], fmt)]
    srpms = [p for p in paths if p.endswith(".src.rpm")]
    return binaries, read_srpm(srpms[0]) if srpms else None


SOURCE_SUFFIX = {"deb": ".dsc", "rpm": ".src.rpm"}


def source_of(source, binaries, fmt):
    """Whether a source package read is the one the binary packages were built from (name
    and version: a report left by another build is not)."""
    if fmt == "rpm":
        prefix = "%s-%s-" % (source["name"], source["version"])
        return any(
            b["source"].startswith(prefix) and b["source"].endswith(".src.rpm") for b in binaries
        )
    return any(
        b["source"] == source["name"] and b["version"] == source["version"] for b in binaries
    )


def source_from_report(report, fmt, binaries, work_dir, fetch=None):
    """(source package read or None, note) from a build job's report: the source files it
    lists, taken from the report's own directory. A report or file that cannot be read is a
    note (the rest is still compared); a report that is not one fails."""
    shown = redact_url(report)
    directory = local_dir(report)
    try:
        if directory:
            with open(directory, encoding="utf-8") as handle:
                text = handle.read()
        else:
            text = fetch(report)
    except (OSError, ParityError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        return None, "the %s build report %s cannot be read (%s)" % (fmt, shown, reason)
    try:
        data = json.loads(text)
    except ValueError:
        raise ParityError("the %s build report %s is not JSON" % (fmt, shown)) from None
    listed = data.get("source_files") if isinstance(data, dict) else None
    if not isinstance(listed, list):
        raise ParityError("the %s build report %s has no source_files list" % (fmt, shown))
    names = [
        safe_relative(posixpath.basename(str(name)), "the %s build report" % fmt)
        for name in listed
        if str(name).endswith(SOURCE_SUFFIX[fmt])
    ]
    if not names:
        return None, "the %s build report %s lists no source package (the build was %s)" % (
            fmt,
            shown,
            data.get("outcome", "not built"),
        )
    name = names[0]
    if directory:
        path = os.path.join(os.path.dirname(directory), name)
        base = os.path.realpath(os.path.dirname(directory))
        if not os.path.realpath(path).startswith(base + os.sep):
            raise ParityError("the %s build report's %s leads outside its directory" % (fmt, name))
        if not os.path.isfile(path):
            return None, "%s, which the %s build report names, is not beside it" % (name, fmt)
    else:
        try:
            data = fetch(report.rsplit("/", 1)[0] + "/" + quote(name), binary=True)
        except ParityError as exc:
            return None, "the %s build report's %s cannot be read (%s)" % (fmt, name, exc)
        target = os.path.join(work_dir, fmt + "-source")
        os.makedirs(target, exist_ok=True)
        path = os.path.join(target, name)
        with open(path, "wb") as handle:
            handle.write(data)
    source = read_srpm(path) if fmt == "rpm" else read_dsc(path)
    if not source_of(source, binaries, fmt):
        return None, "%s, which the %s build report names, is not the source of the %s packages" % (
            name,
            fmt,
            fmt,
        )
    return source, ""


def gate(differences, fail_on):
    if fail_on == "none":
        return False
    levels = ("error",) if fail_on == "error" else ("error", "warning")
    return any(d["level"] in levels for d in differences)


def render_html(report):
    """The parity section of the build report: every value escaped."""
    esc = html.escape
    rows = "".join(
        "<tr><td>%s</td><td>%s</td><td>%s</td></tr>"
        % (esc(d["kind"]), esc(d["level"]), esc(d["message"]))
        for d in report["differences"]
    )
    sides = "".join(
        "<tr><th>%s</th><td>%s</td><td>%s</td><td>%s</td></tr>"
        % (
            esc(fmt),
            esc(report[fmt]["build"]),
            esc(report[fmt]["upstream_sha"]),
            esc(", ".join("%s %s" % (p["name"], p["version"]) for p in report[fmt]["packages"])),
        )
        for fmt in ("deb", "rpm")
    )
    body = rows or '<tr><td colspan="3">no differences</td></tr>'
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>deb/rpm parity</title>'
        '</head><body>\n<section id="parity"><h2>deb/rpm parity</h2>\n<p>%s</p>\n'
        "<table><tr><th>format</th><th>build</th><th>upstream commit</th><th>packages</th></tr>"
        "%s</table>\n"
        "<table><tr><th>kind</th><th>level</th><th>difference</th></tr>%s</table>\n"
        "</section>\n</body></html>\n" % (esc(report["message"]), sides, body)
    )


def run(params, fetch=None):
    """Every return value of the module for its parameters."""
    sides = {}
    notes = []
    for fmt in ("deb", "rpm"):
        marker, paths = build_files(params[fmt + "_repo"], params["work_dir"], fmt, fetch)
        binaries, source = read_side(fmt, paths)
        if not binaries:
            raise ParityError(
                "the %s build %s holds no .%s packages"
                % (fmt, redact_url(params[fmt + "_repo"]), fmt)
            )
        if source is None and params.get(fmt + "_build_report"):
            source, note = source_from_report(
                params[fmt + "_build_report"], fmt, binaries, params["work_dir"], fetch
            )
            if note:
                notes.append(note)
        sides[fmt] = {
            "marker": marker,
            "binaries": binaries,
            "source": source,
            "sha": params[fmt + "_upstream_sha"] or str(marker.get("upstream_sha", "")),
        }
    differences = compare(
        sides["deb"]["binaries"],
        sides["rpm"]["binaries"],
        sides["deb"]["source"],
        sides["rpm"]["source"],
        sides["deb"]["sha"],
        sides["rpm"]["sha"],
        params["mapping"],
        params["ignore"],
        {"deb": params["deb_dist"], "rpm": params["rpm_dist"]},
    )
    counts = {kind: sum(1 for d in differences if d["kind"] == kind) for kind in KINDS}
    compared = [k for k in KINDS if k != "build-depends"]
    if sides["deb"]["source"] and sides["rpm"]["source"]:
        compared.insert(3, "build-depends")
    else:
        lacking = [fmt for fmt in ("deb", "rpm") if not sides[fmt]["source"]]
        notes.append(
            "build dependencies not compared: no %s source package (%s)"
            % (
                " and no ".join(lacking),
                "; ".join(
                    "the %s build holds none%s"
                    % (
                        fmt,
                        ""
                        if params.get(fmt + "_build_report")
                        else " and no build report is given",
                    )
                    for fmt in lacking
                ),
            )
        )
    message = (
        "deb/rpm parity: %d difference%s (%s)"
        % (
            len(differences),
            "" if len(differences) == 1 else "s",
            ", ".join("%d %s" % (n, k) for k, n in counts.items() if n),
        )
        if differences
        else "deb/rpm parity: no differences"
    )
    report = {
        "message": message,
        "differences": differences,
        "counts": counts,
        "compared": compared,
        "notes": notes,
        "levels": LEVELS,
        "fail_on": params["fail_on"],
        "gate": gate(differences, params["fail_on"]),
    }
    for fmt in ("deb", "rpm"):
        report[fmt] = {
            "build": redact_url(params[fmt + "_repo"]),
            "upstream_sha": sides[fmt]["sha"],
            "packages": summary(sides[fmt]["binaries"], fmt),
            "source": os.path.basename(sides[fmt]["source"]["path"])
            if sides[fmt]["source"]
            else "",
        }
    report_json = report_html = ""
    changed = False
    if params["report_dir"]:
        os.makedirs(params["report_dir"], exist_ok=True)
        report_json = os.path.join(params["report_dir"], "parity-report.json")
        report_html = os.path.join(params["report_dir"], "parity-report.html")
        changed = write_if_changed(report_json, json.dumps(report, indent=1, sort_keys=True) + "\n")
        changed = write_if_changed(report_html, render_html(report)) or changed
    return dict(
        report,
        messages=[d["message"] for d in differences],
        report_json=report_json,
        report_html=report_html,
        changed=changed,
    )


def run_module():
    from ansible.module_utils.basic import AnsibleModule
    from ansible.module_utils.urls import open_url

    module = AnsibleModule(
        argument_spec={
            "deb_repo": {"type": "str", "required": True},
            "rpm_repo": {"type": "str", "required": True},
            "deb_upstream_sha": {"type": "str", "default": ""},
            "rpm_upstream_sha": {"type": "str", "default": ""},
            "deb_build_report": {"type": "str", "default": ""},
            "rpm_build_report": {"type": "str", "default": ""},
            "mapping": {"type": "dict", "default": {}},
            "ignore": {"type": "dict", "default": {}},
            "deb_dist": {"type": "str", "default": "ubuntu"},
            "rpm_dist": {"type": "str", "default": "fedora"},
            "work_dir": {"type": "path", "required": True},
            "report_dir": {"type": "path", "default": ""},
            "fail_on": {"type": "str", "default": "none", "choices": ["none", "error", "warning"]},
            "max_bytes": {"type": "int", "default": 1073741824},
        },
        supports_check_mode=False,
    )

    def fetch(url, binary=False):
        try:
            response = open_url(url, timeout=60)
            data = response.read(module.params["max_bytes"] + 1)
        except Exception as exc:  # noqa: BLE001  one line naming the URL, without credentials
            raise ParityError(
                "cannot read %s: %s" % (redact_url(url), redact_url(str(exc)))
            ) from None
        if len(data) > module.params["max_bytes"]:
            raise ParityError(
                "%s is larger than %d bytes" % (redact_url(url), module.params["max_bytes"])
            )
        return data if binary else data.decode("utf-8", "replace")

    missing = missing_libraries(("pymod2pkg", "packaging.licenses", "debian.debfile", "rpm"))
    if missing:
        module.fail_json(
            msg="packaging_parity needs %s in the Python that runs it (%s): the role's venv "
            "installs them" % (", ".join(missing), sys.executable)
        )
    try:
        result = run(module.params, fetch)
    except ParityError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


def main():
    run_module()


if __name__ == "__main__":
    main()
