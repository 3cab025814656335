"""published_build reads only the job's own record of a large build-keys.json, and finds what
the whole map says in every other case."""

from __future__ import annotations

import json

import packaging_publish
import published_build as pb


def keys_of(count):
    return {"%064x" % (n * 7919 + 1): {"build_id": "b%05d" % n,
                                        "files": ["Packages/p%05d-1.0-1.noarch.rpm" % n]}
            for n in range(count)}


def test_same_record_as_the_whole_map_in_every_layout():
    keys = keys_of(50)
    for text in (json.dumps(keys, indent=1, sort_keys=True) + "\n",  # as the publisher writes
                 json.dumps(keys, separators=(",", ":")), json.dumps(keys, indent=4)):
        for key in keys:
            assert pb.find_record(text, key) == keys[key]
        assert pb.find_record(text, "f" * 64) is None


def test_a_key_that_is_not_a_member_is_not_found():
    key = "a" * 64
    # as a value, in a file list, inside an escaped string: never a build of its own
    for data in ({"b" * 64: {"build_id": key, "files": []}},
                 {"b" * 64: {"build_id": "b1", "files": [key]}},
                 {"b" * 64: {"build_id": '"%s": {}' % key, "files": []}}):
        assert pb.find_record(json.dumps(data, indent=1), key) is None


def test_a_key_also_quoted_elsewhere_reads_the_whole_map():
    key = "a" * 64
    data = {"b" * 64: {"build_id": key, "files": []}, key: {"build_id": "b2", "files": []}}
    text = json.dumps(data, indent=1, sort_keys=True)
    assert pb.find_record(text, key) == {"build_id": "b2", "files": []}
    assert pb.find_record("{not json", key) is None
    assert pb.find_record('{"%s": [1, ' % key, key) is None  # broken: the whole map is {}


def test_lookup_decodes_only_its_record(upstream_and_distgit, tmp_path, monkeypatch):
    """A job with nothing new to build does not decode the other builds of a repository of
    5000 (parse_keys decodes the whole build-keys.json)."""
    upstream, _ = upstream_and_distgit
    repo = tmp_path / "current"
    repo.mkdir()
    params = {"format": "rpm", "upstream_path": str(upstream), "distgit_sha": "d" * 40,
              "repo": str(repo), "job_options": {}, "signed": False, "options": {},
              "code": "c1", "buildset_repositories": 0, "lookup": True}
    key = pb.lookup(dict(params, lookup=False))["key"]
    keys = keys_of(4999)
    keys[key] = {"build_id": "wanted", "files": ["Packages/greeter-1.0-1.noarch.rpm"]}
    packaging_publish.write_json(str(repo / "build-keys.json"), keys)

    def whole_map(text):
        raise AssertionError("the whole build-keys.json was decoded")

    monkeypatch.setattr(pb, "parse_keys", whole_map)
    found = pb.lookup(params)
    assert found["found"] and found["build_id"] == "wanted"
    assert found["files"] == ["Packages/greeter-1.0-1.noarch.rpm"]
    assert not pb.lookup(dict(params, distgit_sha="e" * 40))["found"]
