"""distgit_checkout: clone, update and read a distgit with real git repositories."""

from __future__ import annotations

import os
from pathlib import Path

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


@pytest.mark.parametrize("where", ["url", "branch"])
def test_option_like_url_or_branch_never_reaches_git(make_repo, tmp_path, where):
    origin = make_repo("origin")
    origin.commit("Packaging")
    marker = tmp_path / "upload-pack-ran"
    injected = "--upload-pack=touch %s" % marker
    # with the URL taken as an option, git reads the next argument (a path here) as the
    # repository and runs the upload-pack command on it
    url, branch = (injected, str(origin)) if where == "url" else (str(origin), injected)
    with pytest.raises(dc.CheckoutError) as info:
        dc.checkout(str(tmp_path / "d"), url, branch)
    assert not marker.exists(), "git ran the %s as --upload-pack" % where
    name = "packaging_distgit_url" if where == "url" else "packaging_distgit_branch"
    assert str(info.value).startswith("fetch-distgit: %s " % name), str(info.value)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("url, shown", [
    ("https://user:s3cr3tT0ken@git.example.org/rpms/x.git",
     "https://***@git.example.org/rpms/x.git"),
    ("https://x-access-token@git.example.org:8443/x", "https://***@git.example.org:8443/x"),
    ("https://user:p@ss@host/x.git", "https://***@host/x.git"),
    ("ssh://git@host/x.git", "ssh://***@host/x.git"),
    ("https://host/x.git", "https://host/x.git"),
    ("https://host/people/@someone/x.git", "https://host/people/@someone/x.git"),
    ("git@host:x.git", "git@host:x.git"),
    ("/srv/git/x.git", "/srv/git/x.git"),
    ("", ""),
    ("fatal: unable to access 'https://u:tok@h/x/': refused; see HTTPS://a:b@c",
     "fatal: unable to access 'https://***@h/x/': refused; see HTTPS://***@c"),
])
def test_redact_url(url, shown):
    assert dc.redact_url(url) == shown


def test_summary_redacts_the_url():
    url = "https://user:s3cr3tT0ken@git.example.org/rpms/x.git"
    assert dc.summary("/w/distgit/x", "abc123", url, "main") == (
        "distgit /w/distgit/x at abc123 (cloned from https://***@git.example.org/rpms/x.git "
        "branch main)")
    assert dc.summary("/src/x", "abc123", "", "main") == (
        "distgit /src/x at abc123 (prepared by Zuul)")


def test_credentials_stay_out_of_messages_and_the_checkout(make_repo, tmp_path):
    origin = make_repo("origin")
    first = origin.commit("Packaging")
    dest = tmp_path / "d"
    # file:// ignores the userinfo, so the clone succeeds with credentials in the URL
    url = "file://user:s3cr3tT0ken@%s" % origin.path
    assert dc.checkout(str(dest), url, "main") == ("", first)
    second = origin.commit("Next")
    assert dc.checkout(str(dest), url, "main") == (first, second)
    for top, _dirs, files in os.walk(dest / ".git"):
        for name in files:
            path = Path(top, name)
            assert b"s3cr3tT0ken" not in path.read_bytes(), path
    with pytest.raises(dc.CheckoutError) as info:
        dc.checkout(str(dest), "https://user:s3cr3tT0ken@127.0.0.1:9/x.git", "main")
    assert "s3cr3tT0ken" not in str(info.value)
    assert str(info.value).startswith(
        "fetch-distgit: cannot read distgit repository https://***@127.0.0.1:9/x.git: ")


def test_explicit_branch_must_be_the_one_zuul_checked_out(make_repo):
    """Zuul picks a prepared distgit's branch: only an empty or equal branch passes."""
    assert dc.branch_conflict("", "main", "example.org/greeter-deb") is None
    assert dc.branch_conflict("main", "main", "example.org/greeter-deb") is None
    message = dc.branch_conflict("stable", "main", "example.org/greeter-deb")
    assert message == (
        'fetch-distgit: packaging_distgit_branch "stable" differs from the branch Zuul checked '
        "out for example.org/greeter-deb (main); Zuul prepared the distgit, so pick its branch "
        "with override-checkout on the job (or its required-projects entry) instead")
    assert "\n" not in message
    assert "(a detached commit)" in dc.branch_conflict("stable", "", "")
    prepared = make_repo("prepared")
    prepared.commit("Packaging")
    assert dc.current_branch(str(prepared)) == "main"
