# SPDX-License-Identifier: Apache-2.0
"""A shared cache of chroot tarballs (a directory every node mounts, or an http(s) URL).

The local cache key of a chroot is its tarball's name (sbuild_package, autopkgtest_run: the
codename, architecture and a digest of everything that shapes the chroot). In the shared cache
the entry of a key is named from that name only, hashed, so nothing a job reads (a source
name in the .dsc) ever becomes a path there:

- ``<id>.sha256``: the pointer, ``<sha256>  <id>-<sha256>.tar`` (sha256sum's format), its
  mtime the time the chroot was made;
- ``<id>-<sha256>.tar``: the tarball, named by its own content.

where ``<id>`` is the SHA-256 of the local tarball's name. A filler writes the tarball under
a temporary name, renames it to its content name, then writes the pointer the same way: a
reader that finds a pointer finds the tarball it names (or nothing), never a half-written
one, and two fillers of one key leave one pointer to one whole tarball (the last rename
wins). A reader copies the tarball while hashing it and uses it only when the digest is the
pointer's; anything else is refused in one line and the caller makes the chroot itself.

Only a directory cache is written by the jobs; an http(s) URL is read with curl (a directory
cache served by a web server, filled by jobs that mount it).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import subprocess
import tempfile
import time
from urllib.parse import urlsplit

CHUNK = 4 << 20
HEX64 = re.compile(r"^[0-9a-f]{64}$")
# a local cache key: the tarball names sbuild_package and autopkgtest_run give
KEY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+_-]*\.tar$")
POINTER_MAX = 4096
# a filler's temporary files, and superseded tarballs, older than this are removed
LEFTOVER_SECONDS = 3600
_USERINFO = re.compile(r"(://)[^/@\s]*@")


class CacheError(Exception):
    """A shared cache setting that cannot be used (bad input: fails the job in one line)."""


def redact(text):
    """text with every URL's userinfo replaced by *** (pure)."""
    return _USERINFO.sub(r"\1***@", text or "")


def kind(shared_cache):
    """'' (off), 'dir' or 'url' for the shared cache setting; raise on anything else (pure)."""
    if not shared_cache:
        return ""
    if shared_cache.startswith(("http://", "https://")):
        parts = urlsplit(shared_cache)
        if not parts.hostname or parts.query or parts.fragment or any(
                c.isspace() for c in shared_cache):
            raise CacheError("chroot cache: %s is not an http(s) URL of a directory (no query, "
                             "no fragment) (packaging_deb_chroot_shared_cache)"
                             % redact(shared_cache))
        return "url"
    if "://" in shared_cache or not os.path.isabs(shared_cache):
        raise CacheError("chroot cache: %s is neither an absolute directory nor an http(s) URL "
                         "(packaging_deb_chroot_shared_cache)" % redact(shared_cache))
    return "dir"


def entry_id(chroot):
    """The shared cache's name of a local chroot tarball: the SHA-256 of its file name (the
    local cache key), so the shared names are hex only (pure)."""
    name = os.path.basename(chroot)
    if not KEY_NAME.match(name):
        raise CacheError("chroot cache: %r is not a chroot tarball name" % name)
    return hashlib.sha256(name.encode()).hexdigest()


def pointer_name(ident):
    return ident + ".sha256"


def tarball_name(ident, digest):
    """The tarball's name in the shared cache: the key's id and the content's digest (pure)."""
    if not HEX64.match(ident) or not HEX64.match(digest):
        raise CacheError("chroot cache: not a SHA-256 digest")
    return "%s-%s.tar" % (ident, digest)


def pointer_text(ident, digest):
    return "%s  %s\n" % (digest, tarball_name(ident, digest))


def parse_pointer(text):
    """The digest a pointer names, or '' when it is not one (pure; the file name in it is
    not read: the tarball's name is derived from the key and the digest)."""
    words = (text or "").split()
    return words[0] if words and HEX64.match(words[0]) else ""


def copy_hashing(source, dest, mtime=None, sync=True):
    """Copy the open file source into a new file dest (never following a link, never over an
    existing file), fsynced when sync (the shared cache; a node's own cache does not outlive
    the node); return the SHA-256 of what was copied."""
    digest = hashlib.sha256()
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = source.read(CHUNK)
                if not chunk:
                    break
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            if sync:
                os.fsync(out.fileno())
    except BaseException:
        _unlink(dest)
        raise
    if mtime is not None:
        os.utime(dest, (mtime, mtime))
    return digest.hexdigest()


def file_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                return digest.hexdigest()
            digest.update(chunk)


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _open_nofollow(path):
    return os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb")


def _temp_name(directory, ident):
    return os.path.join(directory, ".%s.%d.%s.tmp" % (ident, os.getpid(), secrets.token_hex(4)))


def stale(mtime, max_age_days, now=None):
    return (now or time.time()) - mtime > max_age_days * 86400


def _install(local_tmp, chroot, mtime):
    os.utime(local_tmp, (mtime, mtime))
    os.replace(local_tmp, chroot)


def _refused(chroot, got, want):
    return ("chroot cache: the shared copy of %s does not match its sha256 (got %s, want %s); "
            "not using it, making the chroot here" % (os.path.basename(chroot), got[:16],
                                                      want[:16]))


def pointer_fault(name, digest, mtime, max_age_days):
    """Why a pointer cannot be used ('' when it can) (pure)."""
    if not digest:
        return ("chroot cache: the shared cache's entry of %s is not a sha256 line; making "
                "the chroot here" % name)
    if stale(mtime, max_age_days):
        return ("chroot cache: the shared copy of %s is older than %s days; making the chroot "
                "here" % (name, max_age_days))
    return ""


def _read_pointer(path):
    """(digest, mtime) of a pointer file, never through a link."""
    with _open_nofollow(path) as handle:
        text = handle.read(POINTER_MAX).decode("ascii", "replace")
        return parse_pointer(text), os.fstat(handle.fileno()).st_mtime


def _unreadable(name, exc):
    return {"restored": False, "message": "chroot cache: the shared copy of %s cannot be read "
            "(%s); making the chroot here" % (name, exc.strerror or exc)}


def _restored(chroot, digest, started):
    return {"restored": True, "seconds": round(time.monotonic() - started, 2),
            "message": "chroot cache: restored %s from the shared cache (%d MB, sha256 %s "
            "verified)" % (os.path.basename(chroot), os.path.getsize(chroot) >> 20,
                           digest[:16])}


def restore_from_dir(chroot, shared_dir, max_age_days):
    """Restore chroot from a directory cache: {'restored', 'message', 'seconds'}."""
    started = time.monotonic()
    ident = entry_id(chroot)
    name = os.path.basename(chroot)
    try:
        digest, mtime = _read_pointer(os.path.join(shared_dir, pointer_name(ident)))
    except FileNotFoundError:
        return {"restored": False, "message": "chroot cache: %s is not in the shared cache "
                "yet; making it here" % name}
    except OSError as exc:
        return _unreadable(name, exc)
    fault = pointer_fault(name, digest, mtime, max_age_days)
    if fault:
        return {"restored": False, "message": fault}
    tmp = _temp_name(os.path.dirname(chroot), ident)
    try:
        with _open_nofollow(os.path.join(shared_dir, tarball_name(ident, digest))) as source:
            got = copy_hashing(source, tmp, sync=False)
    except OSError as exc:
        _unlink(tmp)
        return _unreadable(name, exc)
    if got != digest:
        _unlink(tmp)
        return {"restored": False, "message": _refused(chroot, got, digest)}
    _install(tmp, chroot, mtime)
    return _restored(chroot, digest, started)


def curl(url, dest):
    """Download url into dest with the node's curl (http(s) only, Last-Modified kept as the
    file's mtime); return '' or curl's one-line error, credentials redacted."""
    proc = subprocess.run(
        ["curl", "--fail", "--silent", "--show-error", "--location", "--proto", "=http,https",
         "--proto-redir", "=http,https", "--remote-time", "--output", dest, "--", url],
        capture_output=True, text=True, check=False)
    if proc.returncode == 0:
        return ""
    lines = (proc.stderr or "").strip().splitlines()
    return redact(lines[-1] if lines else "curl exit %d" % proc.returncode)


def restore_from_url(chroot, base_url, max_age_days):
    """Restore chroot from an http(s) cache (a directory cache served by a web server)."""
    started = time.monotonic()
    ident = entry_id(chroot)
    name = os.path.basename(chroot)
    base = base_url.rstrip("/") + "/"
    directory = os.path.dirname(chroot)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".shared-") as work:
        pointer = os.path.join(work, "pointer")
        error = curl(base + pointer_name(ident), pointer)
        if error:
            return {"restored": False, "message": "chroot cache: %s could not be fetched from "
                    "the shared cache (%s); making it here" % (name, error)}
        digest, mtime = _read_pointer(pointer)
        fault = pointer_fault(name, digest, mtime, max_age_days)
        if fault:
            return {"restored": False, "message": fault}
        tarball = os.path.join(work, "tarball")
        error = curl(base + tarball_name(ident, digest), tarball)
        if error:
            return {"restored": False, "message": "chroot cache: the shared copy of %s cannot "
                    "be fetched (%s); making the chroot here" % (name, error)}
        got = file_digest(tarball)
        if got != digest:
            return {"restored": False, "message": _refused(chroot, got, digest)}
        _install(tarball, chroot, mtime)
    return _restored(chroot, digest, started)


def restore(chroot, shared_cache, max_age_days):
    """Put the shared cache's copy of chroot in place when there is a good one."""
    how = kind(shared_cache)
    if how == "dir" and not os.path.isdir(shared_cache):
        raise CacheError("chroot cache: %s is not a directory (packaging_deb_chroot_shared_cache)"
                         % shared_cache)
    try:
        if how == "dir":
            return restore_from_dir(chroot, shared_cache, max_age_days)
        return restore_from_url(chroot, shared_cache, max_age_days)
    except OSError as exc:  # this node's side (a full disk): make the chroot here
        return _unreadable(os.path.basename(chroot), exc)


def has_entry(shared_dir, ident, max_age_days):
    """Whether the directory cache has a fresh pointer whose tarball exists."""
    try:
        digest, mtime = _read_pointer(os.path.join(shared_dir, pointer_name(ident)))
    except OSError:
        return False
    return bool(digest) and not stale(mtime, max_age_days) and os.path.isfile(
        os.path.join(shared_dir, tarball_name(ident, digest)))


def store(chroot, shared_dir, max_age_days=7, replace=True):
    """Put the local chroot tarball into the directory cache: the tarball under a temporary
    name, renamed to its content name, then the pointer likewise (the digest last). Without
    replace, a fresh entry that is already there is kept. Returns {'stored', 'message'}."""
    ident = entry_id(chroot)
    name = os.path.basename(chroot)
    if not replace and has_entry(shared_dir, ident, max_age_days):
        return {"stored": False, "message": ""}
    mtime = os.stat(chroot).st_mtime
    tmp = _temp_name(shared_dir, ident)
    try:
        with open(chroot, "rb") as source:
            digest = copy_hashing(source, tmp, mtime)
        final = tarball_name(ident, digest)
        os.replace(tmp, os.path.join(shared_dir, final))
        tmp = _temp_name(shared_dir, ident)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(pointer_text(ident, digest))
            out.flush()
            os.fsync(out.fileno())
        os.utime(tmp, (mtime, mtime))
        os.replace(tmp, os.path.join(shared_dir, pointer_name(ident)))
    except OSError as exc:
        # the job has its chroot; a cache it cannot write only costs the next node time
        _unlink(tmp)
        return {"stored": False, "message": "chroot cache: could not store %s in the shared "
                "cache (%s)" % (name, exc.strerror or exc)}
    remove_leftovers(shared_dir, ident, final)
    return {"stored": True, "message": "chroot cache: stored %s in the shared cache (sha256 %s)"
            % (name, digest[:16])}


def remove_leftovers(shared_dir, ident, keep, now=None):
    """Remove this key's superseded tarballs and fillers' temporary files that have not been
    touched for LEFTOVER_SECONDS (a reader still copying a just-superseded one keeps it)."""
    now = now or time.time()
    for entry in os.scandir(shared_dir):
        ours = entry.name.startswith((ident + "-", "." + ident + "."))
        if not ours or entry.name == keep or not entry.is_file(follow_symlinks=False):
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_ctime > LEFTOVER_SECONDS:
                os.unlink(entry.path)
        except FileNotFoundError:
            pass
