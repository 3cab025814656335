"""buildset_repos: artifacts of earlier jobs turned into build and install sources."""

from __future__ import annotations

import buildset_repos as br
import pytest


def repo_artifact(fmt, url, suite="bookworm", job="lib-build"):
    return {"name": "%s repository" % fmt, "url": url, "job": job, "project": "lib",
            "metadata": {"type": "%s_repository" % fmt, "suite": suite, "packages": []}}


def local_deb_repo(tmp_path, *names):
    pool = tmp_path / "repo" / "pool" / "main" / "l" / "lib"
    pool.mkdir(parents=True)
    for name in names:
        (pool / name).write_bytes(b"")
    (pool / "lib_1.0.orig.tar.gz").write_bytes(b"")
    return tmp_path / "repo"


def test_no_artifacts_outside_zuul():
    assert br.resolve([], "deb", "bookworm") == {
        "repositories": [], "packages": [], "apt_sources": [], "baseurls": []}
    assert br.resolve(None, "rpm")["baseurls"] == []


def test_local_deb_repository_gives_its_debs(tmp_path):
    repo = local_deb_repo(tmp_path, "libfoo1_1.0-1_amd64.deb", "libfoo-dev_1.0-1_amd64.deb")
    result = br.resolve([repo_artifact("deb", "file://%s" % repo)], "deb", "bookworm")
    assert result["packages"] == sorted(str(p) for p in (repo / "pool").rglob("*.deb"))
    assert result["apt_sources"] == []
    assert result["repositories"][0]["path"] == str(repo)


def test_remote_deb_repository_becomes_an_apt_source():
    result = br.resolve([repo_artifact("deb", "http://repos.test/deb/bookworm/current")],
                        "deb", "bookworm")
    assert result["apt_sources"] == [
        "deb [trusted=yes] http://repos.test/deb/bookworm/current bookworm main"]
    assert result["packages"] == []


def test_other_formats_types_and_suites_are_left_out(tmp_path):
    artifacts = [
        repo_artifact("rpm", "http://repos.test/rpm/current"),
        repo_artifact("deb", "http://repos.test/deb/noble/current", suite="noble"),
        {"name": "deb build report", "url": "packaging/artifacts/build-report-deb.json",
         "metadata": {"type": "packaging_build_report"}},
        {"name": "docs", "url": "https://docs.test/"},
    ]
    assert br.resolve(artifacts, "deb", "bookworm")["repositories"] == []
    assert br.resolve(artifacts, "rpm")["baseurls"] == ["http://repos.test/rpm/current"]


def test_deb_artifact_without_suite_is_taken_for_this_suite():
    artifact = repo_artifact("deb", "https://repos.test/deb")
    del artifact["metadata"]["suite"]
    assert br.resolve([artifact], "deb", "trixie")["apt_sources"] == [
        "deb [trusted=yes] https://repos.test/deb trixie main"]


def test_local_rpm_repository_is_a_file_baseurl(tmp_path):
    (tmp_path / "rpmrepo").mkdir()
    url = "file://%s" % (tmp_path / "rpmrepo")
    assert br.resolve([repo_artifact("rpm", url)], "rpm")["baseurls"] == [url]


@pytest.mark.parametrize("url", ["ftp://repos.test/deb", "/srv/repo", "", "file://relative/x",
                                 "file:///srv/../etc"])
def test_unusable_url_fails_naming_the_job_and_artifact(url):
    with pytest.raises(br.ArtifactError) as info:
        br.resolve([repo_artifact("deb", url)], "deb", "bookworm")
    assert str(info.value).startswith("lib-build artifact 'deb repository': ")
    assert repr(url) in str(info.value)


@pytest.mark.parametrize("fmt", ["deb", "rpm"])
def test_local_repository_of_another_node_fails_clearly(tmp_path, fmt):
    missing = tmp_path / "elsewhere"
    with pytest.raises(br.ArtifactError) as info:
        br.resolve([repo_artifact(fmt, "file://%s" % missing)], fmt, "bookworm")
    assert str(info.value).startswith("lib-build artifact '%s repository': %s is not a "
                                       "directory on this node" % (fmt, missing))


def test_messages_redact_credentials_in_urls():
    artifacts = [{"name": "deb repository", "job": "lib-build",
                  "url": "ftp://user:s3cr3tT0ken@repos.test/deb",
                  "metadata": {"type": "deb_repository", "suite": "bookworm"}}]
    with pytest.raises(br.ArtifactError) as info:
        br.select(artifacts, "deb")
    assert str(info.value) == ("lib-build artifact 'deb repository': unsupported repository URL "
                               "'ftp://***@repos.test/deb' (file://, http:// or https:// "
                               "expected)")


def test_a_repository_on_this_node_is_used_from_its_local_url(tmp_path):
    artifact = {"name": "deb repository", "job": "lib-build",
                "url": "https://logs.example.org/42/packaging/repository/deb/",
                "metadata": {"type": "deb_repository", "suite": "bookworm",
                             "local_url": "file://%s" % tmp_path}}
    [repo] = br.select([artifact], "deb", "bookworm")
    assert (repo["url"], repo["path"]) == ("file://%s" % tmp_path, str(tmp_path))


def test_a_repository_of_another_node_is_used_over_the_log_server(tmp_path):
    artifact = {"name": "rpm repository", "job": "lib-build",
                "url": "https://logs.example.org/42/packaging/repository/rpm/",
                "metadata": {"type": "rpm_repository",
                             "local_url": "file://%s/not-on-this-node" % tmp_path}}
    [repo] = br.select([artifact], "rpm")
    assert (repo["url"], repo["path"]) == (
        "https://logs.example.org/42/packaging/repository/rpm/", "")
