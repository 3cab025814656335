#!/usr/bin/python
# SPDX-License-Identifier: Apache-2.0
"""Snapshot version of an upstream commit plus a distgit commit, for deb and rpm."""

from __future__ import annotations

import datetime
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
  - The base version is the highest tag reachable from the upstream HEAD, ordered by git's
    own version sort (C(--sort=-v:refname)). A leading C(v) or C(V) is dropped, C(-) and C(_)
    become C(.), and a pre-release suffix (C(a), C(b), C(c), C(rc), C(alpha), C(beta),
    C(pre), C(preview), C(dev), optionally followed by a number) is written with C(~) so that
    it sorts before the release.
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
  base_version:
    description:
      - Base version to use when no tag matching I(tag_pattern) is reachable from HEAD.
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
PRERELEASE = re.compile(
    r"^(?P<release>.*?\d)[.~]?(?P<pre>(?:alpha|beta|preview|pre|dev|rc|a|b|c)\.?\d*)$",
    re.IGNORECASE,
)


class VersionError(Exception):
    """A bad input, with a message that names it."""


def tag_to_version(tag):
    """Turn a release tag into a version usable by both dpkg and rpm.

    >>> tag_to_version("v1.2.0-rc.1")
    '1.2.0~rc.1'
    """
    version = tag[1:] if tag[:1] in ("v", "V") and tag[1:2].isdigit() else tag
    version = version.replace("-", ".").replace("_", ".")
    if not version[:1].isdigit():
        raise VersionError(
            "tag %r does not start with a digit (after an optional 'v'): "
            "set tag_pattern to match release tags only" % tag
        )
    if not re.fullmatch(r"[0-9A-Za-z.~]+", version):
        raise VersionError("tag %r has characters that deb and rpm versions cannot hold" % tag)
    match = PRERELEASE.match(version)
    if match:
        version = "%s~%s" % (match.group("release"), match.group("pre"))
    return version


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
        env=dict(os.environ, LC_ALL="C"),
    )
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, args, proc.stdout, proc.stderr)
    return proc.stdout.strip()


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


def best_tag(path, pattern):
    """Highest tag reachable from HEAD by git's version sort, or '' when there is none."""
    tags = _git(
        path,
        # pre-release suffixes sort before the release in git's version sort, as in dpkg/rpm
        "-c", "versionsort.suffix=-alpha", "-c", "versionsort.suffix=-beta",
        "-c", "versionsort.suffix=-rc", "-c", "versionsort.suffix=alpha",
        "-c", "versionsort.suffix=beta", "-c", "versionsort.suffix=rc",
        "tag", "--merged", "HEAD", "--sort=-v:refname", "--list", pattern,
    )
    return tags.splitlines()[0] if tags else ""


def compute(upstream_path, distgit_path, tag_pattern="*", base_version=""):
    """Gather the git facts of both checkouts and return every output value."""
    upstream_sha = _head(upstream_path, "upstream")
    distgit_sha = _head(distgit_path, "distgit")
    tag = best_tag(upstream_path, tag_pattern)
    if tag:
        base = tag_to_version(tag)
        since = int(_git(upstream_path, "rev-list", "--count", "%s..HEAD" % tag))
    elif base_version:
        base = tag_to_version(base_version)
        since = int(_git(upstream_path, "rev-list", "--count", "HEAD"))
    else:
        raise VersionError(
            "upstream %s has no tag matching %r reachable from HEAD %s: tag a release "
            "or set a base version" % (upstream_path, tag_pattern, upstream_sha[:SHORT_SHA])
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
