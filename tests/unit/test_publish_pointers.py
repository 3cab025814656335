"""packaging_publish pointers: named pointers (tested, current-passed-ci) moved to an existing
promoted build, found by id, build key or upstream commit, several in one atomic step, with
a history, never to a build that failed its checks, and kept by retention. Real rpm
repositories (rpmbuild, createrepo_c)."""

from __future__ import annotations

import json
import os
import subprocess

import packaging_publish as pp
import pytest
from publish_helpers import (
    build_tiny_deb,
    build_tiny_rpms,
    deb_params,
    params,
    primary_names,
    real_run,
    reprepro_list,
)

UPSTREAM_1 = "1" * 40
UPSTREAM_2 = "2" * 40


@pytest.fixture(scope="module")
def rpms(tmp_path_factory):
    return build_tiny_rpms(tmp_path_factory.mktemp("rpmbuild"))


@pytest.fixture
def repo(tmp_path, rpms):
    """b1 (tiny-a, upstream 111…, key k1) and b2 (+tiny-b, upstream 222…, key k2), both
    promoted; b3 (+tiny-c) staged and never promoted (its install check failed)."""
    repo = tmp_path / "repo"
    pp.publish(params(repo, "b1", [rpms["tiny-a"]], build_key="k1", upstream_sha=UPSTREAM_1,
                      version="1.0-1"), real_run)
    pp.publish(params(repo, "b2", [rpms["tiny-b"]], build_key="k2", upstream_sha=UPSTREAM_2,
                      version="2.0-1"), real_run)
    pp.publish(params(repo, "b3", [rpms["tiny-c"]], build_key="k3", promote=False), real_run)
    return repo


def point(repo, names, **kw):
    return pp.publish(dict(repo_dir=str(repo), format="rpm", files=[], pointers=names,
                           lock_timeout=5, **kw), real_run)


def target(repo, name):
    return os.path.basename(os.path.realpath(repo / name))


def test_point_by_build_id_key_and_commit(repo):
    result = point(repo, ["tested"], build_id="b1", promoted_by="alice", buildset="bs-1")
    assert result["changed"] and result["pointers"] == {"tested": "b1"}
    assert target(repo, "tested") == "b1"
    assert primary_names(repo / "tested") == ["tiny-a"]  # the build's own repository
    assert point(repo, ["tested"], build_key="k2")["build_id"] == "b2"
    assert point(repo, ["tested"], upstream_sha=UPSTREAM_1[:12])["build_id"] == "b1"
    assert target(repo, "tested") == "b1"
    assert os.readlink(repo / "current") == "builds/b2"  # current is untouched


def test_several_pointers_move_in_one_rename(repo):
    point(repo, ["tested", "current-passed-ci"], build_id="b2", buildset="bs-2")
    assert {target(repo, "tested"), target(repo, "current-passed-ci")} == {"b2"}
    # every pointer goes through .pointers, one symlink replaced by rename(2)
    assert os.readlink(repo / "tested") == ".pointers/tested"
    generation = os.readlink(repo / ".pointers")
    point(repo, ["tested"], build_id="b1")
    assert os.readlink(repo / ".pointers") != generation
    assert not (repo / generation).exists()  # the old generation is gone
    assert target(repo, "tested") == "b1" and target(repo, "current-passed-ci") == "b2"


def test_history_says_who_when_from_which_build(repo):
    point(repo, ["tested"], build_id="b1", promoted_by="alice", buildset="bs-1")
    point(repo, ["tested", "stable"], build_id="b2", promoted_by="bob", buildset="bs-2")
    again = point(repo, ["tested"], build_id="b2")  # already there: nothing moves
    assert again["changed"] is False and again["moved"] == []
    history = json.loads((repo / pp.HISTORY).read_text())
    assert [(h["pointer"], h["build_id"], h["previous"], h["by"], h["buildset"])
            for h in history] == [("tested", "b1", "", "alice", "bs-1"),
                                  ("tested", "b2", "b1", "bob", "bs-2"),
                                  ("stable", "b2", "", "bob", "bs-2")]
    assert history[1]["upstream_sha"] == UPSTREAM_2 and history[1]["version"] == "2.0-1"
    assert all(h["at"].endswith("Z") for h in history)
    # rollback is pointing at an older build
    point(repo, ["tested"], build_id="b1")
    assert target(repo, "tested") == "b1"


@pytest.mark.parametrize("kw, message", [
    ({"build_id": "b3"}, "build b3 in {repo} was staged but never promoted (it failed its "
                         "checks); a pointer only names a build that passed them"),
    ({"build_id": "b9"}, "build b9 is not published in {repo}; pointers never rebuild, "
                         "publish it first"),
    ({"build_key": "k9"}, "a build with build key k9 is not published in {repo}; pointers "
                          "never rebuild, publish it first"),
    ({"build_key": "k3"}, "a build with build key k3 (build b3) in {repo} was staged but never "
                          "promoted"),
    ({"upstream_sha": "abc"}, 'upstream commit "abc" is not 7 to 64 lowercase hex digits'),
    ({}, "say which build the pointers move to: build_id, build_key or upstream_sha"),
])
def test_a_build_that_did_not_pass_or_does_not_exist_is_refused(repo, kw, message):
    with pytest.raises(pp.PublishError) as info:
        point(repo, ["tested"], **kw)
    assert str(info.value).startswith(message.format(repo=repo))
    assert not os.path.lexists(repo / "tested") and not (repo / pp.HISTORY).exists()


@pytest.mark.parametrize("names", [["current"], ["../x"], [".pointers"], ["a b"], ["t", "t"],
                                   ["builds"], []])
def test_bad_pointer_names_are_refused(repo, names):
    with pytest.raises(pp.PublishError):
        point(repo, names, build_id="b1")
    assert os.readlink(repo / "current") == "builds/b2"


def test_a_directory_in_the_way_is_not_replaced(repo):
    (repo / "tested").mkdir()
    with pytest.raises(pp.PublishError, match="tested exists and is not a pointer; move it away"):
        point(repo, ["tested"], build_id="b1")


def test_retention_keeps_what_a_pointer_names(repo, rpms):
    point(repo, ["tested"], build_id="b1")
    result = pp.publish(params(repo, "b4", [rpms["tiny-c"]], keep=1), real_run)
    assert "b1" not in result["removed"] and "b2" in result["removed"]
    assert sorted(os.listdir(repo / "builds")) == ["b1", "b3", "b4"]
    assert primary_names(repo / "tested") == ["tiny-a"]


def test_pointers_through_the_standalone_publisher(repo):
    # the repository host runs the same code as a script, options as JSON on stdin
    proc = subprocess.run(
        ["python3", pp.__file__, "--stdin"], check=False, capture_output=True, text=True,
        input=json.dumps({"repo_dir": str(repo), "format": "rpm", "pointers": ["tested"],
                          "upstream_sha": UPSTREAM_2[:7], "promoted_by": "zuul"}))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["pointers"] == {"tested": "b2"}
    assert target(repo, "tested") == "b2"


def test_each_pointer_has_consumer_files_at_the_top(repo, tmp_path):
    point(repo, ["tested"], build_id="b1", repo_url="https://user:token@repo.test/rpm/c9s")
    text = (repo / "packaging-repo-tested.repo").read_text()
    assert "baseurl=https://repo.test/rpm/c9s/tested\n" in text and "token" not in text
    # the file works: dnf reads the pointer's repository through it
    point(repo, ["local"], build_id="b2")
    reposdir = tmp_path / "reposdir"
    reposdir.mkdir()
    (reposdir / "p.repo").write_text((repo / "packaging-repo-local.repo").read_text())
    out = subprocess.run(
        ["dnf", "-q", "--installroot", str(tmp_path / "root"), "--releasever=9",
         "--setopt=reposdir=" + str(reposdir), "repoquery", "--qf", "%{name}"],
        check=True, capture_output=True, text=True).stdout.split()
    assert sorted(set(out)) == ["tiny-a", "tiny-b"]


def test_deb_pointers(tmp_path):
    repo = tmp_path / "deb"
    pp.publish(deb_params(repo, "b1", [build_tiny_deb(tmp_path / "a", "tiny", "1.0-1")]),
               real_run)
    pp.publish(deb_params(repo, "b2", [build_tiny_deb(tmp_path / "b", "tiny", "2.0-1")]),
               real_run)
    with pytest.raises(pp.PublishError, match="deb_codename is required"):
        pp.publish(dict(repo_dir=str(repo), format="deb", files=[], pointers=["tested"],
                        build_id="b1", lock_timeout=5), real_run)
    pp.publish(dict(repo_dir=str(repo), format="deb", deb_codename="bookworm", files=[],
                    pointers=["tested"], build_id="b1", lock_timeout=5), real_run)
    assert reprepro_list(repo / "tested") == ["bookworm|main|amd64: tiny 1.0-1"]
    assert reprepro_list(repo / "current") == ["bookworm|main|amd64: tiny 2.0-1"]
    assert ("URIs: file://%s/tested\nSuites: bookworm\n" % repo) in (
        repo / "packaging-deb-tested.sources").read_text()


def test_index_lists_builds_pointers_and_promotions(repo, rpms):
    """index.html, regenerated under the lock by every publish and pointer move: the builds
    newest first with version, commits, date, state and the pointers naming them, then the
    promotions; every value escaped."""
    from html.parser import HTMLParser

    point(repo, ["tested"], build_id="b1", promoted_by="<script>alert(1)</script>")
    pp.publish(params(repo, "b4", [rpms["tiny-c"]], version="<b>4.0</b>",
                      upstream_sha="4" * 40), real_run)
    text = (repo / "index.html").read_text()

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cells, self.cell = [], None, None

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.cells = []
            elif tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cells is not None:
                self.cells.append(self.cell)
                self.cell = None
            elif tag == "tr":
                self.rows.append(self.cells)

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parsed = Rows()
    parsed.feed(text)
    builds = [r for r in parsed.rows if r and r[0] in ("b1", "b2", "b3", "b4")]
    assert [(r[0], r[1], r[2], r[5], r[6]) for r in builds] == [
        ("b4", "<b>4.0</b>", "444444444444", "promoted", "current"),
        ("b3", "", "", "staged (not promoted)", ""),
        ("b2", "2.0-1", "222222222222", "promoted", ""),
        ("b1", "1.0-1", "111111111111", "promoted", "tested")]
    assert "<script>" not in text and "<b>4.0" not in text  # escaped, shown as text
    promotions = [r for r in parsed.rows if r and r[1] == "tested"]
    assert promotions[0][2:5] == ["b1", "", "<script>alert(1)</script>"]


def test_rpm_repository_keeps_n_versions_per_package(tmp_path):
    """An rpm build keeps the keep_versions newest versions of each package, by rpm's own
    order (1.10 above 1.9, 2.0~rc1 below 2.0), not every version ever built; the build that
    served an older version still has it."""
    repo = tmp_path / "repo"
    order = ["1.9", "1.10", "2.0~rc1", "2.0"]
    for number, version in enumerate(order, 1):
        rpm = build_tiny_rpms(tmp_path / ("v%d" % number), (("tiny-a", version),))["tiny-a"]
        pp.publish(params(repo, "b%d" % number, [rpm], keep_versions=2), real_run)

    def versions(build):
        return sorted(p.name for p in (repo / "builds" / build / "Packages").iterdir())

    assert versions("b2") == ["tiny-a-1.10-1.noarch.rpm", "tiny-a-1.9-1.noarch.rpm"]
    assert versions("b3") == ["tiny-a-1.10-1.noarch.rpm", "tiny-a-2.0~rc1-1.noarch.rpm"]
    assert versions("b4") == ["tiny-a-2.0-1.noarch.rpm", "tiny-a-2.0~rc1-1.noarch.rpm"]
    # the metadata agrees with the files
    out = subprocess.run(
        ["dnf", "-q", "--installroot", str(tmp_path / "root"), "--releasever=9",
         "--setopt=reposdir=/dev/null", "--repofrompath=t,file://%s" % (repo / "current"),
         "--repo=t", "repoquery", "--qf", "%{version}"],
        check=True, capture_output=True, text=True).stdout.split()
    assert sorted(out) == ["2.0", "2.0~rc1"]
    # 0 keeps every version
    rpm = build_tiny_rpms(tmp_path / "v5", (("tiny-a", "2.1"),))["tiny-a"]
    pp.publish(params(repo, "b5", [rpm], keep_versions=0), real_run)
    assert len(versions("b5")) == 3
