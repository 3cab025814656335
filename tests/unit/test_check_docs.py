"""tools/check_docs.py: passes on the collection, and fails, naming the fault, on copies of it
broken one way at a time."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import check_docs  # noqa: E402


def edit(path, old, new):
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def remove_file(relative):
    return lambda root: (root / relative).unlink()


def append(relative, text):
    return lambda root: (root / relative).write_text((root / relative).read_text() + text)


def unprefixed_variable(root):
    role = root / "roles" / "publish-packaging-repo"
    append("roles/publish-packaging-repo/defaults/main.yaml", "keep_builds: 3\n")(root)
    edit(role / "meta/argument_specs.yaml", "      publish_packaging_repo_keep:\n",
         "      keep_builds:\n        description: x\n        type: int\n        default: 3\n"
         "      publish_packaging_repo_keep:\n")
    edit(role / "README.rst", ".. zuul:rolevar:: publish_packaging_repo_keep\n",
         ".. zuul:rolevar:: keep_builds\n\n   x\n\n.. zuul:rolevar:: publish_packaging_repo_keep\n")


BREAKAGES = [
    ("role-without-readme", remove_file("roles/run-lintian/README.rst"),
     "roles/run-lintian: no README.rst"),
    ("role-without-argument-specs", remove_file("roles/fetch-distgit/meta/argument_specs.yaml"),
     "roles/fetch-distgit: no meta/argument_specs.yaml"),
    ("variable-only-in-defaults",
     append("roles/run-lintian/defaults/main.yaml", "run_lintian_extra: 1\n"),
     "roles/run-lintian: run_lintian_extra is in defaults but not in argument_specs"),
    ("defaults-disagree",
     lambda root: edit(root / "roles/publish-packaging-repo/defaults/main.yaml",
                       "publish_packaging_repo_keep: 10", "publish_packaging_repo_keep: 5"),
     "roles/publish-packaging-repo: publish_packaging_repo_keep defaults to 10 in argument_specs "
     "but 5 in defaults"),
    ("readme-lacks-a-variable",
     lambda root: edit(root / "roles/publish-packaging-repo/README.rst",
                       ".. zuul:rolevar:: publish_packaging_repo_keep\n", ".. note::\n"),
     "roles/publish-packaging-repo: publish_packaging_repo_keep is in argument_specs but not in "
     "README.rst"),
    ("unprefixed-role-variable", unprefixed_variable,
     "roles/publish-packaging-repo: variable keep_builds is not prefixed with "
     "publish_packaging_repo_"),
    ("job-without-description",
     lambda root: edit(root / "zuul.d/jobs.yaml",
                       "    description: packaging-build-deb for Debian 13 (trixie).\n", ""),
     "zuul.d/jobs.yaml: job packaging-build-deb-trixie has no description"),
    ("job-variable-undocumented",
     lambda root: edit(root / "zuul.d/jobs.yaml", "      packaging_deb_distribution: trixie\n",
                       "      packaging_deb_distribution: trixie\n"
                       "      packaging_deb_flavour: x\n"),
     "zuul.d/jobs.yaml: job packaging-build-deb-trixie sets packaging_deb_flavour, which no "
     "zuul:jobvar documents"),
    ("job-variable-unprefixed",
     lambda root: edit(root / "zuul.d/jobs.yaml", "      packaging_deb_distribution: trixie\n",
                       "      packaging_deb_distribution: trixie\n      release: 13\n"),
     "zuul.d/jobs.yaml: job packaging-build-deb-trixie sets release, which is neither "
     "packaging_* nor a role variable"),
]


def copy_of_collection(tmp_path):
    for name in ("roles", "zuul.d"):
        shutil.copytree(ROOT / name, tmp_path / name, symlinks=True)
    return tmp_path


def test_the_collection_passes():
    assert check_docs.check(ROOT) == []
    assert subprocess.run([sys.executable, str(ROOT / "tools/check_docs.py")],
                          check=False).returncode == 0


@pytest.mark.parametrize("breakage", BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_a_broken_copy_fails_naming_the_fault(tmp_path, breakage):
    _, breaking, expected = breakage
    root = copy_of_collection(tmp_path)
    assert check_docs.check(root) == []  # the copy passes before it is broken
    breaking(root)
    errors = check_docs.check(root)
    assert expected in errors, errors
    proc = subprocess.run([sys.executable, str(ROOT / "tools/check_docs.py"), str(root)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert expected in proc.stdout.splitlines()
