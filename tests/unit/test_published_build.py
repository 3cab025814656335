"""published_build: the build key of a job, looked up in the repository's build-keys.json."""

from __future__ import annotations

import json

import published_build as pb


def params(upstream, repo, **extra):
    base = {"format": "deb", "upstream_path": str(upstream), "distgit_sha": "d" * 40,
            "repo": str(repo), "job_options": {"packaging_deb_distribution": "bookworm"},
            "signed": False, "options": {}, "code": "c1", "buildset_repositories": 0,
            "lookup": True}
    base.update(extra)
    return base


def test_found_in_the_repository(upstream_and_distgit, tmp_path):
    upstream, _ = upstream_and_distgit
    repo = tmp_path / "current"
    repo.mkdir()
    first = pb.lookup(params(upstream, repo))
    assert first["key"] and not first["found"]
    assert first["message"] == "build key %s is not in %s: building" % (first["key"][:16], repo)
    (repo / "build-keys.json").write_text(json.dumps({first["key"]: {"build_id": "b7"}}))
    again = pb.lookup(params(upstream, repo))
    assert again["found"] and again["build_id"] == "b7"
    assert again["message"].endswith("(build b7): nothing new to build or publish")


def test_every_input_changes_the_key(upstream_and_distgit, tmp_path):
    upstream, _ = upstream_and_distgit
    keys = {pb.lookup(params(upstream, tmp_path, **change))["key"] for change in (
        {}, {"signed": True}, {"code": "c2"}, {"distgit_sha": "e" * 40}, {"format": "rpm"},
        {"job_options": {"packaging_deb_distribution": "trixie"}})}
    assert len(keys) == 6
    upstream.commit("next")
    assert pb.lookup(params(upstream, tmp_path))["key"] not in keys


def test_no_key_without_upstream_commit_or_with_buildset_repositories(upstream_and_distgit,
                                                                      tmp_path):
    upstream, _ = upstream_and_distgit
    for result in (pb.lookup(params(tmp_path / "nowhere", tmp_path)),
                   pb.lookup(params(upstream, tmp_path, buildset_repositories=1)),
                   pb.lookup(params(upstream, tmp_path, distgit_sha=""))):
        assert result["key"] == "" and not result["found"]
        assert result["message"].startswith("no build key")


def test_broken_or_remote_key_files(upstream_and_distgit, tmp_path):
    upstream, _ = upstream_and_distgit
    (tmp_path / "build-keys.json").write_text("{not json")
    assert not pb.lookup(params(upstream, tmp_path))["found"]
    key = pb.lookup(params(upstream, tmp_path))["key"]
    seen = []

    def fetch(url):
        seen.append(url)
        return json.dumps({key: {"build_id": "b2"}})

    remote = pb.lookup(params(upstream, "https://repos.test/deb/bookworm/current/"), fetch)
    assert seen == ["https://repos.test/deb/bookworm/current/build-keys.json"]
    assert not remote["found"] or remote["key"] != key  # the repository is part of the key
    assert pb.parse_keys("[1, 2]") == {}


def test_messages_show_the_repository_without_credentials():
    repo = "https://user:s3cr3t@repos.example.org/deb/bookworm/current"
    assert pb.message("k" * 64, True, "b1", repo) == (
        "build key kkkkkkkkkkkkkkkk is already published in "
        "https://***@repos.example.org/deb/bookworm/current (build b1): nothing new to build "
        "or publish")
    assert "s3cr3t" not in pb.message("k" * 64, False, "", repo)
