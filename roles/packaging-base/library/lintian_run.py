#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Run the target release's lintian (in a cached chroot of that release) on a .changes."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

DOCUMENTATION = r"""
---
module: lintian_run
short_description: Run the target release's lintian on a .changes file
description:
  - With I(chroot) (a tarball of the target release with lintian, made by build-deb-binary),
    unpacks it into a fresh directory under I(unpack_dir) and runs its lintian there, as the
    unprivileged user: C(unshare --map-root-user --mount) unpacks it (C(tar --no-same-owner),
    device nodes left out), binds the node's C(/dev) and C(/proc) and the directory of the
    C(.changes) file (as C(/build)) into it, prints C(lintian --version) and runs lintian
    with I(args) on C(/build/<changes>). The directory is removed afterwards.
  - Without I(chroot), runs the node's own lintian (whose release may be older than the
    target's: it may then reject a newer suite, e.g. C(bad-distribution-in-changes-file)).
  - Never fails on lintian's exit code (the caller checks it); fails with one line when the
    chroot cannot be unpacked or its lintian does not start.
options:
  changes:
    description: The C(.changes) file to check.
    type: path
    required: true
  chroot:
    description: Tarball of the target release with lintian; empty for the node's lintian.
    type: str
    default: ''
  unpack_dir:
    description: Where to unpack the chroot (a tmpfs when there is one).
    type: str
    default: /dev/shm
  require_msg:
    description: The message to fail with when I(changes) is not a file (before lintian runs).
    type: str
    default: ''
  args:
    description: lintian options, put before the C(.changes) file.
    type: list
    elements: str
    default: []
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Run trixie's lintian
  lintian_run:
    changes: /home/zuul/packaging/deb/binary/greeter_0.1.0_amd64.changes
    chroot: /home/zuul/.cache/zuul-packaging/chroots/trixie-amd64-0123456789abcdef-lintian.tar
    args: [--fail-on, error]
  register: _lintian
"""

RETURN = r"""
rc:
  description: lintian's exit code.
  type: int
  returned: success
stdout:
  description: lintian's output (tags).
  type: str
  returned: success
stderr:
  description: lintian's error output.
  type: str
  returned: success
version:
  description: The lintian that ran, as C(lintian --version) says (e.g. C(Lintian v2.122.0)).
  type: str
  returned: success
where:
  description: Where it ran, C(chroot <tarball name>) or C(node).
  type: str
  returned: success
"""

VERSION_PREFIX = "lintian-version: "

# $1 tarball, $2 directory to unpack it into, $3 directory of the .changes, $4 its name, then
# lintian's options. Runs in a user and mount namespace as its root (the caller's own uid
# outside): the mounts end with it.
# chroot is in /usr/sbin, which is not on a non-root user's PATH (a Zuul node's user).
SCRIPT = r"""set -e
PATH=/usr/sbin:/sbin:$PATH
tarball=$1 root=$2 dir=$3 changes=$4
shift 4
tar -C "$root" --no-same-owner --exclude='./dev/*' -xf "$tarball"
mount --rbind /dev "$root/dev"
mount --rbind /proc "$root/proc"
mkdir -p "$root/build"
mount --bind "$dir" "$root/build"
printf '%s%s\n' 'lintian-version: ' "$(chroot "$root" lintian --version)"
exec chroot "$root" env LC_ALL=C.UTF-8 HOME=/tmp lintian "$@" "/build/$changes"
"""


class LintianError(Exception):
    """The chroot's lintian could not run, with a message naming the cause."""


def chroot_argv(chroot, root, changes, args):
    """The command that runs the chroot's lintian on changes (pure)."""
    return (["unshare", "--map-root-user", "--mount", "--", "sh", "-ec", SCRIPT,
             "lintian-in-chroot", chroot, root, os.path.dirname(os.path.abspath(changes)),
             os.path.basename(changes)] + list(args))


def split_version(stdout):
    """(version, the rest of stdout) of the chroot run's output (pure)."""
    first, _, rest = stdout.partition("\n")
    if first.startswith(VERSION_PREFIX):
        return first[len(VERSION_PREFIX):].strip(), rest
    return "", stdout


def run(argv):
    proc = subprocess.run(argv, capture_output=True, text=True, check=False,
                          env=dict(os.environ, LC_ALL="C.UTF-8"))
    return proc.returncode, proc.stdout, proc.stderr


def in_chroot(chroot, changes, args, unpack_dir):
    if not os.path.isfile(chroot):
        raise LintianError("run-lintian: lintian chroot %s does not exist" % chroot)
    parent = unpack_dir if os.path.isdir(unpack_dir) and os.access(unpack_dir, os.W_OK) \
        else os.path.dirname(chroot)
    root = tempfile.mkdtemp(prefix="lintian.", dir=parent)
    try:
        rc, out, err = run(chroot_argv(chroot, root, changes, args))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    version, out = split_version(out)
    if not version:
        lines = (err or out).strip().splitlines()
        raise LintianError("run-lintian: lintian of %s did not start: %s" % (
            os.path.basename(chroot), lines[-1] if lines else "exit %d" % rc))
    return {"rc": rc, "stdout": out, "stderr": err, "version": version,
            "where": "chroot " + os.path.basename(chroot)}


def on_node(changes, args):
    _, version, _ = run(["lintian", "--version"])
    rc, out, err = run(["lintian", *args, changes])
    return {"rc": rc, "stdout": out, "stderr": err, "version": version.strip(), "where": "node"}


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec={
        "changes": {"type": "path", "required": True},
        "chroot": {"type": "str", "default": ""},
        "unpack_dir": {"type": "str", "default": "/dev/shm"},
        "args": {"type": "list", "elements": "str", "default": []},
        "require_msg": {"type": "str", "default": ""},
    })
    p = module.params
    if not os.path.isfile(p["changes"]):
        module.fail_json(msg=p["require_msg"] or "run-lintian: %s is not a file" % p["changes"])
    try:
        result = (in_chroot(p["chroot"], p["changes"], p["args"], p["unpack_dir"])
                  if p["chroot"] else on_node(p["changes"], p["args"]))
    except LintianError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg="run-lintian: %s: %s" % (exc.filename or "", exc.strerror or exc))
    module.exit_json(changed=False, **result)


def main():
    run_module()


if __name__ == "__main__":
    main()
