"""chroot_cache: the shared chroot cache's names, digests, refusals and concurrent fillers
(directory caches on disk, an http cache through a local http.server and the node's curl)."""

from __future__ import annotations

import functools
import hashlib
import http.server
import multiprocessing
import os
import threading
import time

import chroot_cache as module
import pytest
from ansible.module_utils.zuul_packaging import chroot_cache as cc

NAME = "bookworm-amd64-aa940f12918a684e-greeter-deps.tar"


def make_chroot(directory, content=b"chroot tarball\n" * 1000, name=NAME, age_days=1):
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(content)
    mtime = time.time() - age_days * 86400
    os.utime(path, (mtime, mtime))
    return path


def entry(shared, name=NAME):
    """(pointer path, digest it names, tarball path) of a key in a directory cache."""
    ident = cc.entry_id(name)
    pointer = shared / cc.pointer_name(ident)
    digest = cc.parse_pointer(pointer.read_text())
    return pointer, digest, shared / cc.tarball_name(ident, digest)


def test_names_are_derived_from_the_key_only_and_are_hex():
    ident = cc.entry_id("/any/dir/" + NAME)
    assert ident == hashlib.sha256(NAME.encode()).hexdigest()
    assert ident == cc.entry_id("/other/cache/" + NAME)  # the directory is not part of it
    digest = "ab" * 32
    assert cc.tarball_name(ident, digest) == "%s-%s.tar" % (ident, digest)
    assert cc.pointer_text(ident, digest) == "%s  %s-%s.tar\n" % (digest, ident, digest)


@pytest.mark.parametrize("name", ["..tar", ".hidden.tar", "x.tar.gz", "", "a b.tar"])
def test_a_name_that_is_not_a_chroot_tarball_is_refused(name):
    with pytest.raises(cc.CacheError):
        cc.entry_id("/cache/" + name)


@pytest.mark.parametrize("digest", ["../../etc/passwd", "AB" * 32, "ab" * 31, ""])
def test_a_tarball_name_needs_a_sha256_digest(digest):
    with pytest.raises(cc.CacheError):
        cc.tarball_name(cc.entry_id(NAME), digest)


def test_the_pointer_gives_its_digest_never_its_file_name():
    assert cc.parse_pointer("%s  ../../etc/passwd\n" % ("0" * 64)) == "0" * 64
    assert cc.parse_pointer("../x  y") == ""
    assert cc.parse_pointer("") == ""


@pytest.mark.parametrize("setting,kind", [("", ""), ("/mnt/cache", "dir"),
                                          ("https://repos.example.org/chroots", "url"),
                                          ("http://10.0.0.1:8080/c/", "url")])
def test_kind(setting, kind):
    assert cc.kind(setting) == kind


@pytest.mark.parametrize("setting", ["relative/dir", "ftp://host/c", "file:///mnt/c",
                                     "https://host/c?sig=1", "https://host/c#x", "https:///c"])
def test_a_setting_that_is_no_directory_nor_http_url_fails_in_one_line(setting):
    with pytest.raises(cc.CacheError) as err:
        cc.kind(setting)
    assert "\n" not in str(err.value)


def test_a_url_with_credentials_is_redacted_in_the_message():
    with pytest.raises(cc.CacheError) as err:
        cc.kind("https://user:s3cret@host/c?x=1")
    assert "s3cret" not in str(err.value) and "***@host" in str(err.value)


def test_store_then_restore_on_a_fresh_node(tmp_path):
    built = make_chroot(tmp_path / "node1", age_days=2)
    shared = tmp_path / "shared"
    shared.mkdir()
    assert cc.store(str(built), str(shared))["stored"]
    pointer, digest, tarball = entry(shared)
    assert digest == hashlib.sha256(built.read_bytes()).hexdigest()
    assert tarball.read_bytes() == built.read_bytes()
    fresh = tmp_path / "node2"
    fresh.mkdir()
    got = cc.restore(str(fresh / NAME), str(shared), 7)
    assert got["restored"], got
    assert "restored %s from the shared cache" % NAME in got["message"]
    assert (fresh / NAME).read_bytes() == built.read_bytes()
    # its age is the chroot's (when it was made), so the node still remakes it in time
    assert abs((fresh / NAME).stat().st_mtime - built.stat().st_mtime) < 1
    assert os.listdir(fresh) == [NAME]


def test_a_mismatching_tarball_is_refused_in_one_line_and_never_used(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    cc.store(str(make_chroot(tmp_path / "node1")), str(shared))
    _, digest, tarball = entry(shared)
    data = bytearray(tarball.read_bytes())
    data[100] ^= 1
    tarball.write_bytes(bytes(data))
    fresh = tmp_path / "node2"
    fresh.mkdir()
    got = cc.restore(str(fresh / NAME), str(shared), 7)
    assert not got["restored"]
    assert got["message"].startswith("chroot cache: the shared copy of %s does not match its "
                                     "sha256" % NAME)
    assert "making the chroot here" in got["message"] and "\n" not in got["message"]
    assert os.listdir(fresh) == []  # nothing left behind, nothing in place


def test_the_module_falls_back_to_making_the_chroot_when_the_copy_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    cc.store(str(make_chroot(tmp_path / "node1")), str(shared))
    _, _, tarball = entry(shared)
    tarball.write_bytes(b"truncated")
    fresh = tmp_path / "node2"
    fresh.mkdir()
    params = {"phase": "restore", "chroot": str(fresh / NAME), "shared_cache": str(shared),
              "max_age_days": 7, "stale": True}
    result = module.run(params)
    assert result["make"] and not result["restored"]
    assert "does not match its sha256" in result["message"]
    # the chroot made here then replaces the bad entry
    made = make_chroot(fresh, b"made here\n" * 100)
    stored = module.run(dict(params, phase="store"))
    assert stored["stored"]
    _, digest, tarball = entry(shared)
    assert tarball.read_bytes() == made.read_bytes()
    assert digest == hashlib.sha256(made.read_bytes()).hexdigest()


def test_a_fresh_local_chroot_is_not_restored_and_fills_an_empty_cache(tmp_path):
    local = make_chroot(tmp_path / "node")
    shared = tmp_path / "shared"
    shared.mkdir()
    params = {"phase": "restore", "chroot": str(local), "shared_cache": str(shared),
              "max_age_days": 7, "stale": False}
    result = module.run(params)
    assert not result["make"] and not result["restored"] and result["stored"]
    again = module.run(params)  # a fresh entry is kept
    assert not again["stored"] and not again["changed"]


def test_missing_old_and_linked_entries_are_not_used(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    fresh = tmp_path / "node"
    fresh.mkdir()
    got = cc.restore(str(fresh / NAME), str(shared), 7)
    assert not got["restored"] and "is not in the shared cache yet" in got["message"]

    cc.store(str(make_chroot(tmp_path / "node1", age_days=9)), str(shared))
    got = cc.restore(str(fresh / NAME), str(shared), 7)
    assert not got["restored"] and "older than 7 days" in got["message"]

    pointer, _, _ = entry(shared)
    secret = tmp_path / "elsewhere"
    secret.write_text("0" * 64 + "\n")
    pointer.unlink()
    pointer.symlink_to(secret)
    got = cc.restore(str(fresh / NAME), str(shared), 30)
    assert not got["restored"] and "cannot be read" in got["message"]
    assert os.listdir(fresh) == []


def test_a_missing_directory_fails_in_one_line(tmp_path):
    with pytest.raises(cc.CacheError, match="is not a directory"):
        module.run({"phase": "restore", "chroot": str(tmp_path / NAME),
                    "shared_cache": str(tmp_path / "no-such-mount"), "max_age_days": 7,
                    "stale": True})


def _fill(shared, node, rounds, content):
    for _ in range(rounds):
        cc.store(str(make_chroot(node, content)), shared)


def test_concurrent_fillers_leave_one_good_copy(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    contents = [bytes([65 + n]) * (300000 + n) for n in range(4)]
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_fill, args=(str(shared), tmp_path / ("n%d" % n), 5, c))
               for n, c in enumerate(contents)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    got = cc.restore(str(fresh / NAME), str(shared), 7)
    assert got["restored"], got
    assert (fresh / NAME).read_bytes() in contents
    _, digest, tarball = entry(shared)
    assert hashlib.sha256(tarball.read_bytes()).hexdigest() == digest
    # no temporary file is left; superseded tarballs are whole (named by their content)
    for name in os.listdir(shared):
        assert not name.startswith("."), name
        if name.endswith(".tar"):
            assert name.split("-")[-1][:-4] == hashlib.sha256(
                (shared / name).read_bytes()).hexdigest()


def test_superseded_tarballs_are_removed_after_an_hour(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    cc.store(str(make_chroot(tmp_path / "a", b"first")), str(shared))
    cc.store(str(make_chroot(tmp_path / "b", b"second")), str(shared))
    assert len([n for n in os.listdir(shared) if n.endswith(".tar")]) == 2
    _, _, keep = entry(shared)
    cc.remove_leftovers(str(shared), cc.entry_id(NAME), keep.name,
                        now=time.time() + cc.LEFTOVER_SECONDS + 1)
    assert sorted(os.listdir(shared)) == sorted([keep.name, cc.pointer_name(cc.entry_id(NAME))])


@pytest.fixture
def http_cache(tmp_path):
    shared = tmp_path / "served"
    shared.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(shared))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield shared, "http://user:s3cret@127.0.0.1:%d/" % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_restore_from_an_http_cache(tmp_path, http_cache):
    shared, url = http_cache
    built = make_chroot(tmp_path / "node1", age_days=3)
    cc.store(str(built), str(shared))
    fresh = tmp_path / "node2"
    fresh.mkdir()
    got = cc.restore(str(fresh / NAME), url, 7)
    assert got["restored"], got
    assert (fresh / NAME).read_bytes() == built.read_bytes()
    assert abs((fresh / NAME).stat().st_mtime - built.stat().st_mtime) < 2  # Last-Modified
    assert os.listdir(fresh) == [NAME]


def test_an_http_cache_refuses_a_mismatch_and_redacts_credentials(tmp_path, http_cache):
    shared, url = http_cache
    fresh = tmp_path / "node2"
    fresh.mkdir()
    missing = cc.restore(str(fresh / NAME), url, 7)
    assert not missing["restored"] and "404" in missing["message"]
    assert "s3cret" not in missing["message"]
    cc.store(str(make_chroot(tmp_path / "node1")), str(shared))
    _, _, tarball = entry(shared)
    tarball.write_bytes(b"not the chroot")
    got = cc.restore(str(fresh / NAME), url, 7)
    assert not got["restored"] and "does not match its sha256" in got["message"]
    assert os.listdir(fresh) == []
    # a read-only cache: nothing is stored through a URL
    made = make_chroot(fresh)
    result = module.run({"phase": "store", "chroot": str(made), "shared_cache": url,
                         "max_age_days": 7, "stale": False})
    assert not result["stored"] and result["message"] == ""


def test_documentation_agrees_with_the_argument_spec():
    import yaml

    documented = yaml.safe_load(module.DOCUMENTATION)["options"]
    assert set(documented) == set(module.ARGUMENT_SPEC)
    for name, spec in module.ARGUMENT_SPEC.items():
        doc = documented[name]
        for key in ("type", "elements", "choices", "default"):
            assert doc.get(key) == spec.get(key), (name, key)
        assert bool(doc.get("required")) == bool(spec.get("required")), name
    for example in yaml.safe_load(module.EXAMPLES):
        assert example["chroot_cache"]["phase"] in ("restore", "store"), example["name"]
