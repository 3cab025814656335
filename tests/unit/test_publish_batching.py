"""packaging_publish at scale: concurrent publishers (real processes running the standalone
publisher, as on a repository host) queue while the lock is held and are published together
in one reprepro / createrepo_c run, each with its own build, marker and result; a bad member
fails alone, a dead one is dropped. The build index keeps lookups, index.html and retention
from reading every build. Real reprepro, createrepo_c, dpkg-deb and rpmbuild."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

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

MODULE = pp.__file__


def start(request):
    """The standalone publisher in its own process, its options on stdin."""
    proc = subprocess.Popen(["/usr/bin/python3", MODULE, "--stdin"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdin.write(json.dumps(request))
    proc.stdin.close()
    return proc


def finish(proc):
    out = proc.stdout.read()
    proc.stderr.read()
    return proc.wait(), json.loads(out.strip().splitlines()[-1])


def queued(repo):
    queue = repo / pp.QUEUE
    return sorted(n for n in os.listdir(queue) if not n.startswith(".")) if queue.is_dir() else []


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


class Held:
    """The repository lock, held by the test while publishers queue."""

    def __init__(self, repo):
        self.handle = open(repo / ".lock", "a+")
        fcntl.flock(self.handle, fcntl.LOCK_EX)

    def release(self):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def builds(repo):
    return sorted(n for n in os.listdir(repo / "builds") if not n.startswith("."))


def marker(repo, build_id):
    return json.loads((repo / "builds" / build_id / pp.MARKER).read_text())


def test_concurrent_deb_publishers_land_in_one_batch(tmp_path):
    """Five publishers queue while the lock is held: the good ones land in one batch, each
    with its own build directory, marker and key; the one whose package is not newer than
    the published one fails alone with its own line and nothing of it is published; the
    one whose process died is dropped without blocking the others."""
    repo = tmp_path / "repo"
    pp.publish(deb_params(repo, "b0", [build_tiny_deb(tmp_path / "base", "tiny-base", "1.0")]),
               real_run)
    requests = {}
    for name in ("c1", "c2", "c3", "c5", "dead"):
        changes = build_tiny_deb(tmp_path / name, "tiny-" + name, "1.0")
        requests[name] = deb_params(repo, name, [changes], build_key="key-" + name,
                                    upstream_sha=("%x" % (10 + len(requests))) * 40,
                                    lock_timeout=60)
    # not newer than the published tiny-base 1.0: reprepro skips it (exit 0), the check fails
    requests["bad"] = deb_params(repo, "bad", [build_tiny_deb(tmp_path / "bad", "tiny-base",
                                                              "0.9")], lock_timeout=60)
    held = Held(repo)
    try:
        dead = start(requests.pop("dead"))
        wait_for(lambda: len(queued(repo)) == 1)
        dead.send_signal(signal.SIGKILL)
        dead.wait()
        procs = {}
        for name, request in requests.items():
            procs[name] = start(request)
            expected = len(procs) + 1  # and the dead one's request
            wait_for(lambda expected=expected: len(queued(repo)) == expected)
    finally:
        held.release()
    results = {name: finish(proc) for name, proc in procs.items()}

    rc, bad = results.pop("bad")
    assert rc == 1 and bad["failed"]
    assert bad["msg"].startswith("reprepro did not take tiny-base 0.9 (all; it holds 1.0)")
    assert "\n" not in bad["msg"]
    good = {name: result for name, (rc, result) in results.items() if rc == 0}
    assert sorted(good) == ["c1", "c2", "c3", "c5"]
    assert {r["batch_size"] for r in good.values()} == {4}
    assert len({r["batch"] for r in good.values()}) == 1
    for name, result in good.items():
        assert result["build_dir"] == str(repo / "builds" / name) and result["promoted"]
        assert marker(repo, name)["build_key"] == "key-" + name
        assert pp.find_build(str(repo), build_key="key-" + name) == name
        # every build directory is a whole repository: current plus the batch
        assert reprepro_list(repo / "builds" / name) == reprepro_list(repo / "current")
    assert builds(repo) == ["b0", "c1", "c2", "c3", "c5"]  # nothing of bad, nothing of dead
    listed = reprepro_list(repo / "current")
    assert listed == sorted("bookworm|main|amd64: tiny-%s 1.0" % n
                            for n in ("base", "c1", "c2", "c3", "c5"))
    keys = json.loads((repo / "current" / pp.BUILD_KEYS).read_text())
    assert {k: v["build_id"] for k, v in keys.items()} == {
        "key-c1": "c1", "key-c2": "c2", "key-c3": "c3", "key-c5": "c5"}
    assert queued(repo) == [] and not [n for n in os.listdir(repo / pp.QUEUE)
                                       if not n.startswith(".new")]
    assert "c5" in (repo / "index.html").read_text()


def test_concurrent_rpm_publishers_and_a_corrupt_rpm(tmp_path):
    """rpm: three publishers queued, one with a file that is not an RPM; the others land with
    one createrepo_c run and the repodata lists them all; the corrupt one fails alone."""
    repo = tmp_path / "repo"
    rpms = build_tiny_rpms(tmp_path / "rpmbuild")
    pp.publish(params(repo, "r0", [rpms["tiny-a"]]), real_run)
    corrupt = tmp_path / "corrupt" / "tiny-x-1.0-1.noarch.rpm"
    corrupt.parent.mkdir()
    corrupt.write_bytes(b"not an rpm\n" * 10)
    requests = {"r1": params(repo, "r1", [rpms["tiny-b"]], lock_timeout=60),
                "rx": params(repo, "rx", [str(corrupt)], lock_timeout=60),
                "r2": params(repo, "r2", [rpms["tiny-c"]], lock_timeout=60)}
    held = Held(repo)
    try:
        procs = {}
        for name, request in requests.items():
            procs[name] = start(request)
            expected = len(procs)
            wait_for(lambda expected=expected: len(queued(repo)) == expected)
    finally:
        held.release()
    results = {name: finish(proc) for name, proc in procs.items()}
    assert results["rx"][0] == 1
    assert results["rx"][1]["msg"].startswith("%s is not a readable RPM" % corrupt)  # its own
    assert results["r1"][0] == results["r2"][0] == 0
    assert results["r1"][1]["batch"] == results["r2"][1]["batch"] != ""
    assert primary_names(repo / "current") == ["tiny-a", "tiny-b", "tiny-c"]
    assert primary_names(repo / "builds" / "r1") == ["tiny-a", "tiny-b", "tiny-c"]
    assert builds(repo) == ["r0", "r1", "r2"]


def test_batch_members_are_deleted_by_retention_and_their_shared_repository_last(tmp_path):
    repo = tmp_path / "repo"
    rpms = build_tiny_rpms(tmp_path / "rpmbuild", (("tiny-a", "1.0"), ("tiny-b", "1.0"),
                                                    ("tiny-c", "1.0"), ("tiny-d", "1.0")))
    pp.publish(params(repo, "r0", [rpms["tiny-a"]], keep=2), real_run)
    members = [pp.Member(params(repo, name, [rpms[pkg]], keep=2), [rpms[pkg]])
               for name, pkg in (("r1", "tiny-b"), ("r2", "tiny-c"))]
    with pp.Lock(str(repo / ".lock"), 5):
        pp.publish_members(str(repo), members, real_run, pp.NoSigner())
    assert [m.result["batch"] for m in members] == ["r2", "r2"]
    assert sorted(os.listdir(repo / "builds")) == ["r1", "r2"]  # nothing else in builds/
    assert (repo / pp.BATCHES / "r2").is_dir()
    pp.publish(params(repo, "r3", [rpms["tiny-d"]], keep=2), real_run)
    assert builds(repo) == ["r2", "r3"] and (repo / pp.BATCHES / "r2").is_dir()
    assert primary_names(repo / "builds" / "r3") == ["tiny-a", "tiny-b", "tiny-c", "tiny-d"]
    pp.publish(params(repo, "r4", [rpms["tiny-a"]], keep=2), real_run)
    assert builds(repo) == ["r3", "r4"] and not (repo / pp.BATCHES / "r2").exists()


def test_a_waiting_publisher_that_gives_up_leaves_nothing_queued(tmp_path):
    repo = tmp_path / "repo"
    rpms = build_tiny_rpms(tmp_path / "rpmbuild", (("tiny-a", "1.0"),))
    (repo / "builds").mkdir(parents=True)
    held = Held(repo)
    try:
        with pytest.raises(pp.PublishError, match="could not take the repository lock"):
            pp.publish(params(repo, "w1", [rpms["tiny-a"]], lock_timeout=1), real_run)
    finally:
        held.release()
    assert queued(repo) == [] and builds(repo) == []


def sha(n):
    return hashlib.sha1(b"%d" % n).hexdigest()


def fake_repo(repo, count, staged=(), start=1_700_000_000.0):
    """count builds recorded the way a publish records them (markers, no packages)."""
    (repo / "builds").mkdir(parents=True)
    for n in range(count):
        build_id = "b%04d" % n
        (repo / "builds" / build_id).mkdir()
        at = start + n
        data = {"build_id": build_id, "files": [], "published_at": at, "seeded_from": None,
                "inputs": [], "build_key": "k%04d" % n, "upstream_sha": sha(n),
                "version": "1.%d" % n}
        if build_id not in staged:
            data["promoted_at"] = at
        (repo / "builds" / build_id / pp.MARKER).write_text(json.dumps(data))
    os.symlink("builds/b%04d" % (count - 1), repo / "current")


def test_index_of_a_repository_from_before_it_finds_builds_by_key_and_commit(tmp_path):
    repo = tmp_path / "repo"
    fake_repo(repo, 200)
    assert not (repo / pp.INDEX).exists()
    assert pp.find_build(str(repo), build_key="k0123") == "b0123"
    assert pp.find_build(str(repo), upstream_sha=sha(123)) == "b0123"
    assert pp.find_build(str(repo), upstream_sha=sha(123)[:9]) == "b0123"
    assert (repo / pp.INDEX / "state.json").is_file()
    with pytest.raises(pp.PublishError, match="is not published"):
        pp.find_build(str(repo), build_key="k9999")


def test_index_html_shows_the_newest_builds_and_the_pointed_ones(tmp_path):
    repo = tmp_path / "repo"
    fake_repo(repo, 100)
    os.makedirs(repo / ".pointers.1")
    os.symlink("../builds/b0003", repo / ".pointers.1" / "tested")
    os.symlink(".pointers.1", repo / pp.POINTERS_LINK)
    rows, total = pp.index_rows(str(repo))
    assert total == 100
    assert [r["build_id"] for r in rows] == ["b%04d" % n for n in range(99, 74, -1)] + [
        "b0003"]
    assert rows[0]["pointers"] == ["current"] and rows[-1]["pointers"] == ["tested"]
    assert pp.write_index(str(repo))
    assert "pointer names: 26 of 100;" in (repo / "index.html").read_text()


@pytest.mark.parametrize("seed", range(12))
def test_retention_from_the_index_deletes_what_plan_retention_would(tmp_path, seed):
    """Against the plain plan over every build: random sizes, keeps, pointers, staged builds
    young and stale, several publishes in a row."""
    rng = random.Random(seed)
    count = rng.randint(5, 150)
    now = 1_700_000_000.0 + count + 100
    staged = {"b%04d" % rng.randrange(count) for _ in range(rng.randint(0, 3))}
    repo = tmp_path / "repo"
    fake_repo(repo, count, staged=staged, start=now - count - 90000 * rng.randint(0, 1))
    named = {"b%04d" % rng.randrange(count) for _ in range(rng.randint(0, 2))}
    if named:
        os.makedirs(repo / ".pointers.1")
        for number, build_id in enumerate(sorted(named)):
            os.symlink("../builds/" + build_id, repo / ".pointers.1" / ("p%d" % number))
        os.symlink(".pointers.1", repo / pp.POINTERS_LINK)
    current = "b%04d" % (count - 1)
    for step in range(3):
        keep = rng.randint(1, count + 2)
        listed = pp.list_builds(str(repo / "builds"), now=now)
        expected = pp.plan_retention(listed, current, keep, named)
        removed = pp.apply_retention(str(repo), current, keep, now=now)
        assert removed == expected, (seed, step, keep)
        assert builds(repo) == sorted(set(b for b, _ in listed) - set(expected)
                                      | (set(builds(repo)) & staged))
        # one more build, as a publish records it
        build_id = "n%d" % step
        data = {"build_id": build_id, "files": [], "published_at": now + step,
                "promoted_at": now + step, "seeded_from": current, "inputs": []}
        (repo / "builds" / build_id).mkdir()
        (repo / "builds" / build_id / pp.MARKER).write_text(json.dumps(data))
        pp.BuildIndex(str(repo)).add(build_id, data, True)
        current = build_id
    assert Path(repo / pp.INDEX / "state.json").is_file()


def test_module_documentation_is_yaml():
    """ansible-doc reads DOCUMENTATION, EXAMPLES and RETURN as YAML (a ': ' inside a plain
    line broke DOCUMENTATION once)."""
    import yaml

    documentation = yaml.safe_load(pp.DOCUMENTATION)
    assert documentation["module"] == "packaging_publish"
    assert {"batch", "batch_size", "lock_wait_s"} <= set(yaml.safe_load(pp.RETURN))
    assert yaml.safe_load(pp.EXAMPLES)
