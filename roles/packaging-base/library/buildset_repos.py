#!/usr/bin/python
# SPDX-License-Identifier: Apache-2.0
"""Pick the package repositories that earlier jobs of a Zuul buildset returned."""

from __future__ import annotations

import os

from ansible.module_utils.zuul_packaging.git import redact_url

DOCUMENTATION = r"""
---
module: buildset_repos
short_description: Repositories published by earlier jobs of the buildset, ready to build on
description:
  - Reads the artifacts that earlier jobs of the same buildset returned (Zuul gives them to a
    job as C(zuul.artifacts) when the job lists those jobs in C(dependencies)) and keeps the
    C(deb_repository) or C(rpm_repository) ones of the requested format.
  - A deb repository must be for the same distribution as this build (an artifact without a
    suite is taken). An rpm repository is taken whatever its target.
  - A C(file://) repository must exist on this node (jobs sharing one node, or a shared
    directory); for a deb build its binary packages are listed so that sbuild can be given them
    with C(--extra-package), since the build chroot cannot see host paths. An C(http://) or
    C(https://) repository is used as an apt source or dnf baseurl.
  - An artifact whose C(metadata.local_url) is a C(file://) directory on this node is used
    from there (a job on the node that built it); otherwise its C(url) is used, such as the
    copy of the repository that the producer returned in its logs (the zuul-jobs
    buildset-artifacts-location way: a relative URL Zuul resolves against the producer's log
    URL), which reaches consumers on other nodes over HTTP.
  - Fails with one line naming the artifact when its URL has another scheme or its local path
    is missing.
options:
  artifacts:
    description: The buildset's artifacts (C(zuul.artifacts)); each a dict with C(name),
      C(url), C(metadata) and, from Zuul, C(job) and C(project).
    type: list
    elements: dict
    default: []
  format:
    description: C(deb) or C(rpm).
    type: str
    required: true
    choices: [deb, rpm]
  suite:
    description: Distribution codename of this deb build; deb repositories of another suite
      are left out.
    type: str
    default: ""
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Find the deb repositories of earlier jobs
  buildset_repos:
    artifacts: "{{ zuul.artifacts | default([]) }}"
    format: deb
    suite: bookworm
  register: _repos
"""

RETURN = r"""
repositories:
  description: One entry per repository taken, in artifact order, each with C(name), C(job),
    C(url), C(url_redacted) (the URL with any credentials replaced by C(***), for messages),
    C(path) (local directory, or empty for a remote one) and C(suite).
  type: list
  elements: dict
  returned: success
packages:
  description: Binary package files of the local deb repositories (empty for rpm).
  type: list
  elements: str
  returned: success
apt_sources:
  description: C(deb) lines for the remote deb repositories.
  type: list
  elements: str
  returned: success
baseurls:
  description: Base URLs (C(file://) or C(http(s)://)) of the rpm repositories.
  type: list
  elements: str
  returned: success
"""

REMOTE_SCHEMES = ("http://", "https://")


class ArtifactError(Exception):
    """An artifact that can't be used."""


def select(artifacts, fmt, suite=""):
    """The repository artifacts of format fmt (and suite, for deb), checked (pure)."""
    taken = []
    for artifact in artifacts or []:
        metadata = artifact.get("metadata") or {}
        if metadata.get("type") != "%s_repository" % fmt:
            continue
        name = artifact.get("name", "")
        job = artifact.get("job", "")
        label = "%s artifact %r" % (job, name) if job else "artifact %r" % name
        url = artifact.get("url") or ""
        local = str(metadata.get("local_url") or "")
        if local.startswith("file:///") and os.path.isdir(local[len("file://"):]):
            url = local  # this node built it: no need to go over HTTP
        repo_suite = metadata.get("suite", "")
        if fmt == "deb" and suite and repo_suite and repo_suite != suite:
            continue
        if url.startswith("file://"):
            path = url[len("file://"):]
            if not os.path.isabs(path) or ".." in path.split("/"):
                raise ArtifactError("%s: %r is not an absolute file:// path" % (
                    label, redact_url(url)))
        elif url.startswith(REMOTE_SCHEMES):
            path = ""
        else:
            raise ArtifactError("%s: unsupported repository URL %r (file://, http:// or "
                                "https:// expected)" % (label, redact_url(url)))
        taken.append({"name": name, "job": job, "url": url, "url_redacted": redact_url(url),
                      "path": path, "suite": repo_suite or suite})
    return taken


def apt_sources(repositories, components=("main",)):
    """deb lines for the remote repositories (pure)."""
    return ["deb [trusted=yes] %s %s %s" % (r["url"], r["suite"], " ".join(components))
            for r in repositories if not r["path"]]


def local_packages(repositories, extension=".deb"):
    """Package files in the pools of the local repositories; fails on a missing path."""
    found = []
    for repo in repositories:
        if not repo["path"]:
            continue
        if not os.path.isdir(repo["path"]):
            raise ArtifactError(
                "%s artifact %r: %s is not a directory on this node (a repository of another "
                "node is reached through packaging_repo_url)" % (repo["job"], repo["name"],
                                                                 repo["path"]))
        for top, _dirs, files in os.walk(os.path.join(repo["path"], "pool")):
            found.extend(os.path.join(top, f) for f in sorted(files) if f.endswith(extension))
    return sorted(found)


def resolve(artifacts, fmt, suite=""):
    repositories = select(artifacts, fmt, suite)
    if fmt == "deb":
        return {"repositories": repositories, "packages": local_packages(repositories),
                "apt_sources": apt_sources(repositories), "baseurls": []}
    for repo in repositories:
        if repo["path"] and not os.path.isdir(repo["path"]):
            raise ArtifactError("%s artifact %r: %s is not a directory on this node"
                                % (repo["job"], repo["name"], repo["path"]))
    return {"repositories": repositories, "packages": [], "apt_sources": [],
            "baseurls": [r["url"] for r in repositories]}


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec=dict(artifacts=dict(type="list", elements="dict", default=[]),
                           format=dict(type="str", required=True, choices=["deb", "rpm"]),
                           suite=dict(type="str", default="")),
        supports_check_mode=True)
    try:
        result = resolve(module.params["artifacts"], module.params["format"],
                         module.params["suite"])
    except ArtifactError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


def main():
    run_module()


if __name__ == "__main__":
    main()
