#!/usr/bin/python
# SPDX-License-Identifier: Apache-2.0
"""Publish packages into a new per-build repository and swap a stable pointer to it."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import time

DOCUMENTATION = r"""
---
module: packaging_publish
short_description: Publish packages as a new build of a deb or rpm repository
description:
  - Creates C(<repo_dir>/builds/<build_id>) as a complete repository holding everything
    C(current) held plus the given packages (C(reprepro include) for deb, C(createrepo_c
    --update) for rpm), then points C(<repo_dir>/current) at it with an atomic rename of a
    symlink. A reader of C(current) sees the old repository or the new one, never a mix.
  - The whole step holds an exclusive lock on C(<repo_dir>/.lock); a publisher that cannot
    take it within I(lock_timeout) seconds fails with a message naming the lock.
  - Package files are hard links into the previous build where the file system allows it.
  - Keeps the I(keep) newest builds and never deletes the one C(current) points at.
  - Publishing a build id that is already published with the same files changes nothing.
options:
  repo_dir:
    description: Root of this repository (one distribution or target).
    type: path
    required: true
  format:
    description: Repository format.
    type: str
    choices: [deb, rpm]
    required: true
  build_id:
    description: Name of the new build directory (letters, digits, C(.), C(_), C(+), C(-)).
    type: str
    required: true
  files:
    description:
      - Package files to add; C(.changes) (binary uploads) and C(.dsc) (source packages)
        for deb, C(.rpm) files for rpm.
    type: list
    elements: path
    required: true
  deb_codename:
    description: Codename of the deb repository distribution.
    type: str
    default: ''
  deb_components:
    description: Components of the deb repository.
    type: list
    elements: str
    default: [main]
  deb_architectures:
    description: Binary architectures of the deb repository (C(source) is always added).
    type: list
    elements: str
    default: [amd64]
  keep:
    description: Number of builds to keep (at least 1).
    type: int
    default: 10
  lock_timeout:
    description: Seconds to wait for the repository lock.
    type: int
    default: 300
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Publish the debs of this build
  packaging_publish:
    repo_dir: /srv/repos/deb/bookworm
    format: deb
    build_id: "{{ zuul.build }}"
    files: ["{{ build_deb_sbuild_changes }}"]
    deb_codename: bookworm
"""

RETURN = r"""
build_dir:
  description: Directory of the new build's repository.
  type: str
  returned: success
current:
  description: Path of the stable pointer.
  type: str
  returned: success
removed:
  description: Build ids deleted by retention.
  type: list
  elements: str
  returned: success
"""

BUILD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
MARKER = ".zuul-packaging-build.json"
POOL_DIRS = {"deb": ("pool",), "rpm": ("Packages",)}


class PublishError(Exception):
    """A publish failure with a message that names its cause."""


def validate_build_id(build_id):
    if not BUILD_ID.match(build_id or "") or ".." in build_id:
        raise PublishError(
            "build_id %r is not a plain name (letters, digits, '.', '_', '+', '-')" % build_id)
    return build_id


def plan_retention(builds, current, keep):
    """Build ids to delete: all but the keep newest, never current (pure).

    builds is a list of (build_id, published_at) pairs.
    """
    if keep < 1:
        raise PublishError("keep must be at least 1, got %d" % keep)
    newest_first = sorted(builds, key=lambda item: (item[1], item[0]), reverse=True)
    kept = {build_id for build_id, _ in newest_first[:keep]}
    return sorted(build_id for build_id, _ in builds
                  if build_id not in kept and build_id != current)


def deb_distributions(codename, components, architectures):
    """reprepro conf/distributions text (pure)."""
    archs = list(dict.fromkeys(list(architectures) + ["source"]))
    return "".join([
        "Origin: zuul-packaging\n",
        "Label: zuul-packaging\n",
        "Codename: %s\n" % codename,
        "Suite: %s\n" % codename,
        "Components: %s\n" % " ".join(components),
        "Architectures: %s\n" % " ".join(archs),
        "Description: continuous packaging snapshots\n",
    ])


class Lock:
    def __init__(self, path, timeout):
        self.path, self.timeout, self.handle = path, timeout, None

    def __enter__(self):
        self.handle = open(self.path, "a+")
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    self.handle.close()
                    raise PublishError("could not take the repository lock %s within %d s" % (
                        self.path, self.timeout)) from exc
                time.sleep(0.2)

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def seed_copy(source, target, fmt):
    """Copy a published build as the start of a new one; package files are hard-linked."""
    pools = POOL_DIRS[fmt]

    def copy(src, dst):
        relative = os.path.relpath(src, source)
        if relative.split(os.sep)[0] in pools:
            try:
                os.link(src, dst)
                return dst
            except OSError:
                pass
        return shutil.copy2(src, dst)

    shutil.copytree(source, target, symlinks=True, copy_function=copy,
                    ignore=shutil.ignore_patterns(MARKER))


def read_marker(build_dir):
    try:
        with open(os.path.join(build_dir, MARKER), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def list_builds(builds_dir):
    found = []
    for name in os.listdir(builds_dir) if os.path.isdir(builds_dir) else []:
        if name.startswith("."):
            continue
        marker = read_marker(os.path.join(builds_dir, name))
        found.append((name, marker["published_at"] if marker else 0.0))
    return found


def swap_pointer(repo_dir, build_id):
    current = os.path.join(repo_dir, "current")
    temporary = os.path.join(repo_dir, ".current.%d" % os.getpid())
    if os.path.lexists(temporary):
        os.unlink(temporary)
    os.symlink(os.path.join("builds", build_id), temporary)
    os.replace(temporary, current)
    return current


def current_target(repo_dir):
    current = os.path.join(repo_dir, "current")
    if not os.path.islink(current):
        return None
    return os.path.basename(os.readlink(current))


def publish(params, run):
    """Publish; run(argv) runs a command and raises PublishError on failure."""
    repo_dir, fmt = params["repo_dir"], params["format"]
    build_id = validate_build_id(params["build_id"])
    files = [os.path.abspath(f) for f in params["files"]]
    if not files:
        raise PublishError("nothing to publish: the list of package files is empty")
    for path in files:
        if not os.path.isfile(path):
            raise PublishError("package file %s does not exist" % path)
        wanted = (".changes", ".dsc") if fmt == "deb" else (".rpm",)
        if not path.endswith(wanted):
            raise PublishError("%s is not a %s file" % (path, " or ".join(wanted)))
    if fmt == "deb" and not params["deb_codename"]:
        raise PublishError("deb_codename is required for a deb repository")
    try:
        os.makedirs(os.path.join(repo_dir, "builds"), exist_ok=True)
    except OSError as exc:
        raise PublishError("repository directory %s is not writable: %s" % (
            repo_dir, exc.strerror)) from exc
    if not os.access(repo_dir, os.W_OK):
        raise PublishError("repository directory %s is not writable" % repo_dir)
    builds_dir = os.path.join(repo_dir, "builds")
    target = os.path.join(builds_dir, build_id)
    names = sorted(os.path.basename(f) for f in files)
    with Lock(os.path.join(repo_dir, ".lock"), params["lock_timeout"]):
        marker = read_marker(target)
        if marker is not None:
            if marker.get("files") == names and current_target(repo_dir) == build_id:
                return {"changed": False, "build_dir": target, "removed": [],
                        "current": os.path.join(repo_dir, "current")}
            raise PublishError(
                "build id %s is already published in %s with other files (%s); give this build "
                "another build id" % (build_id, repo_dir, ", ".join(marker.get("files", []))))
        staging = os.path.join(builds_dir, ".%s.incoming" % build_id)
        if os.path.lexists(staging):
            shutil.rmtree(staging)  # left behind by a publisher that was killed
        try:  # a failed publish leaves no staging directory behind
            previous = current_target(repo_dir)
            if previous and os.path.isdir(os.path.join(builds_dir, previous)):
                seed_copy(os.path.join(builds_dir, previous), staging, fmt)
            else:
                os.makedirs(staging)
            if fmt == "deb":
                conf = os.path.join(staging, "conf")
                os.makedirs(conf, exist_ok=True)
                with open(os.path.join(conf, "distributions"), "w", encoding="utf-8") as handle:
                    handle.write(deb_distributions(params["deb_codename"], params["deb_components"],
                                                   params["deb_architectures"]))
                for package in files:
                    command = "includedsc" if package.endswith(".dsc") else "include"
                    run(["reprepro", "--basedir", staging, "--ignore=wrongdistribution",
                         command, params["deb_codename"], package])
            else:
                packages = os.path.join(staging, "Packages")
                os.makedirs(packages, exist_ok=True)
                for rpm in files:
                    shutil.copy2(rpm, os.path.join(packages, os.path.basename(rpm)))
                update = ["--update"] if os.path.isdir(os.path.join(staging, "repodata")) else []
                run(["createrepo_c", *update, "--quiet", staging])
            with open(os.path.join(staging, MARKER), "w", encoding="utf-8") as handle:
                json.dump({"build_id": build_id, "files": names, "published_at": time.time()},
                          handle)
            os.rename(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        current = swap_pointer(repo_dir, build_id)
        removed = plan_retention(list_builds(builds_dir), build_id, params["keep"])
        for old in removed:
            shutil.rmtree(os.path.join(builds_dir, old))
    return {"changed": True, "build_dir": target, "current": current, "removed": removed}


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec=dict(
            repo_dir=dict(type="path", required=True),
            format=dict(type="str", choices=["deb", "rpm"], required=True),
            build_id=dict(type="str", required=True),
            files=dict(type="list", elements="path", required=True),
            deb_codename=dict(type="str", default=""),
            deb_components=dict(type="list", elements="str", default=["main"]),
            deb_architectures=dict(type="list", elements="str", default=["amd64"]),
            keep=dict(type="int", default=10),
            lock_timeout=dict(type="int", default=300),
        ),
        supports_check_mode=False,
    )

    def run(argv):
        rc, out, err = module.run_command(argv)
        if rc != 0:
            lines = (err or out).strip().splitlines()
            raise PublishError("%s failed (exit %d): %s" % (
                argv[0], rc, lines[-1] if lines else "no output"))

    try:
        result = publish(module.params, run)
    except PublishError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


def main():
    run_module()


if __name__ == "__main__":
    main()
