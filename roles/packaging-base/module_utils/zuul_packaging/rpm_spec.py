# SPDX-License-Identifier: Apache-2.0
"""Inspect a spec file and set its snapshot Version, Release and %changelog entry, with the
specfile library (which uses rpm's own parser; import it only where it is installed).

A spec file that is a symlink, and sources or patches next to it that are symlinks, are
refused: build-rpm-source copies only regular files of the distgit, and a link could carry a
file from anywhere on the node into the SRPM."""

from __future__ import annotations

import datetime
import os


class SpecError(Exception):
    """A missing or broken spec file, with a message that names it."""


def linked_sources(spec_dir, names):
    """(file name, target) of the sources and patches that are symlinks in spec_dir."""
    found = []
    for name in names:
        local = os.path.join(spec_dir, os.path.basename(name))
        if os.path.islink(local):
            found.append((os.path.basename(name), os.readlink(local)))
    return found


def check_links(path, names):
    """Raise naming the spec or its sources and patches when they are symlinks."""
    if os.path.islink(path):
        raise SpecError("spec file %s is a symlink (to %s); it must be a regular file of the "
                        "distgit" % (path, os.readlink(path)))
    linked = linked_sources(os.path.dirname(path) or ".", names)
    if linked:
        raise SpecError("spec file %s: sources and patches must be regular files of the "
                        "distgit, these are symlinks: %s" % (path, ", ".join(
                            "%s -> %s" % pair for pair in linked)))


def load(path):
    from specfile import Specfile

    if os.path.islink(path):
        check_links(path, [])
    if not os.path.isfile(path):
        raise SpecError("spec file %s does not exist" % path)
    try:
        return Specfile(path, sourcedir=os.path.dirname(path) or ".")
    except Exception as exc:  # specfile raises RPMException and others from rpm's parser
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise SpecError("spec file %s does not parse: %s" % (path, detail[:300])) from exc


def setup_dir(spec):
    """Top directory of the source archive that the first setup macro expects."""
    with spec.prep() as prep:
        if prep is None:
            return ""
        macros = [m for m in prep.macros if type(m).__name__ in ("SetupMacro", "AutosetupMacro")]
        if not macros:
            return ""
        options = macros[0].options
        if options.c:
            return ""
        return spec.expand(options.n or "%{name}-%{version}")


def describe(spec):
    try:
        with spec.sources() as sources:
            names = [source.expanded_filename for source in sources]
        with spec.patches() as patches:
            names += [patch.expanded_filename for patch in patches]
        return {
            "name": spec.expanded_name,
            "epoch": spec.expanded_epoch or "",
            "version": spec.expanded_version,
            "release": spec.expanded_release,
            "source0": names[0] if names else "",
            "sources": names,
            "setup_dir": setup_dir(spec),
        }
    except SpecError:
        raise
    except Exception as exc:
        raise SpecError("spec file %s: cannot expand its tags: %s" % (spec.path, exc)) from exc


def changelog_evr(epoch, version, release):
    """The EVR printed in a %changelog header (pure)."""
    return "%s%s-%s" % ("%s:" % epoch if epoch else "", version, release)


def update(spec, version, release, lines, author, email, timestamp):
    """Set Version/Release and add a changelog entry; False when nothing changed."""
    if (spec.expanded_version == version
            and spec.expanded_release == spec.expand(release + "%{?dist}")):
        return False
    spec.update_tag("Version", version)
    spec.update_tag("Release", release)
    if "%{?dist}" not in spec.raw_release:
        spec.raw_release = spec.raw_release + "%{?dist}"
    if not spec.has_autochangelog:
        when = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
        spec.add_changelog_entry(
            ["- %s" % line for line in lines] or ["- Snapshot build."],
            author=author, email=email, timestamp=when.date(),
            evr=changelog_evr(spec.expanded_epoch, version, release),
        )
    spec.save()
    return True
