#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The build key of a job's inputs, looked up in the repository's build-keys.json."""

from __future__ import annotations

import json

from ansible.module_utils.zuul_packaging.build_stamp import build_key
from ansible.module_utils.zuul_packaging.git import head, redact_url

DOCUMENTATION = r"""
---
module: published_build
short_description: Compute a job's build key and look it up in the published repository
description:
  - Reads the upstream commit (C(git rev-parse HEAD)), computes the build key (module_utils
    build_stamp) of the format, upstream and distgit commits, repository name, the job's build
    options, whether the repository is signed, extra options and the collection's code digest)
    and looks it up in the repository's C(build-keys.json), from a directory or over HTTP(S),
    all in one step so that a job with nothing new to build ends within seconds.
  - Returns no key (and never C(found)) when the upstream is not a git checkout with a commit,
    when the distgit commit is unknown, or when the build uses repositories of other jobs of
    the buildset (those are not part of the key).
  - A missing or unreadable C(build-keys.json) (no build yet, HTTP 404) means not found.
options:
  format:
    description: C(deb) or C(rpm).
    type: str
    required: true
    choices: [deb, rpm]
  upstream_path:
    description: Upstream git checkout.
    type: str
    default: ''
  distgit_sha:
    description: Distgit commit.
    type: str
    default: ''
  repo:
    description: The repository's C(current) directory, a path or an C(http(s)://) URL.
    type: str
    required: true
  job_options:
    description: The job's build options that shape the packages.
    type: dict
    default: {}
  signed:
    description: Whether the repository is signed.
    type: bool
    default: false
  options:
    description: Further inputs of the key.
    type: dict
    default: {}
  code:
    description: Digest of the collection's roles and modules, computed on the controller.
    type: str
    default: ''
  buildset_repositories:
    description: Number of repositories of other jobs of the buildset the build uses.
    type: int
    default: 0
  lookup:
    description: Look the key up (false only computes it).
    type: bool
    default: true
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Look the build up
  published_build:
    format: deb
    upstream_path: "{{ zuul.project.src_dir }}"
    distgit_sha: "{{ fetch_distgit_sha }}"
    repo: /srv/repos/deb/bookworm/current
  register: _published
"""

RETURN = r"""
key:
  description: The build key ('' when there is none, see above).
  type: str
  returned: success
found:
  description: Whether the repository already holds a build of this key.
  type: bool
  returned: success
build_id:
  description: The repository build that holds it ('' when not found).
  type: str
  returned: success
upstream_sha:
  description: Commit of the upstream checkout's HEAD ('' when it is not a git checkout).
  type: str
  returned: success
build_dir:
  description: Directory (or URL) of that build, C(<repo>/../builds/<build_id>), an immutable
    complete repository ('' when not found).
  type: str
  returned: success
files:
  description: The package files the build added, relative to its directory ([] when not
    found).
  type: list
  elements: str
  returned: success
message:
  description: One line saying whether the build is needed.
  type: str
  returned: success
"""


def parse_keys(text):
    """The key → record map of a build-keys.json text ({} when it is not one)."""
    try:
        keys = json.loads(text)
    except ValueError:
        return {}
    return keys if isinstance(keys, dict) else {}


SPACE = " \t\n\r"


def find_record(text, key):
    """The record of key in a build-keys.json text (None when it has none).

    A repository of thousands of builds has a build-keys.json of megabytes, and a job with
    nothing new to build reads it for its own key only: when the key occurs once in the text,
    as an object member (after '{' or ',', then ':'), only its value is decoded (json's
    raw_decode), so the lookup does not grow with the repository; anything else (the key
    quoted twice, a text that is not json) decodes the whole text (parse_keys). A key absent
    from the text is absent from the map: the publisher writes keys (hex digits) as they are.
    """
    quoted = json.dumps(key)
    start = text.find(quoted)
    if start < 0:
        return None
    before = start - 1
    while before >= 0 and text[before] in SPACE:
        before -= 1
    after = start + len(quoted)
    while after < len(text) and text[after] in SPACE:
        after += 1
    if (before >= 0 and text[before] in "{," and text.startswith(":", after)
            and text.find(quoted, after) < 0):
        value = after + 1
        while value < len(text) and text[value] in SPACE:
            value += 1
        try:
            return json.JSONDecoder().raw_decode(text, value)[0]
        except ValueError:
            pass
    return parse_keys(text).get(key)


def read_text(repo, fetch_url=None):
    """The build-keys.json text of repo (a directory or an http(s) URL; '' when there is
    none)."""
    location = repo.rstrip("/") + "/build-keys.json"
    if repo.startswith(("http://", "https://")):
        return fetch_url(location) if fetch_url else ""
    try:
        with open(location, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return ""


def message(key, found, build_id, repo):
    if not key:
        return "no build key (buildset repositories or no upstream commit): building"
    if found:
        return ("build key %s is already published in %s (build %s): nothing new to build "
                "or publish" % (key[:16], redact_url(repo), build_id))
    return "build key %s is not in %s: building" % (key[:16], redact_url(repo))


def lookup(params, fetch_url=None):
    """Every return value of the module for its parameters."""
    upstream = head(params["upstream_path"]) if params["upstream_path"] else ""
    key = ""
    if upstream and params["distgit_sha"] and not params["buildset_repositories"]:
        key = build_key({
            "format": params["format"],
            "upstream": upstream,
            "distgit": params["distgit_sha"],
            "name": params["repo"],
            "job_options": params["job_options"],
            "signed": params["signed"],
            "options": params["options"],
        }, code=params["code"])
    record = {}
    if key and params["lookup"]:
        record = find_record(read_text(params["repo"], fetch_url), key)
    found = isinstance(record, dict) and bool(record)
    build_id = str(record.get("build_id", "")) if found else ""
    files = [str(f) for f in record.get("files", [])] if found else []
    build_dir = ("%s/builds/%s" % (params["repo"].rstrip("/").rsplit("/", 1)[0], build_id)
                 if found else "")
    return {"key": key, "found": found, "build_id": build_id, "files": files,
            "upstream_sha": upstream,
            "build_dir": build_dir, "message": message(key, found, build_id, params["repo"])}


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec={
            "format": {"type": "str", "required": True, "choices": ["deb", "rpm"]},
            "upstream_path": {"type": "str", "default": ""},
            "distgit_sha": {"type": "str", "default": ""},
            "repo": {"type": "str", "required": True},
            "job_options": {"type": "dict", "default": {}},
            "signed": {"type": "bool", "default": False},
            "options": {"type": "dict", "default": {}},
            "code": {"type": "str", "default": ""},
            "buildset_repositories": {"type": "int", "default": 0},
            "lookup": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )

    def fetch_url(url):
        # imported here: a repository on the node's disk needs none of it (about 0.1 s)
        from ansible.module_utils.urls import open_url

        try:
            return open_url(url, timeout=30).read().decode("utf-8", "replace")
        except Exception as exc:  # noqa: BLE001  no build yet, or an unreachable host
            if getattr(exc, "code", None) != 404:
                module.warn("cannot read %s (%s): the build counts as not published" % (
                    redact_url(url), redact_url(str(exc))))
            return "{}"

    module.exit_json(changed=False, **lookup(module.params, fetch_url))


def main():
    run_module()


if __name__ == "__main__":
    main()
