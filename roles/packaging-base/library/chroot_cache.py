#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Restore a cached chroot tarball from a shared cache, or store one there."""

from __future__ import annotations

import os

from ansible.module_utils.zuul_packaging.chroot_cache import (
    CacheError,
    kind,
    redact,
    restore,
    store,
)

DOCUMENTATION = r"""
---
module: chroot_cache
short_description: Restore a chroot tarball from a shared cache, or store one there
description:
  - "The shared chroot cache of build-deb-binary (build and lintian chroots) and
    run-autopkgtest (testbed): a directory every node mounts (NFS, AFS...) or an http(s) URL
    serving such a directory. An entry is named from the local tarball's name only (the
    local cache key, hashed): C(<id>.sha256) holds the tarball's SHA-256 and C(<id>-<sha256>.tar)
    is the tarball (module_utils chroot_cache)."
  - "C(phase=restore): when I(stale) (the local tarball is missing or too old), copies the
    shared tarball into place while hashing it and uses it only when its digest is the one
    the C(.sha256) file names; a missing, old (I(max_age_days), from the C(.sha256) file's
    mtime), unreadable or mismatching copy is not used and C(make) is returned true, with
    one line saying why. When the local tarball is fresh and the cache is a directory
    without a fresh entry for it, stores it there (the cache is filled from any node that
    has the chroot)."
  - "C(phase=store): after the chroot was made here, stores it in a directory cache (the
    tarball under a temporary name then renamed, the C(.sha256) file last, likewise), so
    concurrent fillers leave one whole tarball and a digest that matches it. An http(s)
    cache is read only: nothing is stored."
  - A setting that is neither an absolute directory (which must exist) nor an http(s) URL
    fails in one line. URLs are read with curl (C(--proto =http,https), C(--) before the
    URL); messages show them without credentials.
requirements:
  - curl on the node for an http(s) cache
options:
  phase:
    description: C(restore) before making the chroot, C(store) after making it (a step,
      not a desired state, hence not called C(state)).
    type: str
    choices: [restore, store]
    required: true
  chroot:
    description: The local chroot tarball (its name is the cache key).
    type: path
    required: true
  shared_cache:
    description: Absolute directory or http(s) URL of the shared cache; empty does nothing.
    type: str
    default: ''
  max_age_days:
    description: A shared copy older than this is not used (nor kept as the fresh entry).
    type: int
    default: 7
  stale:
    description: Whether the local tarball is missing or too old (C(restore)).
    type: bool
    default: true
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Restore the chroot from the shared cache
  chroot_cache:
    phase: restore
    chroot: /home/zuul/.cache/zuul-packaging/chroots/bookworm-amd64-0123456789abcdef.tar
    shared_cache: /mnt/chroot-cache
    stale: true
  register: _restore

# ... mmdebstrap makes the chroot when _restore.make ...

- name: Store the chroot in the shared cache
  when: _restore.make
  chroot_cache:
    phase: store
    chroot: /home/zuul/.cache/zuul-packaging/chroots/bookworm-amd64-0123456789abcdef.tar
    shared_cache: /mnt/chroot-cache
"""

RETURN = r"""
make:
  description: Whether the chroot must still be made here (C(restore)).
  type: bool
  returned: success
restored:
  description: Whether the shared copy was put in place (C(restore)).
  type: bool
  returned: success
stored:
  description: Whether the local tarball was stored in the shared cache.
  type: bool
  returned: success
message:
  description: One line saying what happened (empty when nothing did); credentials redacted.
  type: str
  returned: success
tool_seconds:
  description: Wall time of the copy with its digest check, when a copy was restored.
  type: dict
  returned: success
"""


def run(p):
    """The module's result for its parameters (raises CacheError on a bad setting)."""
    how = kind(p["shared_cache"])
    result = {"changed": False, "make": p["stale"], "restored": False, "stored": False,
              "message": "", "tool_seconds": {}}
    if not how:
        return result
    if how == "dir" and not os.path.isdir(p["shared_cache"]):
        raise CacheError("chroot cache: %s is not a directory (packaging_deb_chroot_shared_cache)"
                         % p["shared_cache"])
    if p["phase"] == "restore" and p["stale"]:
        got = restore(p["chroot"], p["shared_cache"], p["max_age_days"])
        result.update(make=not got["restored"], restored=got["restored"],
                      changed=got["restored"], message=got["message"])
        if got["restored"]:
            result["tool_seconds"] = {"restore": got["seconds"]}
        return result
    if how == "dir" and os.path.isfile(p["chroot"]):
        got = store(p["chroot"], p["shared_cache"], p["max_age_days"],
                    replace=p["phase"] == "store")
        result.update(stored=got["stored"], changed=got["stored"], message=got["message"])
    return result


ARGUMENT_SPEC = {
    "phase": {"type": "str", "choices": ["restore", "store"], "required": True},
    "chroot": {"type": "path", "required": True},
    "shared_cache": {"type": "str", "default": ""},
    "max_age_days": {"type": "int", "default": 7},
    "stale": {"type": "bool", "default": True},
}


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=ARGUMENT_SPEC)
    try:
        module.exit_json(**run(module.params))
    except CacheError as exc:
        module.fail_json(msg=redact(str(exc)))
    except OSError as exc:
        module.fail_json(msg=redact("chroot cache: %s: %s" % (exc.filename or "",
                                                              exc.strerror or exc)))


def main():
    run_module()


if __name__ == "__main__":
    main()
