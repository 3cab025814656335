#!/usr/bin/python
# SPDX-License-Identifier: Apache-2.0
"""Snapshot version of an upstream commit plus a distgit commit, for deb and rpm."""

from __future__ import annotations

import datetime
import fnmatch
import os
import re
import subprocess

DOCUMENTATION = r"""
---
module: packaging_version
short_description: Compute the snapshot version of an upstream and a distgit commit
description:
  - Reads the upstream git repository and the distgit git repository and computes a
    deterministic, monotonic snapshot version for Debian and RPM packages.
  - "The base version comes from the highest release tag merged into the upstream HEAD. Every
    tag that matches I(tag_pattern), starts with I(tag_prefix) and matches none of
    I(tag_exclude) is turned into a version and the highest is taken with the formats' own
    comparators: python-debian's C(Version) (dpkg's order) and rpm's C(labelCompare). When
    the rpm Python bindings are not importable the dpkg order alone decides (and the rpm
    order alone when python-debian is not importable); C(tag_orders) says which were used.
    When the two orders disagree on the highest tag the module fails naming both tags. Tags
    that give the same version (C(v1.0) and C(1.0)) resolve to the one with the most
    commits since (the oldest), then by name, which keeps snapshots monotonic."
  - "A tag becomes a version this way: I(tag_prefix) is removed, then a leading C(v) or C(V),
    C(-) and C(_) become C(.), and a pre-release suffix (C(a), C(b), C(c), C(rc), C(alpha),
    C(beta), C(pre), C(preview), C(dev), with a number, or a word with or without one) is
    written with C(~) so that it sorts before the release (C(1.0a1) is C(1.0~a1),
    C(2.0.0-rc.1) is C(2.0.0~rc.1)). A single letter right after a digit with no number
    (C(1.1.1c), OpenSSL style) is a post-release and stays as it is. Build metadata after
    C(+) (C(1.0.0+build.1)) is kept."
  - "A tag that does not give a version (it does not start with a digit after the prefix and
    C(v), has characters deb and rpm versions cannot hold, or its version is longer than 128
    characters) is not a release: it is skipped and listed in C(skipped_tags)."
  - "Debian: C(X+git<N>.<sha>) where N is the number of upstream commits since tag X; the
    Debian revision is C(<M>.g<distgit sha>) where M is the number of distgit commits."
  - "RPM: Version C(X^git<N>.<sha>) (rpm >= 4.15 is needed for C(^)), Release
    C(<M>.g<distgit sha>) to which the spec appends C(%{?dist})."
  - When HEAD is exactly at tag X, the upstream part is C(X) itself.
  - Nothing depends on the clock: the changelog date is the newest commit date of the two.
options:
  upstream_path:
    description: Path of the upstream git checkout (its HEAD is built).
    type: path
    required: true
  distgit_path:
    description: Path of the distgit git checkout (its HEAD is built).
    type: path
    required: true
  tag_pattern:
    description: Glob that upstream release tags match (C(git tag --list) syntax).
    type: str
    default: '*'
  tag_prefix:
    description:
      - Literal prefix of the release tags (C(greeter-) for C(greeter-3.0.0) in a monorepo,
        C(release-) for C(release-1.2)); only tags that start with it are considered, and
        it is removed before the tag becomes a version.
    type: str
    default: ''
  tag_exclude:
    description:
      - Globs (Python C(fnmatch), case-sensitive) of tags that are never releases, matched
        against the whole tag name.
      - The default leaves out OpenStack's end-of-maintenance and end-of-life markers
        (C(2023.1-eom), C(victoria-em), C(victoria-eol)).
    type: list
    elements: str
    default: ['*-eom', '*-em', '*-eol']
  base_version:
    description:
      - Base version to use when no release tag is merged into HEAD.
      - When empty, an upstream without such a tag is an error.
    type: str
    default: ''
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Compute the snapshot version
  packaging_version:
    upstream_path: "{{ zuul.project.src_dir }}"
    distgit_path: "{{ fetch_distgit_path }}"
  register: _version

- name: Show it
  ansible.builtin.debug:
    msg: "{{ _version.deb_version }} / {{ _version.rpm_version }}-{{ _version.rpm_release }}"
"""

RETURN = r"""
upstream_sha:
  description: Full sha of the upstream HEAD.
  type: str
  returned: success
upstream_tag:
  description: Tag the base version comes from (empty when I(base_version) was used).
  type: str
  returned: success
skipped_tags:
  description:
    - Tags that matched I(tag_pattern) and I(tag_prefix), were not excluded, but do not give
      a version, each with the reason; at most 20, sorted by name, names cut at 64
      characters.
  type: list
  elements: dict
  returned: success
  sample: [{"tag": "nightly", "reason": "does not start with a digit"}]
tag_orders:
  description: The comparators that ordered the tags (C(deb), C(rpm)).
  type: list
  elements: str
  returned: success
  sample: [deb, rpm]
base_version:
  description: Base version derived from the tag (or I(base_version)), in deb/rpm syntax.
  type: str
  returned: success
  sample: 1.2.0~rc1
commits_since_tag:
  description: Number of upstream commits since the tag.
  type: int
  returned: success
distgit_sha:
  description: Full sha of the distgit HEAD.
  type: str
  returned: success
distgit_author_name:
  description: Author name of the distgit HEAD commit (the packager of this snapshot).
  type: str
  returned: success
distgit_author_email:
  description: Author e-mail of the distgit HEAD commit.
  type: str
  returned: success
distgit_commits:
  description: Number of commits in the distgit history up to HEAD.
  type: int
  returned: success
deb_upstream_version:
  description: Upstream part of the Debian version.
  type: str
  returned: success
  sample: 1.2.0+git5.0a1b2c3d
deb_revision:
  description: Debian revision.
  type: str
  returned: success
  sample: 7.g89abcdef
deb_version:
  description: Full Debian version without epoch.
  type: str
  returned: success
  sample: 1.2.0+git5.0a1b2c3d-7.g89abcdef
rpm_version:
  description: RPM Version tag value.
  type: str
  returned: success
  sample: 1.2.0^git5.0a1b2c3d
rpm_release:
  description: RPM Release tag value, without the dist suffix.
  type: str
  returned: success
  sample: 7.g89abcdef
timestamp:
  description: Newest commit time of the two HEADs, seconds since the epoch (UTC).
  type: int
  returned: success
changelog_date_rfc2822:
  description: I(timestamp) as an RFC 2822 date for debian/changelog.
  type: str
  returned: success
changelog_date_rpm:
  description: I(timestamp) as a date for a spec %changelog entry.
  type: str
  returned: success
"""

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


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec=dict(
            upstream_path=dict(type="path", required=True),
            distgit_path=dict(type="path", required=True),
            tag_pattern=dict(type="str", default="*"),
            base_version=dict(type="str", default=""),
            tag_prefix=dict(type="str", default=""),
            tag_exclude=dict(type="list", elements="str", default=list(DEFAULT_TAG_EXCLUDE)),
        ),
        supports_check_mode=True,
    )
    try:
        result = compute(**module.params)
    except VersionError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


def main():
    run_module()


if __name__ == "__main__":
    main()
