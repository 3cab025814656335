#!/usr/bin/python
# SPDX-License-Identifier: Apache-2.0
"""Inspect a spec file and set its snapshot Version/Release/%changelog, with specfile."""

from __future__ import annotations

import datetime
import os

DOCUMENTATION = r"""
---
module: rpm_spec
short_description: Inspect a spec file and set a snapshot Version, Release and changelog entry
description:
  - Parses the spec file with the C(specfile) library (which uses rpm's own parser) and fails
    with one line naming the spec when it does not parse.
  - With I(version) set, updates the Version and Release tags (C(specfile)'s update_tag also
    rewrites a C(%global) the tag refers to) and adds a C(%changelog) entry, unless the spec
    uses C(%autochangelog). Setting the same values twice changes nothing.
  - Returns the expanded Source0 file name and the top directory C(%setup)/C(%autosetup)
    expects, after any update.
  - Refuses (one line naming them) a spec file that is a symlink, and sources or patches
    next to the spec (in the distgit) that are symlinks: build-rpm-source copies only regular
    files of the distgit, and a link could carry a file from anywhere on the node into the
    SRPM.
requirements:
  - specfile (PyPI), rpm Python bindings
options:
  path:
    description: Path of the spec file.
    type: path
    required: true
  version:
    description: New Version value. Empty to only inspect.
    type: str
    default: ''
  release:
    description: New Release value; C(%{?dist}) is appended.
    type: str
    default: ''
  changelog:
    description: Lines of the new C(%changelog) entry.
    type: list
    elements: str
    default: []
  author:
    description: Name for the changelog entry.
    type: str
    default: zuul-packaging
  email:
    description: E-mail address for the changelog entry.
    type: str
    default: packaging@localhost
  timestamp:
    description: Date of the changelog entry, seconds since the epoch (UTC).
    type: int
    default: 0
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Set the snapshot version
  rpm_spec:
    path: "{{ topdir }}/SPECS/greeter.spec"
    version: "0.1.0^git1.cb80a581"
    release: "1.gbdfa423f"
    changelog: ["Snapshot of upstream cb80a581"]
    timestamp: 1793700000
  vars:
    ansible_python_interpreter: "{{ ensure_rpm_tools_python }}"
"""

RETURN = r"""
name:
  description: Expanded package name.
  type: str
  returned: success
epoch:
  description: Expanded Epoch ('' when none).
  type: str
  returned: success
version:
  description: Expanded Version.
  type: str
  returned: success
release:
  description: Expanded Release.
  type: str
  returned: success
source0:
  description: Expanded file name of Source0 (or the first source).
  type: str
  returned: success
sources:
  description: Expanded file names of every source and patch.
  type: list
  elements: str
  returned: success
setup_dir:
  description: Top directory the first %setup/%autosetup expects ('' with -c or without %setup).
  type: str
  returned: success
"""


class SpecError(Exception):
    """A missing or broken spec file, with a message that names it."""


def linked_sources(spec_dir, names):
    """(file name, target) of the sources and patches that are symlinks in spec_dir."""
    found = []
    for name in names:
        local = os.path.join(spec_dir, os.path.basename(name))
        if os.path.islink(local):
            found.append((os.path.basename(name), os.readlink(local)))
    return found


def check_links(path, names):
    """Raise naming the spec or its sources and patches when they are symlinks."""
    if os.path.islink(path):
        raise SpecError("spec file %s is a symlink (to %s); it must be a regular file of the "
                        "distgit" % (path, os.readlink(path)))
    linked = linked_sources(os.path.dirname(path) or ".", names)
    if linked:
        raise SpecError("spec file %s: sources and patches must be regular files of the "
                        "distgit, these are symlinks: %s" % (path, ", ".join(
                            "%s -> %s" % pair for pair in linked)))


def load(path):
    from specfile import Specfile

    if os.path.islink(path):
        check_links(path, [])
    if not os.path.isfile(path):
        raise SpecError("spec file %s does not exist" % path)
    try:
        return Specfile(path, sourcedir=os.path.dirname(path) or ".")
    except Exception as exc:  # specfile raises RPMException and others from rpm's parser
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise SpecError("spec file %s does not parse: %s" % (path, detail[:300])) from exc


def setup_dir(spec):
    """Top directory of the source archive that the first setup macro expects."""
    with spec.prep() as prep:
        if prep is None:
            return ""
        macros = [m for m in prep.macros if type(m).__name__ in ("SetupMacro", "AutosetupMacro")]
        if not macros:
            return ""
        options = macros[0].options
        if options.c:
            return ""
        return spec.expand(options.n or "%{name}-%{version}")


def describe(spec):
    try:
        with spec.sources() as sources:
            names = [source.expanded_filename for source in sources]
        with spec.patches() as patches:
            names += [patch.expanded_filename for patch in patches]
        return {
            "name": spec.expanded_name,
            "epoch": spec.expanded_epoch or "",
            "version": spec.expanded_version,
            "release": spec.expanded_release,
            "source0": names[0] if names else "",
            "sources": names,
            "setup_dir": setup_dir(spec),
        }
    except SpecError:
        raise
    except Exception as exc:
        raise SpecError("spec file %s: cannot expand its tags: %s" % (spec.path, exc)) from exc


def changelog_evr(epoch, version, release):
    """The EVR printed in a %changelog header (pure)."""
    return "%s%s-%s" % ("%s:" % epoch if epoch else "", version, release)


def update(spec, version, release, lines, author, email, timestamp):
    """Set Version/Release and add a changelog entry; False when nothing changed."""
    if (spec.expanded_version == version
            and spec.expanded_release == spec.expand(release + "%{?dist}")):
        return False
    spec.update_tag("Version", version)
    spec.update_tag("Release", release)
    if "%{?dist}" not in spec.raw_release:
        spec.raw_release = spec.raw_release + "%{?dist}"
    if not spec.has_autochangelog:
        when = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
        spec.add_changelog_entry(
            ["- %s" % line for line in lines] or ["- Snapshot build."],
            author=author, email=email, timestamp=when.date(),
            evr=changelog_evr(spec.expanded_epoch, version, release),
        )
    spec.save()
    return True


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            version=dict(type="str", default=""),
            release=dict(type="str", default=""),
            changelog=dict(type="list", elements="str", default=[]),
            author=dict(type="str", default="zuul-packaging"),
            email=dict(type="str", default="packaging@localhost"),
            timestamp=dict(type="int", default=0),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        spec = load(params["path"])
        changed = False
        if params["version"]:
            if not params["release"]:
                module.fail_json(msg="rpm_spec: release is required with version")
            if not module.check_mode:
                changed = update(spec, params["version"], params["release"], params["changelog"],
                                 params["author"], params["email"], params["timestamp"])
                if changed:
                    spec = load(params["path"])
        result = describe(spec)
        check_links(params["path"], result["sources"])
    except ImportError as exc:
        module.fail_json(msg="rpm_spec needs the specfile library and rpm bindings: %s" % exc)
    except SpecError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=changed, **result)


def main():
    run_module()


if __name__ == "__main__":
    main()
