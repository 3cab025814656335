# SPDX-License-Identifier: Apache-2.0
"""code_digest lookup: the SHA-256 of the code files under directories, read on the controller."""

from __future__ import annotations

import hashlib
import os

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

DOCUMENTATION = r"""
---
name: code_digest
short_description: SHA-256 of the code files under directories (roles, modules)
description:
  - Walks each directory (symlinks followed) and hashes the relative path and the content of
    every file, sorted, leaving out documentation (C(*.rst), C(*.md)), role metadata
    (C(meta/)), molecule scenarios and Python caches; what remains is what decides what a
    role does (tasks, defaults, templates, files, modules).
  - Runs on the controller, where the roles are (they are not copied to a Zuul node). The
    build roles put it into their build stamps and build keys, so a changed collection never
    reuses a build made by an older one.
options:
  _terms:
    description: Directories.
    required: true
"""

EXAMPLES = r"""
- name: Digest of this role
  ansible.builtin.debug:
    msg: "{{ lookup('code_digest', role_path) }}"
"""

RETURN = r"""
_raw:
  description: One hex SHA-256 for all the directories together.
  type: list
  elements: str
"""

SKIPPED_DIRS = frozenset(("molecule", "meta", "__pycache__", ".git"))
SKIPPED_SUFFIXES = (".rst", ".md", ".pyc")


def code_files(top):
    """(relative path, full path) of the code files under top, sorted (pure walk)."""
    found = []
    for root, dirs, files in os.walk(top, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in files:
            if not name.endswith(SKIPPED_SUFFIXES):
                full = os.path.join(root, name)
                found.append((os.path.relpath(full, top), full))
    return sorted(found)


def digest(directories):
    sha = hashlib.sha256()
    for top in directories:
        if not os.path.isdir(top):
            raise AnsibleLookupError("code_digest: %s is not a directory" % top)
        for relative, full in code_files(top):
            sha.update(relative.encode() + b"\0")
            with open(full, "rb") as handle:
                sha.update(handle.read() + b"\0")
    return sha.hexdigest()


# the packaging-base role this lookup belongs to: its modules and module_utils are part of
# every role's code, so every digest covers them
BASE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return [digest([os.path.normpath(str(term)) for term in terms] + [BASE])]
