"""module_utils source_archive, the parts gbp components need: a main archive that leaves
directories out (with and without submodules) and the archive of one directory of the tree,
re-rooted, with the submodules under it."""

from __future__ import annotations

import tarfile

import pytest
from ansible.module_utils.zuul_packaging.source_archive import (
    ArchiveError,
    write_archive,
    write_subtree_archive,
)


@pytest.fixture
def tree(make_repo, monkeypatch):
    """An upstream with a component directory that holds a submodule."""
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")  # the submodule is a local path
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "protocol.file.allow")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "always")
    lib = make_repo("lib")
    lib.commit("lib", files={"lib.c": "int lib;\n"})
    upstream = make_repo("upstream")
    upstream.commit("code", files={"main.c": "int main;\n", "types/index.d.ts": "x\n",
                                   "types-extra/a.ts": "y\n"})
    upstream.git("submodule", "add", "-q", str(lib.path), "types/vendor")
    upstream.commit("vendor", files={"README": "r\n"})
    return upstream


def names(path):
    with tarfile.open(path) as tar:
        return sorted(m.name for m in tar.getmembers() if not m.isdir())


def test_exclude_leaves_the_directory_out(tree, tmp_path):
    out = tmp_path / "main.tar.gz"
    subs = write_archive(str(tree.path), tree.head(), str(out), "tar.gz", "p-1/",
                         exclude=["types"])
    assert subs == ["types/vendor"]
    # types-extra shares the prefix of types but is not under it
    assert names(out) == ["p-1/.gitmodules", "p-1/README", "p-1/main.c",
                          "p-1/types-extra/a.ts"]


def test_exclude_without_submodules(make_repo, tmp_path):
    repo = make_repo("plain")
    repo.commit("code", files={"a.c": "x\n", "docs/d.txt": "d\n"})
    out = tmp_path / "main.tar.xz"
    assert write_archive(str(repo.path), repo.head(), str(out), "tar.xz", "p-1/",
                         exclude=["docs"]) == []
    assert names(out) == ["p-1/a.c"]


def test_subtree_archive_is_rerooted_with_its_submodules(tree, tmp_path):
    out = tmp_path / "types.tar.gz"
    write_subtree_archive(str(tree.path), tree.head(), "types", str(out), "tar.gz", "types/")
    assert names(out) == ["types/index.d.ts", "types/vendor/lib.c"]
    again = tmp_path / "again.tar.gz"
    write_subtree_archive(str(tree.path), tree.head(), "types", str(again), "tar.gz", "types/")
    assert out.read_bytes() == again.read_bytes()


@pytest.mark.parametrize("subdir", ["docs", "main.c", "../x"])
def test_subtree_that_is_not_a_directory(tree, tmp_path, subdir):
    with pytest.raises(ArchiveError, match="the upstream tree of %s has no directory" %
                       tree.head()[:12]):
        write_subtree_archive(str(tree.path), tree.head(), subdir, str(tmp_path / "o.tar.gz"))


def test_zip_cannot_leave_paths_out(make_repo, tmp_path):
    repo = make_repo("plain")
    repo.commit("code", files={"a.c": "x\n"})
    with pytest.raises(ArchiveError, match="a zip source archive cannot leave paths out"):
        write_archive(str(repo.path), repo.head(), str(tmp_path / "o.zip"), "zip",
                      exclude=["a.c"])
