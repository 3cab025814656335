#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Build the Debian source package of an upstream snapshot, or reuse the unchanged last one."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time

from ansible.module_utils.zuul_packaging.build_stamp import build_key, check, record
from ansible.module_utils.zuul_packaging.deb_distribution import (
    DistributionError,
    classify,
    known_codenames,
)
from ansible.module_utils.zuul_packaging.debian_source import DebianSourceError, add_entry, inspect
from ansible.module_utils.zuul_packaging.packaging_version import (
    DEFAULT_TAG_EXCLUDE,
    VersionError,
    compute,
)

DOCUMENTATION = r"""
---
module: deb_source_package
short_description: Build the Debian source package of an upstream snapshot
description:
  - One step for the whole source build, so that it costs one module run - checks the
    target distribution against distro-info-data, inspects the distgit's C(debian/) with
    python-debian, computes the snapshot version from both git histories, and looks up the
    build stamp of these inputs (module_utils build_stamp's key).
  - When the stamp says the last build of the same inputs is intact, returns it unchanged.
  - Otherwise empties I(output_dir), makes the orig tarball with C(git archive) of the exact
    upstream commit, unpacks it, replaces any upstream C(debian/) with the distgit's, adds
    the snapshot changelog entry (python-debian), runs C(dpkg-source --build) and records
    the stamp.
  - Every failure is one line naming its cause (the distribution, the debian/ file, the git
    repository, the tool).
requirements:
  - python-debian, distro-info (Debian packages python3-debian, python3-distro-info)
  - git and dpkg-dev on the node
options:
  upstream_path:
    description: Upstream git checkout (its HEAD is built).
    type: path
    required: true
  distgit_path:
    description: Distgit checkout holding C(debian/).
    type: path
    required: true
  distribution:
    description: Target distribution codename or alias.
    type: str
    required: true
  output_dir:
    description: Directory for the source package (emptied when a build is needed).
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
    description: Globs of tags that are never releases (module_utils packaging_version).
    type: list
    elements: str
    default: ['*-eom', '*-em', '*-eol']
  base_version:
    description: Base version when no tag is reachable.
    type: str
    default: ''
  changelog_author:
    description: Author of the snapshot changelog entry; empty for the distgit's last one.
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
- name: Build the source package
  deb_source_package:
    upstream_path: "{{ zuul.project.src_dir }}"
    distgit_path: "{{ fetch_distgit_path }}"
    distribution: bookworm
    output_dir: "{{ ansible_facts.user_dir }}/packaging/deb/source"
  register: _source
"""

RETURN = r"""
source:
  description: Source package name.
  type: str
  returned: success
binaries:
  description: Binary packages of debian/control with their architectures.
  type: list
  elements: dict
  returned: success
version:
  description: Full version of the snapshot (with the epoch, if any).
  type: str
  returned: success
version_info:
  description: Everything module_utils packaging_version returns for the two checkouts.
  type: dict
  returned: success
distribution:
  description: The target distribution's codename.
  type: str
  returned: success
dsc:
  description: Path of the .dsc.
  type: str
  returned: success
files:
  description: Paths of the .dsc and its tarballs, sorted.
  type: list
  elements: str
  returned: success
fresh:
  description: Whether the last build was reused.
  type: bool
  returned: success
key:
  description: The stamp key of the inputs.
  type: str
  returned: success
tool_seconds:
  description: Wall time of each tool the build ran (empty when reused).
  type: dict
  returned: success
"""


class SourceBuildError(Exception):
    """A failed step, with a message that names it."""


def names(output_dir, source, version_info, epoch):
    """The paths and the full version of the source package (pure)."""
    upstream = version_info["deb_upstream_version"]
    return {
        "version": ("%s:" % epoch if epoch else "") + version_info["deb_version"],
        "tree": os.path.join(output_dir, "%s-%s" % (source, upstream)),
        "orig": os.path.join(output_dir, "%s_%s.orig.tar.gz" % (source, upstream)),
        "dsc": os.path.join(output_dir, "%s_%s.dsc" % (source, version_info["deb_version"])),
    }


def snapshot_changes(version_info):
    """The bullet of the snapshot changelog entry (pure)."""
    return ["Snapshot of upstream %s (%s+%s), distgit %s." % (
        version_info["upstream_sha"][:12],
        version_info["upstream_tag"] or version_info["base_version"],
        version_info["commits_since_tag"], version_info["distgit_sha"][:12])]


def timed_run(argv, seconds, cwd=None):
    """Run a tool, adding its wall time to seconds; raise with its last lines when it fails."""
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False,
                          env=dict(os.environ, LC_ALL="C.UTF-8"))
    tool = os.path.basename(argv[0])
    seconds[tool] = round(seconds.get(tool, 0) + time.monotonic() - started, 3)
    if proc.returncode != 0:
        lines = [line for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
        raise SourceBuildError("build-deb-source: %s failed (exit %d): %s" % (
            tool, proc.returncode, " | ".join(lines[-3:]) or "no output"))
    return proc


def build(p, info, version_info, codename, paths):
    """Make the source package in an emptied output directory; return (files, tool seconds)."""
    seconds = {}
    shutil.rmtree(p["output_dir"], ignore_errors=True)
    os.makedirs(p["output_dir"], mode=0o755)
    tree = os.path.basename(paths["tree"])
    timed_run(["git", "-C", p["upstream_path"], "archive", "--format=tar.gz",
               "--prefix=%s/" % tree, "--output=%s" % paths["orig"], "--end-of-options",
               version_info["upstream_sha"]],
              seconds)
    timed_run(["tar", "-xzf", paths["orig"], "-C", p["output_dir"]], seconds)
    shutil.rmtree(os.path.join(paths["tree"], "debian"), ignore_errors=True)
    shutil.copytree(os.path.join(p["distgit_path"], "debian"),
                    os.path.join(paths["tree"], "debian"), symlinks=True)
    add_entry(paths["tree"], info["source"], paths["version"], codename,
              p["changelog_author"] or info["previous_author"],
              version_info["changelog_date_rfc2822"], snapshot_changes(version_info))
    # ./ keeps a tree name from debian/control that starts with '-' from being an option
    timed_run(["dpkg-source", "--build", "./" + tree], seconds, cwd=p["output_dir"])
    files = sorted(glob.glob(os.path.join(glob.escape(p["output_dir"]), "*.dsc"))
                   + glob.glob(os.path.join(glob.escape(p["output_dir"]), "*.tar.*")))
    return files, seconds


def source_package(p):
    """Every return value of the module, building when the stamp is not fresh."""
    try:
        codename = classify(p["distribution"], *known_codenames())["codename"]
    except ImportError:
        raise SourceBuildError("python3-distro-info is not installed on this node") from None
    except DistributionError as exc:
        raise SourceBuildError(str(exc)) from exc
    try:
        info = inspect(p["distgit_path"])
    except ImportError:
        raise SourceBuildError("python-debian is not importable on this node") from None
    except DebianSourceError as exc:
        raise SourceBuildError(str(exc)) from exc
    if info["native"]:
        raise SourceBuildError(
            "build-deb-source: %s/debian/source/format is '%s'; snapshot builds need a "
            "non-native format such as 3.0 (quilt)" % (p["distgit_path"], info["source_format"]))
    try:
        version_info = compute(p["upstream_path"], p["distgit_path"], p["tag_pattern"],
                               p["base_version"], p["tag_prefix"], p["tag_exclude"])
    except VersionError as exc:
        raise SourceBuildError(str(exc)) from exc
    paths = names(p["output_dir"], info["source"], version_info, info["epoch"])
    stamp = os.path.join(p["output_dir"], ".build-stamp.json")
    key = build_key(
        # the tags skipped as not versions do not change what is built
        {"version": {k: v for k, v in version_info.items() if k != "skipped_tags"},
         "distribution": codename, "author": p["changelog_author"],
         "epoch": info["epoch"]},
        input_dirs=[os.path.join(p["distgit_path"], "debian")], code=p["code"])
    fresh, reason, facts = check(stamp, key)
    seconds = {}
    if fresh:
        dsc, files = facts["dsc"], facts["files"]
    else:
        files, seconds = build(p, info, version_info, codename, paths)
        dsc = paths["dsc"]
        record(stamp, key, {"dsc": dsc, "files": files}, files)
    return {
        "changed": not fresh, "source": info["source"], "binaries": info["binaries"],
        "version": paths["version"], "version_info": version_info, "distribution": codename,
        "dsc": dsc, "files": files, "fresh": fresh, "reason": reason, "key": key,
        "tool_seconds": seconds,
    }


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec={
            "upstream_path": {"type": "path", "required": True},
            "distgit_path": {"type": "path", "required": True},
            "distribution": {"type": "str", "required": True},
            "output_dir": {"type": "path", "required": True},
            "tag_pattern": {"type": "str", "default": "*"},
            "base_version": {"type": "str", "default": ""},
            "tag_prefix": {"type": "str", "default": ""},
            "tag_exclude": {"type": "list", "elements": "str",
                            "default": list(DEFAULT_TAG_EXCLUDE)},
            "changelog_author": {"type": "str", "default": ""},
            "code": {"type": "str", "default": ""},
        },
    )
    try:
        module.exit_json(**source_package(module.params))
    except SourceBuildError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg="build-deb-source: %s: %s" % (exc.filename or "", exc.strerror or exc))


def main():
    run_module()


if __name__ == "__main__":
    main()
