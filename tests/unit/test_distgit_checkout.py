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


# DEP-14 distgits (Debian's recommended layout, e.g. Salsa repositories with debian/latest
# for unstable and debian/bookworm, debian/trixie for stable releases) and Fedora/CentOS
# distgits (rawhide, f41, c9s): one branch per target, picked by the branch map.
def dep14(make_repo):
    origin = make_repo("origin")
    origin.commit("Packaging for unstable", files={"debian/changelog": "latest\n"})
    origin.git("branch", "-m", "debian/latest")
    commits = {"debian/latest": origin.head()}
    for codename in ("bookworm", "trixie"):
        origin.git("checkout", "-q", "-b", "debian/" + codename, "debian/latest")
        commits["debian/" + codename] = origin.commit(
            "Packaging for " + codename, files={"debian/changelog": codename + "\n"})
    origin.checkout("debian/latest")
    return origin, commits


DEP14_MAP = {"bookworm": "debian/bookworm", "trixie": "debian/trixie", "*": "debian/latest"}


def params(**kw):
    base = {"path": "", "url": "", "branch": "", "prepared_branch": "", "project": "",
            "branch_map": {}, "target": ""}
    return dict(base, **kw)


def test_mapped_branch_by_target_alias_or_star():
    assert dc.mapped_branch(DEP14_MAP, ["bookworm"]) == ("debian/bookworm", "bookworm")
    assert dc.mapped_branch(DEP14_MAP, ["testing", "trixie"]) == ("debian/trixie", "trixie")
    assert dc.mapped_branch(DEP14_MAP, ["sid"]) == ("debian/latest", "*")
    assert dc.mapped_branch({"c9s-x86_64": "c9s"}, ["fedora-41-x86_64"]) == ("", "")
    assert dc.mapped_branch({}, ["bookworm"]) == ("", "")


@pytest.mark.parametrize("bad, message", [
    ({"bookworm": "--upload-pack=touch x"}, 'packaging_distgit_branch_map["bookworm"] '
     '"--upload-pack=touch x" is not a valid branch name'),
    ({"bookworm": "debian/../main"}, "is not a valid branch name"),
    ({"bookworm": ["debian/bookworm"]}, 'packaging_distgit_branch_map["bookworm"] must be a '
     'branch name, not ["debian/bookworm"]'),
])
def test_bad_branch_map_is_one_line(bad, message):
    with pytest.raises(dc.CheckoutError) as info:
        dc.mapped_branch(bad, ["bookworm"])
    assert message in str(info.value) and "\n" not in str(info.value)


def test_alias_resolves_to_its_codename():
    pytest.importorskip("distro_info")
    assert dc.target_names("unstable") == ["unstable", "sid"]
    assert dc.target_names("bookworm") == ["bookworm"]
    assert dc.target_names("centos-stream-9-x86_64") == ["centos-stream-9-x86_64"]
    assert dc.mapped_branch({"sid": "debian/latest", "*": "x"}, dc.target_names("unstable")) == (
        "debian/latest", "sid")


def test_clone_picks_the_mapped_branch(make_repo, tmp_path):
    origin, commits = dep14(make_repo)
    for target, branch in (("bookworm", "debian/bookworm"), ("trixie", "debian/trixie"),
                           ("sid", "debian/latest")):
        got = dc.run(params(path=str(tmp_path / target), url=str(origin),
                            branch_map=DEP14_MAP, target=target))
        assert got["sha"] == commits[branch]
        assert got["branch"] == branch
        assert "branch %s from packaging_distgit_branch_map" % branch in got["summary"]
        assert (tmp_path / target / "debian" / "changelog").read_text().strip() == (
            target if target != "sid" else "latest")
    # an explicit branch wins over the map
    got = dc.run(params(path=str(tmp_path / "x"), url=str(origin), branch="debian/trixie",
                        branch_map=DEP14_MAP, target="bookworm"))
    assert got["sha"] == commits["debian/trixie"] and got["mapped_from"] == ""


def test_prepared_checkout_switches_to_the_mapped_branch(make_repo, tmp_path):
    # Zuul prepares every branch of a project; a change to debian/trixie leaves the
    # checkout there, and the bookworm job of the same buildset builds debian/bookworm
    origin, commits = dep14(make_repo)
    prepared = origin.clone(tmp_path / "src")
    for branch in ("debian/bookworm", "debian/trixie"):
        prepared.git("branch", "-q", "--track", branch, "origin/" + branch)
    prepared.checkout("debian/trixie")
    got = dc.run(params(path=str(prepared.path), branch_map=DEP14_MAP, target="bookworm",
                        project="salsa.debian.org/debian/greeter"))
    assert got["sha"] == commits["debian/bookworm"] == prepared.head()
    assert got["branch"] == "debian/bookworm" and got["mapped_from"] == "bookworm"
    # the target of Zuul's own checkout: nothing to switch
    prepared.checkout("debian/trixie")
    got = dc.run(params(path=str(prepared.path), branch_map=DEP14_MAP, target="trixie"))
    assert got["sha"] == commits["debian/trixie"] and got["changed"] is False


def test_prepared_checkout_without_the_mapped_branch(make_repo, tmp_path):
    origin, _ = dep14(make_repo)
    prepared = make_repo("prepared")
    prepared.commit("only latest")
    with pytest.raises(dc.CheckoutError) as info:
        dc.run(params(path=str(prepared.path), branch_map=DEP14_MAP, target="bookworm",
                      project="greeter-distgit"))
    assert str(info.value) == (
        'fetch-distgit: branch debian/bookworm (packaging_distgit_branch_map["bookworm"]) is '
        "not among the branches Zuul prepared for greeter-distgit")
