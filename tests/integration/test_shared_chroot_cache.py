"""A fresh node (an empty chroot cache) restores the build chroot from a shared directory
cache and sbuild builds with it, without running mmdebstrap. The shared cache is filled from
the chroot the rest of the suite already made (~/.cache/zuul-packaging/chroots), so this test
makes no chroot when the suite has run; the refusal of a mismatching copy and the fallback to
making the chroot are unit tests (tests/unit/test_chroot_cache.py)."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from pipeline import ROOT, deb_vars, play

BASE = ROOT / "roles" / "packaging-base"
for _path in (BASE / "library",):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
import ansible.module_utils  # noqa: E402

if str(BASE / "module_utils") not in ansible.module_utils.__path__:
    ansible.module_utils.__path__.append(str(BASE / "module_utils"))

import sbuild_package  # noqa: E402
from ansible.module_utils.zuul_packaging import chroot_cache  # noqa: E402

PLAYBOOK = "../tests/integration/playbooks/deb-build-only.yaml"
SUITE_CACHE = Path.home() / ".cache" / "zuul-packaging"


def suite_chroot(dsc):
    """The build chroot the deb job names for dsc in the suite's cache (the role's defaults)."""
    params = {"dsc": str(dsc), "distribution": "bookworm", "arch": "", "arch_all_arch": "amd64",
              "mirror": "", "chroot_packages": [], "cache_dir": str(SUITE_CACHE / "chroots"),
              "extra_repositories": [], "extra_packages": [], "apt_upgrade": False,
              "bake_build_deps": True, "build_options": [], "parallel": 0,
              "build_profiles": [], "lintian_chroot": False, "chroot_max_age_days": 7}
    return Path(sbuild_package.common(params)[2])


def sha256(path):
    return chroot_cache.file_digest(str(path))


def task_section(output, task):
    """The output lines of one task (default callback) up to the next task."""
    start = output.index("TASK [%s" % task)
    end = output.find("TASK [", start + 1)
    return output[start:end if end > 0 else None]


@pytest.fixture
def big_dirs(tmp_path):
    """The shared cache and the fresh node's cache, removed afterwards (each holds a copy of
    a 500 MB chroot, which pytest's kept temporary directories need not)."""
    yield tmp_path / "shared", tmp_path / "fresh-node-cache"
    shutil.rmtree(tmp_path / "shared", ignore_errors=True)
    shutil.rmtree(tmp_path / "fresh-node-cache", ignore_errors=True)


def test_a_fresh_node_restores_the_chroot_and_builds_without_mmdebstrap(example, tmp_path,
                                                                         big_dirs):
    shared, fresh = big_dirs
    shared.mkdir()
    source = play(PLAYBOOK, deb_vars(example, tmp_path / "source", test_deb_build_binary=False))
    assert source.rc == 0, source.output[-3000:]
    dsc = next((tmp_path / "source" / "work" / "deb" / "source").glob("*.dsc"))
    local = suite_chroot(dsc)
    if local.exists() and time.time() - local.stat().st_mtime < 6 * 86400:
        assert chroot_cache.store(str(local), str(shared))["stored"]
    else:  # the suite made no chroot yet: a job makes it, stores it and builds once
        filler = play(PLAYBOOK, deb_vars(example, tmp_path / "filler",
                                         build_deb_binary_lintian=False,
                                         packaging_deb_chroot_shared_cache=str(shared)))
        assert filler.rc == 0, filler.output[-3000:]
    assert len(list(shared.glob("*.sha256"))) == 1

    result = play(PLAYBOOK, deb_vars(example, tmp_path / "fresh",
                                     packaging_cache_dir=str(fresh),
                                     build_deb_binary_lintian=False,
                                     packaging_deb_chroot_shared_cache=str(shared)),
                  callback="default")
    assert result.rc == 0, result.output[-3000:]
    said = " ".join(result.output.split())  # the callback folds long messages
    assert "chroot cache: restored %s from the shared cache" % local.name in said
    mmdebstrap = task_section(result.output, "build-deb-binary : Run mmdebstrap")
    assert "skipping:" in mmdebstrap and "changed:" not in mmdebstrap, mmdebstrap
    assert "changed:" in task_section(result.output, "build-deb-binary : Run sbuild")
    restored = fresh / "chroots" / local.name
    pointer = next(shared.glob("*.sha256"))
    assert sha256(restored) == chroot_cache.parse_pointer(pointer.read_text())
    assert abs(restored.stat().st_mtime - pointer.stat().st_mtime) < 1
    assert os.listdir(fresh / "chroots") == [local.name]
    debs = list((tmp_path / "fresh" / "work" / "deb" / "binary").glob("greeter_*.deb"))
    assert debs, "sbuild made no package on the restored chroot"
