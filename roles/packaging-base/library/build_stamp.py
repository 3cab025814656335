#!/usr/bin/python3
"""Build stamps: skip a build whose inputs have not changed since its outputs were made."""

from __future__ import annotations

from ansible.module_utils.zuul_packaging.build_stamp import (  # noqa: E402
    build_key,
    check,
    record,
)

DOCUMENTATION = r"""
---
module: build_stamp
short_description: Decide whether a build can be skipped, and record a finished build
description:
  - A build key is the SHA-256 of the build's inputs (a JSON-able dict such as upstream and
    distgit commits, the buildroot's digest and the build options), of the content of the
    input files, and of every file under the input directories (such as the role's own
    tasks and modules, so a new collection version never reuses an old build).
  - With C(state=check) the module reports C(fresh=true) when the stamp file holds the same
    key and every output file it recorded still exists with the same SHA-256; it then
    returns the recorded facts so the build can be skipped. It never changes anything.
  - With C(state=present) it writes the stamp (key, facts, output file digests); an unchanged
    stamp is not rewritten.
options:
  path:
    description: Stamp file (JSON), normally inside the build's output directory.
    type: path
    required: true
  state:
    description: C(check) to compare, C(present) to record a finished build, C(key) only to
      compute the key (the stamp file is not read).
    type: str
    choices: [check, present, key]
    default: check
  inputs:
    description: Build inputs that are not files (commits, options, buildroot digest).
    type: dict
    default: {}
  input_files:
    description: Files whose content is part of the key.
    type: list
    elements: path
    default: []
  input_dirs:
    description: Directories whose files (names and content, symlinks followed) are part of the key.
    type: list
    elements: path
    default: []
  code:
    description: Digest of the code that makes the build (the role's own files), computed on
      the controller, where the role is (on a Zuul node the role's files are not present).
    type: str
    default: ""
  key:
    description: With C(state=present), the key returned by the check (recomputed when empty).
    type: str
    default: ""
  facts:
    description: With C(state=present), facts to return when a later check finds the build fresh.
    type: dict
    default: {}
  output_files:
    description: With C(state=present), the files the build made (they must still exist for
      a later check to be fresh).
    type: list
    elements: path
    default: []
author: zuul-packaging
"""

EXAMPLES = r"""
- name: Look up the last build of these inputs
  build_stamp:
    path: "{{ out }}/.build-stamp.json"
    inputs: {upstream: "{{ upstream_sha }}", distgit: "{{ distgit_sha }}"}
    code: >-
      {{ query('ansible.builtin.file', *query('ansible.builtin.fileglob',
         role_path ~ '/tasks/*.yaml')) | join | hash('sha256') }}
  register: _stamp

- name: Record the build
  build_stamp:
    path: "{{ out }}/.build-stamp.json"
    state: present
    key: "{{ _stamp.key }}"
    facts: {dsc: "{{ dsc }}"}
    output_files: ["{{ dsc }}"]
"""

RETURN = r"""
key:
  description: The build key (hex SHA-256).
  type: str
  returned: always
fresh:
  description: With state=check, whether the stamp matches and all its output files are intact.
  type: bool
  returned: always
reason:
  description: Why the build is not fresh (no stamp, other inputs, a changed or missing output).
  type: str
  returned: always
facts:
  description: The facts recorded with the stamp (empty unless fresh).
  type: dict
  returned: always
"""


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "state": {"type": "str", "choices": ["check", "present", "key"], "default": "check"},
            "inputs": {"type": "dict", "default": {}},
            "input_files": {"type": "list", "elements": "path", "default": []},
            "input_dirs": {"type": "list", "elements": "path", "default": []},
            "code": {"type": "str", "default": ""},
            "key": {"type": "str", "default": "", "no_log": False},
            "facts": {"type": "dict", "default": {}},
            "output_files": {"type": "list", "elements": "path", "default": []},
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        key = p["key"] or build_key(p["inputs"], p["input_files"], p["input_dirs"], p["code"])
        if p["state"] == "key":
            module.exit_json(changed=False, key=key, fresh=False, reason="key only", facts={})
        if p["state"] == "check":
            fresh, reason, facts = check(p["path"], key)
            module.exit_json(changed=False, key=key, fresh=fresh, reason=reason, facts=facts)
        changed = record(p["path"], key, p["facts"], p["output_files"], module.check_mode)
        module.exit_json(changed=changed, key=key, fresh=True, reason="recorded", facts=p["facts"])
    except OSError as exc:
        module.fail_json(msg="build stamp %s: %s" % (p["path"], exc.strerror or exc))


def main():
    run_module()


if __name__ == "__main__":
    main()
