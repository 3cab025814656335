#!/usr/bin/python3
"""Read a Debian source package's .dsc: name, version and build dependencies."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dsc_info
short_description: Read the name, version and build dependencies of a .dsc
description:
  - Parses a Debian source control file (.dsc) with python-debian and returns its source
    name, version and build dependencies (Build-Depends, Build-Depends-Arch and
    Build-Depends-Indep, normalized through python-debian's relation parser).
  - Fails with one line when the file does not parse or has no Source or Version field.
options:
  path:
    description: The .dsc file.
    type: path
    required: true
author: zuul-packaging
"""

EXAMPLES = r"""
- name: Read the build dependencies
  dsc_info:
    path: "{{ build_deb_sbuild_dsc }}"
  register: _dsc
"""

RETURN = r"""
source:
  description: Source package name.
  type: str
  returned: success
version:
  description: Source package version.
  type: str
  returned: success
build_depends:
  description: The normalized build dependency relations, one string per field that is set
    (in the order Build-Depends, Build-Depends-Arch, Build-Depends-Indep).
  type: list
  elements: str
  returned: success
"""

FIELDS = ("Build-Depends", "Build-Depends-Arch", "Build-Depends-Indep")


def normalize(relations_text):
    """One canonical string for a build dependency field (spacing and line breaks removed)."""
    from debian.deb822 import PkgRelation

    return PkgRelation.str(PkgRelation.parse_relations(relations_text))


def read_dsc(text):
    from debian.deb822 import Dsc

    dsc = Dsc(text)
    missing = [f for f in ("Source", "Version") if not dsc.get(f)]
    if missing:
        raise ValueError("no %s field" % " or ".join(missing))
    return {
        "source": dsc["Source"],
        "version": dsc["Version"],
        "build_depends": ["%s: %s" % (f, normalize(dsc[f])) for f in FIELDS if dsc.get(f)],
    }


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec={"path": {"type": "path", "required": True}},
                           supports_check_mode=True)
    path = module.params["path"]
    try:
        with open(path, encoding="utf-8") as handle:
            info = read_dsc(handle.read())
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        module.fail_json(msg="%s does not parse: %s" % (path, reason))
    module.exit_json(changed=False, **info)


def main():
    run_module()


if __name__ == "__main__":
    main()
