#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Write a job's reports and logs, and copy files beside them, in one module run."""

from __future__ import annotations

import filecmp
import os
import shutil

DOCUMENTATION = r"""
---
module: output_files
short_description: Write reports and logs and copy files into an output directory, in one step
description:
  - Writes each text file of I(files) and copies each file of I(copy) into I(copy_dir),
    making the directories they need; a file whose content is already the same is left
    alone (and does not count as a change).
  - With I(require), first checks that those paths exist and fails with I(require_msg)
    when one does not, before writing anything.
  - One module run where a directory, a copy and a template task were one each (every
    module run costs a Python start on the node).
options:
  files:
    description: Text files to write, each a dict with C(path), C(content) and optional
      C(mode) (default C(0644)).
    type: list
    elements: dict
    default: []
  copy:
    description: Files to copy into I(copy_dir) (file mode C(0644)).
    type: list
    elements: path
    default: []
  copy_dir:
    description: Directory for I(copy).
    type: path
    default: ''
  require:
    description: Paths that must exist.
    type: list
    elements: path
    default: []
  require_msg:
    description: Message when a path of I(require) does not exist (C({path}) names it).
    type: str
    default: 'missing: {path}'
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Write the report and copy the packages
  output_files:
    files:
      - path: "{{ zuul_output_dir }}/artifacts/report.json"
        content: "{{ report | to_nice_json }}\n"
    copy: "{{ packages }}"
    copy_dir: "{{ zuul_output_dir }}/artifacts"
"""

RETURN = r"""
written:
  description: Paths that were written or copied because they were missing or different.
  type: list
  elements: str
  returned: success
"""


class OutputError(Exception):
    """A missing input or a path that cannot be written, with a message naming it."""


def write_text(path, content, mode):
    """Write content to path unless it holds it already; return whether it wrote."""
    try:
        with open(path, encoding="utf-8") as handle:
            if handle.read() == content:
                os.chmod(path, mode)
                return False
    except (OSError, UnicodeDecodeError):
        pass
    os.makedirs(os.path.dirname(path) or ".", mode=0o755, exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.chmod(temporary, mode)
    os.replace(temporary, path)
    return True


def copy_file(src, dest_dir):
    """Copy src into dest_dir unless an identical file is there; return whether it copied."""
    dest = os.path.join(dest_dir, os.path.basename(src))
    if os.path.isfile(dest) and filecmp.cmp(src, dest, shallow=False):
        return False
    os.makedirs(dest_dir, mode=0o755, exist_ok=True)
    shutil.copyfile(src, dest + ".tmp")
    os.chmod(dest + ".tmp", 0o644)
    os.replace(dest + ".tmp", dest)
    return True


def apply(params):
    """Check the required paths, then write and copy; return the paths that changed."""
    for path in params["require"]:
        if not os.path.exists(path):
            raise OutputError(params["require_msg"].replace("{path}", path))
    written = []
    for item in params["files"]:
        if not item.get("path"):
            raise OutputError("output_files: a file has no path")
        mode = int(str(item.get("mode", "0644")), 8)
        if write_text(item["path"], str(item.get("content", "")), mode):
            written.append(item["path"])
    if params["copy"] and not params["copy_dir"]:
        raise OutputError("output_files: copy needs copy_dir")
    for src in params["copy"]:
        if not os.path.isfile(src):
            raise OutputError("output_files: %s is not a file" % src)
        if copy_file(src, params["copy_dir"]):
            written.append(os.path.join(params["copy_dir"], os.path.basename(src)))
    return written


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec={
            "files": {"type": "list", "elements": "dict", "default": []},
            "copy": {"type": "list", "elements": "path", "default": []},
            "copy_dir": {"type": "path", "default": ""},
            "require": {"type": "list", "elements": "path", "default": []},
            "require_msg": {"type": "str", "default": "missing: {path}"},
        },
    )
    try:
        written = apply(module.params)
    except OutputError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg="output_files: %s: %s" % (exc.filename or "", exc.strerror or exc))
    module.exit_json(changed=bool(written), written=written)


def main():
    run_module()


if __name__ == "__main__":
    main()
