# SPDX-License-Identifier: Apache-2.0
"""Inspect a debian/ directory and add a snapshot changelog entry, with python-debian."""

from __future__ import annotations

import os
import re

SUPPORTED_FORMATS = ("3.0 (quilt)", "3.0 (native)", "1.0")
USER_FIELD = re.compile(r"^X[SBC]*-", re.IGNORECASE)


# Fields of debian/control that dpkg and Debian Policy (5.2, 5.6) know; anything else must be
# a user field (X-, XS-, XB-, XC-, XSB-, ...), else it is most likely a typo.
SOURCE_FIELDS = frozenset(f.lower() for f in (
    "Source", "Maintainer", "Uploaders", "Section", "Priority", "Build-Depends",
    "Build-Depends-Indep", "Build-Depends-Arch", "Build-Conflicts", "Build-Conflicts-Indep",
    "Build-Conflicts-Arch", "Standards-Version", "Homepage", "Bugs", "Origin", "Testsuite",
    "Testsuite-Triggers", "Rules-Requires-Root", "Build-Driver", "Description",
    "Vcs-Arch", "Vcs-Browser", "Vcs-Bzr", "Vcs-Cvs", "Vcs-Darcs", "Vcs-Git", "Vcs-Hg",
    "Vcs-Mtn", "Vcs-Svn", "Dm-Upload-Allowed"))
BINARY_FIELDS = frozenset(f.lower() for f in (
    "Package", "Architecture", "Section", "Priority", "Essential", "Protected", "Important",
    "Depends", "Pre-Depends", "Recommends", "Suggests", "Breaks", "Conflicts", "Provides",
    "Replaces", "Enhances", "Description", "Homepage", "Built-Using", "Static-Built-Using",
    "Package-Type", "Multi-Arch", "Build-Profiles", "Build-Essential", "Subarchitecture",
    "Kernel-Version", "Installer-Menu-Item", "Tag", "Task", "Origin", "Bugs"))


def unknown_fields(paragraph, known):
    """Field names of paragraph that are neither known nor user fields (pure)."""
    return [name for name in paragraph.keys()
            if name.lower() not in known and not USER_FIELD.match(name)]


class DebianSourceError(Exception):
    """A broken or missing debian/ file, with a message that names it."""


def _read(path, what):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        raise DebianSourceError("%s is missing: %s" % (what, path)) from None
    except UnicodeDecodeError as exc:
        raise DebianSourceError("%s is not UTF-8: %s (%s)" % (what, path, exc)) from exc


def parse_control(text, path="debian/control"):
    """Return (source name, binaries) from debian/control text, or raise naming the fault."""
    from debian import deb822

    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or line.startswith("#") or line[:1] in (" ", "\t"):
            continue
        if ":" not in line:
            raise DebianSourceError(
                "%s line %d is neither a field nor a continuation: %r" % (path, number, line))
    paragraphs = list(deb822.Deb822.iter_paragraphs(text.splitlines(True)))
    if not paragraphs:
        raise DebianSourceError("%s has no paragraphs" % path)
    for index, paragraph in enumerate(paragraphs):
        unknown = unknown_fields(paragraph, BINARY_FIELDS if index else SOURCE_FIELDS)
        if unknown:
            raise DebianSourceError(
                "%s: unknown field %r in the %s paragraph (user-defined fields start with "
                "X-, XS-, XB- or XC-)" % (path, unknown[0], "binary" if index else "source"))
    source = paragraphs[0].get("Source", "").strip()
    if not source:
        raise DebianSourceError("%s: first paragraph has no Source field" % path)
    binaries = []
    for paragraph in paragraphs[1:]:
        name = paragraph.get("Package", "").strip()
        arch = paragraph.get("Architecture", "").strip()
        if not name:
            raise DebianSourceError("%s: a binary paragraph has no Package field" % path)
        if not arch:
            raise DebianSourceError("%s: binary package %s has no Architecture field" % (
                path, name))
        binaries.append({"package": name, "architecture": arch})
    if not binaries:
        raise DebianSourceError("%s declares no binary package" % path)
    return source, binaries


def parse_changelog(text, path="debian/changelog"):
    """Return the python-debian Changelog of text, strictly parsed."""
    from debian import changelog

    try:
        parsed = changelog.Changelog(text, strict=True)
    except (changelog.ChangelogParseError, ValueError) as exc:
        raise DebianSourceError("%s does not parse: %s" % (path, exc)) from exc
    if len(parsed) == 0 or parsed.version is None:
        raise DebianSourceError("%s has no entry" % path)
    return parsed


def _inside(path, top):
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def escaping_links(debian):
    """(relative name, target) of the symlinks under debian whose target leaves it, sorted.

    A target is inside when it is relative and stays under debian both as written (before
    any link is followed) and once resolved; everything else (absolute, through '..' out of
    debian, through a link that leads out) is escaping. Nothing is followed while walking."""
    top = os.path.realpath(debian)
    found = []
    for root, dirs, files in os.walk(debian, followlinks=False):
        for name in sorted(dirs + files):
            link = os.path.join(root, name)
            if not os.path.islink(link):
                continue
            target = os.readlink(link)
            written = os.path.normpath(os.path.join(root, target))
            if (os.path.isabs(target) or not _inside(written, os.path.normpath(debian))
                    or not _inside(os.path.realpath(link), top)):
                found.append((os.path.relpath(link, debian), target))
    return sorted(found)


def check_links(path):
    """Raise naming the symlinks of path/debian that lead outside it (or debian itself)."""
    debian = os.path.join(path, "debian")
    if os.path.islink(debian):
        raise DebianSourceError("%s is a symlink (to %s); debian/ must be a directory of the "
                                "distgit" % (debian, os.readlink(debian)))
    if not os.path.isdir(debian):
        return
    escaping = escaping_links(debian)
    if escaping:
        raise DebianSourceError(
            "%s: symlinks that lead outside debian/ (refused: the published source would "
            "carry what they point to): %s" % (debian, ", ".join(
                "%s -> %s" % pair for pair in escaping)))


def inspect(path):
    """Everything the build needs to know about path/debian, validated."""
    debian = os.path.join(path, "debian")
    check_links(path)
    if not os.path.isdir(debian):
        raise DebianSourceError("no debian/ directory in %s" % path)
    control_path = os.path.join(debian, "control")
    source, binaries = parse_control(_read(control_path, "debian/control"), control_path)
    changelog_path = os.path.join(debian, "changelog")
    log = parse_changelog(_read(changelog_path, "debian/changelog"), changelog_path)
    if log.package != source:
        raise DebianSourceError("%s names source %r but debian/control names %r" % (
            changelog_path, log.package, source))
    if not os.path.exists(os.path.join(debian, "rules")):
        raise DebianSourceError("debian/rules is missing: %s" % os.path.join(debian, "rules"))
    format_path = os.path.join(debian, "source", "format")
    source_format = "1.0"
    if os.path.exists(format_path):
        source_format = _read(format_path, "debian/source/format").strip()
    if source_format not in SUPPORTED_FORMATS:
        raise DebianSourceError("%s: unsupported source format %r (one of %s)" % (
            format_path, source_format, ", ".join(SUPPORTED_FORMATS)))
    return {
        "source": source,
        "binaries": binaries,
        "epoch": log.epoch or "",
        "previous_version": str(log.version),
        "previous_author": log.author or "",
        "source_format": source_format,
        "native": source_format == "3.0 (native)",
    }


def add_entry(path, source, version, distribution, author, date, changes):
    """Prepend a changelog entry; return False when the top entry already has version."""
    from debian import changelog

    changelog_path = os.path.join(path, "debian", "changelog")
    log = parse_changelog(_read(changelog_path, "debian/changelog"), changelog_path)
    if str(log.version) == version:
        return False
    lines = [""] + ["  * %s" % change for change in changes] + [""]
    log.new_block(
        package=source, version=changelog.Version(version), distributions=distribution,
        urgency="medium", author=author, date=date, changes=lines,
    )
    with open(changelog_path, "w", encoding="utf-8") as handle:
        log.write_to_open_file(handle)
    return True
