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
from ansible.module_utils.zuul_packaging.debian_source import (
    DebianSourceError,
    add_entry,
    check_patches,
    gbp_conf,
    gbp_tag_options,
    inspect,
    native_version_info,
)
from ansible.module_utils.zuul_packaging.packaging_version import (
    DEFAULT_TAG_EXCLUDE,
    SHORT_SHA,
    VersionError,
    compute,
    format_dates,
)
from ansible.module_utils.zuul_packaging.source_archive import (
    ArchiveError,
    write_archive,
    write_subtree_archive,
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
  - Otherwise empties I(output_dir), makes the orig tarball of the exact upstream commit
    with its git submodules (module_utils source_archive), unpacks it, replaces any upstream
    C(debian/) with the distgit's, applies a 3.0 (quilt) series to a copy of the tree with
    dpkg-source's patch options, adds the snapshot changelog entry (python-debian), runs
    C(dpkg-source --build) and records the stamp.
  - Layouts - a C(debian/gbp.conf) gives the debian-branch (a warning when the branch built
    differs), the upstream tag format (when I(tag_pattern) and I(tag_prefix) are left at
    their defaults) and components (an orig-<component> tarball each, from that directory
    of the upstream tree, left out of the main one). A 3.0 (native) distgit is its own
    upstream - its HEAD is archived and versioned as a snapshot of the top changelog entry
    (X+gitN.sha, or X~gitN.sha while that entry is UNRELEASED).
  - Every failure is one line naming its cause (the distribution, the debian/ file, the git
    repository, the quilt patch and the file it fails on, the tool).
requirements:
  - python-debian, distro-info (Debian packages python3-debian, python3-distro-info)
  - git and dpkg-dev on the node
options:
  upstream_path:
    description:
      - Upstream git checkout (its HEAD is built).
      - Not read for a 3.0 (native) distgit, which may leave it empty.
    type: path
    default: ''
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
  submodules:
    description:
      - Run C(git submodule update --init --recursive) in the upstream checkout before the
        archive is made; when false, submodules must be checked out already.
    type: bool
    default: true
  distgit_branch:
    description: Branch of the distgit being built, compared with gbp.conf's debian-branch.
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
layout:
  description:
    - What the distgit layout made of the build - C(layout) (debian, gbp or native),
      C(source_format), C(upstream) (upstream or distgit, where the source came from),
      C(gbp) (the gbp.conf keys applied), C(components), C(submodules) (paths in the orig
      tarball) and C(patches) (quilt patches checked).
  type: dict
  returned: success
"""


ARGUMENT_SPEC = {
    "upstream_path": {"type": "path", "default": ""},
    "distgit_path": {"type": "path", "required": True},
    "distribution": {"type": "str", "required": True},
    "output_dir": {"type": "path", "required": True},
    "tag_pattern": {"type": "str", "default": "*"},
    "base_version": {"type": "str", "default": ""},
    "tag_prefix": {"type": "str", "default": ""},
    "tag_exclude": {"type": "list", "elements": "str",
                    "default": list(DEFAULT_TAG_EXCLUDE)},
    "changelog_author": {"type": "str", "default": ""},
    "distgit_branch": {"type": "str", "default": ""},
    "submodules": {"type": "bool", "default": True},
    "code": {"type": "str", "default": ""},
}


class SourceBuildError(Exception):
    """A failed step, with a message that names it."""


PREFIX = "build-deb-source: "


def fail(message):
    """A SourceBuildError whose one line starts with the role's name."""
    message = " ".join(str(message).split())
    return SourceBuildError(message if message.startswith(PREFIX) else PREFIX + message)


def names(output_dir, source, version_info, epoch, components=(), native=False):
    """The paths and the full version of the source package (pure)."""
    upstream = version_info["deb_upstream_version"]
    orig = os.path.join(output_dir, "%s_%s.orig.tar.gz" % (source, upstream))
    return {
        "version": ("%s:" % epoch if epoch else "") + version_info["deb_version"],
        "tree": os.path.join(output_dir, "%s-%s" % (source, upstream)),
        "orig": "" if native else orig,
        "components": {} if native else {
            name: os.path.join(output_dir, "%s_%s.orig-%s.tar.gz" % (source, upstream, name))
            for name in components},
        "dsc": os.path.join(output_dir, "%s_%s.dsc" % (source, version_info["deb_version"])),
    }


def snapshot_changes(version_info, native=False):
    """The bullet of the snapshot changelog entry (pure)."""
    if native:
        return ["Snapshot of %s (%s+%s)." % (
            version_info["distgit_sha"][:12], version_info["base_version"],
            version_info["commits_since_tag"])]
    return ["Snapshot of upstream %s (%s+%s), distgit %s." % (
        version_info["upstream_sha"][:12],
        version_info["upstream_tag"] or version_info["base_version"],
        version_info["commits_since_tag"], version_info["distgit_sha"][:12])]


def layout_of(info, gbp):
    """The distgit layout the build found (pure): native, gbp or debian."""
    if info["native"]:
        return "native"
    return "gbp" if gbp is not None else "debian"


def tag_options(p, gbp):
    """(tag_pattern, tag_prefix, the gbp.conf keys applied) (pure): the job's own tag
    options win; a gbp upstream-tag applies when they are left at their defaults."""
    applied = {}
    pattern, prefix = p["tag_pattern"], p["tag_prefix"]
    if gbp and gbp.get("upstream-tag") and pattern == "*" and not prefix:
        pattern, prefix = gbp_tag_options(gbp["upstream-tag"])
        applied["upstream-tag"] = gbp["upstream-tag"]
    return pattern, prefix, applied


def timed_run(argv, seconds, cwd=None):
    """Run a tool, adding its wall time to seconds; raise with its last lines when it fails."""
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False,
                          env=dict(os.environ, LC_ALL="C.UTF-8"))
    tool = os.path.basename(argv[0])
    seconds[tool] = round(seconds.get(tool, 0) + time.monotonic() - started, 3)
    if proc.returncode != 0:
        lines = [line for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
        raise fail("%s failed (exit %d): %s" % (
            tool, proc.returncode, " | ".join(lines[-3:]) or "no output"))
    return proc


def timed(name, seconds, call, *args, **kwargs):
    started = time.monotonic()
    try:
        return call(*args, **kwargs)
    finally:
        seconds[name] = round(seconds.get(name, 0) + time.monotonic() - started, 3)


def build(p, info, version_info, codename, paths, plan):
    """Make the source package in an emptied output directory; return (files, tool seconds,
    the submodule paths in the upstream archive, the number of quilt patches checked)."""
    seconds = {}
    shutil.rmtree(p["output_dir"], ignore_errors=True)
    os.makedirs(p["output_dir"], mode=0o755)
    tree = os.path.basename(paths["tree"])
    native = info["native"]
    # a native package's upstream is the distgit itself
    repo = p["distgit_path"] if native else p["upstream_path"]
    archive = paths["orig"] or os.path.join(p["output_dir"], ".native.tar")
    try:
        submodules = timed("git", seconds, write_archive, repo, version_info["upstream_sha"],
                           archive, "tar" if native else "tar.gz", tree + "/",
                           p["submodules"], exclude=list(paths["components"]))
        for name, tarball in sorted(paths["components"].items()):
            timed("git", seconds, write_subtree_archive, repo, version_info["upstream_sha"],
                  name, tarball, "tar.gz", name + "/", p["submodules"])
    except ArchiveError as exc:
        if paths["components"] and "has no directory" in str(exc):
            raise fail("debian/gbp.conf component: %s (gbp makes each component's tarball "
                       "from that directory of the upstream tree)" % exc) from exc
        raise fail(exc) from exc
    timed_run(["tar", "-xf", archive, "-C", p["output_dir"]], seconds)
    for tarball in sorted(paths["components"].values()):
        timed_run(["tar", "-xf", tarball, "-C", paths["tree"]], seconds)
    if native:
        os.unlink(archive)
    # debian/ is the distgit's checkout as it is (an upstream's own debian/ is dropped)
    shutil.rmtree(os.path.join(paths["tree"], "debian"), ignore_errors=True)
    shutil.copytree(os.path.join(p["distgit_path"], "debian"),
                    os.path.join(paths["tree"], "debian"), symlinks=True)
    patches = 0
    if info["source_format"] == "3.0 (quilt)" and os.path.isdir(
            os.path.join(paths["tree"], "debian", "patches")):
        try:
            patches = timed("patch", seconds, check_patches, paths["tree"],
                            os.path.join(p["output_dir"], ".patch-check"), plan["label"])
        except DebianSourceError as exc:
            shutil.rmtree(p["output_dir"], ignore_errors=True)
            raise fail(exc) from exc
    add_entry(paths["tree"], info["source"], paths["version"], codename,
              p["changelog_author"] or info["previous_author"],
              version_info["changelog_date_rfc2822"], snapshot_changes(version_info, native),
              replace_unreleased=native)
    # ./ keeps a tree name from debian/control that starts with '-' from being an option
    timed_run(["dpkg-source", "--build", "./" + tree], seconds, cwd=p["output_dir"])
    files = sorted(glob.glob(os.path.join(glob.escape(p["output_dir"]), "*.dsc"))
                   + glob.glob(os.path.join(glob.escape(p["output_dir"]), "*.tar.*")))
    return files, seconds, submodules, patches


def plan_build(p, info):
    """What the distgit's layout makes of the inputs: gbp.conf, the tag options, the
    version (pure of the build; runs git)."""
    try:
        gbp = gbp_conf(p["distgit_path"]) if os.path.exists(
            os.path.join(p["distgit_path"], "debian", "gbp.conf")) else None
    except DebianSourceError as exc:
        raise fail(exc) from exc
    layout = layout_of(info, gbp)
    plan = {"layout": layout, "gbp": {}, "components": [], "warnings": []}
    if gbp and "debian-branch" in gbp:
        plan["gbp"]["debian-branch"] = gbp["debian-branch"]
        if p["distgit_branch"] and p["distgit_branch"] != gbp["debian-branch"]:
            plan["warnings"].append(
                "the distgit is on branch %s but debian/gbp.conf's debian-branch is %s" % (
                    p["distgit_branch"], gbp["debian-branch"]))
    if layout == "native":
        try:
            version_info = native_version_info(p["distgit_path"], SHORT_SHA)
        except DebianSourceError as exc:
            raise fail(exc) from exc
        version_info.update(format_dates(version_info["timestamp"]))
        author = subprocess.run(
            ["git", "-C", p["distgit_path"], "log", "-1", "--format=%an%n%ae"],
            capture_output=True, text=True, check=False).stdout.splitlines() + ["", ""]
        version_info.update(distgit_author_name=author[0], distgit_author_email=author[1])
        plan["label"] = version_info["distgit_sha"][:12]
        return version_info, plan
    if not p["upstream_path"]:
        raise fail("set packaging_upstream_path to the upstream checkout (only a 3.0 (native) "
                   "distgit builds without one)")
    try:
        pattern, prefix, applied = tag_options(p, gbp)
    except DebianSourceError as exc:
        raise fail(exc) from exc
    plan["gbp"].update(applied)
    if gbp and gbp.get("component"):
        if info["source_format"] != "3.0 (quilt)" or "debian" in gbp["component"]:
            raise fail("debian/gbp.conf lists components (%s); they need source format "
                       "3.0 (quilt) (this distgit's is %s) and cannot be named debian" % (
                           ", ".join(gbp["component"]), info["source_format"]))
        plan["components"] = gbp["component"]
        plan["gbp"]["component"] = gbp["component"]
    try:
        version_info = compute(p["upstream_path"], p["distgit_path"], pattern,
                               p["base_version"], prefix, p["tag_exclude"])
    except VersionError as exc:
        if applied:
            raise fail("%s (tag pattern from debian/gbp.conf upstream-tag %r)" % (
                exc, applied["upstream-tag"])) from exc
        raise SourceBuildError(str(exc)) from exc
    plan["label"] = version_info["upstream_sha"][:12]
    return version_info, plan


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
    version_info, plan = plan_build(p, info)
    paths = names(p["output_dir"], info["source"], version_info, info["epoch"],
                  plan["components"], info["native"])
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
        submodules, patches = facts.get("submodules", []), facts.get("patches", 0)
    else:
        files, seconds, submodules, patches = build(p, info, version_info, codename, paths,
                                                    plan)
        dsc = paths["dsc"]
        record(stamp, key, {"dsc": dsc, "files": files, "submodules": submodules,
                            "patches": patches}, files)
    return {
        "changed": not fresh, "source": info["source"], "binaries": info["binaries"],
        "version": paths["version"], "version_info": version_info, "distribution": codename,
        "dsc": dsc, "files": files, "fresh": fresh, "reason": reason, "key": key,
        "tool_seconds": seconds,
        "layout": {"layout": plan["layout"], "source_format": info["source_format"],
                   "upstream": "distgit" if info["native"] else "upstream",
                   "gbp": plan["gbp"], "components": plan["components"],
                   "submodules": submodules, "patches": patches},
        "warnings_found": plan["warnings"],
    }


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=ARGUMENT_SPEC)
    try:
        result = source_package(module.params)
        for warning in result.pop("warnings_found"):
            module.warn(warning)
        module.exit_json(**result)
    except SourceBuildError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg="build-deb-source: %s: %s" % (exc.filename or "", exc.strerror or exc))


def main():
    run_module()


if __name__ == "__main__":
    main()
