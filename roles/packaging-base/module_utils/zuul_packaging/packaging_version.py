# SPDX-License-Identifier: Apache-2.0
"""Snapshot version of an upstream commit plus a distgit commit, for deb and rpm."""

from __future__ import annotations

import datetime
import fnmatch
import os
import re
import subprocess

SHORT_SHA = 8
MAX_VERSION_LENGTH = 128
MAX_PATTERN_LENGTH = 256
MAX_SKIPPED_LISTED = 20
DEFAULT_TAG_EXCLUDE = ("*-eom", "*-em", "*-eol")
PRERELEASE = re.compile(
    r"^(?P<release>.*?\d)(?P<sep>[.~]?)"
    r"(?P<pre>(?:alpha|beta|preview|pre|dev|rc|a|b|c)\.?\d*)$",
    re.IGNORECASE,
)
# what each kind of bad input is fixed with (the job-level variables)
TAG_FIXES = "set packaging_tag_pattern, packaging_tag_prefix or packaging_tag_exclude"


class VersionError(Exception):
    """A bad input, with a message that names it."""


class TagError(VersionError):
    """A tag (or base version) that does not give a deb/rpm version."""

    def __init__(self, message, reason):
        super().__init__(message)
        self.reason = reason


def shorten(text, limit=64):
    """text cut to limit characters, marked when cut (untrusted names in one-line messages)."""
    return text if len(text) <= limit else "%s...(%d characters)" % (text[:limit], len(text))


def to_version(text, label, fix):
    """Turn a release name (a tag without its prefix, or a base version) into a version that
    dpkg and rpm can both hold; label names it in errors, fix says what to change."""
    def fail(reason):
        raise TagError("%s %r %s: %s" % (label, shorten(text), reason, fix), reason)

    if len(text) > MAX_VERSION_LENGTH + 1:
        fail("is %d characters long, more than the %d a version may have"
             % (len(text), MAX_VERSION_LENGTH))
    version = text[1:] if text[:1] in ("v", "V") and text[1:2].isdigit() else text
    version = version.replace("-", ".").replace("_", ".")
    if not version[:1].isdigit():
        fail("does not start with a digit (after an optional 'v')")
    if not re.fullmatch(r"[0-9A-Za-z.~+]+", version):
        fail("has characters that deb and rpm versions cannot hold")
    # build metadata (semver '+...') stays after the pre-release part
    main, plus, build = version.partition("+")
    match = PRERELEASE.match(main)
    letter_post = bool(match) and not match.group("sep") and len(match.group("pre")) == 1
    if match and not letter_post:
        main = "%s~%s" % (match.group("release"), match.group("pre"))
    version = main + plus + build
    if len(version) > MAX_VERSION_LENGTH:
        fail("gives a version of %d characters, more than the %d a version may have"
             % (len(version), MAX_VERSION_LENGTH))
    return version


def tag_to_version(tag, prefix=""):
    """Turn a release tag into a version usable by both dpkg and rpm.

    >>> tag_to_version("v1.2.0-rc.1")
    '1.2.0~rc.1'
    >>> tag_to_version("greeter-1.1.1c", "greeter-")
    '1.1.1c'
    """
    if prefix and not tag.startswith(prefix):
        raise TagError("tag %r does not start with the prefix %r: %s" % (
            shorten(tag), prefix, TAG_FIXES), "does not start with the prefix")
    rest = tag[len(prefix):]
    try:
        return to_version(rest, "tag", TAG_FIXES)
    except TagError as exc:
        if not prefix:
            raise
        raise TagError("tag %r %s: %s" % (shorten(tag), exc.reason, TAG_FIXES),
                       exc.reason) from None


def _deb_compare():
    try:
        from debian.debian_support import version_compare
    except ImportError:
        return None
    return version_compare


def _rpm_compare():
    try:
        import rpm
    except ImportError:
        return None

    def compare(a, b):
        return rpm.labelCompare(("0", a, "0"), ("0", b, "0"))
    return compare


def comparators():
    """{'deb': cmp, 'rpm': cmp} of the orders that can be imported here (at least one)."""
    found = {name: cmp for name, cmp in (("deb", _deb_compare()), ("rpm", _rpm_compare()))
             if cmp is not None}
    if not found:
        raise VersionError("neither python-debian nor the rpm Python bindings are importable: "
                           "install python3-debian or python3-rpm on the node")
    return found


def highest(versions, compare):
    """The tags (a sorted list) whose version is highest in one order (pure).

    versions: {tag: version}; compare(a, b) -> negative, 0 or positive."""
    best = []
    for tag in sorted(versions):
        if not best:
            best = [tag]
            continue
        order = compare(versions[tag], versions[best[0]])
        if order > 0:
            best = [tag]
        elif order == 0:
            best.append(tag)
    return best


def choose_tag(versions, orders, commits_since):
    """The base tag among {tag: version}: the highest in every order, ties broken by the most
    commits since (the oldest tag, so that a later tag of the same version does not make the
    snapshot go back), then by name. commits_since(tag) -> int. Raises when orders differ."""
    tops = {name: highest(versions, cmp) for name, cmp in orders.items()}
    since = {}

    def pick(tags):
        for tag in tags:
            if tag not in since:
                since[tag] = commits_since(tag)
        return sorted(tags, key=lambda tag: (-since[tag], tag))[0]

    picks = {name: pick(top) for name, top in tops.items()}
    if len({tuple(top) for top in tops.values()}) > 1:
        deb, rpm_ = tops["deb"], tops["rpm"]
        first = picks["deb"]
        second = picks["rpm"] if picks["rpm"] != first else sorted(set(deb) ^ set(rpm_))[0]
        raise VersionError(
            "upstream tags %r and %r are ordered differently by dpkg (highest: %s) and rpm "
            "(highest: %s): leave one out with packaging_tag_exclude or packaging_tag_pattern"
            % (shorten(first), shorten(second), ", ".join(map(shorten, deb[:3])),
               ", ".join(map(shorten, rpm_[:3]))))
    return next(iter(picks.values())), since


def snapshot_versions(base_version, commits_since_tag, upstream_sha, distgit_commits, distgit_sha):
    """Compose the deb and rpm versions from already-gathered git facts (pure)."""
    short = upstream_sha[:SHORT_SHA]
    dshort = distgit_sha[:SHORT_SHA]
    if commits_since_tag:
        deb_upstream = "%s+git%d.%s" % (base_version, commits_since_tag, short)
        rpm_version = "%s^git%d.%s" % (base_version, commits_since_tag, short)
    else:
        deb_upstream = rpm_version = base_version
    revision = "%d.g%s" % (distgit_commits, dshort)
    return {
        "deb_upstream_version": deb_upstream,
        "deb_revision": revision,
        "deb_version": "%s-%s" % (deb_upstream, revision),
        "rpm_version": rpm_version,
        "rpm_release": revision,
    }


def format_dates(timestamp):
    """RFC 2822 (debian/changelog) and spec %changelog renderings of a UTC timestamp."""
    when = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    day = days[when.weekday()]
    month = months[when.month - 1]
    return {
        "changelog_date_rfc2822": "%s, %02d %s %04d %02d:%02d:%02d +0000" % (
            day, when.day, month, when.year, when.hour, when.minute, when.second),
        "changelog_date_rpm": "%s %s %02d %04d" % (day, month, when.day, when.year),
    }


def _git(path, *args):
    proc = subprocess.run(
        ["git", "-C", path, *args], capture_output=True, text=True, check=False,
        encoding="utf-8", errors="replace", env=dict(os.environ, LC_ALL="C"),
    )
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, args, proc.stdout, proc.stderr)
    return proc.stdout.strip()


def _git_or_fail(path, what, *args):
    """_git, with a failure as one VersionError line naming what was being done."""
    try:
        return _git(path, *args)
    except subprocess.CalledProcessError as exc:
        lines = (exc.stderr or "").strip().splitlines()
        raise VersionError("upstream %s: git failed %s: %s" % (
            path, what, shorten(lines[-1] if lines else "no output", 200))) from exc


def _head(path, role):
    if not os.path.isdir(path):
        raise VersionError("%s path %s does not exist" % (role, path))
    try:
        top = _git(path, "rev-parse", "--show-toplevel")
        if os.path.realpath(top) != os.path.realpath(path):
            raise VersionError("%s path %s is not a git repository (it is inside %s)" % (
                role, path, top))
    except subprocess.CalledProcessError as exc:
        lines = (exc.stderr or "").strip().splitlines()
        raise VersionError("%s path %s is not a git repository: %s" % (
            role, path, lines[-1] if lines else "git failed")) from exc
    try:
        return _git(path, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except subprocess.CalledProcessError as exc:
        if exc.returncode == 1 and not (exc.stderr or "").strip():
            raise VersionError("%s repository %s has no commits" % (role, path)) from exc
        lines = (exc.stderr or "").strip().splitlines()
        raise VersionError("%s path %s is not a git repository with a commit: %s" % (
            role, path, lines[-1] if lines else "git failed")) from exc


def commits_since(path, tag):
    """Number of commits reachable from HEAD and not from refs/tags/<tag>."""
    return int(_git_or_fail(path, "counting the commits since tag %r" % shorten(tag),
                            "rev-list", "--count", "--end-of-options",
                            "refs/tags/%s..HEAD" % tag))


def release_tags(path, pattern="*", prefix="", exclude=DEFAULT_TAG_EXCLUDE):
    """({tag: version} of the release tags merged into HEAD, [skipped {tag, reason}])."""
    listed = _git_or_fail(path, "listing the tags matching %r" % shorten(pattern),
                          "tag", "--merged", "HEAD", "--list", "--end-of-options", pattern)
    versions, skipped = {}, []
    for tag in listed.splitlines():
        if not tag.startswith(prefix) or any(fnmatch.fnmatchcase(tag, glob) for glob in exclude):
            continue
        try:
            versions[tag] = tag_to_version(tag, prefix)
        except TagError as exc:
            skipped.append({"tag": shorten(tag), "reason": exc.reason})
    return versions, skipped


def check_options(tag_pattern, tag_prefix, tag_exclude):
    for value, name, limit in [(tag_pattern, "packaging_tag_pattern", MAX_PATTERN_LENGTH),
                               (tag_prefix, "packaging_tag_prefix", MAX_VERSION_LENGTH)]:
        if len(value) > limit:
            raise VersionError("%s %r is %d characters long, more than %d" % (
                name, shorten(value), len(value), limit))
    if not tag_pattern:
        raise VersionError("packaging_tag_pattern is empty: use '*' for every tag")
    for glob in tag_exclude:
        if len(glob) > MAX_PATTERN_LENGTH:
            raise VersionError("packaging_tag_exclude glob %r is %d characters long, more "
                               "than %d" % (shorten(glob), len(glob), MAX_PATTERN_LENGTH))


def compute(upstream_path, distgit_path, tag_pattern="*", base_version="", tag_prefix="",
            tag_exclude=DEFAULT_TAG_EXCLUDE):
    """Gather the git facts of both checkouts and return every output value."""
    tag_exclude = list(tag_exclude if tag_exclude is not None else DEFAULT_TAG_EXCLUDE)
    check_options(tag_pattern, tag_prefix, tag_exclude)
    upstream_sha = _head(upstream_path, "upstream")
    distgit_sha = _head(distgit_path, "distgit")
    orders = comparators()
    versions, skipped = release_tags(upstream_path, tag_pattern, tag_prefix, tag_exclude)
    skipped.sort(key=lambda item: item["tag"])
    tag = ""
    if versions:
        tag, since = choose_tag(versions, orders, lambda t: commits_since(upstream_path, t))
        base, since = versions[tag], since[tag]
    elif base_version:
        base = to_version(base_version, "packaging_base_version",
                          "set packaging_base_version to a version such as 1.2.0")
        since = int(_git(upstream_path, "rev-list", "--count", "HEAD"))
    else:
        detail = ""
        if skipped:
            detail = " (%d matching tags are not versions, e.g. %r: %s)" % (
                len(skipped), skipped[0]["tag"], skipped[0]["reason"])
        raise VersionError(
            "upstream %s has no tag matching %r%s reachable from HEAD %s%s: tag a release, "
            "%s, or set packaging_base_version" % (
                upstream_path, shorten(tag_pattern),
                " with prefix %r" % shorten(tag_prefix) if tag_prefix else "",
                upstream_sha[:SHORT_SHA], detail, TAG_FIXES)
        )
    distgit_commits = int(_git(distgit_path, "rev-list", "--count", "HEAD"))
    timestamp = max(int(_git(upstream_path, "log", "-1", "--format=%ct")),
                    int(_git(distgit_path, "log", "-1", "--format=%ct")))
    author = _git(distgit_path, "log", "-1", "--format=%an%n%ae").splitlines() + ["", ""]
    result = {
        "distgit_author_name": author[0],
        "distgit_author_email": author[1],
        "upstream_sha": upstream_sha,
        "upstream_tag": tag,
        "skipped_tags": skipped[:MAX_SKIPPED_LISTED],
        "tag_orders": sorted(orders),
        "base_version": base,
        "commits_since_tag": since,
        "distgit_sha": distgit_sha,
        "distgit_commits": distgit_commits,
        "timestamp": timestamp,
    }
    result.update(snapshot_versions(base, since, upstream_sha, distgit_commits, distgit_sha))
    result.update(format_dates(timestamp))
    return result
