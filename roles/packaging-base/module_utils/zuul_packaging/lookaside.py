# SPDX-License-Identifier: Apache-2.0
"""Sources that a spec names but its distgit does not hold: the `sources` file of a Fedora or
CentOS Stream distgit (files kept in a lookaside cache, by checksum) and remote SourceN/PatchN
URLs, downloaded and verified.

A `sources` file has one line per file, in one of two forms:

    SHA512 (name-1.0.tar.gz) = <hex digest>     (any of MD5, SHA1, SHA224, SHA256, SHA384, SHA512)
    <md5 hex digest>  name-1.0.tar.gz            (the older form: md5, two spaces)

Everything here is untrusted input: file names must be plain names, URLs http(s) only (also
after a redirect), downloads are size-limited and land atomically (a temporary file in the
target directory, renamed once complete and verified), and messages never carry a URL's
credentials (git.redact_url)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import string
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from ansible.module_utils.zuul_packaging.git import redact_url

HASHES = {"MD5": 32, "SHA1": 40, "SHA224": 56, "SHA256": 64, "SHA384": 96, "SHA512": 128}
BSD_LINE = re.compile(r"^(?P<type>[A-Z0-9]+) \((?P<name>[^()/]+)\) = (?P<hash>[0-9a-f]+)$")
MD5_LINE = re.compile(r"^(?P<hash>[0-9a-f]{32})  (?P<name>[^ /]+)$")
TEMPLATE_FIELDS = ("name", "filename", "hashtype", "hash", "hashpath")
CHUNK = 1 << 16
USER_AGENT = "zuul-packaging"


class LookasideError(Exception):
    """A malformed sources file, a bad name or URL, a failed download or a checksum
    mismatch, named in one line."""


def check_name(name, what="file name"):
    """Raise unless name is a plain file name: no '/', not '.' or '..', not an option, no
    control characters (pure)."""
    if (not name or "/" in name or name in (".", "..") or name.startswith(("-", "."))
            or any(ord(c) < 32 or ord(c) == 127 for c in name)):
        raise LookasideError("%s %s is not a plain file name" % (what, _show(name)))
    return name


def _show(text):
    """A short, single-line rendering of an untrusted value for a message (pure)."""
    text = redact_url(text or "")
    shown = text[:120].encode("unicode_escape").decode("ascii")
    return '"%s%s"' % (shown.replace('"', '\\"'), "..." if len(text) > 120 else "")


def parse_sources(text, label="sources"):
    """[{name, hashtype, hash, legacy}] of a sources file's lines, in order; blank lines are
    skipped, anything else that is not one of the two forms fails naming the line (pure)."""
    entries, seen = [], set()
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        bsd, md5 = BSD_LINE.match(line), MD5_LINE.match(line)
        if bsd:
            hashtype, name, digest, legacy = bsd.group("type"), bsd.group("name"), \
                bsd.group("hash"), False
            if hashtype not in HASHES:
                raise LookasideError("%s line %d: unknown checksum type %s (use one of %s)" % (
                    label, number, _show(hashtype), ", ".join(HASHES)))
            if len(digest) != HASHES[hashtype]:
                raise LookasideError("%s line %d: a %s checksum has %d hex digits, not %d" % (
                    label, number, hashtype, HASHES[hashtype], len(digest)))
        elif md5:
            hashtype, name, digest, legacy = "MD5", md5.group("name"), md5.group("hash"), True
        else:
            raise LookasideError("%s line %d is neither 'SHA512 (file) = <hex>' nor "
                                 "'<md5>  file': %s" % (label, number, _show(line)))
        check_name(name, "%s line %d: file name" % (label, number))
        if name in seen:
            raise LookasideError("%s line %d: %s is listed twice" % (label, number, name))
        seen.add(name)
        entries.append({"name": name, "hashtype": hashtype, "hash": digest, "legacy": legacy})
    return entries


def read_sources(path):
    """The entries of the sources file at path ([] when there is none)."""
    if not os.path.lexists(path):
        return []
    if os.path.islink(path) or not os.path.isfile(path):
        raise LookasideError("%s must be a regular file of the distgit" % path)
    with open(path, "rb") as handle:
        data = handle.read(1 << 20)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LookasideError("%s is not UTF-8 text" % path) from exc
    return parse_sources(text, os.path.basename(path))


def check_template(template):
    """Raise unless template is an http(s) URL whose only fields are TEMPLATE_FIELDS, without
    conversions or format specs (pure)."""
    if not template:
        return template
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise LookasideError("lookaside URL template %s does not parse: %s" % (
            _show(template), exc)) from exc
    for _literal, field, spec, conversion in fields:
        if field is None:
            continue
        if field not in TEMPLATE_FIELDS or spec or conversion:
            raise LookasideError("lookaside URL template %s: unknown field {%s} (use %s)" % (
                _show(template), field, ", ".join("{%s}" % f for f in TEMPLATE_FIELDS)))
    check_url(template.replace("{", "").replace("}", ""), "lookaside URL template")
    return template


def lookaside_url(template, package, entry):
    """The download URL of a sources entry (pure). {hashpath} is '<hashtype>/<hash>', or the
    bare hash for the older md5 lines, as the lookaside caches lay them out."""
    quote = urllib.parse.quote
    hashtype = entry["hashtype"].lower()
    values = {"name": quote(package, safe=""), "filename": quote(entry["name"], safe=""),
              "hashtype": hashtype, "hash": entry["hash"],
              "hashpath": entry["hash"] if entry["legacy"] else "%s/%s" % (hashtype,
                                                                            entry["hash"])}
    return template.format(**values)


def check_url(url, what="URL"):
    """Raise unless url is http(s) with a host (pure)."""
    parts = urllib.parse.urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname or any(
            c.isspace() or ord(c) < 32 for c in url):
        raise LookasideError("%s %s is not an http(s) URL" % (what, _show(url)))
    return url


def file_digest(path, hashtype):
    digest = hashlib.new(hashtype.lower())
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) URLs only."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        try:
            check_url(newurl, "redirect")
        except LookasideError as exc:
            raise urllib.error.URLError(str(exc)) from exc
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(url, dest, max_bytes, timeout=60, hashtype="SHA256"):
    """Download url into dest (atomically: a temporary file in dest's directory, renamed when
    complete); return its hex digest of hashtype. Fails in one line (URL redacted)."""
    check_url(url)
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    directory = os.path.dirname(dest) or "."
    digest = hashlib.new(hashtype.lower())
    fd, tmp = tempfile.mkstemp(prefix=".download-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
            with opener.open(request, timeout=timeout) as response:
                length = response.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > max_bytes:
                    raise LookasideError("%s is %s bytes, more than the limit of %d" % (
                        redact_url(url), length, max_bytes))
                size = 0
                for block in iter(lambda: response.read(CHUNK), b""):
                    size += len(block)
                    if size > max_bytes:
                        raise LookasideError("%s is more than the limit of %d bytes" % (
                            redact_url(url), max_bytes))
                    digest.update(block)
                    out.write(block)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
        tmp = None
    except urllib.error.HTTPError as exc:
        raise LookasideError("cannot download %s: HTTP %d %s" % (
            redact_url(url), exc.code, exc.reason)) from None
    except urllib.error.URLError as exc:
        raise LookasideError("cannot download %s: %s" % (
            redact_url(url), redact_url(str(exc.reason)))) from None
    except OSError as exc:
        raise LookasideError("cannot download %s: %s" % (
            redact_url(url), exc.strerror or exc)) from None
    finally:
        if tmp:
            os.unlink(tmp)
    return digest.hexdigest()


def _cached(cache_dir, entry):
    return os.path.join(cache_dir, entry["hashtype"].lower(), entry["hash"])


def fetch_verified(url, dest, entry, cache_dir, max_bytes):
    """dest holds the file of a sources entry, from the cache (keyed by its checksum) or
    downloaded from url; a checksum mismatch fails naming the file. Returns 'cache' or
    'download'."""
    cached = _cached(cache_dir, entry) if cache_dir else ""
    if cached and os.path.isfile(cached) and not os.path.islink(cached):
        if file_digest(cached, entry["hashtype"]) == entry["hash"]:
            shutil.copyfile(cached, dest)
            os.chmod(dest, 0o644)
            return "cache"
        os.unlink(cached)  # a corrupt cache entry: fetch it again
    got = download(url, dest, max_bytes, hashtype=entry["hashtype"])
    if got != entry["hash"]:
        os.unlink(dest)
        raise LookasideError("%s does not match its %s checksum in sources (expected %s..., "
                             "downloaded %s... from %s)" % (
                                 entry["name"], entry["hashtype"], entry["hash"][:16],
                                 got[:16], redact_url(url)))
    if cached:
        os.makedirs(os.path.dirname(cached), mode=0o755, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".cache-", dir=os.path.dirname(cached))
        os.close(fd)
        shutil.copyfile(dest, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, cached)
    return "download"
