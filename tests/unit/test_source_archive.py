"""module_utils source_archive: the upstream archive holds its git submodules (git archive
alone leaves their directories empty), byte-identical to git archive without them, and a
submodule that is not checked out fails in one line naming it.

Layout modelled on upstreams that vendor libraries as submodules (a `vendor/<lib>` gitlink,
itself with a nested submodule)."""

from __future__ import annotations

import subprocess
import tarfile

import pytest
from ansible.module_utils.zuul_packaging.source_archive import (
    ArchiveError,
    parse_gitlinks,
    write_archive,
)

FILE_PROTOCOL = ("-c", "protocol.file.allow=always")


def add_submodule(repo, url, path):
    repo.git(*FILE_PROTOCOL, "submodule", "add", "-q", str(url), path)


@pytest.fixture
def upstream_with_submodules(make_repo):
    inner = make_repo("inner")
    inner.commit("inner", files={"inner.c": "int inner;\n"})
    lib = make_repo("lib")
    lib.commit("lib", files={"lib.c": "int lib;\n"})
    add_submodule(lib, inner.path, "third_party/inner")
    lib.commit("add inner")
    upstream = make_repo("upstream")
    upstream.commit("code", files={"main.c": "int main(void) { return 0; }\n"})
    add_submodule(upstream, lib.path, "vendor/lib")
    upstream.git(*FILE_PROTOCOL, "submodule", "update", "--init", "--recursive")
    upstream.commit("vendor lib")
    return upstream


def names(path):
    with tarfile.open(path) as tar:
        return sorted(m.name for m in tar.getmembers() if m.isfile())


def test_parse_gitlinks():
    out = ("100644 blob aaaa\tREADME\x00160000 commit %s\tvendor/a b\0"
           "040000 tree cccc\tsrc\0" % ("b" * 40))
    assert parse_gitlinks(out) == [("vendor/a b", "b" * 40)]


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.xz", "tar.bz2", "tar"])
def test_archive_holds_nested_submodules(upstream_with_submodules, tmp_path, fmt):
    out = tmp_path / ("greeter-1.0." + fmt)
    subs = write_archive(str(upstream_with_submodules.path), upstream_with_submodules.head(),
                         str(out), fmt, "greeter-1.0/")
    assert subs == ["vendor/lib", "vendor/lib/third_party/inner"]
    got = names(out)
    assert "greeter-1.0/main.c" in got
    assert "greeter-1.0/vendor/lib/lib.c" in got
    assert "greeter-1.0/vendor/lib/third_party/inner/inner.c" in got
    again = tmp_path / ("again." + fmt)
    write_archive(str(upstream_with_submodules.path), upstream_with_submodules.head(),
                  str(again), fmt, "greeter-1.0/")
    assert out.read_bytes() == again.read_bytes()  # reproducible


def test_plain_git_archive_without_submodules(make_repo, tmp_path):
    repo = make_repo("plain")
    repo.commit("code", files={"a.c": "x\n"})
    ours, theirs = tmp_path / "ours.tar.gz", tmp_path / "theirs.tar.gz"
    assert write_archive(str(repo.path), repo.head(), str(ours), "tar.gz", "p-1/") == []
    subprocess.run(["git", "-C", str(repo.path), "archive", "--format=tar.gz", "--prefix=p-1/",
                    "--output=" + str(theirs), "HEAD"], check=True)
    assert ours.read_bytes() == theirs.read_bytes()


def test_missing_submodule_fails_naming_it(upstream_with_submodules, tmp_path):
    bare = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(upstream_with_submodules.path), str(bare)],
                   check=True)
    with pytest.raises(ArchiveError) as err:
        write_archive(str(bare), upstream_with_submodules.head(), str(tmp_path / "x.tar.gz"))
    message = str(err.value)
    assert "\n" not in message
    assert "submodule vendor/lib" in message and "not checked out" in message


def test_zip_with_submodules_is_refused(upstream_with_submodules, tmp_path):
    with pytest.raises(ArchiveError, match="cannot hold them"):
        write_archive(str(upstream_with_submodules.path), upstream_with_submodules.head(),
                      str(tmp_path / "x.zip"), "zip")
