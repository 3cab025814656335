# SPDX-License-Identifier: Apache-2.0
"""Filter redact_url: a URL with its userinfo (user, password, token) replaced by ***."""

from __future__ import annotations

import importlib.util
import os

DOCUMENTATION = r"""
---
name: redact_url
short_description: A URL with its credentials replaced by ***
description:
  - Returns the URL with the userinfo part (C(user:token@)) of its authority replaced by
    C(***@); a URL without userinfo, a path or any other string comes back unchanged.
  - The roles show repository URLs through it in every message, report and artifact; the
    URL itself (with its credentials) still goes to apt and dnf.
options:
  _input:
    description: The URL.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Say where the repository is
  ansible.builtin.debug:
    msg: "repository {{ packaging_repo_url | redact_url }}"
"""

RETURN = r"""
_value:
  description: The URL without its credentials.
  type: str
"""


def _git_helpers():
    """The module_utils file that redacts URLs for the modules, loaded from this role (a
    controller plugin cannot import a role's module_utils by name)."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))),
                        "module_utils", "zuul_packaging", "git.py")
    spec = importlib.util.spec_from_file_location("_zuul_packaging_git", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_GIT = _git_helpers()


def redact_url(url):
    """url with its userinfo replaced by *** (pure); the same code as the modules use.

    >>> redact_url("https://user:token@repos.example.org/deb")
    'https://***@repos.example.org/deb'
    """
    return _GIT.redact_url("" if url is None else str(url))


class FilterModule:
    def filters(self):
        return {"redact_url": redact_url}
