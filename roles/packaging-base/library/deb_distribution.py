#!/usr/bin/python
# SPDX-License-Identifier: Apache-2.0
"""Check a Debian or Ubuntu distribution name against distro-info-data."""

from __future__ import annotations

from ansible.module_utils.zuul_packaging.deb_distribution import (  # noqa: E402
    DistributionError,
    classify,
    known_codenames,
)

DOCUMENTATION = r"""
---
module: deb_distribution
short_description: Tell whether a name is a Debian or Ubuntu distribution, and whose
description:
  - Looks the name up in distro-info-data through the C(distro_info) Python module
    (Debian package python3-distro-info) and returns its vendor.
  - Fails with one line naming the distribution when it is neither a Debian nor an Ubuntu
    codename, nor one of Debian's suite aliases.
requirements:
  - distro_info (Debian package python3-distro-info)
options:
  name:
    description: Codename or suite alias, e.g. C(bookworm), C(sid), C(noble).
    type: str
    required: true
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Check the target distribution
  deb_distribution:
    name: "{{ packaging_deb_distribution }}"
  register: _distribution
"""

RETURN = r"""
vendor:
  description: C(debian) or C(ubuntu).
  type: str
  returned: success
codename:
  description: The codename (an alias such as C(unstable) becomes C(sid)).
  type: str
  returned: success
"""


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=dict(name=dict(type="str", required=True)),
                           supports_check_mode=True)
    try:
        debian, ubuntu = known_codenames()
    except ImportError:
        module.fail_json(msg="python3-distro-info is not installed on this node")
    try:
        result = classify(module.params["name"], debian, ubuntu)
    except DistributionError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


def main():
    run_module()


if __name__ == "__main__":
    main()
