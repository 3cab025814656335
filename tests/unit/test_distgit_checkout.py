"""distgit_checkout: clone, update and read a distgit with real git repositories."""

from __future__ import annotations

import distgit_checkout as dc
import pytest


def test_clone_then_update(make_repo, tmp_path):
    origin = make_repo("origin")
    first = origin.commit("Packaging")
    dest = tmp_path / "work" / "distgit"
    assert dc.checkout(str(dest), str(origin), "main") == ("", first)
    second = origin.commit("Next release")
    (dest / "local-change").write_text("x\n")
    assert dc.checkout(str(dest), str(origin), "main") == (first, second)
    assert dc.read(str(dest)) == second


def test_other_branch_and_tag(make_repo, tmp_path):
    origin = make_repo("origin")
    tagged = origin.commit("Packaging")
    origin.tag("debian/1.0-1")
    origin.git("checkout", "-q", "-b", "rawhide")
    rawhide = origin.commit("Rawhide")
    assert dc.checkout(str(tmp_path / "a"), str(origin), "rawhide")[1] == rawhide
    assert dc.checkout(str(tmp_path / "a"), str(origin), "debian/1.0-1")[1] == tagged


def test_missing_branch_and_unreadable_repository(make_repo, tmp_path):
    origin = make_repo("origin")
    origin.commit("Packaging")
    with pytest.raises(dc.CheckoutError) as info:
        dc.checkout(str(tmp_path / "d"), str(origin), "nope")
    assert str(info.value) == "fetch-distgit: branch nope not found in distgit repository %s" % (
        origin)
    with pytest.raises(dc.CheckoutError, match="^fetch-distgit: cannot read distgit repository "
                       ".*/missing: fatal: "):
        dc.checkout(str(tmp_path / "d"), str(tmp_path / "missing"), "main")
    assert not (tmp_path / "d").exists()


def test_read_a_directory_without_commits(tmp_path):
    (tmp_path / "plain").mkdir()
    with pytest.raises(dc.CheckoutError, match="^fetch-distgit: .*/plain is not a git checkout "
                       "with a commit \\(fatal: not a git repository"):
        dc.read(str(tmp_path / "plain"))
