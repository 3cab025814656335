#!/usr/bin/python
# SPDX-License-Identifier: Apache-2.0
"""Snapshot version of an upstream commit plus a distgit commit, for deb and rpm."""

from __future__ import annotations

from ansible.module_utils.zuul_packaging.packaging_version import (  # noqa: E402
    DEFAULT_TAG_EXCLUDE,
    VersionError,
    compute,
)

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
