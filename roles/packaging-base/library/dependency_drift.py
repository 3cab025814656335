#!/usr/bin/python
# SPDX-License-Identifier: Apache-2.0
"""Compare an upstream's declared requirements with its spec and debian/control."""

from __future__ import annotations

import html
import json
import os
import sys

from ansible.module_utils.zuul_packaging.drift import (
    DRIFT_KINDS,
    KINDS,
    DriftError,
    check,
    find_distgits,
)
from ansible.module_utils.zuul_packaging.parity import missing_libraries, write_if_changed

DOCUMENTATION = r"""
---
module: dependency_drift
short_description: Compare an upstream's declared requirements with its spec and debian/control
description:
  - Reads the requirements an upstream checkout declares (pyproject.toml's C([project])
    dependencies and C([build-system]) requires through tomllib, setup.cfg's install_requires and
    setup_requires through configparser, requirements.txt; each requirement through the
    packaging library's parser; environment markers evaluated for this Python, extras left out).
  - Compares them with the spec's Requires and BuildRequires (rpm's own spec parser) and
    debian/control's Depends and Build-Depends (python-debian), names mapped per distribution
    with pymod2pkg and the team's mapping; reports missing requirements, extra Python
    dependencies (runtime) and lower bounds that differ, one line each.
  - Also reads C(package.json) (dependencies, devDependencies), C(Cargo.toml) (dependencies,
    build-dependencies, through tomllib) and C(go.mod) (direct requires, through
    C(go mod edit -json) when go is installed, else a strict reader of go.mod's documented
    grammar). Their names go through I(mapping) only, keyed C(npm:<name>), C(cargo:<crate>),
    C(go:<module path>); a name without a package for a format is one C(unmapped) line; their
    version ranges are not compared.
  - A debian/control whose Depends take C(${python3:Depends}) (dh_python3) has its Python
    runtime requirements left out, and says so in C(notes).
  - Proposes the patch adding what is missing (specfile edits a copy of the spec; python-debian's
    round-trip parser edits debian/control), as unified diffs that C(patch -p1) applies at the
    distgit's top. Nothing in the distgit changes.
  - Writes C(drift-report.json), C(drift-report.html), C(drift-rpm.patch) and C(drift-deb.patch)
    into I(report_dir) when given.
options:
  upstream_path:
    description: The upstream checkout.
    type: path
    required: true
  spec:
    description: The rpm distgit (its one top-level .spec) or the spec file ('' looks in
      I(zuul_projects), else leaves rpm out).
    type: path
    default: ''
  control:
    description: The deb distgit or its debian/control ('' looks in I(zuul_projects), else
      leaves deb out).
    type: path
    default: ''
  mapping:
    description: The team's names, C({upstream name: {deb: [packages], rpm: [packages]}});
      npm, Cargo and Go names as C(npm:<name>), C(cargo:<crate>), C(go:<module path>).
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
    description: Scratch directory (the spec copy).
    type: path
    required: true
  report_dir:
    description: Where the reports and patches are written ('' writes none).
    type: path
    default: ''
  zuul_projects:
    description: The projects Zuul prepared (zuul.projects), where a distgit not given in
      I(spec) or I(control) is looked for (find_distgits, as fetch-distgit finds one).
    type: dict
    default: {}
  zuul_artifacts:
    description: The buildset's artifacts (zuul.artifacts); a format's repository artifact
      names the distgit commit its build used.
    type: list
    elements: dict
    default: []
  distgit_projects:
    description: Zuul project names of the distgits, C({rpm: name, deb: name}), looked up in
      I(zuul_projects) instead of the build's commit.
    type: dict
    default: {}
  src_root:
    description: The directory Zuul's C(src_dir) paths are relative to (the home directory).
    type: path
    default: ''
  fail_on:
    description: C(none), C(missing) (a missing requirement) or C(any) (any drift); sets C(gate).
    type: str
    default: none
    choices: [none, missing, any]
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Compare the upstream's requirements with both distgits
  dependency_drift:
    upstream_path: "{{ zuul.project.src_dir }}"
    spec: "{{ rpm_distgit }}"
    control: "{{ deb_distgit }}"
    work_dir: /tmp/drift
    report_dir: "{{ zuul_output_dir }}/artifacts"
  register: _drift
"""

RETURN = r"""
differences:
  description: Every drift (C(kind) missing, extra, version or unmapped; C(format); C(scope)
    runtime or build; C(ecosystem) pypi, npm, cargo or go; C(requirement); C(package);
    C(message); C(proposal) the package name proposed). C(unmapped) does not count for
    I(fail_on).
  type: list
  elements: dict
  returned: success
messages:
  description: The one-line messages.
  type: list
  elements: str
  returned: success
notes:
  description: What was not compared, and why.
  type: list
  elements: str
  returned: success
sources:
  description: The upstream files read.
  type: list
  elements: str
  returned: success
upstream:
  description: The upstream's requirements read (runtime, build).
  type: dict
  returned: success
patches:
  description: The proposed unified diffs per format (rpm, deb), only for formats with missing
    requirements.
  type: dict
  returned: success
patch_files:
  description: Paths of the written patches per format.
  type: dict
  returned: success
gate:
  description: Whether a drift reaches I(fail_on).
  type: bool
  returned: success
checked:
  description: Whether a distgit was given or found (else nothing was compared or written).
  type: bool
  returned: success
distgits:
  description: The distgits found among I(zuul_projects) per format (C(path), C(project),
    C(how)); the ones given in I(spec) and I(control) are not listed.
  type: dict
  returned: success
message:
  description: One line saying how much drift there is.
  type: str
  returned: success
"""


def render_html(report):
    esc = html.escape
    rows = (
        "".join(
            "<tr><td>%s</td><td>%s</td><td>%s</td></tr>"
            % (esc(d["format"]), esc(d["kind"]), esc(d["message"]))
            for d in report["differences"]
        )
        or '<tr><td colspan="3">no drift</td></tr>'
    )
    notes = "".join("<li>%s</li>" % esc(n) for n in report["notes"])
    patches = "".join(
        "<h3>%s</h3><pre>%s</pre>" % (esc("proposed patch (%s)" % fmt), esc(text))
        for fmt, text in sorted(report["patches"].items())
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>dependency drift</title>'
        '</head><body>\n<section id="drift"><h2>dependency drift</h2>\n<p>%s</p>\n<ul>%s</ul>\n'
        "<table><tr><th>format</th><th>kind</th><th>drift</th></tr>%s</table>\n%s</section>\n"
        "</body></html>\n" % (esc(report["message"]), notes, rows, patches)
    )


NOT_CHECKED = (
    "dependency drift: not checked (no distgit given, and none found among the job's projects)"
)


def run(params):
    spec, control, distgits = params["spec"], params["control"], {}
    if (not spec or not control) and params.get("zuul_projects"):
        distgits = find_distgits(
            params["zuul_projects"],
            params.get("zuul_artifacts"),
            params.get("distgit_projects"),
            params.get("src_root", ""),
        )
        distgits = {
            fmt: found for fmt, found in distgits.items() if not (spec if fmt == "rpm" else control)
        }
        spec = spec or distgits.get("rpm", {}).get("path", "")
        control = control or distgits.get("deb", {}).get("path", "")
    if not spec and not control:
        return {
            "checked": False,
            "message": NOT_CHECKED,
            "differences": [],
            "messages": [],
            "notes": [],
            "patches": {},
            "patch_files": {},
            "counts": {},
            "distgits": {},
            "gate": False,
            "changed": False,
        }
    result = check(
        params["upstream_path"],
        spec=spec,
        control=control,
        mapping=params["mapping"],
        dists={"deb": params["deb_dist"], "rpm": params["rpm_dist"]},
        work_dir=params["work_dir"],
    )
    result["checked"] = True
    result["distgits"] = distgits
    differences = result["differences"]
    counts = {k: sum(1 for d in differences if d["kind"] == k) for k in KINDS}
    result["message"] = (
        "dependency drift: %d (%s)"
        % (len(differences), ", ".join("%d %s" % (n, k) for k, n in counts.items() if n))
        if differences
        else "dependency drift: none"
    )
    result["counts"] = counts
    result["gate"] = (
        params["fail_on"] == "any"
        and any(counts[k] for k in DRIFT_KINDS)
        or (params["fail_on"] == "missing" and counts["missing"] > 0)
    )
    result["messages"] = ["%s: %s" % (d["format"], d["message"]) for d in differences]
    changed = False
    result["patch_files"] = {}
    if params["report_dir"]:
        os.makedirs(params["report_dir"], exist_ok=True)
        for fmt, text in sorted(result["patches"].items()):
            path = os.path.join(params["report_dir"], "drift-%s.patch" % fmt)
            changed = write_if_changed(path, text) or changed
            result["patch_files"][fmt] = path
        for fmt in ("deb", "rpm"):  # a patch of an earlier run that is no longer proposed
            stale = os.path.join(params["report_dir"], "drift-%s.patch" % fmt)
            if fmt not in result["patches"] and os.path.exists(stale):
                os.unlink(stale)
                changed = True
        changed = (
            write_if_changed(
                os.path.join(params["report_dir"], "drift-report.json"),
                json.dumps(result, indent=1, sort_keys=True) + "\n",
            )
            or changed
        )
        changed = (
            write_if_changed(
                os.path.join(params["report_dir"], "drift-report.html"), render_html(result)
            )
            or changed
        )
    result["changed"] = changed
    return result


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec={
            "upstream_path": {"type": "path", "required": True},
            "spec": {"type": "path", "default": ""},
            "control": {"type": "path", "default": ""},
            "mapping": {"type": "dict", "default": {}},
            "deb_dist": {"type": "str", "default": "ubuntu"},
            "rpm_dist": {"type": "str", "default": "fedora"},
            "work_dir": {"type": "path", "required": True},
            "report_dir": {"type": "path", "default": ""},
            "fail_on": {"type": "str", "default": "none", "choices": ["none", "missing", "any"]},
            "zuul_projects": {"type": "dict", "default": {}},
            "zuul_artifacts": {"type": "list", "elements": "dict", "default": []},
            "distgit_projects": {"type": "dict", "default": {}},
            "src_root": {"type": "path", "default": ""},
        },
        supports_check_mode=False,
    )
    missing = missing_libraries(
        ("pymod2pkg", "packaging.requirements", "specfile", "debian.deb822", "rpm")
    )
    if missing:
        module.fail_json(
            msg="dependency_drift needs %s in the Python that runs it (%s): the role's venv "
            "installs them" % (", ".join(missing), sys.executable)
        )
    try:
        result = run(module.params)
    except DriftError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


def main():
    run_module()


if __name__ == "__main__":
    main()
