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


def add_entry(path, source, version, distribution, author, date, changes,
              replace_unreleased=False):
    """Prepend a changelog entry; return False when the top entry already has version.

    With replace_unreleased, a top entry whose distribution is UNRELEASED (work not released
    yet, as dch leaves it) becomes the snapshot entry instead: its version, distribution,
    author and date are replaced and changes added to its own."""
    from debian import changelog

    changelog_path = os.path.join(path, "debian", "changelog")
    log = parse_changelog(_read(changelog_path, "debian/changelog"), changelog_path)
    if str(log.version) == version:
        return False
    if replace_unreleased and log.distributions.strip() == "UNRELEASED":
        log.set_version(changelog.Version(version))
        log.set_distributions(distribution)
        log.set_author(author)
        log.set_date(date)
        block = log[0]
        while block.changes() and not block.changes()[-1].strip():
            block.changes().pop()
        for change in changes:
            log.add_change("  * %s" % change)
        log.add_change("")
    else:
        lines = [""] + ["  * %s" % change for change in changes] + [""]
        log.new_block(
            package=source, version=changelog.Version(version), distributions=distribution,
            urgency="medium", author=author, date=date, changes=lines,
        )
    with open(changelog_path, "w", encoding="utf-8") as handle:
        log.write_to_open_file(handle)
    return True


# --- git-buildpackage: debian/gbp.conf ------------------------------------------------------

# the keys of debian/gbp.conf the source build honours; gbp reads [DEFAULT], then the
# command's own section ([buildpackage]), which overrides it
GBP_KEYS = ("debian-branch", "upstream-tag", "component")
GBP_SECTIONS = ("DEFAULT", "buildpackage")
# dpkg's orig-<component> tarball names (Dpkg::Source::Package::V2)
COMPONENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
GBP_VERSION_FIELD = re.compile(r"%\((?:h?version|version%[^)]*)\)s")
MAX_GBP_VALUE = 256


def _gbp_list(value, path):
    """A gbp list option: a Python list literal of strings, or one value (gbp's listify)."""
    import ast

    text = value.strip()
    if not text.startswith("["):
        return [text] if text else []
    try:
        items = ast.literal_eval(text)
    except (ValueError, SyntaxError) as exc:
        raise DebianSourceError("%s: component %r is not a list of names (%s)" % (
            path, text[:80], exc.__class__.__name__)) from None
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise DebianSourceError("%s: component %r is not a list of names" % (path, text[:80]))
    return items


def read_gbp_conf(text, path="debian/gbp.conf"):
    """{key: value} of the GBP_KEYS that debian/gbp.conf text sets ([buildpackage] over
    [DEFAULT]); component is a list of validated names. Raises naming the fault."""
    import configparser

    parser = configparser.ConfigParser(interpolation=None, strict=True)
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        raise DebianSourceError("%s does not parse: %s" % (
            path, " ".join(str(exc).split())[:200])) from None
    found = {}
    for section in GBP_SECTIONS:
        values = parser.defaults() if section == "DEFAULT" else (
            dict(parser.items(section, raw=True)) if parser.has_section(section) else {})
        for key in GBP_KEYS:
            if key in values:
                found[key] = values[key].strip()
    for key, value in found.items():
        if len(value) > MAX_GBP_VALUE or "\n" in value:
            raise DebianSourceError("%s: %s is longer than %d characters or spans lines" % (
                path, key, MAX_GBP_VALUE))
    if "component" in found:
        components = _gbp_list(found["component"], path)
        for name in components:
            if not COMPONENT_NAME.match(name):
                raise DebianSourceError(
                    "%s: component %r is not a component name (letters, digits and '-', as "
                    "dpkg's orig-<component> tarballs)" % (path, name[:80]))
        if len(set(components)) != len(components):
            raise DebianSourceError("%s: a component is listed twice: %s" % (
                path, ", ".join(components)))
        found["component"] = components
    return found


def gbp_tag_options(upstream_tag, path="debian/gbp.conf"):
    """(tag glob, tag prefix) of a gbp upstream-tag format such as 'v%(version)s' or
    'upstream/%(version)s' (pure); raises when it is not a prefix and one version field."""
    fields = GBP_VERSION_FIELD.findall(upstream_tag)
    prefix, _, suffix = upstream_tag.partition(fields[0]) if len(fields) == 1 else ("", "", "")
    if len(fields) != 1 or "%" in prefix or suffix:
        raise DebianSourceError(
            "%s: upstream-tag %r is not a literal prefix followed by %%(version)s; set "
            "packaging_tag_pattern and packaging_tag_prefix instead" % (path, upstream_tag[:80]))
    if prefix.startswith("-"):
        raise DebianSourceError("%s: upstream-tag %r starts with '-'" % (path, upstream_tag[:80]))
    glob_safe = "".join("[%s]" % char if char in "*?[]\\" else char for char in prefix)
    return glob_safe + "*", prefix


def gbp_conf(path):
    """read_gbp_conf of path/debian/gbp.conf, or {} when there is none."""
    conf = os.path.join(path, "debian", "gbp.conf")
    if not os.path.lexists(conf):
        return {}
    if not os.path.isfile(conf):
        raise DebianSourceError("%s is not a file" % conf)
    return read_gbp_conf(_read(conf, "debian/gbp.conf"), conf)


# --- 3.0 (quilt): debian/patches --------------------------------------------------------------

# what dpkg-source passes to patch when it applies a quilt series (Dpkg::Source::Package::V3::Quilt)
PATCH_OPTIONS = ("-t", "-F", "0", "-N", "-p1", "-u", "-V", "never", "-E")


def parse_series(text, path="debian/patches/series"):
    """[patch name] of a quilt series, read as dpkg-source reads it (blank lines and
    comments skipped, options after the name dropped); raises for a name that would leave
    debian/patches."""
    names = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(?:^|\s+)#.*$", "", raw.strip())
        if not line:
            continue
        name = line.split()[0]
        parts = name.split("/")
        if name.startswith("/") or ".." in parts or name.startswith("-"):
            raise DebianSourceError(
                "%s line %d: patch name %r leaves debian/patches (refused)" % (
                    path, number, name[:80]))
        names.append(name)
    return names


FAILED_HUNKS = re.compile(r"^(\d+) out of (\d+) hunks? (FAILED|ignored)")
CHECKING = re.compile(r"^(?:checking|patching) file (.+)$")
NEW_NAME = re.compile(r"^\|\+\+\+ (\S+)")


def patch_failure(output):
    """(file, what) of the first file a failed `patch` run names in its output (pure)."""
    current, wanted = "", ""
    for raw in output.splitlines():
        line = raw.rstrip()
        match = CHECKING.match(line)
        if match:
            current = match.group(1).strip("'\"")
            continue
        match = NEW_NAME.match(line)
        if match:
            wanted = match.group(1).split("/", 1)[-1]
            continue
        if line.startswith("No file to patch."):
            return wanted or current or "?", "file not found"
        if line.startswith("Reversed (or previously applied) patch detected!"):
            return current or wanted or "?", "already applied"
        match = FAILED_HUNKS.match(line)
        if match:
            return current or wanted or "?", "%s of %s hunk%s %s" % (
                match.group(1), match.group(2), "" if match.group(2) == "1" else "s",
                match.group(3))
    lines = [line for line in output.splitlines() if line.strip()]
    return "?", lines[-1].strip()[:160] if lines else "no output"


def current_vendor():
    """The node's dpkg vendor in lower case, as dpkg-source picks a series with it."""
    import subprocess

    try:
        proc = subprocess.run(["dpkg-vendor", "--query", "Vendor"], capture_output=True,
                              text=True, check=False)
    except OSError:
        return "debian"
    return (proc.stdout.strip() or "debian").lower() if proc.returncode == 0 else "debian"


def series_file(patches, vendor):
    """The series file dpkg-source applies: <vendor>.series, else series ('' for none)."""
    for name in ("%s.series" % vendor, "series"):
        if os.path.isfile(os.path.join(patches, name)):
            return name
    return ""


def check_patches(tree, scratch, upstream_label, vendor=None):
    """Apply tree/debian/patches/series (or <vendor>.series, as dpkg-source does) in order
    to a copy of tree (in scratch, removed after) with dpkg-source's patch options; return
    the number of patches, or raise with one line naming the first patch that does not
    apply and the first rejected file."""
    import shutil
    import subprocess

    vendor = vendor or current_vendor()
    patches = os.path.join(tree, "debian", "patches")
    series_name = series_file(patches, vendor)
    if not series_name:
        return 0
    shown = "debian/patches/" + series_name
    series = parse_series(_read(os.path.join(patches, series_name), shown), shown)
    for name in series:
        if not os.path.isfile(os.path.join(patches, name)):
            raise DebianSourceError("%s lists %s, which is not in debian/patches" % (
                shown, name))
    if not series:
        return 0
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        shutil.copytree(tree, scratch, symlinks=True)
        env = dict(os.environ, LC_ALL="C", LANG="C", PATCH_GET="0")
        env.pop("POSIXLY_CORRECT", None)
        for name in series:
            patch = os.path.abspath(os.path.join(patches, name))
            for dry in (True, False):
                argv = ["patch", *PATCH_OPTIONS, "--no-backup-if-mismatch", "--reject-file=-",
                        "-d", scratch, "-i", patch] + (["--dry-run"] if dry else [])
                proc = subprocess.run(argv, capture_output=True, text=True, check=False,
                                      env=env, errors="replace")
                if proc.returncode != 0:
                    where, what = patch_failure(proc.stdout + "\n" + proc.stderr)
                    raise DebianSourceError("debian/patches/%s does not apply to upstream %s: "
                                            "%s (%s)" % (name, upstream_label, where, what))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return len(series)


# --- 3.0 (native): the distgit is the upstream ------------------------------------------------

MAX_NATIVE_WALK = 1000


def _git_out(path, *args):
    import subprocess

    proc = subprocess.run(["git", "-C", path, *args], capture_output=True, check=False,
                          env=dict(os.environ, LC_ALL="C", GIT_TERMINAL_PROMPT="0"))
    if proc.returncode != 0:
        raise DebianSourceError("distgit %s: git %s failed: %s" % (
            path, args[0], (proc.stderr.decode("utf-8", "replace").strip().splitlines()
                            or ["no output"])[-1]))
    return proc.stdout.decode("utf-8", "replace")


def top_entry(text):
    """(version, released) of the top entry of a debian/changelog text, or None (pure)."""
    from debian import changelog

    try:
        log = changelog.Changelog(text, max_blocks=1, strict=False)
    except (changelog.ChangelogParseError, ValueError):
        return None
    if len(log) == 0 or log.version is None:
        return None
    return str(log.version), log.distributions.strip() != "UNRELEASED"


def native_snapshot(base_version, released, commits, sha):
    """The snapshot version of a native package (pure): after the released version X,
    X+git<N>.<sha> (above X, below X's successor); while the top entry is UNRELEASED X,
    X~git<N>.<sha> (below X, above the release before it). No Debian revision."""
    from debian.debian_support import Version

    base = Version(base_version)
    upstream = "%s%sgit%d.%s" % (base.upstream_version, "+" if released else "~", commits,
                                 sha[:8])
    return upstream


def native_version_info(distgit_path, short=8):
    """version_info of a 3.0 (native) distgit's HEAD: the top changelog entry's version X,
    the commits since the commit that first had X (with the same released state) at the
    top of debian/changelog, and the snapshot version (native_snapshot)."""
    sha = _git_out(distgit_path, "rev-parse", "--verify", "HEAD^{commit}").strip()
    head_text = _git_out(distgit_path, "show", "%s:debian/changelog" % sha)
    top = top_entry(head_text)
    if top is None:
        raise DebianSourceError("%s/debian/changelog at %s has no entry" % (
            distgit_path, sha[:12]))
    base = sha
    touched = _git_out(distgit_path, "rev-list", "--max-count=%d" % MAX_NATIVE_WALK, sha,
                       "--", "debian/changelog").split()
    for commit in touched:
        if top_entry(_git_out(distgit_path, "show", "%s:debian/changelog" % commit)) != top:
            break
        base = commit
    commits = int(_git_out(distgit_path, "rev-list", "--count", "%s..%s" % (base, sha)))
    version, released = top
    upstream = native_snapshot(version, released, commits, sha[:short])
    from debian.debian_support import Version

    return {
        "upstream_sha": sha, "upstream_tag": "", "skipped_tags": [], "tag_orders": ["deb"],
        "base_version": Version(version).upstream_version, "released": released,
        "base_commit": base, "commits_since_tag": commits, "distgit_sha": sha,
        "distgit_commits": int(_git_out(distgit_path, "rev-list", "--count", sha)),
        "deb_upstream_version": upstream, "deb_revision": "", "deb_version": upstream,
        "timestamp": int(_git_out(distgit_path, "log", "-1", "--format=%ct", sha)),
    }
