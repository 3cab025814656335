#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Clone (or update) a distgit branch, or read a checkout Zuul prepared, and return its commit."""

from __future__ import annotations

import os
import subprocess

DOCUMENTATION = r"""
---
module: distgit_checkout
short_description: Check out a distgit branch and return its commit
description:
  - With I(url) set, looks the branch (or tag) up with C(git ls-remote), then clones it into
    I(path) or, when I(path) already holds a clone, fetches it and checks it out detached
    (local changes are discarded), in one step.
  - Without I(url), only reads the commit of the checkout at I(path) (one that Zuul
    prepared).
  - Fails with one line naming the repository when it cannot be read, the branch when it
    does not exist, and the path when it is not a git checkout with a commit.
options:
  path:
    description: Checkout directory.
    type: path
    required: true
  url:
    description: Repository to clone; empty to use the checkout at I(path) as it is.
    type: str
    default: ''
  branch:
    description: Branch (or tag) to check out (with I(url)).
    type: str
    default: main
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Clone the distgit
  distgit_checkout:
    url: https://example.org/rpms/greeter.git
    branch: main
    path: "{{ ansible_facts.user_dir }}/packaging/distgit/greeter"
  register: _distgit
"""

RETURN = r"""
sha:
  description: Commit of the checkout's HEAD.
  type: str
  returned: success
before:
  description: Commit of the checkout before (empty when it was cloned).
  type: str
  returned: success
"""

GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


class CheckoutError(Exception):
    """A repository, branch or checkout that cannot be used, with a message naming it."""


def git(*args, cwd=None):
    """(exit code, stdout, stderr) of one git command."""
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
                          env=dict(os.environ, **GIT_ENV))
    return proc.returncode, proc.stdout.strip(), proc.stderr.strip()


def first_error(text, fallback):
    """The first fatal/error line of git's output, or fallback (pure)."""
    for line in text.splitlines():
        if line.startswith(("fatal", "error", "ERROR")):
            return line
    return fallback


def head(path):
    if not os.path.isdir(path):
        return ""
    code, out, _ = git("rev-parse", "--verify", "--quiet", "HEAD", cwd=path)
    return out if code == 0 else ""


def checkout(path, url, branch):
    """Clone or update path to url's branch; return (before, after) commits."""
    code, out, err = git("ls-remote", "--exit-code", url, branch)
    if code == 128:
        raise CheckoutError("fetch-distgit: cannot read distgit repository %s: %s" % (
            url, first_error(err + "\n" + out, "git ls-remote failed")))
    if code != 0:
        raise CheckoutError("fetch-distgit: branch %s not found in distgit repository %s" % (
            branch, url))
    before = head(path) if os.path.isdir(os.path.join(path, ".git")) else ""
    if before:
        steps = [("remote", "set-url", "origin", url),
                 ("fetch", "--quiet", "--force", "origin", branch),
                 ("checkout", "--quiet", "--force", "--detach", "FETCH_HEAD")]
        for step in steps:
            code, out, err = git(*step, cwd=path)
            if code != 0:
                raise CheckoutError("fetch-distgit: git %s in %s failed: %s" % (
                    step[0], path, first_error(err + "\n" + out, "exit %d" % code)))
    else:
        if os.path.exists(path) and os.listdir(path):
            raise CheckoutError("fetch-distgit: %s exists and is not a git checkout" % path)
        code, out, err = git("clone", "--quiet", "--branch", branch, "--", url, path)
        if code != 0:
            raise CheckoutError("fetch-distgit: cannot clone distgit repository %s: %s" % (
                url, first_error(err + "\n" + out, "exit %d" % code)))
    return before, head(path)


def read(path):
    """The commit of a checkout as it is."""
    sha = head(path)
    if not sha:
        _, out, err = git("rev-parse", "HEAD", cwd=path) if os.path.isdir(path) else (
            1, "", "no such directory")
        lines = (out + "\n" + err).strip().splitlines()
        raise CheckoutError("fetch-distgit: %s is not a git checkout with a commit (%s)" % (
            path, lines[-1] if lines else "git rev-parse failed"))
    return sha


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "url": {"type": "str", "default": ""},
            "branch": {"type": "str", "default": "main"},
        },
    )
    p = module.params
    try:
        if p["url"]:
            before, sha = checkout(p["path"], p["url"], p["branch"])
        else:
            before = sha = read(p["path"])
        module.exit_json(changed=before != sha, before=before, sha=sha)
    except CheckoutError as exc:
        module.fail_json(msg=str(exc))


def main():
    run_module()


if __name__ == "__main__":
    main()
