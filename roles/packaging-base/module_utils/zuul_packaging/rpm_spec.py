# SPDX-License-Identifier: Apache-2.0
"""Inspect a spec file and set its snapshot Version, Release and %changelog entry, with the
specfile library (which uses rpm's own parser; import it only where it is installed).

A spec file that is a symlink, and sources or patches next to it that are symlinks, are
refused: build-rpm-source copies only regular files of the distgit, and a link could carry a
file from anywhere on the node into the SRPM."""

from __future__ import annotations

import datetime
import json
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


def load(path, macros=()):
    """The parsed spec; macros are (name, value) definitions, as rpmbuild --define gives."""
    from specfile import Specfile

    if os.path.islink(path):
        check_links(path, [])
    if not os.path.isfile(path):
        raise SpecError("spec file %s does not exist" % path)
    try:
        return Specfile(path, sourcedir=os.path.dirname(path) or ".", macros=list(macros))
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


def source_entries(spec):
    """[{tag, number, filename, location, remote}] of the spec's sources and patches, as rpm
    expands them (the conditionals and the macro definitions applied: those in a branch rpm
    leaves out are not listed)."""
    found = []
    try:
        with spec.sources() as sources:
            for source in sources:
                if not getattr(source, "valid", True):
                    continue  # in a conditional branch rpm left out
                found.append({"tag": "Source%d" % source.number, "number": source.number,
                              "filename": source.expanded_filename,
                              "location": source.expanded_location, "remote": source.remote})
        with spec.patches() as patches:
            for patch in patches:
                if not getattr(patch, "valid", True):
                    continue
                found.append({"tag": "Patch%d" % patch.number, "number": patch.number,
                              "filename": patch.expanded_filename,
                              "location": patch.expanded_location, "remote": patch.remote})
    except Exception as exc:
        raise SpecError("spec file %s: cannot expand its sources: %s" % (spec.path, exc)) from exc
    return found


def uses_rpmautospec(spec):
    """Whether the spec has %autorelease or %autochangelog (rpmautospec processes it)."""
    return bool(spec.has_autorelease or spec.has_autochangelog)


# Names a spec uses with % that are rpm's own syntax (sections, directives, %files
# attributes, setup and patch), defined by rpm while it parses the spec (its tags), or
# replaced by rpmautospec before rpm sees the spec.
SPEC_SYNTAX = frozenset("""
    if ifarch ifnarch ifos ifnos else elif elifarch elifos endif include global define
    undefine description package prep build install check clean changelog files pre post
    preun postun pretrans posttrans preuntrans postuntrans verifyscript triggerprein
    triggerin triggerun triggerpostun filetriggerin filetriggerun filetriggerpostun
    transfiletriggerin transfiletriggerun transfiletriggerpostun generate_buildrequires conf
    sourcelist patchlist setup patch doc docdir license readme defattr attr config dir ghost
    verify exclude lang caps artifact missingok noreplace name version release epoch summary
    url buildroot nil SOURCE PATCH autorelease autochangelog
""".split())


def _tag_macros(sections):
    """Lower-cased names of the tags the spec sets (rpm defines a macro for each), read by
    specfile's own parser of the preamble sections."""
    from specfile.tags import Tags

    names = set()
    for section in sections:
        if section.name == "package":
            names.update(tag.name.lower() for tag in Tags.parse(section))
    return names


def macro_uses(text):
    """[(section, name)] of the macros the spec's text uses unconditionally (not %{?x},
    shell or expression expansions), by specfile's own parser, without rpm (pure)."""
    from specfile.macro_definitions import MacroDefinitions
    from specfile.sections import Sections
    from specfile.value_parser import (
        EnclosedMacroSubstitution,
        MacroSubstitution,
        SingleArgEnclosedMacroSubstitution,
        ValueParser,
    )

    lines = text.splitlines()
    sections = Sections.parse(lines)
    defined = {d.name for d in MacroDefinitions.parse(lines)} | _tag_macros(sections)
    found = []
    for section in sections:
        for line in section:
            try:
                nodes = ValueParser.parse(line)
            except Exception:  # an unterminated macro: rpm says so itself
                continue
            for node in nodes:
                if isinstance(node, SingleArgEnclosedMacroSubstitution):
                    continue  # %{lua:...}, %{expand:...}: rpm's own
                if not isinstance(node, (MacroSubstitution, EnclosedMacroSubstitution)):
                    continue
                if "?" in (getattr(node, "prefix", "") or ""):
                    continue  # %{?x}, %{!?x}: conditional, nothing when undefined
                name = node.name
                if (len(name) < 2 or name in defined or name in SPEC_SYNTAX
                        or name.rstrip("0123456789") in SPEC_SYNTAX
                        or name.rstrip("0123456789") in ("source", "patch")):
                    continue
                pair = (section.name or "package", name)
                if pair not in found:
                    found.append(pair)
    return found


def missing_macros(text, defines=()):
    """[(section, name)] of the macros the spec uses unconditionally that neither this
    node's rpm, nor the spec, nor the given definitions define."""
    import rpm

    given = {name for name, _ in defines}
    return [(section, name) for section, name in macro_uses(text)
            if name not in given and not rpm.expandMacro("%%{?%s:1}" % name)]


# Where the macros a Debian node lacks come from, by name prefix.
MACRO_PACKAGES = (
    (("forge",), "forge-srpm-macros/redhat-rpm-config"),
    (("gpgverify",), "redhat-rpm-config"),
    (("pyproject_", "tox"), "pyproject-rpm-macros"),
    (("py3_", "py_", "python3_", "python_", "py3", "python3", "python_provide"),
     "python3-rpm-macros"),
    (("go_", "gometa", "gosource", "goprep", "gobuild", "gocheck", "goinstall", "gopkg"),
     "go-rpm-macros"),
    (("cargo_", "crates_"), "cargo-rpm-macros"),
)


def macro_packages(names):
    """The packages (distinct, in order) that define these macros on Fedora/EL (pure)."""
    found = []
    for name in names:
        for prefixes, package in MACRO_PACKAGES:
            if name.startswith(prefixes) and package not in found:
                found.append(package)
                break
    return found


def describe_missing(missing, sections=None):
    """One line naming the missing macros (of the given sections, all when None) with their
    sections and the node that has them; '' when none (pure)."""
    chosen = [(s, n) for s, n in missing if sections is None or s in sections]
    if not chosen:
        return ""
    names = []
    for _, name in chosen:
        if name not in names:
            names.append(name)
    shown = ", ".join("%%%s (%s)" % (name, ", ".join(
        "%" + s if s != "package" else "preamble" for s, n in chosen if n == name))
        for name in names)
    packages = macro_packages(names)
    return ("the spec uses macros this node's rpm does not define: %s; they come with %s: "
            "run the job on a Fedora/EL node (the mock builder) or define them with "
            "packaging_rpm_defines" % (
                shown, ", ".join(packages) if packages
                else "the target distribution's rpm macro packages"))


# the directories of a build: a definition must not move them off the private _topdir
RESERVED_MACROS = frozenset((
    "_topdir", "_sourcedir", "_specdir", "_srcrpmdir", "_rpmdir", "_builddir",
    "_buildrootdir", "buildroot", "_tmppath", "_dbpath", "_rpmconfigdir",
))
MAX_DEFINE_LENGTH = 4096


def check_defines(defines, variable="packaging_rpm_defines"):
    """[(name, value)] of a dict of macro definitions, sorted by name: names are rpm macro
    names (not the build's directories), values one line of text; raise SpecError naming
    the first bad one (pure)."""
    if not defines:
        return []
    if not isinstance(defines, dict):
        raise SpecError("%s must be a dict of macro names and values, not %s" % (
            variable, type(defines).__name__))
    checked = []
    for raw_name, raw_value in sorted(defines.items(), key=lambda kv: str(kv[0])):
        name, value = str(raw_name), raw_value
        if (not 2 <= len(name) <= 64 or not (name[0].isalpha() or name[0] == "_")
                or not all(c.isascii() and (c.isalnum() or c == "_") for c in name)):
            raise SpecError("%s: %s is not an rpm macro name (letters, digits and _, not "
                            "starting with a digit)" % (variable, json.dumps(name)[:80]))
        if name in RESERVED_MACROS:
            raise SpecError("%s: %s is a directory of the build, which the job sets itself"
                            % (variable, name))
        if isinstance(value, bool):
            value = "1" if value else "0"
        elif isinstance(value, (int, float)):
            value = str(value)
        elif not isinstance(value, str):
            raise SpecError("%s: the value of %s must be text or a number, not %s" % (
                variable, name, type(value).__name__))
        if (len(value) > MAX_DEFINE_LENGTH
                or any(ord(c) < 32 and c != "\t" or ord(c) == 127 for c in value)):
            raise SpecError("%s: the value of %s must be one line of at most %d characters "
                            "without control characters" % (variable, name, MAX_DEFINE_LENGTH))
        checked.append((name, value))
    return checked


def define_args(defines):
    """rpmbuild's --define arguments of checked definitions (pure); an empty value is %{nil}
    (rpm refuses an empty body)."""
    args = []
    for name, value in defines:
        args += ["--define", "%s %s" % (name, value if value.strip() else "%{nil}")]
    return args
