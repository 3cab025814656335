# SPDX-License-Identifier: Apache-2.0
"""Filter redact_url: a URL with its userinfo (user, password, token) replaced by ***."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

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


def redact_url(url):
    """url with its userinfo replaced by *** (pure).

    >>> redact_url("https://user:token@repos.example.org/deb")
    'https://***@repos.example.org/deb'
    """
    text = "" if url is None else str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    if not parts.scheme or "@" not in parts.netloc:
        return text
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]))


class FilterModule:
    def filters(self):
        return {"redact_url": redact_url}
