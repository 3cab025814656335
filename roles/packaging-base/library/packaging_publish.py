#!/usr/bin/python
# SPDX-License-Identifier: Apache-2.0
"""Publish packages into a new per-build repository and swap a stable pointer to it."""

from __future__ import annotations

import bz2
import ctypes
import errno
import fcntl
import gzip
import hashlib
import html
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit
from xml.etree import ElementTree

DOCUMENTATION = r"""
---
module: packaging_publish
short_description: Publish packages as a new build of a deb or rpm repository
description:
  - Creates C(<repo_dir>/builds/<build_id>) as a complete repository holding everything
    C(current) held plus the given packages (C(reprepro include) for deb, C(createrepo_c
    --update) for rpm), then points C(<repo_dir>/current) at it with an atomic rename of a
    symlink. A reader of C(current) sees the old repository or the new one, never a mix.
  - The whole step holds an exclusive lock on C(<repo_dir>/.lock); a publisher that cannot
    take it within I(lock_timeout) seconds fails with a message naming the lock.
  - Concurrent publishers are batched. A full publish (I(stage) and I(promote)) that finds
    the lock held queues its request in C(<repo_dir>/.queue/<id>/) (its files, hard links or
    copies, and its options without the signing key) and waits for its own result. The
    publisher holding the lock takes every queued request with the same repository-wide
    options (format, codename, components, I(keep), I(keep_versions), I(sign_packages)) and
    the same signing key fingerprint whose publisher still runs (a dead one's request is
    dropped), and stages them with its own in one run of the tool (C(reprepro include
    --export=silent-never) per build and one C(reprepro export); one C(createrepo_c)), each
    build checked on its own. A build refused there fails alone with its own line and the
    batch is made again without it; when the shared run fails, the builds are published one
    by one. The batch's repository is C(.batches/<last build id>), each build
    C(builds/<build_id>) with links to it and its own marker, build keys and consumer files;
    C(current) points at the last one, and the shared repository goes with the last of them.
    Every publisher returns once its own build is in the repository, or with its own error.
  - C(<repo_dir>/.index) lists the builds by build key and upstream commit, and in the order
    they were staged, so that a lookup, C(index.html) and retention read a few files whatever
    the number of builds; it is kept under the lock, and a repository from before it gets it
    from the builds' markers once.
  - Package files are hard links into the previous build where the file system allows it.
  - Keeps the I(keep) newest promoted builds and never deletes the one C(current) points at;
    a build staged and never promoted is deleted once it is a day old.
  - The distribution's architectures are the union of the ones it had, I(deb_architectures)
    and the packages' own, so publishers on nodes of other architectures add to it.
  - C(current) that exists and is not a symlink (a copied repository) fails with one line.
  - Publishing a build id that is already published with the same files changes nothing.
  - Run as C(python3 packaging_publish.py --stdin) on a repository host (no Ansible needed
    there), it reads the same options as JSON on stdin and writes the result as JSON; the
    publish roles use this to publish over ssh, so the lock and the swap happen on that host.
  - Under the lock, every publish and pointer move regenerates C(<repo_dir>/index.html), which lists
    the newest 25 builds and every build a pointer names, newest first (version, upstream and
    distgit commits, date, state, the pointers naming them), how many builds there are, and
    the newest 25 promotions (all of them in C(promotions.json)).
  - With I(signing_key), the repository is signed before C(current) points at it; reprepro
    signs C(Release) (C(InRelease) and C(Release.gpg)) through C(SignWith), createrepo_c's
    C(repodata/repomd.xml) gets a detached armored signature C(repomd.xml.asc), and the public
    key is published as C(repo-key.asc) (and C(repodata/repomd.xml.key)). The key lives in a
    temporary GnuPG home that is removed whatever happens.
options:
  repo_dir:
    description: Root of this repository (one distribution or target).
    type: path
    required: true
  format:
    description: Repository format.
    type: str
    choices: [deb, rpm]
    required: true
  build_id:
    description: Name of the new build directory (letters, digits, C(.), C(_), C(+), C(-)).
    type: str
    required: true
  build_key:
    description:
      - Key of this build's inputs (see the skip-published-build role). It is recorded in
        C(build-keys.json) of the repository with the package files the build added; a key
        stays recorded while all its files are in the repository, so a later job with the
        same key can skip building and publishing.
    type: str
    default: ""
  files:
    description:
      - Package files to add; C(.changes) (binary uploads), C(.dsc) (source packages) and
        C(.deb) files for deb, C(.rpm) files for rpm.
    type: list
    elements: path
    default: []
  deb_codename:
    description: Codename of the deb repository distribution.
    type: str
    default: ''
  deb_components:
    description: Components of the deb repository.
    type: list
    elements: str
    default: [main]
  deb_architectures:
    description: Binary architectures of the deb repository (C(source) is always added).
    type: list
    elements: str
    default: [amd64]
  keep:
    description: Number of builds to keep (at least 1).
    type: int
    default: 10
  keep_versions:
    description:
      - rpm only - versions of each package (name and architecture) a build keeps, newest
        first by rpm's own comparison (C(rpm.labelCompare)), the packages this build adds
        always among them; 0 keeps every version ever published. A deb repository keeps
        one (reprepro). Needs rpm's Python bindings where the publisher runs.
    type: int
    default: 3
  lock_timeout:
    description: Seconds to wait for the repository lock.
    type: int
    default: 300
  signing_key:
    description: ASCII-armored OpenPGP secret key that signs the repository; empty for none.
    type: str
    default: ''
  signing_passphrase:
    description: Passphrase of I(signing_key); empty when it has none.
    type: str
    default: ''
  sign_packages:
    description: Also sign the added RPMs with C(rpmsign --addsign) and I(signing_key) (rpm only).
    type: bool
    default: false
  stage:
    description:
      - Make C(builds/<build_id>) as C(current) plus I(files), and check that reprepro's or
        createrepo_c's index of it holds exactly the packages of I(files) at their versions
        and checksums (reprepro skips a version not higher than the one it holds, and exits
        0). A build id that was staged and never promoted (its install check failed) is
        staged anew.
    type: bool
    default: true
  promote:
    description:
      - Point C(current) at C(builds/<build_id>) (atomic rename of a symlink, after the file
        system is flushed). Without I(stage), the build must have been staged with the same
        I(files) by an earlier call; the roles run their install check between the two.
      - When another build became C(current) after this one was staged, this build's own
        packages are staged again on top of it first, so that C(current) keeps both.
    type: bool
    default: true
  check_only:
    description:
      - Only check what a publish would reject (build id, repository directory, signing key
        and passphrase), changing nothing, so that a job fails before it builds.
    type: bool
    default: false
  check_repo_dir:
    description: With I(check_only), check that I(repo_dir) is (or can be made) a writable
      directory; off when the repository is on another host.
    type: bool
    default: true
  repo_url:
    description: The URL that serves I(repo_dir) (http(s) on a repository host); empty means
      C(file://) of I(repo_dir). The consumer files of each build name URLs under it.
    type: str
    default: ''
  upstream_sha:
    description: Upstream commit of the build, recorded in its marker (a build can be found
      by it, see I(pointers)).
    type: str
    default: ''
  distgit_sha:
    description: Distgit commit of the build, recorded in its marker.
    type: str
    default: ''
  version:
    description: Version of the build's packages, recorded in its marker.
    type: str
    default: ''
  pointers:
    description:
      - Names of pointers (C(tested), C(current-passed-ci), any plain name but C(current))
        to move to an existing promoted build, found by I(build_id), else I(build_key),
        else I(upstream_sha) (the newest build of that upstream commit, a prefix of 7 or
        more hex digits). Nothing is staged or built; I(files) is not used.
      - All the named pointers move in one atomic step (C(<name>) is a symlink to
        C(.pointers/<name>), and C(.pointers) is swapped with one rename), and each move is
        appended to C(promotions.json) (pointer, build, previous build, when, who, buildset).
        A build that was staged but never promoted (it failed its checks) or does not exist
        is refused in one line. Rollback is pointing at an older build.
      - Retention never deletes a build a pointer names.
    type: list
    elements: str
    default: []
  promoted_by:
    description: Who moves the pointers (the Zuul change owner, a user), for the history.
    type: str
    default: ''
  buildset:
    description: The Zuul buildset that moves the pointers, for the history.
    type: str
    default: ''
  consumer_name:
    description: Name of the consumer files and of the repository they define; empty means
      C(packaging-<repo_dir's name>). Each build directory gets C(<name>.sources) and
      C(<name>.list) (deb) or C(<name>.repo) (rpm) for the build itself, and the same with
      C(-current) for the current pointer, with the key URL when signed.
    type: str
    default: ''
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Publish the debs of this build
  packaging_publish:
    repo_dir: /srv/repos/deb/bookworm
    format: deb
    build_id: "{{ zuul.build }}"
    files: ["{{ build_deb_binary_changes }}"]
    deb_codename: bookworm
"""

RETURN = r"""
build_dir:
  description: Directory of the new build's repository.
  type: str
  returned: success
current:
  description: Path of the stable pointer.
  type: str
  returned: success
signed_by:
  description: Fingerprint of the signing key, empty when the repository is not signed.
  type: str
  returned: success
staged:
  description: Whether this call staged the build.
  type: bool
  returned: success
promoted:
  description: Whether C(current) points at this build after this call.
  type: bool
  returned: success
rebased_on:
  description: Build id that had become C(current) after this build was staged, and on top of
    which the build was staged again before it was promoted.
  type: str
  returned: when that happened
removed:
  description: Build ids deleted by retention.
  type: list
  elements: str
  returned: success
pointers:
  description: With I(pointers), every pointer of the repository after the move, name to
    build id.
  type: dict
  returned: with pointers
moved:
  description: With I(pointers), the history entries of this move.
  type: list
  elements: dict
  returned: with pointers
batch:
  description: The last build id of the batch this build was published in ('' when alone).
  type: str
  returned: when the publish was queued, waited for the lock or was batched
batch_size:
  description: Number of builds published in that batch.
  type: int
  returned: when the publish was queued, waited for the lock or was batched
lock_wait_s:
  description: Seconds between the start of the publish, or its queueing, and the start of
    the batch that published it.
  type: float
  returned: when the publish was queued, waited for the lock or was batched
"""

BUILD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
MARKER = ".zuul-packaging-build.json"
BUILD_KEYS = "build-keys.json"
POINTER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
POINTERS_LINK = ".pointers"
HISTORY = "promotions.json"
RESERVED = frozenset(("current", "builds", HISTORY, BUILD_KEYS, "index.html"))
SHA_PREFIX = re.compile(r"^[0-9a-f]{7,64}$")


def pool_files(root, fmt):
    """Relative paths of the package files under a build directory."""
    found = set()
    for pool in BACKENDS[fmt].pool_dirs:
        top = os.path.join(root, pool)
        for dirpath, _dirs, names in os.walk(top):
            # dirpath is top or under it: its path relative to root without relpath's cost
            relative = pool + dirpath[len(top):]
            found.update(relative + os.sep + n for n in names)
    return found


def update_build_keys(keys, key, build_id, added, present):
    """The build keys a repository records (skip-unchanged): the earlier ones whose package
    files are all still in it, plus this build's key with the files it added."""
    kept = {k: v for k, v in keys.items()
            if isinstance(v, dict) and set(v.get("files", [])) <= present}
    if key:
        kept[key] = {"build_id": build_id, "files": sorted(added)}
    return kept


def record_key_in_place(build_dir, key, build_id, fmt):
    """Add a key for a build id published again with the same files (under the lock; the
    file is replaced with rename(2), so readers see the old or the new list)."""
    try:
        with open(os.path.join(build_dir, BUILD_KEYS), encoding="utf-8") as handle:
            keys = json.load(handle)
    except (OSError, ValueError):
        keys = {}
    if isinstance(keys, dict) and key in keys:
        return False
    previous = [v for v in (keys.values() if isinstance(keys, dict) else [])
                if isinstance(v, dict) and v.get("build_id") == build_id]
    files = previous[0].get("files", []) if previous else []
    write_build_keys(build_dir, key, build_id, set(files), fmt)
    BuildIndex(os.path.dirname(os.path.dirname(build_dir))).add_key(key, build_id)
    return True


def write_build_keys(staging, key, build_id, added, fmt):
    path = os.path.join(staging, BUILD_KEYS)
    try:
        with open(path, encoding="utf-8") as handle:
            keys = json.load(handle)
    except (OSError, ValueError):
        keys = {}
    keys = update_build_keys(keys if isinstance(keys, dict) else {}, key, build_id, added,
                             pool_files(staging, fmt))
    write_json(path, keys)  # never through a hard link into the previous build


class PublishError(Exception):
    """A publish failure with a message that names its cause."""


def validate_build_id(build_id):
    if not BUILD_ID.match(build_id or "") or ".." in build_id:
        raise PublishError(
            "build_id %r is not a plain name (letters, digits, '.', '_', '+', '-')" % build_id)
    return build_id


def plan_retention(builds, current, keep, named=()):
    """Build ids to delete: all but the keep newest, never current nor a build a pointer
    names (pure).

    builds is a list of (build_id, published_at) pairs.
    """
    if keep < 1:
        raise PublishError("keep must be at least 1, got %d" % keep)
    newest_first = sorted(builds, key=lambda item: (item[1], item[0]), reverse=True)
    kept = {build_id for build_id, _ in newest_first[:keep]} | set(named)
    return sorted(build_id for build_id, _ in builds
                  if build_id not in kept and build_id != current)


def validate_pointers(names):
    """The pointer names, checked: plain names, not current or a file of the repository,
    each once (pure)."""
    if not names:
        raise PublishError("no pointer to move: pointers is empty")
    for name in names:
        if not POINTER.match(name or "") or name in RESERVED or ".." in name:
            raise PublishError(
                "pointer name %s is not a plain name (letters, digits, '.', '_', '-') other than "
                "%s" % (json.dumps(name), ", ".join(sorted(RESERVED))))
    if len(set(names)) != len(names):
        raise PublishError("pointer names repeat: %s" % ", ".join(names))
    return list(names)


def read_pointers(repo_dir):
    """{pointer: build id} of the repository's named pointers (pure read)."""
    top = os.path.join(repo_dir, POINTERS_LINK)
    if not os.path.isdir(top):
        return {}
    found = {}
    for name in sorted(os.listdir(top)):
        link = os.path.join(top, name)
        if os.path.islink(link):
            found[name] = os.path.basename(os.readlink(link))
    return found


def find_build(repo_dir, build_id="", build_key="", upstream_sha=""):
    """The build id of a build of the repository, by id, build key or upstream commit (the
    newest build of it); PublishError naming what was looked for when there is none, or when
    the build was staged and never promoted (it failed its checks). Keys and commits are
    looked up in the repository's build index (BuildIndex), never by reading every build."""
    builds_dir = os.path.join(repo_dir, "builds")
    if build_id:
        wanted, what = [validate_build_id(build_id)], "build %s" % build_id
    elif build_key or upstream_sha:
        if upstream_sha and not SHA_PREFIX.match(upstream_sha):
            raise PublishError("upstream commit %s is not 7 to 64 lowercase hex digits" % (
                json.dumps(upstream_sha)))
        what = ("a build with build key %s" % build_key if build_key
                else "a build of upstream commit %s" % upstream_sha)
        index = BuildIndex(repo_dir)
        names = index.builds_of_key(build_key) if build_key else index.builds_of_commit(
            upstream_sha)
        candidates = []
        for name in names:
            marker = read_marker(os.path.join(builds_dir, name))
            if not marker:
                continue  # deleted since; the marker is the truth
            if build_key and not (marker.get("build_key") == build_key or (
                    _keys_of(os.path.join(builds_dir, name)).get(build_key, {}).get("build_id")
                    == name)):
                continue
            if not build_key and not marker.get("upstream_sha", "").startswith(upstream_sha):
                continue
            candidates.append((marker.get("published_at", 0.0), name))
        wanted = [name for _, name in sorted(candidates, reverse=True)]
    else:
        raise PublishError("say which build the pointers move to: build_id, build_key or "
                           "upstream_sha")
    for name in wanted:
        marker = read_marker(os.path.join(builds_dir, name))
        if marker is None:
            break
        if promoted(marker):
            return name
        raise PublishError(
            "%s in %s was staged but never promoted (it failed its checks); a pointer only "
            "names a build that passed them" % (
                "build %s" % name if build_id else "%s (build %s)" % (what, name), repo_dir))
    raise PublishError("%s is not published in %s; pointers never rebuild, publish it "
                       "first" % (what, repo_dir))


def _keys_of(build_dir):
    try:
        with open(os.path.join(build_dir, BUILD_KEYS), encoding="utf-8") as handle:
            keys = json.load(handle)
    except (OSError, ValueError):
        return {}
    return keys if isinstance(keys, dict) else {}


def swap_pointers(repo_dir, updates):
    """Move the pointers of updates ({name: build id}) in one rename: the pointers live in a
    generation directory .pointers.<n>/<name> -> ../builds/<id>, each <name> at the top is a
    symlink to .pointers/<name>, and .pointers is a symlink to the generation, replaced with
    rename(2). A reader sees every pointer before the move or every pointer after it."""
    pointers = dict(read_pointers(repo_dir), **updates)
    for name in updates:
        top = os.path.join(repo_dir, name)
        if os.path.lexists(top) and not (os.path.islink(top) and os.readlink(top) == os.path.join(
                POINTERS_LINK, name)):
            raise PublishError("%s exists and is not a pointer; move it away" % top)
    generation = tempfile.mkdtemp(prefix=POINTERS_LINK + ".", dir=repo_dir)
    os.chmod(generation, 0o755)
    for name, build_id in sorted(pointers.items()):
        os.symlink(os.path.join("..", "builds", build_id), os.path.join(generation, name))
    sync_filesystem(generation)
    temporary = os.path.join(repo_dir, POINTERS_LINK + ".new.%d" % os.getpid())
    if os.path.lexists(temporary):
        os.unlink(temporary)
    os.symlink(os.path.basename(generation), temporary)
    os.replace(temporary, os.path.join(repo_dir, POINTERS_LINK))
    for name in updates:
        top = os.path.join(repo_dir, name)
        if not os.path.lexists(top):
            os.symlink(os.path.join(POINTERS_LINK, name), top)
    for name in os.listdir(repo_dir):
        old = os.path.join(repo_dir, name)
        if (name.startswith(POINTERS_LINK + ".") and old != generation and os.path.isdir(old)
                and not os.path.islink(old)):
            shutil.rmtree(old, ignore_errors=True)
    return pointers


def read_history(repo_dir):
    try:
        with open(os.path.join(repo_dir, HISTORY), encoding="utf-8") as handle:
            history = json.load(handle)
    except (OSError, ValueError):
        return []
    return history if isinstance(history, list) else []


def index_row(name, marker, named):
    return cached_row(BuildIndex.row(name, marker), named)


def cached_row(row, named):
    """A row of index.html from what the build index keeps of a build (pure)."""
    return dict(row, state="promoted" if row.get("promoted") else "staged (not promoted)",
                pointers=sorted(named.get(row["build_id"], []),
                                key=lambda p: (p != "current", p)))


def index_rows(repo_dir, limit=None):
    """The newest limit (INDEX_ROWS) builds of the repository and every build a pointer
    names, newest first, with what their markers say and which pointers (current among them)
    name them, and the number of builds (a read of the repository's build index: the newest
    entries of its log, never every build)."""
    limit = INDEX_ROWS if limit is None else limit
    builds_dir = os.path.join(repo_dir, "builds")
    named = {}
    pointers = dict(read_pointers(repo_dir))
    if os.path.islink(os.path.join(repo_dir, "current")):
        pointers["current"] = os.path.basename(os.readlink(os.path.join(repo_dir, "current")))
    for pointer, build_id in pointers.items():
        named.setdefault(build_id, []).append(pointer)
    index = BuildIndex(repo_dir)
    rows, seen = [], set()
    cached = index.rows()
    if cached is not None and len(cached) >= min(limit, index.state["live"]):
        rows = [cached_row(row, named) for row in cached[:limit]]
        seen = {row["build_id"] for row in rows}
    for at, name in () if cached is not None and rows else index.newest():
        if len(rows) >= limit:
            break
        if name in seen:
            continue
        seen.add(name)
        marker = read_marker(os.path.join(builds_dir, name))
        if marker and marker.get("published_at", 0.0) == at:
            rows.append(index_row(name, marker, named))
    for name in sorted(set(named) - seen):  # older builds a pointer names
        marker = read_marker(os.path.join(builds_dir, name))
        if marker:
            rows.append(index_row(name, marker, named))
    rows.sort(key=lambda r: (r["published_at"], r["build_id"]), reverse=True)
    return rows, index.state["live"]


def row_cells(row):
    """The escaped cells of a build's row in index.html that never change: build, version,
    commits and date (pure; the build index keeps them with the row)."""
    esc = html.escape
    published = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(row["published_at"])) \
        if row["published_at"] else ""
    return ('<tr><td><a href="builds/%s/">%s</a></td><td>%s</td><td><code>%s</code></td>'
            "<td><code>%s</code></td><td>%s</td>" % (
                esc(row["build_id"], True), esc(row["build_id"]), esc(row["version"]),
                esc(row["upstream_sha"][:12]), esc(row["distgit_sha"][:12]), published))


def render_index(title, rows, history, total=None):
    """index.html of a repository: its builds over time and its promotions (pure; every
    value is escaped). With total above the rows shown, a line says how many builds there
    are and where all of them are; the newest INDEX_ROWS promotions are shown."""
    esc = html.escape
    lines = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>%s</title>" % esc(title),
             "<style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:left}"
             "code{font-size:90%}</style></head><body>",
             "<h1>%s</h1>" % esc(title),
             "<p>Pointers: %s</p>" % (", ".join(
                 '<a href="%s/">%s</a>' % (esc(p, True), esc(p))
                 for p in sorted({p for r in rows for p in r["pointers"]})) or "none"),
             "<h2>Builds</h2>"]
    if total is not None and total > len(rows):
        lines.append('<p>The newest builds and the ones a pointer names: %d of %d; every '
                     'build is under <a href="builds/">builds/</a>.</p>' % (len(rows), total))
    lines.append("<table><tr><th>Build</th><th>Version</th><th>Upstream</th>"
                 "<th>Distgit</th><th>Published</th><th>State</th><th>Pointers</th></tr>")
    for row in rows:
        lines.append("%s<td>%s</td><td>%s</td></tr>" % (
            row.get("cells") or row_cells(row), esc(row["state"]),
            esc(", ".join(row["pointers"]))))
    lines += ["</table>", "<h2>Promotions</h2>", "<table><tr><th>When</th><th>Pointer</th>"
              "<th>Build</th><th>Previous</th><th>By</th><th>Buildset</th></tr>"]
    for entry in list(reversed(history))[:INDEX_ROWS]:
        lines.append("<tr>%s</tr>" % "".join("<td>%s</td>" % esc(str(entry.get(k, ""))) for k in (
            "at", "pointer", "build_id", "previous", "by", "buildset")))
    lines += ["</table>", '<p><a href="%s">%s</a> (JSON, every promotion)</p>' % (
        HISTORY, HISTORY), "</body></html>", ""]
    return "\n".join(lines)


def write_index(repo_dir):
    """Regenerate index.html (call under the lock); an index that cannot be written never
    fails a publish (it only describes the repository)."""
    try:
        rows, total = index_rows(repo_dir)
        write_text(os.path.join(repo_dir, "index.html"), render_index(
            os.path.basename(repo_dir.rstrip("/")), rows, read_history(repo_dir), total))
        return True
    except OSError:
        return False


def point(params):
    """Move named pointers to a promoted build, under the repository lock (see pointers in
    DOCUMENTATION); returns the module's result."""
    repo_dir = params["repo_dir"]
    names = validate_pointers(params["pointers"])
    BACKENDS[params["format"]].validate(params)
    if not os.path.isdir(os.path.join(repo_dir, "builds")):
        raise PublishError("%s holds no builds: nothing to point at" % repo_dir)
    with Lock(os.path.join(repo_dir, ".lock"), params["lock_timeout"]):
        build_id = find_build(repo_dir, params.get("build_id", ""),
                              params.get("build_key", ""), params.get("upstream_sha", ""))
        before = read_pointers(repo_dir)
        marker = read_marker(os.path.join(repo_dir, "builds", build_id)) or {}
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        moved = [{"pointer": name, "build_id": build_id, "previous": before.get(name, ""),
                  "at": when, "by": params.get("promoted_by", ""),
                  "buildset": params.get("buildset", ""), "version": marker.get("version", ""),
                  "upstream_sha": marker.get("upstream_sha", "")}
                 for name in names if before.get(name) != build_id]
        if not moved:
            return {"changed": False, "build_id": build_id, "pointers": before, "moved": [],
                    "build_dir": os.path.join(repo_dir, "builds", build_id), "removed": []}
        pointers = swap_pointers(repo_dir, {name: build_id for name in names})
        write_json(os.path.join(repo_dir, HISTORY), read_history(repo_dir) + moved)
        for filename, text in pointer_consumer_files(
                params, {name: build_id for name in names}).items():
            write_text(os.path.join(repo_dir, filename), text)
        write_index(repo_dir)
    return {"changed": True, "build_id": build_id, "pointers": pointers, "moved": moved,
            "build_dir": os.path.join(repo_dir, "builds", build_id), "removed": []}


def deb_distributions(codename, components, architectures, sign_with=""):
    """reprepro conf/distributions text (pure)."""
    archs = list(dict.fromkeys(list(architectures) + ["source"]))
    return "".join([
        "Origin: zuul-packaging\n",
        "Label: zuul-packaging\n",
        "Codename: %s\n" % codename,
        "Suite: %s\n" % codename,
        "Components: %s\n" % " ".join(components),
        "Architectures: %s\n" % " ".join(archs),
        "Description: continuous packaging snapshots\n",
    ] + (["SignWith: %s\n" % sign_with] if sign_with else []))


SIGN_SCRIPT = """#!/bin/sh
# reprepro SignWith hook: $1 unsigned Release, $2 InRelease to write, $3 Release.gpg to write
set -e
sign() { gpg --batch --yes --quiet --pinentry-mode loopback \\
  --passphrase-file "$GNUPGHOME/passphrase" --local-user "%s" "$@"; }
if [ -n "$2" ]; then sign --clearsign --output "$2" "$1"; fi
if [ -n "$3" ]; then sign --armor --detach-sign --output "$3" "$1"; fi
"""


def write_reprepro_conf(staging, codename, components, archs, signer):
    """conf/distributions of a staging copy; the environment reprepro runs with (the
    signer's GNUPGHOME when the repository is signed)."""
    signed = bool(signer.fingerprint)
    conf = os.path.join(staging, "conf")
    os.makedirs(conf, exist_ok=True)
    sign_with = "! " + os.path.join(signer.home, "sign-release") if signed else ""
    with open(os.path.join(conf, "distributions"), "w", encoding="utf-8") as handle:
        handle.write(deb_distributions(codename, components, archs, sign_with))
    return {"GNUPGHOME": signer.home} if signed else None

def secret_fingerprints(colons):
    """Fingerprints of the secret primary keys in gpg --with-colons output (pure)."""
    fingerprints, primary = [], False
    for line in colons.splitlines():
        fields = line.split(":")
        if fields[0] == "sec":
            primary = True
        elif fields[0] == "ssb":
            primary = False
        elif fields[0] == "fpr" and primary:
            fingerprints.append(fields[9])
            primary = False
    return fingerprints


# reasons of gpg's INV_SGNR status, and gpg-error codes of its FAILURE status (GnuPG's
# doc/DETAILS and libgpg-error's err-codes)
INVALID_SIGNER = {"3": "the key cannot sign (wrong key usage)", "4": "the key is revoked",
                  "5": "the key expired", "13": "the key is disabled"}
WRONG_PASSPHRASE = {11, 177}  # GPG_ERR_BAD_PASSPHRASE, GPG_ERR_NO_PASSPHRASE
VALIDITY = {"e": "the key expired", "r": "the key is revoked", "d": "the key is disabled"}


def key_validity(colons):
    """Validity field of the first secret primary key in gpg --with-colons output (pure)."""
    for line in colons.splitlines():
        fields = line.split(":")
        if fields[0] == "sec":
            return fields[1]
    return ""


def gpg_failure(status, stderr, validity=""):
    """Why gpg could not sign, from its --status-fd tokens and the key's validity field, not
    from its messages (pure)."""
    tokens = {}
    for line in status.splitlines():
        if line.startswith("[GNUPG:] "):
            name, _, rest = line[9:].partition(" ")
            tokens.setdefault(name, rest)
    failure = tokens.get("FAILURE", "").split(" ")[-1]
    code = int(failure) & 0xFFFF if failure.isdigit() else None
    if "BAD_PASSPHRASE" in tokens or "MISSING_PASSPHRASE" in tokens or code in WRONG_PASSPHRASE:
        return "wrong passphrase"
    if validity in VALIDITY:
        return VALIDITY[validity]
    if "KEYEXPIRED" in tokens:
        return VALIDITY["e"]
    if "INV_SGNR" in tokens:
        reason = tokens["INV_SGNR"].split(" ")[0]
        return INVALID_SIGNER.get(reason, "gpg rejects the key (INV_SGNR %s)" % reason)
    if "FAILURE" in tokens:
        return "gpg failed (FAILURE %s)" % tokens["FAILURE"]
    lines = stderr.strip().splitlines()
    return lines[-1] if lines else "gpg failed"


class Signer:
    """A temporary GnuPG home holding one signing key; removed on exit, whatever happens."""

    def __init__(self, key, passphrase):
        self.key, self.passphrase = key, passphrase
        self.home = self.fingerprint = None

    def gpg(self, *args, data=None):
        proc = subprocess.run(["gpg", "--batch", "--no-tty", "--homedir", self.home, *args],
                              input=data, capture_output=True, text=True, check=False,
                              env=dict(os.environ, GNUPGHOME=self.home, LC_ALL="C"))
        return proc.returncode, proc.stdout, proc.stderr

    def __enter__(self):
        self.home = tempfile.mkdtemp(prefix="packaging-gpg-")
        try:
            self.setup()
        except BaseException:
            self.close()
            raise
        return self

    def setup(self):
        rc, _, _ = self.gpg("--import", data=self.key)
        rc, out, _ = self.gpg("--with-colons", "--list-secret-keys")
        found = secret_fingerprints(out)
        if rc != 0 or len(found) != 1:
            raise PublishError("signing key: not one ASCII-armored OpenPGP secret key (found %d "
                               "secret keys)" % len(found))
        self.fingerprint = found[0]
        passphrase = os.path.join(self.home, "passphrase")
        with open(os.open(passphrase, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
            handle.write(self.passphrase)
        # never --output /dev/null: gpg renames its output over the target
        probe = os.path.join(self.home, "probe")
        with open(probe, "w", encoding="utf-8") as handle:
            handle.write("probe\n")
        rc, status, err = self.gpg("--status-fd", "1", "--pinentry-mode", "loopback",
                                   "--passphrase-file", passphrase, "--local-user",
                                   self.fingerprint, "--armor", "--detach-sign",
                                   "--output", probe + ".asc", probe)
        if rc != 0:
            raise PublishError("signing key %s cannot sign: %s" % (
                self.fingerprint, gpg_failure(status, err, key_validity(out))))
        script = os.path.join(self.home, "sign-release")
        with open(script, "w", encoding="utf-8") as handle:
            handle.write(SIGN_SCRIPT % self.fingerprint)
        os.chmod(script, 0o700)

    def export_public(self, path):
        rc, out, err = self.gpg("--armor", "--export", self.fingerprint)
        if rc != 0 or not out:
            raise PublishError("signing key %s: export of the public key failed: %s" % (
                self.fingerprint, err.strip()))
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(out)

    def detach_sign(self, path):
        rc, _, err = self.gpg("--yes", "--pinentry-mode", "loopback", "--passphrase-file",
                              os.path.join(self.home, "passphrase"), "--local-user",
                              self.fingerprint, "--armor", "--detach-sign", "--output",
                              path + ".asc", path)
        if rc != 0:
            raise PublishError("signing %s failed: %s" % (path, err.strip()))

    def sign_rpms(self, paths, run):
        """rpmsign --addsign with this key; the passphrase goes through a file, never argv."""
        extra = "--batch --pinentry-mode loopback --passphrase-file %s" % os.path.join(
            self.home, "passphrase")
        gpg = shutil.which("gpg") or "gpg"  # rpm's default %__gpg is gpg2, absent on Debian
        run(["rpmsign", "--addsign", "--define", "__gpg %s" % gpg,
             "--define", "_gpg_path %s" % self.home,
             "--define", "_gpg_name %s" % self.fingerprint,
             "--define", "_gpg_sign_cmd_extra_args %s" % extra, *paths],
            {"GNUPGHOME": self.home})

    def close(self):
        if self.home:
            subprocess.run(["gpgconf", "--homedir", self.home, "--kill", "all"],
                           capture_output=True, check=False)
            shutil.rmtree(self.home, ignore_errors=True)

    def __exit__(self, *exc):
        self.close()


class NoSigner:
    fingerprint = ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


class Lock:
    def __init__(self, path, timeout):
        self.path, self.timeout, self.handle = path, timeout, None

    def __enter__(self):
        self.handle = open(self.path, "a+")
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    self.handle.close()
                    raise PublishError("could not take the repository lock %s within %d s" % (
                        self.path, self.timeout)) from exc
                time.sleep(0.2)

    def __exit__(self, *exc):
        self.release()

    def take(self):
        """Take the lock if it is free, without waiting; whether it was taken."""
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.close()
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            return False
        self.handle = handle
        return True

    def release(self):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
        self.handle = None


def seed_copy(source, target, fmt):
    """Copy a published build as the start of a new one; package files are hard-linked."""
    pools = BACKENDS[fmt].pool_dirs

    def copy_from(base, src, dst):
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
            return dst
        relative = os.path.relpath(src, base)
        if relative.split(os.sep)[0] in pools:
            try:
                os.link(src, dst)
                return dst
            except OSError:
                pass
        return shutil.copy2(src, dst)

    batches = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(source))), BATCHES)
    os.makedirs(target)
    for entry in os.listdir(source):
        if entry in (MARKER, REFS):
            continue
        path = os.path.join(source, entry)
        real = os.path.realpath(path)
        if os.path.islink(path) and os.path.dirname(os.path.dirname(real)) == batches:
            # a member of a batch links to the batch's shared repository: copy that
            source_of = os.path.dirname(real)
        else:
            source_of = source
            real = path
        if os.path.isdir(real) and not os.path.islink(real):
            shutil.copytree(real, os.path.join(target, entry), symlinks=True,
                            copy_function=lambda src, dst, base=source_of: copy_from(
                                base, src, dst))
        else:
            copy_from(source_of, real, os.path.join(target, entry))
    shutil.copystat(source, target)


def drop_signatures(staging, relatives):
    """An unsigned build must not carry signatures or keys copied from a signed one."""
    for relative in relatives:
        path = os.path.join(staging, relative)
        if os.path.lexists(path):
            os.unlink(path)


def read_marker(build_dir):
    try:
        with open(os.path.join(build_dir, MARKER), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


STALE_STAGED_SECONDS = 86400


def promoted(marker):
    """Whether a build was promoted; one published before builds were staged (its marker has
    no seeded_from) was promoted when it was published (pure)."""
    return bool(marker.get("promoted_at")) or "seeded_from" not in marker


def list_builds(builds_dir, now=None):
    """(build_id, published_at) of the builds retention may delete. A build staged and never
    promoted (its check failed) counts as the oldest once it is a day old; a younger one may
    be another publisher's between its stage and its promote, and is not listed."""
    now = time.time() if now is None else now
    found = []
    for name in os.listdir(builds_dir) if os.path.isdir(builds_dir) else []:
        if name.startswith("."):
            continue
        marker = read_marker(os.path.join(builds_dir, name))
        if not marker:
            found.append((name, 0.0))
        elif promoted(marker):
            found.append((name, marker.get("published_at", 0.0)))
        elif marker.get("published_at", 0.0) < now - STALE_STAGED_SECONDS:
            found.append((name, 0.0))
    return found


INDEX = ".index"
INDEX_VERSION = 1
LOG_CHUNK = 64
INDEX_ROWS = 25
REFS = ".batch-refs"
BATCHES = ".batches"


def read_json(path, default):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


class BuildIndex:
    """What the publisher finds builds by, kept up to date under the repository lock so that
    no step reads every build (<repo_dir>/.index):

    keys/<sha256 of a build key>.json   {"key": key, "builds": [build ids]}
    upstream/<7 hex digits>.json        {upstream commit: [build ids]}
    log/<n>.json                        [[published_at, build id], ...] in the order builds
                                        were staged, LOG_CHUNK a file: the oldest at the front
                                        (retention), the newest at the back (index.html)
    state.json                          the log's first and last file, the number of builds
                                        (live) and the staged, never promoted ones
    rows.json                           what index.html shows of the newest builds

    The markers stay the truth: an entry whose build is gone or was staged again later is
    skipped. A repository published before the index gets one from its markers, once."""

    def __init__(self, repo_dir):
        self.repo_dir = repo_dir
        self.top = os.path.join(repo_dir, INDEX)
        self.builds_dir = os.path.join(repo_dir, "builds")
        self._state = None

    @property
    def state(self):
        if self._state is None:
            state = read_json(os.path.join(self.top, "state.json"), None)
            if not (isinstance(state, dict) and state.get("version") == INDEX_VERSION):
                state = self.rebuild()
            self._state = state
        return self._state

    def rebuild(self):
        """The index from every build's marker (a repository from before the index, or one
        whose builds were removed by hand)."""
        entries = []
        names = os.listdir(self.builds_dir) if os.path.isdir(self.builds_dir) else []
        for name in names:
            if name.startswith("."):
                continue
            marker = read_marker(os.path.join(self.builds_dir, name)) or {}
            entries.append((marker.get("published_at", 0.0), name, marker))
        entries.sort(key=lambda entry: (entry[0], entry[1]))
        keys, commits, staged = {}, {}, {}
        for at, name, marker in entries:
            if marker.get("build_key"):
                keys.setdefault(marker["build_key"], []).append(name)
            if SHA_PREFIX.match(marker.get("upstream_sha", "")):
                commits.setdefault(marker["upstream_sha"][:7], {}).setdefault(
                    marker["upstream_sha"], []).append(name)
            if marker and not promoted(marker):
                staged[name] = at
        # keys recorded for a build id published again: the current build lists them all
        current = os.path.join(self.repo_dir, "current")
        for key, record in _keys_of(current).items():
            if isinstance(record, dict) and record.get("build_id") in names and (
                    record["build_id"] not in keys.get(key, [])):
                keys.setdefault(key, []).append(record["build_id"])
        fresh = tempfile.mkdtemp(prefix=INDEX + ".new.", dir=self.repo_dir)
        os.chmod(fresh, 0o755)
        for sub in ("keys", "upstream", "log"):
            os.mkdir(os.path.join(fresh, sub))
        for key, builds in keys.items():
            write_json(os.path.join(fresh, "keys", self.key_file(key)),
                       {"key": key, "builds": builds})
        for prefix, found in commits.items():
            write_json(os.path.join(fresh, "upstream", prefix + ".json"), found)
        chunks = [entries[i:i + LOG_CHUNK] for i in range(0, len(entries), LOG_CHUNK)] or [[]]
        for number, chunk in enumerate(chunks):
            write_json(os.path.join(fresh, "log", "%08d.json" % number),
                       [[at, name] for at, name, _ in chunk])
        state = {"version": INDEX_VERSION, "first": 0, "last": len(chunks) - 1,
                 "live": len(entries), "staged": staged}
        write_json(os.path.join(fresh, "state.json"), state)
        newest = sorted(entries, key=lambda e: (e[0], e[1]), reverse=True)[:INDEX_ROWS + 8]
        write_json(os.path.join(fresh, "rows.json"),
                   [self.row(name, marker) for _, name, marker in newest if marker])
        old = self.top + ".old.%d" % os.getpid()
        if os.path.lexists(self.top):
            os.rename(self.top, old)
        os.rename(fresh, self.top)
        shutil.rmtree(old, ignore_errors=True)
        return state

    @staticmethod
    def row(build_id, marker):
        """What index.html shows of a build (pure)."""
        row = {"build_id": build_id, "version": marker.get("version", ""),
               "upstream_sha": marker.get("upstream_sha", ""),
               "distgit_sha": marker.get("distgit_sha", ""),
               "published_at": marker.get("published_at", 0.0),
               "promoted": promoted(marker)}
        row["cells"] = row_cells(row)
        return row

    def rows(self):
        """The rows of the newest builds, newest first (None when there is no such file)."""
        self.state  # noqa: B018  a repository from before the index gets one first
        rows = read_json(os.path.join(self.top, "rows.json"), None)
        return rows if isinstance(rows, list) else None

    def save_rows(self, rows):
        rows.sort(key=lambda r: (r.get("published_at", 0.0), r.get("build_id", "")),
                  reverse=True)
        write_json(os.path.join(self.top, "rows.json"), rows[:INDEX_ROWS + 8])

    @staticmethod
    def key_file(key):
        return hashlib.sha256(key.encode("utf-8")).hexdigest() + ".json"

    def save(self):
        write_json(os.path.join(self.top, "state.json"), self.state)

    def chunk_path(self, number):
        return os.path.join(self.top, "log", "%08d.json" % number)

    def chunk(self, number):
        entries = read_json(self.chunk_path(number), [])
        return entries if isinstance(entries, list) else []

    def builds_of_key(self, key):
        self.state  # noqa: B018  a repository from before the index gets one first
        found = read_json(os.path.join(self.top, "keys", self.key_file(key)), {})
        if not isinstance(found, dict) or found.get("key") != key:
            return []
        return list(found.get("builds", []))

    def builds_of_commit(self, prefix):
        self.state  # noqa: B018  a repository from before the index gets one first
        found = read_json(os.path.join(self.top, "upstream", prefix[:7] + ".json"), {})
        if not isinstance(found, dict):
            return []
        return [name for sha, names in found.items() if sha.startswith(prefix) for name in names]

    def _edit(self, sub, filename, change, default):
        path = os.path.join(self.top, sub, filename)
        data = read_json(path, default)
        data = change(data if isinstance(data, type(default)) else default)
        if data:
            write_json(path, data)
        elif os.path.lexists(path):
            os.unlink(path)

    def add_key(self, key, build_id):
        def change(data):
            builds = data.get("builds", []) if data.get("key") == key else []
            return {"key": key, "builds": builds + ([build_id] if build_id not in builds else [])}
        self._edit("keys", self.key_file(key), change, {})

    def add(self, build_id, marker, new):
        """Record a build just staged (new: its id was not a build of the repository)."""
        state = self.state
        last = self.chunk(state["last"])
        if len(last) >= LOG_CHUNK:
            state["last"] += 1
            last = []
        last.append([marker.get("published_at", 0.0), build_id])
        write_json(self.chunk_path(state["last"]), last)
        if new:
            state["live"] += 1
        if promoted(marker):
            state["staged"].pop(build_id, None)
        else:
            state["staged"][build_id] = marker.get("published_at", 0.0)
        if marker.get("build_key"):
            self.add_key(marker["build_key"], build_id)
        sha = marker.get("upstream_sha", "")
        if SHA_PREFIX.match(sha):
            def change(data):
                names = data.get(sha, [])
                return dict(data, **{sha: names + ([build_id] if build_id not in names else [])})
            self._edit("upstream", sha[:7] + ".json", change, {})
        self.save()
        rows = [r for r in self.rows() or [] if r.get("build_id") != build_id]
        self.save_rows(rows + [self.row(build_id, marker)])

    def promoted(self, build_id):
        if self.state["staged"].pop(build_id, None) is not None:
            self.save()
        rows = self.rows() or []
        for row in rows:
            if row.get("build_id") == build_id:
                row["promoted"] = True
        self.save_rows(rows)

    def removed(self, build_id, marker):
        """Forget a build retention deleted (a key recorded for it in place stays listed:
        lookups check the marker)."""
        state = self.state
        state["live"] = max(0, state["live"] - 1)
        state["staged"].pop(build_id, None)
        rows = self.rows() or []
        if any(r.get("build_id") == build_id for r in rows):
            self.save_rows([r for r in rows if r.get("build_id") != build_id])
        key = marker.get("build_key", "")
        if key:
            self._edit("keys", self.key_file(key), lambda data: {
                "key": key, "builds": [b for b in data.get("builds", []) if b != build_id]}
                if [b for b in data.get("builds", []) if b != build_id] else {}, {})
        sha = marker.get("upstream_sha", "")
        if SHA_PREFIX.match(sha):
            def change(data):
                names = [b for b in data.get(sha, []) if b != build_id]
                return {k: v for k, v in dict(data, **{sha: names}).items() if v}
            self._edit("upstream", sha[:7] + ".json", change, {})

    def newest(self):
        """(published_at, build id) of the log, newest first (read lazily, file by file)."""
        state = self.state
        for number in range(state["last"], state["first"] - 1, -1):
            yield from reversed(self.chunk(number))

    def oldest(self):
        """(file number, entries) of the log, oldest file first."""
        state = self.state
        for number in range(state["first"], state["last"] + 1):
            yield number, self.chunk(number)


def retainable(builds_dir, name, at, marker, now):
    """(build id, published_at) as list_builds lists it, or None: a build retention never
    deletes now (staged less than a day ago), or a log entry that is not the build's latest
    (it was staged again later) (pure but for the directory check)."""
    if not marker:
        return (name, 0.0) if os.path.isdir(os.path.join(builds_dir, name)) else None
    if marker.get("published_at", 0.0) != at:
        return None
    if promoted(marker):
        return (name, at)
    if marker.get("published_at", 0.0) < now - STALE_STAGED_SECONDS:
        return (name, 0.0)
    return None


def apply_retention(repo_dir, current, keep, now=None):
    """Delete the builds plan_retention would delete, reading only the oldest entries of the
    build index's log: the builds beyond keep, the ones pointers name and the staged ones,
    never every build (call under the lock). Returns the deleted build ids."""
    if keep < 1:
        raise PublishError("keep must be at least 1, got %d" % keep)
    now = time.time() if now is None else now
    builds_dir = os.path.join(repo_dir, "builds")
    index = BuildIndex(repo_dir)
    state = index.state
    if state["live"] <= keep:
        return []
    named = set(read_pointers(repo_dir).values())
    budget = state["live"] - keep + len(named) + len(state["staged"]) + 2
    window, markers, seen, rewritten = [], {}, set(), {}
    for number, entries in index.oldest():
        kept = []
        for position, (at, name) in enumerate(entries):
            if len(seen) >= budget:  # the rest of the log is newer: kept as it is
                kept.extend(entries[position:])
                break
            if name in markers:
                marker = markers[name]
            else:
                marker = markers[name] = read_marker(os.path.join(builds_dir, name))
            if marker is None and not os.path.isdir(os.path.join(builds_dir, name)):
                continue  # deleted before (a stale entry)
            if marker is not None and marker.get("published_at", 0.0) != at:
                continue  # staged again later: that entry counts
            kept.append([at, name])
            seen.add(name)
            found = retainable(builds_dir, name, at, marker, now)
            if found:
                window.append(found)
        if len(kept) != len(entries):
            rewritten[number] = kept
        if len(seen) >= budget:
            break
    for name, at in state["staged"].items():  # a stale staged build counts as the oldest
        if name not in seen:
            marker = read_marker(os.path.join(builds_dir, name))
            seen.add(name)
            found = retainable(builds_dir, name, at, marker, now) if marker else None
            if found:
                window.append(found)
    newer = max(0, state["live"] - len(seen))  # promoted builds after the window
    keep_here = keep - newer
    if keep_here >= 1:
        removed = plan_retention(window, current, keep_here, named)
    else:
        removed = sorted(b for b, _ in window if b != current and b not in named)
    for name in removed:
        remove_build(index, builds_dir, name)
    gone = set(removed)
    for number in range(state["first"], (max(rewritten) if rewritten else state["first"]) + 1):
        entries = rewritten.get(number, index.chunk(number))
        entries = [entry for entry in entries if entry[1] not in gone]
        if entries or number == state["last"]:
            write_json(index.chunk_path(number), entries)
        elif os.path.lexists(index.chunk_path(number)):
            os.unlink(index.chunk_path(number))
    while state["first"] < state["last"] and not os.path.exists(
            index.chunk_path(state["first"])):
        state["first"] += 1
    index.save()
    return removed


def remove_build(index, builds_dir, name):
    """Delete one build and forget it; a batch's shared repository (.batches/<id>) goes
    with the last of its members (each holds a hard link of the shared REFS file)."""
    path = os.path.join(builds_dir, name)
    marker = read_marker(path) or {}
    content = marker.get("content", "")
    if os.path.lexists(path):
        shutil.rmtree(path)
    if content and BUILD_ID.match(content) and ".." not in content:
        shared = os.path.join(os.path.dirname(builds_dir), BATCHES, content)
        refs = os.path.join(shared, REFS)
        if os.path.isfile(refs) and os.stat(refs).st_nlink <= 1:
            shutil.rmtree(shared, ignore_errors=True)
    index.removed(name, marker)


def swap_pointer(repo_dir, build_id):
    current = os.path.join(repo_dir, "current")
    temporary = os.path.join(repo_dir, ".current.%d" % os.getpid())
    if os.path.lexists(temporary):
        os.unlink(temporary)
    os.symlink(os.path.join("builds", build_id), temporary)
    os.replace(temporary, current)
    return current


def current_target(repo_dir):
    """Build id current points at, None when there is no current (pure read)."""
    current = os.path.join(repo_dir, "current")
    if not os.path.islink(current):
        if os.path.lexists(current):
            raise PublishError(
                "%s is not a symlink to a build (a copied repository?): move it away, the "
                "publisher makes current itself" % current)
        return None
    return os.path.basename(os.readlink(current))


def check_repo_dir(repo_dir):
    """Fail unless repo_dir exists as a writable directory or can be made (nothing made)."""
    path = os.path.abspath(repo_dir)
    while not os.path.lexists(path):
        path = os.path.dirname(path)
    if not os.path.isdir(path):
        raise PublishError("repository directory %s is not writable: Not a directory" % repo_dir)
    if not os.access(path, os.W_OK):
        raise PublishError("repository directory %s is not writable" % repo_dir)


def check(params):
    """What publish would reject, found before anything is built (changes nothing)."""
    validate_build_id(params["build_id"])
    if params.get("sign_packages") and not params.get("signing_key"):
        raise PublishError("sign_packages needs signing_key")
    if params.get("check_repo_dir", True):
        check_repo_dir(params["repo_dir"])
    if params.get("signing_key"):
        with Signer(params["signing_key"], params["signing_passphrase"]) as signer:
            return {"changed": False, "signed_by": signer.fingerprint}
    return {"changed": False, "signed_by": ""}


def publish(params, run):
    """Publish; run(argv, env) runs a command and raises PublishError on failure."""
    if params.get("check_only"):
        return check(params)
    if params.get("pointers"):
        return point(params)
    signer = Signer(params["signing_key"], params["signing_passphrase"]) \
        if params.get("signing_key") else NoSigner()
    with signer:
        return publish_signed(params, run, signer)


def output(argv):
    """stdout of a command that only reads; PublishError naming it when it fails."""
    proc = subprocess.run(argv, capture_output=True, text=True, check=False,
                          env=dict(os.environ, LC_ALL="C"))
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raise PublishError("%s failed (exit %d): %s" % (
            argv[0], proc.returncode, lines[-1] if lines else "no output"))
    return proc.stdout


def write_json(path, data):
    """Replace path with data as JSON (rename(2): never through a hard link)."""
    write_text(path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def write_text(path, text):
    """Replace path with text (rename(2): readers see the old or the new file)."""
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


def pointer_consumer_files(params, pointers):
    """{file name: text} of the consumer files of each pointer, written at the top of the
    repository (<name>-<pointer>.repo, or .sources and .list), naming the pointer's URL
    (pure but for the key check: signed when the build a pointer names has repo-key.asc)."""
    top = without_credentials((params.get("repo_url") or "").rstrip("/")) \
        or "file://" + params["repo_dir"]
    files = {}
    for pointer, build_id in sorted(pointers.items()):
        signed = os.path.exists(os.path.join(params["repo_dir"], "builds", build_id,
                                             "repo-key.asc"))
        files.update(BACKENDS[params["format"]].consumer_files(
            params, consumer_name(params), {"-" + pointer: "%s/%s" % (top, pointer)}, signed))
    return files


def sync_filesystem(path):
    """Flush the file system holding path, so that a crash after the swap never leaves
    current pointing at a build whose files were not written yet."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.syncfs(descriptor) != 0:
            os.sync()
    except (AttributeError, OSError):
        os.sync()
    finally:
        os.close(descriptor)


class Backend:
    """What a package format adds to the core (lock, stage, check, swap, retention): the one
    interface a new format implements, registered in BACKENDS.

    suffixes   the input files it takes
    pool_dirs  the directories of a repository that hold package files (hard-linked when a
               new build is seeded from current)
    validate(params)                          raise PublishError for format options missing
    expected(files, run)                      ({(name, version, arch)}, {file names}) the
                                              inputs stand for
    add(params, run, signer, staging, files, expected)
                                              put the files into the staged repository,
                                              regenerate and sign its index; return the
                                              inputs recorded for the build
    check(params, staging, expected, inputs)  raise PublishError unless the staged index
                                              holds exactly the expected packages
    added(before, after, inputs)              the package files this build added (for its
                                              build key), from the pool before and after
    consumer_files(params, name, urls, signed)
                                              {file name: content} of the ready files a
                                              consumer installs (apt sources, dnf .repo)
    """

    suffixes = ()
    pool_dirs = ()

    @staticmethod
    def validate(params):
        return None

    @staticmethod
    def added(before, after, inputs):
        return set(inputs)

    @staticmethod
    def consumer_files(params, name, urls, signed):
        return {}


def without_credentials(url):
    """url without its userinfo (pure): files a repository serves to every consumer never
    carry the publisher's credentials; a consumer that needs some adds its own."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def consumer_urls(params, build_id):
    """{'': this build's URL, '-current': current's URL} (pure): under repo_url, the URL that
    serves the repository directory (without credentials), else file:// of the directory."""
    top = without_credentials((params.get("repo_url") or "").rstrip("/")) \
        or "file://" + params["repo_dir"]
    return {"": "%s/builds/%s" % (top, build_id), "-current": top + "/current"}


def consumer_name(params):
    """The name consumers' files and repositories get (pure): consumer_name, else
    packaging-<repository directory name>."""
    return params.get("consumer_name") or "packaging-" + os.path.basename(
        params["repo_dir"].rstrip("/"))


class DebBackend(Backend):
    """reprepro: .changes, .dsc and .deb files into a distribution of one codename."""

    suffixes = (".changes", ".dsc", ".deb", ".udeb")
    pool_dirs = ("pool",)

    @staticmethod
    def validate(params):
        if not params.get("deb_codename"):
            raise PublishError("deb_codename is required for a deb repository")

    @staticmethod
    def added(before, after, inputs):
        # reprepro files a .changes' packages under pool/: what appeared there
        return after - before

    @staticmethod
    def consumer_files(params, name, urls, signed):
        """deb822 <name>.sources and one-line <name>.list for this build, and the same with
        -current for the current pointer (pure). Signed: the key goes to
        /etc/apt/keyrings/<name>.asc, fetched from repo-key.asc of the URL."""
        keyring = "/etc/apt/keyrings/%s.asc" % name
        components = " ".join(params.get("deb_components") or ["main"])
        files = {}
        for suffix, url in urls.items():
            key_note = ("# signed: install the key first, e.g.\n# curl -fsSL %s/repo-key.asc "
                        "-o %s\n" % (url, keyring)) if signed else ""
            trust = ("Signed-By: %s" % keyring) if signed else "Trusted: yes"
            files["%s%s.sources" % (name, suffix)] = (
                "%sTypes: deb deb-src\nURIs: %s\nSuites: %s\nComponents: %s\n%s\n" % (
                    key_note, url, params["deb_codename"], components, trust))
            option = ("signed-by=%s" % keyring) if signed else "trusted=yes"
            files["%s%s.list" % (name, suffix)] = "%sdeb [%s] %s %s %s\n" % (
                key_note, option, url, params["deb_codename"], components)
        return files

    @staticmethod
    def deb822(path, kind):
        try:
            from debian import deb822
        except ImportError as exc:
            raise PublishError("publishing debs needs python3-debian on this host") from exc
        with open(path, encoding="utf-8") as handle:
            return getattr(deb822, kind)(handle)

    def expected(self, files, run):
        """({(name, version, arch)}, {file names}) of the packages files stand for; arch is
        'source' for a source package."""
        packages, names = set(), set()
        for path in files:
            if path.endswith(".changes"):
                listed = [os.path.join(os.path.dirname(path), entry["name"])
                          for entry in self.deb822(path, "Changes").get("Files", [])]
            else:
                listed = [path]
            for member in listed:
                if member.endswith((".deb", ".udeb")):
                    fields = output(["dpkg-deb", "--field", member, "Package", "Version",
                                     "Architecture"])
                    control = dict(line.split(": ", 1) for line in fields.splitlines())
                    packages.add((control["Package"], control["Version"],
                                  control["Architecture"]))
                    names.add(os.path.basename(member))
                elif member.endswith(".dsc"):
                    dsc = self.deb822(member, "Dsc")
                    packages.add((dsc["Source"], dsc["Version"], "source"))
                    names.add(os.path.basename(member))
        return packages, names

    @staticmethod
    def architectures(staging, params, packages):
        """The seeded distribution's architectures, the requested ones and the packages' own:
        a publish from another architecture's node never drops the others."""
        archs = []
        conf = os.path.join(staging, "conf", "distributions")
        if os.path.isfile(conf):
            with open(conf, encoding="utf-8") as handle:
                for paragraph in DebBackend.deb822_paragraphs(handle):
                    archs.extend(paragraph.get("Architectures", "").split())
        archs.extend(params["deb_architectures"])
        archs.extend(arch for _, _, arch in packages if arch not in ("all", "source"))
        return sorted(set(archs) - {"source"})

    @staticmethod
    def deb822_paragraphs(handle):
        from debian import deb822
        return deb822.Deb822.iter_paragraphs(handle)

    def add(self, params, run, signer, staging, files, expected):
        codename = params["deb_codename"]
        archs = self.architectures(staging, params, expected[0])
        env = write_reprepro_conf(staging, codename, params["deb_components"], archs, signer)
        for package in files:
            run(self.include_command(staging, codename, package), env)
        self.after_export(params, signer, staging, archs)
        return sorted(relative for relative in pool_files(staging, "deb")
                      if os.path.basename(relative) in expected[1])

    @staticmethod
    def include_command(staging, codename, package, export=True):
        command = {".changes": "include", ".dsc": "includedsc"}.get(
            os.path.splitext(package)[1], "includedeb")
        return ["reprepro", "--basedir", staging, "--ignore=wrongdistribution",
                *([] if export else ["--export=silent-never"]), command, codename, package]

    def add_batch(self, params, run, signer, staging, members):
        """Include each member's files without exporting, then export once; (member,
        message) of the first member reprepro refuses, else None."""
        codename = params["deb_codename"]
        packages = set().union(*(member.expected[0] for member in members))
        wanted = sorted({a for m in members for a in m.params["deb_architectures"]})
        archs = self.architectures(staging, dict(params, deb_architectures=wanted), packages)
        env = write_reprepro_conf(staging, codename, params["deb_components"], archs, signer)
        for member in members:
            for package in member.files:
                try:
                    run(self.include_command(staging, codename, package, export=False), env)
                except PublishError as exc:
                    return member, str(exc)
        run(["reprepro", "--basedir", staging, "export", codename], env)
        self.after_export(params, signer, staging, archs)
        return None

    @staticmethod
    def member_inputs(member, after):
        by_name = getattr(after, "by_name", None)
        if by_name is None:
            return sorted(r for r in after if os.path.basename(r) in member.expected[1])
        return sorted(r for name in member.expected[1] for r in by_name.get(name, ()))

    def after_export(self, params, signer, staging, archs):
        codename, signed = params["deb_codename"], bool(signer.fingerprint)
        conf = os.path.join(staging, "conf")
        if signed:
            signer.export_public(os.path.join(staging, "repo-key.asc"))
            with open(os.path.join(conf, "distributions"), "w", encoding="utf-8") as handle:
                handle.write(deb_distributions(codename, params["deb_components"], archs))
        else:
            drop_signatures(staging, ["repo-key.asc"] + [
                os.path.join("dists", codename, name) for name in ("InRelease", "Release.gpg")])

    def held(self, params, staging, members):
        """reprepro's listing of the staged packages of every member, read once."""
        return self.listing(params, staging, {name for member in members
                                              for name, _, _ in member.expected[0]})

    @staticmethod
    def listing(params, staging, names):
        names = sorted(names)
        formula = " | ".join("Package (== %s)" % name for name in names)
        return output(["reprepro", "--basedir", staging, "listfilter", params["deb_codename"],
                       formula]) if names else ""

    def check(self, params, staging, expected, inputs, listing=None):
        """Fail unless reprepro's index of the staged build holds every package of this build
        at its version (reprepro skips a version not higher than the one it holds, exit 0)."""
        held = {}
        if listing is None:
            listing = self.listing(params, staging, {name for name, _, _ in expected[0]})
        for line in listing.splitlines():
            where, _, what = line.partition(": ")
            name, _, version = what.partition(" ")
            arch = where.rsplit("|", 1)[-1]
            held.setdefault((name, "source" if arch == "source" else "binary"), {})[arch] = version
        wrong = []
        for name, version, arch in sorted(expected[0]):
            versions = held.get((name, "source" if arch == "source" else "binary"), {})
            found = versions.get(arch) if arch not in ("all",) else (
                version if version in versions.values() else None)
            if found != version:
                holds = ", ".join(sorted(set(versions.values()))) or "nothing"
                wrong.append("%s %s (%s; it holds %s)" % (name, version, arch, holds))
        if wrong:
            raise PublishError(
                "reprepro did not take %s: a version not higher than the published one is "
                "skipped; nothing was published" % "; ".join(wrong))


class RpmBackend(Backend):
    """createrepo_c: .rpm files under Packages/."""

    suffixes = (".rpm",)
    pool_dirs = ("Packages",)

    @staticmethod
    def consumer_files(params, name, urls, signed):
        """<name>.repo for this build and <name>-current.repo for the current pointer
        (pure); signed: repo_gpgcheck (and gpgcheck when the RPMs are signed) with the
        repository's key URL."""
        files = {}
        for suffix, url in urls.items():
            lines = ["[%s%s]" % (name, suffix), "name=%s%s" % (name, suffix),
                     "baseurl=%s" % url, "enabled=1",
                     "gpgcheck=%d" % (1 if signed and params.get("sign_packages") else 0),
                     "repo_gpgcheck=%d" % (1 if signed else 0)]
            if signed:
                lines.append("gpgkey=%s/repo-key.asc" % url)
            files["%s%s.repo" % (name, suffix)] = "\n".join(lines) + "\n"
        return files

    @staticmethod
    def expected(files, run):
        return set(), {os.path.basename(path) for path in files}

    @staticmethod
    def add(params, run, signer, staging, files, expected):
        packages = os.path.join(staging, "Packages")
        os.makedirs(packages, exist_ok=True)
        added, replaced = [], False
        for rpm in files:
            target_rpm = os.path.join(packages, os.path.basename(rpm))
            if os.path.lexists(target_rpm):
                # a hard link into the previous build: never write through it
                os.unlink(target_rpm)
                replaced = True
            shutil.copy2(rpm, target_rpm)
            added.append(target_rpm)
        for old in prune_versions(packages, added, params.get("keep_versions", 3)):
            os.unlink(old)  # a hard link into the previous build: that build keeps it
            replaced = True
        if params.get("sign_packages"):
            if not signer.fingerprint:
                raise PublishError("sign_packages needs signing_key")
            signer.sign_rpms(added, run)
        # createrepo_c --update reuses a file's metadata when its name, size and mtime (in
        # seconds) match: a package replaced under the same name is read again by a full run
        update = ["--update"] if os.path.isdir(os.path.join(staging, "repodata")) \
            and not replaced else []
        run(["createrepo_c", *update, "--quiet", staging], None)
        repomd = os.path.join(staging, "repodata", "repomd.xml")
        if signer.fingerprint:
            signer.detach_sign(repomd)
            signer.export_public(os.path.join(staging, "repo-key.asc"))
            shutil.copy2(os.path.join(staging, "repo-key.asc"), repomd + ".key")
        else:
            drop_signatures(staging, ["repo-key.asc", "repodata/repomd.xml.asc",
                                      "repodata/repomd.xml.key"])
        return sorted(os.path.relpath(path, staging) for path in added)

    def add_batch(self, params, run, signer, staging, members):
        """Every member's RPMs into Packages/ and one createrepo_c run (a failure is the
        batch's: its members are published one by one)."""
        self.add(params, run, signer, staging, [f for m in members for f in m.files], None)

    @staticmethod
    def member_inputs(member, after):
        return sorted(os.path.join("Packages", name) for name in member.names)

    @staticmethod
    def held(params, staging, members):
        return primary_checksums(staging)

    @staticmethod
    def check(params, staging, expected, inputs, listed=None):
        """Fail unless the staged metadata lists every added RPM with its own checksum."""
        listed = primary_checksums(staging) if listed is None else listed
        wrong = []
        for relative in inputs:
            digest = hashlib.sha256()
            with open(os.path.join(staging, relative), "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            if listed.get(relative) != digest.hexdigest():
                wrong.append(os.path.basename(relative))
        if wrong:
            raise PublishError("createrepo_c metadata does not list %s with its checksum; "
                               "nothing was published" % ", ".join(wrong))


def rpm_headers(paths):
    """{path: (name, arch, (epoch, version, release))} read by rpm's own header reader."""
    try:
        import rpm
    except ImportError as exc:
        raise PublishError("keeping a number of versions per package needs rpm's Python "
                           "bindings (python3-rpm) where the publisher runs; install them or "
                           "set keep_versions 0") from exc
    ts = rpm.TransactionSet()
    ts.setVSFlags(-1)  # read the header only; signatures are checked by the install check
    found = {}
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            header = ts.hdrFromFdno(fd)
        except rpm.error as exc:
            raise PublishError("%s is not a readable RPM: %s" % (path, exc)) from exc
        finally:
            os.close(fd)
        epoch = header[rpm.RPMTAG_EPOCH]
        found[path] = (header[rpm.RPMTAG_NAME], header[rpm.RPMTAG_ARCH],
                       ("" if epoch is None else str(epoch), header[rpm.RPMTAG_VERSION],
                        header[rpm.RPMTAG_RELEASE]))
    return found


def versions_to_prune(headers, added, keep):
    """Paths beyond the keep newest versions of each (name, arch), by rpm.labelCompare, never
    one of added (pure but for rpm's comparison)."""
    import functools

    import rpm

    groups = {}
    for path, (name, arch, evr) in headers.items():
        groups.setdefault((name, arch), []).append((evr, path))
    pruned = []
    for entries in groups.values():
        entries.sort(key=functools.cmp_to_key(lambda a, b: rpm.labelCompare(a[0], b[0])),
                     reverse=True)
        pruned += [path for _, path in entries[keep:] if path not in added]
    return sorted(pruned)


def prune_versions(packages, added, keep):
    """The RPMs of packages/ to drop so that each package keeps its keep newest versions."""
    if not keep:
        return []
    if keep < 0:
        raise PublishError("keep_versions must be 0 (every version) or more, got %d" % keep)
    paths = sorted(os.path.join(packages, n) for n in os.listdir(packages) if n.endswith(".rpm"))
    return versions_to_prune(rpm_headers(paths), set(added), keep)


def primary_checksums(repo):
    """{location href: sha256} of the packages in an rpm repository's primary metadata."""
    ns_repo = "{http://linux.duke.edu/metadata/repo}"
    ns_common = "{http://linux.duke.edu/metadata/common}"
    repomd = ElementTree.parse(os.path.join(repo, "repodata", "repomd.xml")).getroot()
    href = next((data.find(ns_repo + "location").get("href")
                 for data in repomd.iter(ns_repo + "data") if data.get("type") == "primary"),
                None)
    if href is None:
        raise PublishError("createrepo_c wrote no primary metadata in %s" % repo)
    path = os.path.join(repo, href)
    openers = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
    opener = openers.get(os.path.splitext(path)[1])
    if opener is not None:
        with opener(path) as handle:
            root = ElementTree.parse(handle).getroot()
    elif path.endswith(".zst"):
        data = subprocess.run(["zstd", "-dc", "--", path], capture_output=True, check=True).stdout
        root = ElementTree.fromstring(data)
    else:
        root = ElementTree.parse(path).getroot()
    found = {}
    for package in root.iter(ns_common + "package"):
        checksum = package.find(ns_common + "checksum")
        location = package.find(ns_common + "location")
        if checksum is not None and location is not None and checksum.get("type") == "sha256":
            found[location.get("href")] = checksum.text
    return found


BACKENDS = {"deb": DebBackend(), "rpm": RpmBackend()}
INPUT_SUFFIXES = {fmt: backend.suffixes for fmt, backend in BACKENDS.items()}


def publish_signed(params, run, signer):
    """Stage and/or promote under the repository lock (see DOCUMENTATION)."""
    started = time.monotonic()
    repo_dir, fmt = params["repo_dir"], params["format"]
    build_id = validate_build_id(params["build_id"])
    stage, promote = params.get("stage", True), params.get("promote", True)
    if not (stage or promote):
        raise PublishError("nothing to do: stage and promote are both false")
    files = [os.path.abspath(f) for f in params["files"]]
    if not files:
        raise PublishError("nothing to publish: the list of package files is empty")
    wanted = INPUT_SUFFIXES[fmt]
    for path in files:
        if stage and not os.path.isfile(path):
            raise PublishError("package file %s does not exist" % path)
        if not path.endswith(wanted):
            raise PublishError("%s is not a %s file" % (path, " or ".join(wanted)))
    BACKENDS[fmt].validate(params)
    try:
        os.makedirs(os.path.join(repo_dir, "builds"), exist_ok=True)
    except OSError as exc:
        raise PublishError("repository directory %s is not writable: %s" % (
            repo_dir, exc.strerror)) from exc
    if not os.access(repo_dir, os.W_OK):
        raise PublishError("repository directory %s is not writable" % repo_dir)
    builds_dir = os.path.join(repo_dir, "builds")
    target = os.path.join(builds_dir, build_id)
    names = sorted(os.path.basename(f) for f in files)
    if stage and promote:
        return batched_publish(params, run, signer, files, started)
    result = {"changed": True, "build_dir": target, "removed": [], "staged": False,
              "promoted": False, "current": os.path.join(repo_dir, "current"),
              "signed_by": signer.fingerprint}
    with Lock(os.path.join(repo_dir, ".lock"), params["lock_timeout"]):
        try:
            return locked_publish(params, run, signer, files, names, result)
        finally:
            write_index(repo_dir)  # under the lock, whatever happened


QUEUE = ".queue"
# options a batch's members share: the repository-wide ones and the signing key
BATCH_KEYS = ("format", "deb_codename", "deb_components", "keep", "keep_versions",
              "sign_packages")
BATCH_MAX = 64
SECRETS = ("signing_key", "signing_passphrase")
PER_BUILD_SUFFIXES = (".sources", ".list", ".repo")
QUEUE_POLL_SECONDS = 0.05
STALE_QUEUE_SECONDS = 3600


class BatchFailed(Exception):
    """The shared step of a batch failed for a reason no member can be blamed for."""


class Member:
    """One publish of a batch: its options, its files, and its result or its one-line
    failure. rid names its request in the queue ('' for the holder's own publish)."""

    def __init__(self, params, files, rid="", work="", waited=0.0):
        self.params, self.files, self.rid, self.work = params, files, rid, work
        self.names = sorted(os.path.basename(f) for f in files)
        self.waited = waited
        self.result, self.error = None, ""
        self.expected, self.inputs, self.added, self.marker = None, [], set(), None
        self.origins = {}  # queued copy: the publisher's own path, for its messages

    @property
    def build_id(self):
        return self.params["build_id"]


def batch_signature(params, fingerprint):
    """What members of one batch must share (pure): the repository-wide options and the
    fingerprint of the signing key (the key itself is never written to the queue)."""
    return json.dumps([params.get(key) for key in BATCH_KEYS] + [fingerprint], sort_keys=True)


def input_members(path, fmt):
    """An input file and the files that go with it: the files a .changes or .dsc lists,
    next to it (a listed name with a directory part is refused)."""
    members = [path]
    if fmt == "deb" and path.endswith((".changes", ".dsc")):
        kind = "Changes" if path.endswith(".changes") else "Dsc"
        for entry in DebBackend.deb822(path, kind).get("Files", []):
            name = entry["name"]
            if os.path.basename(name) != name or name in ("", ".", ".."):
                raise PublishError("%s lists %s, which is not a plain file name" % (
                    path, json.dumps(name)))
            members.append(os.path.join(os.path.dirname(path), name))
    return members


def submit_request(repo_dir, params, files, fingerprint):
    """Queue a publish for the lock holder: the files (hard links, else copies) and the
    options without the signing key in <repo_dir>/.queue/<rid>/, and an exclusive flock on
    its alive file that this process holds until it has its result (a holder drops a
    request whose publisher died). Returns (rid, the open alive file)."""
    queue = os.path.join(repo_dir, QUEUE)
    if not os.path.isdir(queue):
        os.makedirs(queue, mode=0o700, exist_ok=True)  # never served: only the publishers
    temporary = tempfile.mkdtemp(prefix=".new-", dir=queue)
    try:
        copied = []
        for number, path in enumerate(files):
            own = os.path.join(temporary, "in", str(number))
            os.makedirs(own)
            for member in input_members(path, params["format"]):
                target = os.path.join(own, os.path.basename(member))
                if os.path.lexists(target):
                    continue
                try:
                    os.link(member, target)
                except OSError:
                    shutil.copy2(member, target)
            copied.append(os.path.join("in", str(number), os.path.basename(path)))
        alive = open(os.path.join(temporary, "alive"), "w")
        fcntl.flock(alive, fcntl.LOCK_EX)
        options = {k: v for k, v in params.items() if k not in SECRETS}
        options["repo_url"] = without_credentials(options.get("repo_url") or "")
        write_json(os.path.join(temporary, "request.json"), {
            "params": options,
            "files": copied, "origins": files, "submitted": time.time(),
            "signature": batch_signature(params, fingerprint)})
        rid = "%s.%d.%s" % (params["build_id"], os.getpid(), os.path.basename(temporary)[5:])
        os.rename(temporary, os.path.join(queue, rid))
    except OSError as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        raise PublishError("queueing build %s in %s failed: %s" % (
            params["build_id"], repo_dir, exc.strerror or exc)) from exc
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return rid, alive


def publisher_alive(request_dir):
    """Whether the publisher of a queued request still runs (it holds its alive flock)."""
    try:
        handle = open(os.path.join(request_dir, "alive"))
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        handle.close()
    return False


def claim_requests(params, signer, own_rid=""):
    """The queued requests this holder can publish with its own (call under the lock):
    the same repository-wide options and signing key, publishers still running, oldest
    first; each is moved to .queue/.work-<rid> (a publisher that gave up has moved it away
    first, and keeps it). Requests of a holder that died are queued again; the rest wait."""
    repo_dir = params["repo_dir"]
    queue = os.path.join(repo_dir, QUEUE)
    if not os.path.isdir(queue):
        return []
    signature = batch_signature(params, signer.fingerprint)
    now = time.time()
    found = []
    for entry in os.listdir(queue):
        name, path = entry, os.path.join(queue, entry)
        if entry.startswith(".work-"):  # its holder died: queue it again
            name, path = entry[6:], os.path.join(queue, entry[6:])
            try:
                os.rename(os.path.join(queue, entry), path)
            except OSError:
                continue
        elif name.startswith(".") or not os.path.isdir(path):
            try:  # results nobody read (their publisher died), leftovers of a dead submit
                if os.lstat(path).st_mtime < now - STALE_QUEUE_SECONDS:
                    (shutil.rmtree if os.path.isdir(path) else os.unlink)(path)
            except OSError:
                pass
            continue
        request = read_json(os.path.join(path, "request.json"), None)
        if not isinstance(request, dict) or not publisher_alive(path):
            shutil.rmtree(path, ignore_errors=True)  # its publisher died: dropped
            continue
        if request.get("signature") == signature:
            found.append((request.get("submitted", now), name, path, request))
    claimed = []
    # the holder's own queued request first, then the oldest
    for submitted, name, path, request in sorted(
            found, key=lambda f: (f[1] != own_rid, f[0], f[1]))[:BATCH_MAX]:
        work = os.path.join(queue, ".work-" + name)
        try:
            os.rename(path, work)
        except OSError:
            continue  # its publisher gave up waiting meanwhile
        member_params = dict(DEFAULTS, **request.get("params", {}))
        member_params.update({k: params.get(k, "") for k in SECRETS})
        member_params["repo_dir"] = repo_dir
        files = [os.path.join(work, f) for f in request.get("files", [])]
        inside = os.path.realpath(work) + os.sep
        if not BUILD_ID.match(str(member_params.get("build_id", ""))) or ".." in str(
                member_params["build_id"]) or not files or not all(
                os.path.realpath(f).startswith(inside) for f in files):
            shutil.rmtree(work, ignore_errors=True)  # not a request this publisher wrote
            continue
        member = Member(member_params, files, rid=name, work=work,
                        waited=max(0.0, now - submitted))
        origins = request.get("origins", [])
        if isinstance(origins, list) and len(origins) == len(files):
            member.origins = dict(zip(files, [str(o) for o in origins]))
        claimed.append(member)
    return claimed


def own_message(member):
    """A member's failure naming the publisher's own files, not their queued copies."""
    message = member.error
    for copy, origin in member.origins.items():
        message = message.replace(copy, origin).replace(
            os.path.dirname(copy), os.path.dirname(origin))
    return message


def deliver(repo_dir, member):
    """The result (or the one-line failure) of a queued request, for its publisher."""
    answer = member.result if not member.error else {"failed": True,
                                                     "msg": own_message(member)}
    write_json(os.path.join(repo_dir, QUEUE, member.rid + ".result"), answer)
    shutil.rmtree(member.work, ignore_errors=True)


def take_result(path):
    found = read_json(path, None)
    if found is None:
        return None
    os.unlink(path)
    return found


def batched_publish(params, run, signer, files, started):
    """Stage and promote one build, with every compatible publish queued while the lock was
    held: the publisher that takes the lock publishes them all with one metadata run;
    one that finds it held queues its request and waits for its own result (or for the
    lock, when nobody took its request)."""
    repo_dir = params["repo_dir"]
    lock = Lock(os.path.join(repo_dir, ".lock"), params["lock_timeout"])
    if lock.take():
        try:
            return hold_batch(params, run, signer, Member(params, files), "",
                              time.monotonic() - started)
        finally:
            lock.release()
    rid, alive = submit_request(repo_dir, params, files, signer.fingerprint)
    queue = os.path.join(repo_dir, QUEUE)
    answer = os.path.join(queue, rid + ".result")
    deadline = started + params["lock_timeout"]
    try:
        while True:
            found = take_result(answer)
            if found is None and lock.take():
                try:
                    found = take_result(answer)
                    work = os.path.join(queue, ".work-" + rid)
                    if found is None and os.path.isdir(work):  # its holder died
                        os.rename(work, os.path.join(queue, rid))
                    if found is None and os.path.isdir(os.path.join(queue, rid)):
                        return hold_batch(params, run, signer, None, rid,
                                          time.monotonic() - started)
                    if found is None:
                        raise PublishError("the queued publish of build %s vanished from %s "
                                           "without a result" % (params["build_id"], queue))
                finally:
                    lock.release()
            if found is not None:
                if found.get("failed"):
                    raise PublishError(found.get("msg", "publishing failed"))
                return found
            if time.monotonic() >= deadline:
                gone = os.path.join(queue, ".gone-" + rid)
                try:
                    os.rename(os.path.join(queue, rid), gone)
                except OSError:
                    pass  # a holder has it: its result comes
                else:
                    shutil.rmtree(gone, ignore_errors=True)
                    raise PublishError("could not take the repository lock %s within %d s" % (
                        lock.path, params["lock_timeout"]))
            time.sleep(QUEUE_POLL_SECONDS)
    finally:
        alive.close()
        shutil.rmtree(os.path.join(queue, rid), ignore_errors=True)


def hold_batch(params, run, signer, own, rid, waited):
    """Under the lock: this publish (own, or the queued request rid) and the compatible
    queued ones; every other member gets its result in the queue."""
    repo_dir = params["repo_dir"]
    members = ([own] if own else []) + claim_requests(params, signer, rid)
    mine = own or next((m for m in members if m.rid == rid), None)
    if mine is None:
        raise PublishError("the queued publish of build %s vanished from %s" % (
            params["build_id"], os.path.join(repo_dir, QUEUE)))
    mine.waited = waited
    try:
        publish_members(repo_dir, members, run, signer)
    except BaseException as exc:
        for member in members:
            if member.result is None and not member.error:
                member.error = "publishing build %s to %s failed: %s" % (
                    member.build_id, repo_dir, exc)
        raise
    finally:
        write_index(repo_dir)  # under the lock, whatever happened
        for member in members:
            if member is not mine and member.rid:
                deliver(repo_dir, member)
        if mine.work:
            shutil.rmtree(mine.work, ignore_errors=True)
    if mine.error:
        raise PublishError(own_message(mine))
    return mine.result


def member_result(member, signer, **extra):
    """A member's result; batch, batch_size and lock_wait_s only when it was queued, waited
    for the lock or was published in a batch."""
    repo_dir = member.params["repo_dir"]
    result = {"changed": True, "build_dir": os.path.join(repo_dir, "builds", member.build_id),
              "removed": [], "staged": False, "promoted": False,
              "current": os.path.join(repo_dir, "current"), "signed_by": signer.fingerprint}
    if member.rid or member.waited >= 0.01 or extra.get("batch_size", 1) > 1:
        result.update({"batch": "", "batch_size": 1, "lock_wait_s": round(member.waited, 3)})
    result.update(extra)
    return result


def publish_members(repo_dir, members, run, signer):
    """Publish the members (call under the lock): the new build ids together as one batch,
    the others (a build id that exists, or a second request for one) one by one after it,
    each with its own result or failure."""
    builds_dir = os.path.join(repo_dir, "builds")
    batch, alone, ids = [], [], set()
    for member in members:
        if member.build_id in ids or os.path.lexists(os.path.join(builds_dir, member.build_id)):
            alone.append(member)
        else:
            ids.add(member.build_id)
            batch.append(member)
    alone = (stage_batch(repo_dir, batch, run, signer) if len(batch) > 1 else batch) + alone
    for member in alone:
        if member.result is not None or member.error:
            continue
        try:
            member.result = locked_publish(member.params, run, signer, member.files,
                                           member.names, member_result(member, signer))
        except PublishError as exc:
            member.error = str(exc)


def member_packages(member, fmt):
    """What a member adds that another member of a batch must not (pure but for rpm's header
    reader): deb package names, rpm (name, arch), else the file names."""
    if fmt == "deb":
        return {("deb", name, "source" if arch == "source" else "binary")
                for name, _, arch in member.expected[0]}
    if member.params.get("keep_versions", 3):
        return {("rpm", name, arch) for name, arch, _ in rpm_headers(member.files).values()}
    return {("rpm", name) for name in member.names}


def stage_batch(repo_dir, members, run, signer):
    """Stage and promote several new builds with one metadata run; returns the members to
    publish one by one (a package another member also publishes; all of them when the
    shared run fails for no member's fault). A member whose files are refused fails alone,
    and the batch is made again without it: nothing of it is published."""
    fmt = members[0].params["format"]
    backend = BACKENDS[fmt]
    ok, later, taken = [], [], set()
    for member in members:
        try:
            member.expected = backend.expected(member.files, run)
            mine = member_packages(member, fmt)
        except PublishError as exc:
            member.error = str(exc)
            continue
        if mine & taken:
            later.append(member)
            continue
        taken |= mine
        ok.append(member)
    current = current_target(repo_dir)
    while len(ok) > 1:
        os.makedirs(os.path.join(repo_dir, BATCHES), exist_ok=True)
        staging = os.path.join(repo_dir, BATCHES, ".%s.incoming" % ok[-1].build_id)
        try:
            failed = try_batch(repo_dir, ok, run, signer, current, staging)
            if failed is None:
                finish_batch(repo_dir, ok, signer, current, staging)
                return later
        except BatchFailed:
            return ok + later
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        member, message = failed
        member.error = message
        ok.remove(member)
    return ok + later


class PoolFiles(set):
    """pool_files with an index by file name."""

    def __init__(self, paths):
        super().__init__(paths)
        self.by_name = {}
        for path in paths:
            self.by_name.setdefault(os.path.basename(path), []).append(path)


def try_batch(repo_dir, members, run, signer, current, staging):
    """Stage current plus every member's files in staging with one metadata run and check
    each member; (member, message) of the first member refused, else None."""
    fmt = members[0].params["format"]
    backend = BACKENDS[fmt]
    builds_dir = os.path.join(repo_dir, "builds")
    if os.path.lexists(staging):
        shutil.rmtree(staging)
    try:
        if current and os.path.isdir(os.path.join(builds_dir, current)):
            seed_copy(os.path.join(builds_dir, current), staging, fmt)
        else:
            os.makedirs(staging)
        before = pool_files(staging, fmt)
        failed = backend.add_batch(members[-1].params, run, signer, staging, members)
        if failed is not None:
            return failed
        after = PoolFiles(pool_files(staging, fmt))
        held = backend.held(members[-1].params, staging, members)
        for member in members:
            member.inputs = backend.member_inputs(member, after)
            try:
                backend.check(member.params, staging, member.expected, member.inputs, held)
            except PublishError as exc:
                return member, str(exc)
            own = {os.path.basename(path) for path in member.files}
            if fmt == "deb":
                own = {os.path.basename(m) for path in member.files
                       for m in input_members(path, fmt)}
                member.added = {r for name in own for r in after.by_name.get(name, ())
                                if r not in before}
            else:
                member.added = set(member.inputs)
        return None
    except PublishError as exc:
        raise BatchFailed(str(exc)) from exc
    except OSError as exc:
        raise BatchFailed(exc.strerror or str(exc)) from exc


def finish_batch(repo_dir, members, signer, current, staging):
    """The staged batch becomes .batches/<last id> (its repository, shared), each
    member builds/<id> with links to it and its own marker, build keys and consumer files;
    then current points at the last member and retention runs once."""
    fmt = members[0].params["format"]
    builds_dir = os.path.join(repo_dir, "builds")
    holder = members[-1]
    content_name = holder.build_id
    content = os.path.join(repo_dir, BATCHES, content_name)
    index = BuildIndex(repo_dir)
    index.state  # noqa: B018  made from the markers before these builds are among them
    present = pool_files(staging, fmt)
    keys = read_json(os.path.join(staging, BUILD_KEYS), {})
    keys = keys if isinstance(keys, dict) else {}
    for member in members:
        keys = update_build_keys(keys, member.params.get("build_key") or "", member.build_id,
                                 member.added, present)
    for entry in os.listdir(staging):  # what each member has of its own
        if entry == BUILD_KEYS or entry.endswith(PER_BUILD_SUFFIXES):
            os.unlink(os.path.join(staging, entry))
    with open(os.path.join(staging, REFS), "w", encoding="utf-8") as handle:
        handle.write("members of this batch hold a hard link of this file\n")
    if os.path.lexists(content):
        shutil.rmtree(content)
    made = []
    try:
        os.rename(staging, content)
        entries = sorted(e for e in os.listdir(content) if e != REFS)
        base = time.time()
        for number, member in enumerate(members):
            build_id = member.build_id
            own = os.path.join(builds_dir, ".%s.incoming" % build_id)
            if os.path.lexists(own):
                shutil.rmtree(own)
            os.makedirs(own)
            made.append(own)
            for entry in entries:
                os.symlink(os.path.join("..", "..", BATCHES, content_name, entry),
                           os.path.join(own, entry))
            os.link(os.path.join(content, REFS), os.path.join(own, REFS))
            for filename, text in backend_consumer_files(member, signer).items():
                write_text(os.path.join(own, filename), text)
            write_json(os.path.join(own, BUILD_KEYS), keys)
            member.marker = build_marker(member.params, member.names, current, member.inputs,
                                         published_at=base + number * 1e-6)
            member.marker.update({"content": content_name, "batch": holder.build_id})
            write_json(os.path.join(own, MARKER), member.marker)
        for member, own in zip(members, list(made)):
            os.rename(own, os.path.join(builds_dir, member.build_id))
            made[made.index(own)] = os.path.join(builds_dir, member.build_id)
            index.add(member.build_id, member.marker, True)
        sync_filesystem(content)
        for member in members:
            member.marker["promoted_at"] = time.time()
            write_json(os.path.join(builds_dir, member.build_id, MARKER), member.marker)
            index.promoted(member.build_id)
    except OSError as exc:
        for path in made:
            shutil.rmtree(path, ignore_errors=True)
        shutil.rmtree(content, ignore_errors=True)
        for member in members:
            member.error = "publishing build %s to %s failed: %s" % (
                member.build_id, repo_dir, exc.strerror or exc)
        return
    current_path = swap_pointer(repo_dir, holder.build_id)
    removed = apply_retention(repo_dir, holder.build_id, holder.params["keep"])
    for member in members:
        member.result = member_result(member, signer, staged=True, promoted=True,
                                      current=current_path, removed=removed,
                                      batch=holder.build_id, batch_size=len(members))


def backend_consumer_files(member, signer):
    params = member.params
    return BACKENDS[params["format"]].consumer_files(
        params, consumer_name(params), consumer_urls(params, member.build_id),
        bool(signer.fingerprint))


def locked_publish(params, run, signer, files, names, result):
    """Stage and/or promote one build (call under the repository lock)."""
    repo_dir, fmt, build_id = params["repo_dir"], params["format"], params["build_id"]
    stage, promote = params.get("stage", True), params.get("promote", True)
    builds_dir = os.path.join(repo_dir, "builds")
    target = os.path.join(builds_dir, build_id)
    current = current_target(repo_dir)
    marker = read_marker(target)
    if marker is not None and promoted(marker):
        if marker.get("files") == names and current == build_id:
            # the same packages again (perhaps under another build key): nothing to do
            result["changed"] = bool(params.get("build_key")) and record_key_in_place(
                target, params["build_key"], build_id, fmt)
            result["promoted"] = True
            return result
        raise PublishError(
            "build id %s is already published in %s with other files (%s); give this build "
            "another build id" % (build_id, repo_dir, ", ".join(marker.get("files", []))))
    if stage:
        # a build id staged earlier and never promoted (its check failed) is staged anew
        stage_build(params, run, signer, files, names, current)
        result["staged"] = True
    elif marker is None or marker.get("files") != names:
        raise PublishError(
            "build %s is not staged in %s with these files (%s): nothing to promote" % (
                build_id, repo_dir, ", ".join(names)))
    if not promote:
        return result
    marker = read_marker(target)
    if marker.get("seeded_from") != current:
        # another build became current since this one was staged: stage this build's
        # own packages again on top of it, so that current never loses that build
        moved = os.path.join(builds_dir, ".%s.rebased" % build_id)
        os.rename(target, moved)
        staged = [os.path.join(moved, relative) for relative in marker.get("inputs", [])]
        # the build's own facts stay in its marker when it is staged again
        params = dict(params, **{k: params.get(k) or marker.get(k, "") for k in (
            "build_key", "upstream_sha", "distgit_sha", "version")})
        try:
            stage_build(params, run, signer, staged, names, current, restaged=True)
        except BaseException:
            os.rename(moved, target)
            raise
        shutil.rmtree(moved, ignore_errors=True)
        result["rebased_on"] = current
    sync_filesystem(target)
    marker = read_marker(target)
    marker["promoted_at"] = time.time()
    write_json(os.path.join(target, MARKER), marker)
    BuildIndex(repo_dir).promoted(build_id)
    result["current"] = swap_pointer(repo_dir, build_id)
    result["promoted"] = True
    result["removed"] = apply_retention(repo_dir, build_id, params["keep"])
    return result


def build_marker(params, names, current, inputs, published_at=None):
    """What a build's marker records (pure but for the clock)."""
    return {
        "build_id": params["build_id"], "files": names,
        "published_at": time.time() if published_at is None else published_at,
        "seeded_from": current, "inputs": sorted(inputs),
        "build_key": params.get("build_key") or "",
        "upstream_sha": params.get("upstream_sha") or "",
        "distgit_sha": params.get("distgit_sha") or "",
        "version": params.get("version") or ""}


def stage_build(params, run, signer, files, names, current, restaged=False):
    """Make builds/<build_id> as current plus files, checked to hold exactly the packages of
    files; on any failure nothing is left behind (call under the lock). restaged: the build
    is one of the repository's already (moved away to be staged again)."""
    repo_dir, fmt, build_id = params["repo_dir"], params["format"], params["build_id"]
    builds_dir = os.path.join(repo_dir, "builds")
    target = os.path.join(builds_dir, build_id)
    staging = os.path.join(builds_dir, ".%s.incoming" % build_id)
    new = not (restaged or os.path.lexists(target))
    index = BuildIndex(repo_dir)
    index.state  # noqa: B018  made from the markers before this build is one of them
    for leftover in (staging, target):  # a killed publisher's, or a build that failed its check
        if os.path.lexists(leftover):
            shutil.rmtree(leftover)
    try:  # a failed publish leaves no staging directory behind
        if current and os.path.isdir(os.path.join(builds_dir, current)):
            seed_copy(os.path.join(builds_dir, current), staging, fmt)
        else:
            os.makedirs(staging)
        before = pool_files(staging, fmt)
        backend = BACKENDS[fmt]
        expected = backend.expected(files, run)
        inputs = backend.add(params, run, signer, staging, files, expected)
        backend.check(params, staging, expected, inputs)
        added = backend.added(before, pool_files(staging, fmt), inputs)
        for filename, content in backend.consumer_files(
                params, consumer_name(params), consumer_urls(params, build_id),
                bool(params.get("signing_key"))).items():
            with open(os.path.join(staging, filename), "w", encoding="utf-8") as handle:
                handle.write(content)
        write_build_keys(staging, params.get("build_key") or "", build_id, added, fmt)
        marker = build_marker(params, names, current, inputs)
        write_json(os.path.join(staging, MARKER), marker)
        os.rename(staging, target)
        index.add(build_id, marker, new)
    except OSError as exc:  # e.g. a full disk: one line, and nothing left behind
        shutil.rmtree(staging, ignore_errors=True)
        raise PublishError("publishing build %s to %s failed: %s" % (
            build_id, repo_dir, exc.strerror or exc)) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec=dict(
            repo_dir=dict(type="path", required=True),
            format=dict(type="str", choices=sorted(BACKENDS), required=True),
            build_id=dict(type="str", default=""),
            build_key=dict(type="str", default="", no_log=False),
            files=dict(type="list", elements="path", default=[]),
            deb_codename=dict(type="str", default=""),
            deb_components=dict(type="list", elements="str", default=["main"]),
            deb_architectures=dict(type="list", elements="str", default=["amd64"]),
            keep=dict(type="int", default=10),
            keep_versions=dict(type="int", default=3),
            lock_timeout=dict(type="int", default=300),
            signing_key=dict(type="str", default="", no_log=True),
            signing_passphrase=dict(type="str", default="", no_log=True),
            sign_packages=dict(type="bool", default=False),
            stage=dict(type="bool", default=True),
            promote=dict(type="bool", default=True),
            check_only=dict(type="bool", default=False),
            check_repo_dir=dict(type="bool", default=True),
            repo_url=dict(type="str", default=""),
            consumer_name=dict(type="str", default=""),
            upstream_sha=dict(type="str", default=""),
            distgit_sha=dict(type="str", default=""),
            version=dict(type="str", default=""),
            pointers=dict(type="list", elements="str", default=[]),
            promoted_by=dict(type="str", default=""),
            buildset=dict(type="str", default=""),
        ),
        supports_check_mode=False,
    )

    def run(argv, env=None):
        rc, out, err = module.run_command(argv, environ_update=env)
        if rc != 0:
            lines = (err or out).strip().splitlines()
            raise PublishError("%s failed (exit %d): %s" % (
                argv[0], rc, lines[-1] if lines else "no output"))

    try:
        result = publish(module.params, run)
    except PublishError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


DEFAULTS = {"build_key": "", "deb_codename": "", "deb_components": ["main"],
            "deb_architectures": ["amd64"],
            "keep": 10, "keep_versions": 3, "lock_timeout": 300, "signing_key": "",
            "signing_passphrase": "",
            "sign_packages": False, "stage": True, "promote": True, "repo_url": "",
            "consumer_name": "", "upstream_sha": "", "distgit_sha": "", "version": "",
            "pointers": [], "promoted_by": "", "buildset": ""}


def run_standalone(stdin, stdout):
    """The same publish on a repository host reached over ssh, without Ansible there:
    parameters as JSON on stdin (so the signing key is never in a command line), the result
    as JSON on stdout; exit status 1 with the one-line message on failure."""

    def run(argv, env=None):
        proc = subprocess.run(argv, capture_output=True, text=True, check=False,
                              env=dict(os.environ, **(env or {})))
        if proc.returncode != 0:
            lines = (proc.stderr or proc.stdout).strip().splitlines()
            raise PublishError("%s failed (exit %d): %s" % (
                argv[0], proc.returncode, lines[-1] if lines else "no output"))

    try:
        params = dict(DEFAULTS, **json.load(stdin))
        missing = [k for k in ("repo_dir", "format", "build_id", "files") if k not in params
                   and not (params["pointers"] and k in ("build_id", "files"))]
        if missing or params["format"] not in BACKENDS:
            raise PublishError("standalone publish needs repo_dir, format (%s), build_id and "
                               "files" % " or ".join(sorted(BACKENDS)))
        result = publish(params, run)
    except (PublishError, ValueError) as exc:
        stdout.write(json.dumps({"failed": True, "msg": str(exc)}) + "\n")
        return 1
    stdout.write(json.dumps(result) + "\n")
    return 0


def main():
    if sys.argv[1:] == ["--stdin"]:
        sys.exit(run_standalone(sys.stdin, sys.stdout))
    run_module()


if __name__ == "__main__":
    main()
