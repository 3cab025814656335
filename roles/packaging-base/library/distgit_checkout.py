#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Clone (or update) a distgit branch, or read a checkout Zuul prepared, and return its commit."""

from __future__ import annotations

import json
import os
import re

from ansible.module_utils.zuul_packaging.git import git, head, redact_url

DOCUMENTATION = r"""
---
module: distgit_checkout
short_description: Check out a distgit branch and return its commit
description:
  - With I(url) set, looks the branch (or tag) up with C(git ls-remote), then fetches it by
    URL into I(path) (initialised first when it is not a checkout yet) and checks it out
    detached (local changes are discarded), in one step. The URL is never written to the
    checkout's C(.git/config), so credentials in it stay off the disk.
  - A I(url) or I(branch) that starts with C(-) is refused before git runs (git would read
    it as an option), and every git command separates its options from the URL and refs.
  - Every message and return value shows the URL with its userinfo (credentials) replaced
    by C(***) (C(redact_url)).
  - Without I(url), only reads the commit of the checkout at I(path) (one that Zuul
    prepared). A I(branch) set then must be the branch Zuul checked out (I(prepared_branch),
    else the checkout's current branch): Zuul picks that branch, so a different one fails
    with one line saying to use C(override-checkout) instead.
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
    description:
      - Branch (or tag) to check out (with I(url); empty means C(main)).
      - Without I(url), empty or the branch Zuul checked out; anything else fails.
    type: str
    default: ''
  prepared_branch:
    description:
      - Without I(url), the branch Zuul checked out (C(checkout) of the project in
        C(zuul.projects)); empty to read the checkout's current branch.
    type: str
    default: ''
  project:
    description: Zuul project name of the prepared checkout, for messages.
    type: str
    default: ''
  branch_map:
    description:
      - Branch per build target (a Debian codename or alias, an rpm target, or C(*) for any
        other), as DEP-14 distgits keep one branch per release (C(debian/bookworm),
        C(debian/latest)) and Fedora/CentOS distgits one per release (C(f41), C(c9s)).
      - Used when I(branch) is empty. With I(url), the mapped branch is cloned. Without
        I(url), the mapped branch is checked out from the branches Zuul prepared (with the
        speculative state of the buildset's changes); one that Zuul did not prepare fails
        with one line naming it.
    type: dict
    default: {}
  target:
    description: The build target looked up in I(branch_map) (then its codename, for a
      Debian alias such as C(unstable), then C(*)).
    type: str
    default: ''
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
url_redacted:
  description: I(url) with any userinfo (user, password, token) replaced by C(***), for
    messages and reports.
  type: str
  returned: always
branch:
  description: The branch built (for a prepared checkout, the branch Zuul checked out; empty
    when it is detached).
  type: str
  returned: success
summary:
  description: One line saying which distgit is built (path, commit, redacted URL, branch).
  type: str
  returned: success
mapped_from:
  description: The I(branch_map) key the branch came from ('' when the map was not used).
  type: str
  returned: success
"""

# a branch name as git check-ref-format accepts it, restricted further: no leading '-', no
# '..', no '@{', no trailing '/', '.lock' or '.'
BRANCH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/+-]*$")

class CheckoutError(Exception):
    """A repository, branch or checkout that cannot be used, with a message naming it."""


def refuse_options(url, branch):
    """Raise when the URL or the branch would reach git as an option (pure)."""
    if url.startswith("-"):
        raise CheckoutError("fetch-distgit: packaging_distgit_url starts with '-'; a repository "
                            "URL cannot be a git option")
    if branch.startswith("-"):
        raise CheckoutError("fetch-distgit: packaging_distgit_branch %s starts with '-'; a "
                            "branch cannot be a git option" % json.dumps(branch))


def branch_conflict(wanted, prepared, project):
    """The one-line error when an explicit distgit branch differs from the branch Zuul
    checked out, else None (pure). Zuul, not this role, picks a prepared project's branch."""
    if not wanted or wanted == prepared:
        return None
    return ("fetch-distgit: packaging_distgit_branch %s differs from the branch Zuul checked "
            "out for %s (%s); Zuul prepared the distgit, so pick its branch with "
            "override-checkout on the job (or its required-projects entry) instead" % (
                json.dumps(wanted), project or "the distgit", prepared or "a detached commit"))


def check_branch_name(name, what):
    """Raise naming what when name cannot be a branch (pure)."""
    if (not BRANCH.match(name) or ".." in name or name.endswith(("/", ".lock", "."))
            or "//" in name):
        raise CheckoutError("fetch-distgit: %s %s is not a valid branch name" % (
            what, json.dumps(name)))


def mapped_branch(branch_map, names):
    """(branch, key): the branch of the first of names in branch_map, else of '*'; ('', '')
    when the map names none (pure). Every branch of the map is checked as a name first."""
    for key, branch in sorted(branch_map.items()):
        if not isinstance(branch, str):
            raise CheckoutError("fetch-distgit: packaging_distgit_branch_map[%s] must be a branch "
                                "name, not %s" % (json.dumps(str(key)), json.dumps(branch)))
        check_branch_name(branch, "packaging_distgit_branch_map[%s]" % json.dumps(str(key)))
    for key in [n for n in names if n] + ["*"]:
        if key in branch_map:
            return branch_map[key], key
    return "", ""


def target_names(target):
    """The target and, for a Debian alias (stable, unstable, ...), its codename when this node
    has distro-info; the names a branch map is looked up by."""
    names = [target]
    try:
        from ansible.module_utils.zuul_packaging.deb_distribution import (
            classify,
            known_codenames,
        )

        codename = classify(target, *known_codenames())["codename"]
        if codename not in names:
            names.append(codename)
    except Exception:  # not a Debian target, or no distro-info here: the target alone
        pass
    return names


def switch_prepared(path, branch, project, key):
    """Check out branch among the branches Zuul prepared in path (its local branches, else its
    remote-tracking ones); raise naming it when Zuul did not prepare it."""
    for ref in ("refs/heads/" + branch, "refs/remotes/origin/" + branch):
        code, sha, _ = git("rev-parse", "--verify", "--quiet", "--end-of-options",
                           ref + "^{commit}", cwd=path)
        if code == 0:
            break
    else:
        raise CheckoutError(
            "fetch-distgit: branch %s (packaging_distgit_branch_map[%s]) is not among the "
            "branches Zuul prepared for %s" % (branch, json.dumps(key), project or path))
    code, out, err = git("checkout", "--quiet", "--force", "--detach", sha, "--", cwd=path)
    if code != 0:
        raise CheckoutError("fetch-distgit: git checkout %s in %s failed: %s" % (
            branch, path, first_error(err + "\n" + out, "exit %d" % code)))
    return sha


def current_branch(path):
    """The branch the checkout at path is on ('' when detached)."""
    code, out, _ = git("symbolic-ref", "--quiet", "--short", "HEAD", cwd=path)
    return out if code == 0 else ""


def summary(path, sha, url, branch, prepared="", mapped_from=""):
    """The line that says which distgit is built, with the URL redacted (pure)."""
    mapped = (" from packaging_distgit_branch_map[%s]" % json.dumps(mapped_from)
              if mapped_from else "")
    if not url:
        return "distgit %s at %s (prepared by Zuul%s%s)" % (
            path, sha, (", branch %s" % prepared) if prepared else "", mapped)
    return "distgit %s at %s (cloned from %s branch %s%s)" % (
        path, sha, redact_url(url), branch, mapped)


def first_error(text, fallback):
    """The first fatal/error line of git's output, or fallback (pure)."""
    for line in text.splitlines():
        if line.startswith(("fatal", "error", "ERROR")):
            return line
    return fallback


def checkout(path, url, branch):
    """Fetch url's branch into path and check it out detached; return (before, after) commits.

    The URL goes to git only as an argument after --end-of-options and is never stored in the
    checkout; messages show it redacted."""
    refuse_options(url, branch)
    shown = redact_url(url)
    code, out, err = git("ls-remote", "--exit-code", "--end-of-options", url, branch)
    if code == 128:
        raise CheckoutError("fetch-distgit: cannot read distgit repository %s: %s" % (
            shown, redact_url(first_error(err + "\n" + out, "git ls-remote failed"))))
    if code != 0:
        raise CheckoutError("fetch-distgit: branch %s not found in distgit repository %s" % (
            branch, shown))
    is_checkout = os.path.isdir(os.path.join(path, ".git"))
    before = head(path) if is_checkout else ""
    if not is_checkout:
        if os.path.exists(path) and os.listdir(path):
            raise CheckoutError("fetch-distgit: %s exists and is not a git checkout" % path)
        code, out, err = git("init", "--quiet", "--", path)
        if code != 0:
            raise CheckoutError("fetch-distgit: git init %s failed: %s" % (
                path, first_error(err + "\n" + out, "exit %d" % code)))
    steps = [("fetch", "--quiet", "--force", "--end-of-options", url, branch),
             ("checkout", "--quiet", "--force", "--detach", "FETCH_HEAD", "--")]
    for step in steps:
        code, out, err = git(*step, cwd=path)
        if code != 0:
            reason = redact_url(first_error(err + "\n" + out, "exit %d" % code))
            if before:
                raise CheckoutError("fetch-distgit: git %s in %s failed: %s" % (
                    step[0], path, reason))
            raise CheckoutError("fetch-distgit: cannot clone distgit repository %s: %s" % (
                shown, reason))
    return before, head(path)


def read(path):
    """The commit of a checkout as it is."""
    sha = head(path)
    if not sha:
        _, out, err = (git("rev-parse", "--end-of-options", "HEAD", cwd=path)
                       if os.path.isdir(path) else (1, "", "no such directory"))
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
            "branch": {"type": "str", "default": ""},
            "prepared_branch": {"type": "str", "default": ""},
            "project": {"type": "str", "default": ""},
            "branch_map": {"type": "dict", "default": {}},
            "target": {"type": "str", "default": ""},
        },
    )
    p = module.params
    shown = redact_url(p["url"])
    try:
        module.exit_json(**run(p))
    except CheckoutError as exc:
        module.fail_json(msg=str(exc), url_redacted=shown)


def run(p):
    """Every return value of the module (clone, or read or switch a prepared checkout)."""
    shown = redact_url(p["url"])
    refuse_options(p["url"], p["branch"])
    mapped, key = ("", "") if p["branch"] else mapped_branch(
        p["branch_map"] or {}, target_names(p["target"]) if p["target"] else [])
    branch, prepared = p["branch"] or mapped or "main", ""
    if p["url"]:
        before, sha = checkout(p["path"], p["url"], branch)
    else:
        before = sha = read(p["path"])
        prepared = p["prepared_branch"] or current_branch(p["path"])
        conflict = branch_conflict(p["branch"], prepared, p["project"])
        if conflict:
            raise CheckoutError(conflict)
        if mapped and mapped != prepared:
            sha, prepared = switch_prepared(p["path"], mapped, p["project"], key), mapped
    return {"changed": before != sha, "before": before, "sha": sha, "url_redacted": shown,
            "branch": prepared or branch, "mapped_from": key,
            "summary": summary(p["path"], sha, p["url"], branch, prepared, key)}


def main():
    run_module()


if __name__ == "__main__":
    main()
