# SPDX-License-Identifier: Apache-2.0
"""packaging_library_path lookup: the path of a file of the packaging-base role."""

from __future__ import annotations

import os

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

DOCUMENTATION = r"""
---
name: packaging_library_path
short_description: Path of a file of the packaging-base role, on the controller
description:
  - Returns the absolute path of a file inside the packaging-base role (the role that holds
    this lookup), for tasks of other roles that copy one of its files to a node, such as the
    publisher a repository host runs (C(library/packaging_publish.py)).
  - The path is relative to the role and must stay inside it.
options:
  _terms:
    description: Paths relative to the packaging-base role.
    required: true
"""

EXAMPLES = r"""
- name: Bring the publisher to this node
  ansible.builtin.copy:
    src: "{{ lookup('packaging_library_path', 'library/packaging_publish.py') }}"
    dest: /tmp/packaging_publish.py
    mode: "0644"
"""

RETURN = r"""
_raw:
  description: Absolute paths, one per term.
  type: list
  elements: str
"""

BASE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def library_path(relative, base=BASE):
    """Absolute path of relative inside base; raises when it leaves base or is missing (pure
    but for the existence check)."""
    full = os.path.realpath(os.path.join(base, str(relative)))
    if os.path.isabs(str(relative)) or not full.startswith(base + os.sep):
        raise AnsibleLookupError("packaging_library_path: %s is not inside %s" % (relative, base))
    if not os.path.isfile(full):
        raise AnsibleLookupError("packaging_library_path: no file %s in %s" % (relative, base))
    return full


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return [library_path(term) for term in terms]
