"""packaging_version: tag parsing, and snapshot versions checked with dpkg's and rpm's own
comparators on real git repositories."""

from __future__ import annotations

import itertools
import re
import subprocess

import packaging_version as pv
import pytest
import rpm

EPOCH = 1793700000  # conftest's repositories start their clock here


def deb_lt(a, b):
    """a < b for dpkg itself."""
    proc = subprocess.run(["dpkg", "--compare-versions", a, "lt", b], check=False)
    assert proc.returncode in (0, 1), "dpkg --compare-versions %s lt %s failed" % (a, b)
    return proc.returncode == 0


def rpm_lt(a, b):
    """(version, release) a < b for rpm itself (rpm.labelCompare, no epoch)."""
    return rpm.labelCompare(("0", *a), ("0", *b)) < 0


def versions(result):
    return result["deb_version"], (result["rpm_version"], result["rpm_release"])


def assert_increasing(results):
    for older, newer in zip(results, results[1:]):
        (deb_old, rpm_old), (deb_new, rpm_new) = versions(older), versions(newer)
        assert deb_lt(deb_old, deb_new), "deb %s is not below %s" % (deb_old, deb_new)
        assert rpm_lt(rpm_old, rpm_new), "rpm %s is not below %s" % (rpm_old, rpm_new)


def test_comparator_helpers_are_real():
    assert deb_lt("1.0~rc1-1", "1.0-1") and not deb_lt("1.0-1", "1.0~rc1-1")
    assert not deb_lt("1.0-1", "1.0-1")
    assert rpm_lt(("1.0~rc1", "1"), ("1.0", "1")) and rpm_lt(("1.0", "1"), ("1.0^git1", "1"))
    assert not rpm_lt(("1.0", "1"), ("1.0", "1"))


@pytest.mark.parametrize(("tag", "version"), [
    ("v1.2.0", "1.2.0"),
    ("V3", "3"),
    ("1.2.0", "1.2.0"),
    ("v1.2.0-rc.1", "1.2.0~rc.1"),
    ("2.0.0rc1", "2.0.0~rc1"),
    ("1.0_beta2", "1.0~beta2"),
    ("1.0-alpha", "1.0~alpha"),
    ("4.1.dev3", "4.1~dev3"),
    ("1_2_3", "1.2.3"),
])
def test_tag_to_version(tag, version):
    assert pv.tag_to_version(tag) == version


@pytest.mark.parametrize("tag", ["release-1.0", "latest", "v", "vx1", ""])
def test_tag_not_starting_with_a_digit(tag):
    with pytest.raises(pv.VersionError) as info:
        pv.tag_to_version(tag)
    assert str(info.value).startswith("tag %r does not start with a digit" % tag)


def test_tag_with_characters_versions_cannot_hold():
    with pytest.raises(pv.VersionError, match=re.escape("'1.0:2'")):
        pv.tag_to_version("1.0:2")


def test_format_dates_exact():
    assert pv.format_dates(EPOCH) == {
        "changelog_date_rfc2822": "Tue, 03 Nov 2026 10:00:00 +0000",
        "changelog_date_rpm": "Tue Nov 03 2026",
    }
    assert pv.format_dates(0) == {
        "changelog_date_rfc2822": "Thu, 01 Jan 1970 00:00:00 +0000",
        "changelog_date_rpm": "Thu Jan 01 1970",
    }


def test_snapshot_versions_pure():
    assert pv.snapshot_versions("1.2.0", 5, "0a1b2c3d4e5f", 7, "89abcdef0123") == {
        "deb_upstream_version": "1.2.0+git5.0a1b2c3d",
        "deb_revision": "7.g89abcdef",
        "deb_version": "1.2.0+git5.0a1b2c3d-7.g89abcdef",
        "rpm_version": "1.2.0^git5.0a1b2c3d",
        "rpm_release": "7.g89abcdef",
    }
    at_tag = pv.snapshot_versions("1.2.0", 0, "0a1b2c3d4e5f", 1, "89abcdef0123")
    assert at_tag["deb_version"] == "1.2.0-1.g89abcdef"
    assert at_tag["rpm_version"] == "1.2.0"


def test_head_at_tag_is_the_tag_version(upstream_and_distgit):
    upstream, distgit = upstream_and_distgit
    result = pv.compute(str(upstream), str(distgit))
    assert result["upstream_tag"] == "v1.2.0"
    assert result["base_version"] == "1.2.0"
    assert result["commits_since_tag"] == 0
    assert result["deb_upstream_version"] == "1.2.0"
    assert result["rpm_version"] == "1.2.0"
    assert result["deb_version"] == "1.2.0-1.g%s" % distgit.head()[:8]
    assert result["rpm_release"] == "1.g%s" % distgit.head()[:8]
    assert result["upstream_sha"] == upstream.head()
    assert result["distgit_sha"] == distgit.head()
    assert result["distgit_commits"] == 1
    assert result["distgit_author_name"] == "Test Packager"
    assert result["distgit_author_email"] == "packager@example.org"


def test_consecutive_upstream_commits_increase_across_a_merge(upstream_and_distgit):
    upstream, distgit = upstream_and_distgit
    results = [pv.compute(str(upstream), str(distgit))]
    upstream.commit("c2")
    results.append(pv.compute(str(upstream), str(distgit)))
    upstream.commit("c3")
    results.append(pv.compute(str(upstream), str(distgit)))
    upstream.git("branch", "feature")
    upstream.commit("c4")
    results.append(pv.compute(str(upstream), str(distgit)))
    upstream.checkout("feature")
    upstream.commit("f1", files={"feature.txt": "1\n"})
    upstream.commit("f2", files={"feature.txt": "2\n"})
    upstream.checkout("main")
    upstream.merge("feature")
    results.append(pv.compute(str(upstream), str(distgit)))
    upstream.commit("c5")
    results.append(pv.compute(str(upstream), str(distgit)))
    upstream.commit("c6")
    results.append(pv.compute(str(upstream), str(distgit)))

    assert [r["commits_since_tag"] for r in results] == [0, 1, 2, 3, 6, 7, 8]
    assert len({r["upstream_sha"] for r in results}) == len(results)
    assert_increasing(results)
    # the order holds between every pair, not only neighbours
    debs = [r["deb_version"] for r in results]
    for older, newer in itertools.combinations(debs, 2):
        assert deb_lt(older, newer)
    assert results[-1]["deb_upstream_version"] == "1.2.0+git8.%s" % upstream.head()[:8]
    assert results[-1]["rpm_version"] == "1.2.0^git8.%s" % upstream.head()[:8]


def test_packaging_only_change_increases_both(upstream_and_distgit):
    upstream, distgit = upstream_and_distgit
    upstream.commit("after the tag")
    before = pv.compute(str(upstream), str(distgit))
    distgit.commit("Fix packaging", files={"debian/rules": "#!/usr/bin/make -f\n"})
    after = pv.compute(str(upstream), str(distgit))
    assert after["upstream_sha"] == before["upstream_sha"]
    assert after["deb_upstream_version"] == before["deb_upstream_version"]
    assert after["rpm_version"] == before["rpm_version"]
    assert (before["distgit_commits"], after["distgit_commits"]) == (1, 2)
    assert_increasing([before, after])


@pytest.mark.parametrize(("tag", "base", "next_version"), [
    ("v1.2.0", "1.2.0", "1.2.1"),
    ("2.3", "2.3", "2.4"),
    ("v0.9", "0.9", "0.10"),
])
def test_snapshot_sorts_between_release_and_next(make_repo, tag, base, next_version):
    upstream = make_repo("upstream")
    upstream.commit("release")
    upstream.tag(tag)
    upstream.commit("after the release")
    distgit = make_repo("distgit")
    for number in range(3):
        distgit.commit("packaging %d" % number)
    result = pv.compute(str(upstream), str(distgit))
    assert result["base_version"] == base
    assert result["commits_since_tag"] == 1
    deb, (version, release) = versions(result)

    for distro_release in ("%s-1" % base, "%s-99" % base, "%s-99+deb12u1" % base):
        assert deb_lt(distro_release, deb), "%s is not above %s" % (deb, distro_release)
    for upcoming in ("%s-1" % next_version, "%s~rc1-1" % next_version, "%s-0" % next_version):
        assert deb_lt(deb, upcoming), "%s is not below %s" % (deb, upcoming)

    for snapshot in ((version, release), (version, release + ".el9")):
        for distro_release in ((base, "1"), (base, "99.el9"), (base, "99.el9_4.1")):
            assert rpm_lt(distro_release, snapshot), (distro_release, snapshot)
        for upcoming in ((next_version, "1"), (next_version + "~rc1", "1"),
                         (next_version, "0.1.el9")):
            assert rpm_lt(snapshot, upcoming), (snapshot, upcoming)


@pytest.mark.parametrize(("tag", "pre", "later_pre"), [
    ("2.0.0rc1", "2.0.0~rc1", "2.0.0~rc2"),
    ("v2.0.0-rc.1", "2.0.0~rc.1", "2.0.0~rc.2"),
])
def test_snapshot_after_pre_release(make_repo, tag, pre, later_pre):
    upstream = make_repo("upstream")
    upstream.commit("release candidate")
    upstream.tag(tag)
    upstream.commit("fix after the rc")
    distgit = make_repo("distgit")
    distgit.commit("packaging")
    result = pv.compute(str(upstream), str(distgit))
    assert result["base_version"] == pre
    deb, snapshot = versions(result)
    assert deb.startswith(pre + "+git1.")
    assert deb_lt(pre + "-1", deb) and deb_lt(pre + "-99", deb)
    assert deb_lt(deb, "2.0.0-1") and deb_lt(deb, "2.0.0-0") and deb_lt(deb, later_pre + "-1")
    assert rpm_lt((pre, "1"), snapshot) and rpm_lt((pre, "99.el9"), snapshot)
    assert rpm_lt(snapshot, ("2.0.0", "1")) and rpm_lt(snapshot, ("2.0.0", "0.1.el9"))
    assert rpm_lt(snapshot, (later_pre, "1"))


def test_deterministic_and_same_on_fresh_clones(upstream_and_distgit, tmp_path):
    upstream, distgit = upstream_and_distgit
    upstream.commit("one")
    upstream.git("branch", "side")
    upstream.commit("two")
    upstream.checkout("side")
    upstream.commit("side work", files={"side.txt": "x\n"})
    upstream.checkout("main")
    upstream.merge("side")
    distgit.commit("packaging fix", files={"debian/rules": "rules\n"})
    first = pv.compute(str(upstream), str(distgit))
    second = pv.compute(str(upstream), str(distgit))
    assert first == second
    cloned = pv.compute(str(upstream.clone(tmp_path / "clone-up")),
                        str(distgit.clone(tmp_path / "clone-dg")))
    assert cloned == first
    # the date is the newest commit date of the two, never the clock
    assert first["timestamp"] == upstream.clock
    assert first["changelog_date_rfc2822"] == pv.format_dates(upstream.clock)[
        "changelog_date_rfc2822"]


def test_timestamp_is_newest_of_the_two_heads(upstream_and_distgit):
    upstream, distgit = upstream_and_distgit
    distgit.commit("late packaging change", date=EPOCH + 7 * 86400)
    result = pv.compute(str(upstream), str(distgit))
    assert result["timestamp"] == EPOCH + 7 * 86400
    assert result["changelog_date_rfc2822"] == "Tue, 10 Nov 2026 10:00:00 +0000"
    assert result["changelog_date_rpm"] == "Tue Nov 10 2026"


def test_no_tag_without_base_version_names_upstream(make_repo):
    upstream = make_repo("upstream")
    upstream.commit("first")
    distgit = make_repo("distgit")
    distgit.commit("packaging")
    with pytest.raises(pv.VersionError) as info:
        pv.compute(str(upstream), str(distgit))
    message = str(info.value)
    assert str(upstream) in message
    assert "no tag matching '*'" in message
    assert upstream.head()[:8] in message


def test_no_tag_with_base_version(make_repo):
    upstream = make_repo("upstream")
    upstream.commit("first")
    upstream.commit("second")
    distgit = make_repo("distgit")
    distgit.commit("packaging")
    result = pv.compute(str(upstream), str(distgit), base_version="v0.1")
    assert result["upstream_tag"] == ""
    assert result["base_version"] == "0.1"
    assert result["commits_since_tag"] == 2
    assert result["deb_version"].startswith("0.1+git2.%s-1.g" % upstream.head()[:8])
    assert result["rpm_version"] == "0.1^git2.%s" % upstream.head()[:8]
    upstream.commit("third")
    assert_increasing([result, pv.compute(str(upstream), str(distgit), base_version="0.1")])


def test_tag_pattern_filters_tags(make_repo):
    upstream = make_repo("upstream")
    upstream.commit("first")
    upstream.tag("v1.0.0")
    upstream.commit("second")
    upstream.tag("nightly")
    distgit = make_repo("distgit")
    distgit.commit("packaging")
    result = pv.compute(str(upstream), str(distgit), tag_pattern="v*")
    assert (result["upstream_tag"], result["commits_since_tag"]) == ("v1.0.0", 1)
    with pytest.raises(pv.VersionError, match=re.escape("no tag matching 'release-*'")):
        pv.compute(str(upstream), str(distgit), tag_pattern="release-*")


@pytest.mark.parametrize("role", ["upstream", "distgit"])
def test_path_that_is_not_a_git_repository(make_repo, tmp_path, role):
    repos = {"upstream": make_repo("upstream"), "distgit": make_repo("distgit")}
    for repo in repos.values():
        repo.commit("first")
        repo.tag("v1.0")
    plain = tmp_path / "plain"
    plain.mkdir()
    inside = repos[role].path / "sub"
    inside.mkdir()
    for bad in (plain, tmp_path / "missing", inside):
        paths = {name: str(repo) for name, repo in repos.items()}
        paths[role] = str(bad)
        with pytest.raises(pv.VersionError) as info:
            pv.compute(paths["upstream"], paths["distgit"])
        assert str(bad) in str(info.value)
        assert str(info.value).startswith(role + " path ")


def test_repository_without_commit(make_repo):
    upstream = make_repo("upstream")
    distgit = make_repo("distgit")
    distgit.commit("packaging")
    with pytest.raises(pv.VersionError) as info:
        pv.compute(str(upstream), str(distgit))
    assert str(info.value) == "upstream repository %s has no commits" % upstream


def test_highest_merged_tag_wins_over_a_nearer_older_tag(make_repo):
    upstream = make_repo("upstream")
    upstream.commit("base")
    upstream.git("branch", "maint")
    upstream.commit("new feature")
    upstream.tag("v1.10.0")
    upstream.checkout("maint")
    upstream.commit("backport")
    upstream.tag("v1.9.5")
    upstream.checkout("main")
    upstream.merge("maint")
    distgit = make_repo("distgit")
    distgit.commit("packaging")
    # git describe would name the nearer v1.9.5; version sort picks v1.10.0 (not v1.9.5,
    # which a plain string sort would rank higher)
    result = pv.compute(str(upstream), str(distgit))
    assert result["upstream_tag"] == "v1.10.0"
    assert result["base_version"] == "1.10.0"
    assert result["commits_since_tag"] == 2  # the backport and the merge
    assert deb_lt("1.10.0-1", result["deb_version"])


def test_release_wins_over_its_release_candidate(make_repo):
    upstream = make_repo("upstream")
    upstream.commit("candidate")
    upstream.tag("v2.0.0-rc1")
    upstream.commit("release")
    upstream.tag("v2.0.0")
    upstream.commit("after")
    distgit = make_repo("distgit")
    distgit.commit("packaging")
    result = pv.compute(str(upstream), str(distgit))
    assert (result["upstream_tag"], result["commits_since_tag"]) == ("v2.0.0", 1)


def test_unmerged_tag_is_ignored(make_repo):
    upstream = make_repo("upstream")
    upstream.commit("base")
    upstream.tag("v1.0.0")
    upstream.git("branch", "next")
    upstream.checkout("next")
    upstream.commit("next only")
    upstream.tag("v2.0.0")
    upstream.checkout("main")
    upstream.commit("main work")
    distgit = make_repo("distgit")
    distgit.commit("packaging")
    assert pv.compute(str(upstream), str(distgit))["upstream_tag"] == "v1.0.0"
