# SPDX-License-Identifier: Apache-2.0
"""deb/rpm parity: what the deb and the rpm packages of one upstream change say, read with
the formats' own readers (python-debian, rpm's header reader), and how they differ.

Every name is mapped back to the upstream name it stands for (the team's mapping first,
then pymod2pkg's per-distribution tables for Python, then the package name itself), every
installed path is normalized for the layout differences the two families are known to have,
and each difference is one line a packager reads ("rpm installs /usr/bin/x, the deb does
not"). Package contents are untrusted: nothing read here is run or interpolated."""

from __future__ import annotations

import importlib
import io
import os
import re
import stat

# maintainer scripts and the rpm scriptlets that run at the same moment
DEB_SCRIPTS = {"preinst": "%pre", "postinst": "%post", "prerm": "%preun", "postrm": "%postun"}
RPM_SCRIPTS = ("%pre", "%post", "%preun", "%postun", "%pretrans", "%posttrans")

# what a build family adds by itself: not part of a comparison
IGNORED_RUNTIME = {
    "deb": {"debconf", "debconf-2.0", "dpkg", "init-system-helpers"},
    "rpm": {"bash", "coreutils"},
}
IGNORED_BUILD = {
    "deb": {
        "debhelper",
        "debhelper-compat",
        "dh-python",
        "build-essential",
        "dpkg-dev",
        "dh-exec",
        "pybuild-plugin-pyproject",
        "quilt",
    },
    "rpm": {
        "make",
        "gcc",
        "gcc-c++",
        "rpm-build",
        "systemd-rpm-macros",
        "pyproject-rpm-macros",
        "python3-rpm-macros",
        "python-rpm-macros",
        "redhat-rpm-config",
        "rpmautospec",
    },
}
# the Python interpreter itself, in either family
PYTHON = {
    "python3",
    "python3-all",
    "python3-dev",
    "python3-all-dev",
    "python3-minimal",
    "python3-devel",
    "python(abi)",
    "python3-libs",
    "python-devel",
}

# license names that differ between Debian's copyright format and SPDX (rpm License tags are
# SPDX in current Fedora and EL, with the older Fedora names in older specs)
LICENSE_ALIASES = {
    "expat": "MIT",
    "mit": "MIT",
    "asl 2.0": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "apache-2.0": "Apache-2.0",
    "apache": "Apache-2.0",
    "gpl-2": "GPL-2.0-only",
    "gpl-2.0": "GPL-2.0-only",
    "gplv2": "GPL-2.0-only",
    "gpl-2+": "GPL-2.0-or-later",
    "gpl-2.0+": "GPL-2.0-or-later",
    "gplv2+": "GPL-2.0-or-later",
    "gpl-3": "GPL-3.0-only",
    "gpl-3.0": "GPL-3.0-only",
    "gplv3": "GPL-3.0-only",
    "gpl-3+": "GPL-3.0-or-later",
    "gpl-3.0+": "GPL-3.0-or-later",
    "gplv3+": "GPL-3.0-or-later",
    "lgpl-2.1": "LGPL-2.1-only",
    "lgplv2": "LGPL-2.1-only",
    "lgpl-2.1+": "LGPL-2.1-or-later",
    "lgplv2+": "LGPL-2.1-or-later",
    "lgpl-3": "LGPL-3.0-only",
    "lgpl-3+": "LGPL-3.0-or-later",
    "lgplv3+": "LGPL-3.0-or-later",
    "bsd-3-clause": "BSD-3-Clause",
    "bsd": "BSD-3-Clause",
    "bsd-2-clause": "BSD-2-Clause",
    "isc": "ISC",
    "mpl-2.0": "MPL-2.0",
    "mplv2.0": "MPL-2.0",
    "zlib": "Zlib",
    "psf-2.0": "PSF-2.0",
    "python": "PSF-2.0",
    "public domain": "public-domain",
    "public-domain": "public-domain",
    "cc0-1.0": "CC0-1.0",
    "artistic-2.0": "Artistic-2.0",
}

# a difference's level: error for what makes the two packages different software (another
# upstream version or commit, another runtime dependency), warning for the rest
LEVELS = {
    "version": "error",
    "commit": "error",
    "depends": "error",
    "build-depends": "warning",
    "files": "warning",
    "scripts": "warning",
    "licenses": "warning",
}
KINDS = tuple(LEVELS)


class ParityError(Exception):
    """Bad input: one line naming the cause."""


# ---------------------------------------------------------------------------- readers


def read_deb(path):
    """What a .deb declares and installs, read by python-debian."""
    from debian import debfile
    from debian.deb822 import PkgRelation

    try:
        deb = debfile.DebFile(path)
        control = deb.debcontrol()
        members = deb.data.tgz().getmembers()
        scripts = sorted(
            name
            for name in (os.path.basename(n) for n in deb.control.tgz().getnames())
            if name in DEB_SCRIPTS
        )
    except Exception as exc:  # debfile raises several types for a damaged file
        raise ParityError("%s is not a readable .deb: %s" % (os.path.basename(path), exc)) from None
    name = control.get("Package", "")
    if not name:
        raise ParityError("%s has no Package field" % os.path.basename(path))
    files = []
    copyright_text = None
    doc_link = False  # dh_installdocs --link-doc: the doc directory is another package's
    for member in members:
        if member.isdir():
            continue
        installed = "/" + member.name.lstrip("./").lstrip("/")
        if installed == "/usr/share/doc/%s" % name and member.issym():
            doc_link = True
            continue
        files.append(installed)
        if installed == "/usr/share/doc/%s/copyright" % name and member.isfile():
            copyright_text = deb.data.tgz().extractfile(member).read().decode("utf-8", "replace")
    depends = []
    for field in ("Pre-Depends", "Depends"):
        if control.get(field):
            depends.extend(PkgRelation.parse_relations(control[field]))
    return {
        "name": name,
        "version": control.get("Version", ""),
        "source": control.get("Source", name).split(" ")[0],
        "depends": relation_groups(depends),
        "files": sorted(files),
        "scripts": scripts,
        "licenses": copyright_licenses(copyright_text)
        if copyright_text is not None
        else ([] if doc_link else None),
        "path": path,
    }


def read_dsc(path):
    """Build-Depends(-Arch, -Indep) of a .dsc, read by python-debian."""
    from debian.deb822 import Dsc, PkgRelation

    try:
        with open(path, encoding="utf-8") as handle:
            dsc = Dsc(handle)
    except (OSError, UnicodeDecodeError) as exc:
        raise ParityError("%s is not a readable .dsc: %s" % (os.path.basename(path), exc)) from None
    if not dsc.get("Source"):
        raise ParityError("%s has no Source field" % os.path.basename(path))
    groups = []
    for field in ("Build-Depends", "Build-Depends-Arch", "Build-Depends-Indep"):
        if dsc.get(field):
            groups.extend(PkgRelation.parse_relations(dsc[field]))
    return {
        "name": dsc["Source"],
        "version": dsc.get("Version", ""),
        "build_depends": relation_groups(groups),
        "path": path,
    }


def relation_groups(parsed):
    """python-debian's parsed relations as a list of alternatives, each a list of
    {name, constraint}."""
    return [
        [
            {
                "name": alt["name"],
                "constraint": " ".join(alt["version"]) if alt.get("version") else "",
            }
            for alt in group
        ]
        for group in parsed
    ]


def _rpm_header(path):
    import rpm

    ts = rpm.TransactionSet()
    # the packages are read, not installed: their signatures are not this step's concern
    ts.setVSFlags(rpm._RPMVSF_NOSIGNATURES | rpm._RPMVSF_NODIGESTS)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise ParityError(
            "%s cannot be read: %s" % (os.path.basename(path), exc.strerror)
        ) from None
    try:
        return ts.hdrFromFdno(fd)
    except rpm.error as exc:
        raise ParityError("%s is not a readable rpm: %s" % (os.path.basename(path), exc)) from None
    finally:
        os.close(fd)


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else (value or "")


def rpm_requires(header, build=False):
    """The Requires (or an SRPM's BuildRequires) a packager declared or rpm's generators
    made for upstream modules: rpmlib() features, file paths, scriptlet interpreters and
    shared libraries are rpm's own bookkeeping and left out."""
    import rpm

    found = []
    names = header[rpm.RPMTAG_REQUIRENAME] or []
    flags = header[rpm.RPMTAG_REQUIREFLAGS] or []
    versions = header[rpm.RPMTAG_REQUIREVERSION] or []
    ops = ((rpm.RPMSENSE_LESS, "<"), (rpm.RPMSENSE_GREATER, ">"), (rpm.RPMSENSE_EQUAL, "="))
    for raw_name, flag, raw_version in zip(names, flags, versions):
        name, version = _text(raw_name), _text(raw_version)
        if flag & (rpm.RPMSENSE_RPMLIB | rpm.RPMSENSE_INTERP) or name.startswith(
            ("/", "rpmlib(", "config(")
        ):
            continue
        if not build and flag & rpm.RPMSENSE_FIND_REQUIRES and ".so" in name:
            continue
        op = "".join(sign for bit, sign in ops if flag & bit)
        found.append(
            [{"name": name, "constraint": ("%s %s" % (op, version)) if op and version else ""}]
        )
    return found


def read_rpm(path):
    """What a binary rpm declares and installs, read by rpm's own header reader."""
    import rpm

    header = _rpm_header(path)
    if header[rpm.RPMTAG_SOURCEPACKAGE]:
        raise ParityError("%s is a source rpm, not a binary one" % os.path.basename(path))
    files = []
    for name, mode in zip(header[rpm.RPMTAG_FILENAMES] or [], header[rpm.RPMTAG_FILEMODES] or []):
        if not stat.S_ISDIR(mode & 0o177777):
            files.append(_text(name))
    tags = {
        "%pre": (rpm.RPMTAG_PREIN, rpm.RPMTAG_PREINPROG),
        "%post": (rpm.RPMTAG_POSTIN, rpm.RPMTAG_POSTINPROG),
        "%preun": (rpm.RPMTAG_PREUN, rpm.RPMTAG_PREUNPROG),
        "%postun": (rpm.RPMTAG_POSTUN, rpm.RPMTAG_POSTUNPROG),
        "%pretrans": (rpm.RPMTAG_PRETRANS, rpm.RPMTAG_PRETRANSPROG),
        "%posttrans": (rpm.RPMTAG_POSTTRANS, rpm.RPMTAG_POSTTRANSPROG),
    }
    # a scriptlet is its body or its -p program
    scripts = sorted(kind for kind, (body, prog) in tags.items() if header[body] or header[prog])
    return {
        "name": _text(header[rpm.RPMTAG_NAME]),
        "version": _text(header[rpm.RPMTAG_VERSION]),
        "release": _text(header[rpm.RPMTAG_RELEASE]),
        "source": _text(header[rpm.RPMTAG_SOURCERPM]),
        "depends": rpm_requires(header),
        "files": sorted(files),
        "scripts": scripts,
        "licenses": rpm_licenses(_text(header[rpm.RPMTAG_LICENSE])),
        "path": path,
    }


def read_srpm(path):
    """BuildRequires of a source rpm, read by rpm's own header reader."""
    import rpm

    header = _rpm_header(path)
    if not header[rpm.RPMTAG_SOURCEPACKAGE]:
        raise ParityError("%s is a binary rpm, not a source one" % os.path.basename(path))
    return {
        "name": _text(header[rpm.RPMTAG_NAME]),
        "version": _text(header[rpm.RPMTAG_VERSION]),
        "build_depends": rpm_requires(header, build=True),
        "path": path,
    }


# ---------------------------------------------------------------------------- licenses


def canonical_license(name):
    """One license name in its SPDX spelling when known (Debian's Expat is MIT)."""
    key = name.strip().lower()
    return LICENSE_ALIASES.get(key, name.strip())


def _split_expression(text):
    """License names of an expression joined by and/or/with/commas (Debian's copyright
    synopsis, an rpm License tag); 'X with Y exception' stays X."""
    text = text.replace("(", " ").replace(")", " ").replace(",", " ")
    for legacy in ("ASL 2.0", "Public Domain"):  # old Fedora names holding a space
        text = re.sub(re.escape(legacy), legacy.replace(" ", "\0"), text, flags=re.IGNORECASE)
    names, skip = [], False
    for word in text.split():
        lower = word.lower()
        if lower in ("and", "or", "&"):
            skip = False
            continue
        if lower == "with":
            skip = True
            continue
        if not skip:
            names.append(word.replace("\0", " "))
    return names


def rpm_licenses(text):
    """The licenses of an rpm License tag (SPDX through packaging's canonicalizer when it
    is an SPDX expression)."""
    if not text.strip():
        return []
    try:
        from packaging.licenses import canonicalize_license_expression

        text = canonicalize_license_expression(text)
    except Exception:  # not SPDX (older Fedora names) or an older packaging: split it
        pass
    return sorted({canonical_license(name) for name in _split_expression(text)})


def copyright_licenses(text):
    """The licenses of a machine-readable debian/copyright (python-debian's copyright
    reader), or None when the file is not machine-readable."""
    from debian import copyright as dcopyright

    try:
        parsed = dcopyright.Copyright(io.StringIO(text), strict=False)
    except (dcopyright.NotMachineReadableError, ValueError):
        return None
    found = set()
    for paragraph in parsed.all_files_paragraphs():
        if paragraph.license is not None and paragraph.license.synopsis:
            found.update(
                canonical_license(name) for name in _split_expression(paragraph.license.synopsis)
            )
    return sorted(found)


# ---------------------------------------------------------------------------- names


def _py_reverse(dist):
    """{distribution package name: [upstream names]} from pymod2pkg's tables of dist."""
    try:
        import pymod2pkg
    except ImportError:
        return {}
    table = {}
    for rule in pymod2pkg.get_pkg_map(dist):
        for mod in getattr(rule, "mods", None) or [getattr(rule, "mod", None)]:
            if mod:
                table.setdefault(python_package(mod, dist), []).append(mod)
    return table


_REVERSE = {}


def python_package(mod, dist):
    """The python3 package name pymod2pkg gives an upstream module on dist ('' without
    pymod2pkg)."""
    try:
        import pymod2pkg
    except ImportError:
        return ""
    name = pymod2pkg.module2package(mod, dist, py_vers=("py3",))
    if dist in ("ubuntu", "debian") and name.startswith("python-"):
        name = "python3-" + name[len("python-") :]  # Ubuntu's table predates python3 names
    return name


def canonical(name):
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


def upstream_names(package, fmt, mapping=None, dist=""):
    """The upstream names a distribution package may stand for, the one to show first: the
    team's mapping, then the Python interpreter, then python3dist(x), then pymod2pkg's rules
    and its name without the python3- prefix when pymod2pkg gives the package for it (its
    tables map several names to one package: python3-yaml is PyYAML and yaml, python3-
    setuptools is setuptools and the old distribute), else the package name itself."""
    mapping = mapping or {}
    for upstream, names in mapping.items():
        listed = names.get(fmt, []) if isinstance(names, dict) else []
        if package in ([listed] if isinstance(listed, str) else listed):
            return [canonical(upstream)]
    base = package.split(":")[0]
    if base in PYTHON:
        return ["python"]
    # python3dist(x) and python3.Ydist(x) name the upstream themselves
    if base.startswith("python3") and base.endswith(")") and "dist(" in base:
        return [canonical(base[base.index("dist(") + 5 : -1])]
    dist = dist or ("ubuntu" if fmt == "deb" else "fedora")
    if dist not in _REVERSE:
        _REVERSE[dist] = _py_reverse(dist)
    found = [canonical(c) for c in _REVERSE[dist].get(base, [])]
    stripped = base[len("python3-") :] if base.startswith("python3-") else ""
    if stripped and (not found or python_package(stripped, dist) == base):
        found.append(canonical(stripped))
    return list(dict.fromkeys(found)) or [base]


def upstream_name(package, fmt, mapping=None, dist=""):
    """The upstream name a distribution package stands for (the first of upstream_names)."""
    return upstream_names(package, fmt, mapping, dist)[0]


def _group_names(group, fmt, mapping, dist):
    """(names to show, names to match) of a group of alternatives."""
    shown, aliases = set(), set()
    for alt in group:
        names = upstream_names(alt["name"], fmt, mapping, dist)
        shown.add(names[0])
        aliases.update(names)
    return shown, aliases


def compare_dependencies(kind, deb_groups, rpm_groups, mapping=None, ignore=None, dists=None):
    """Differences between the deb's and the rpm's dependency lists, by upstream name."""
    ignore = ignore or {}
    dists = dists or {}
    builtin = IGNORED_BUILD if kind == "build-depends" else IGNORED_RUNTIME
    sides = {}
    for fmt, groups in (("deb", deb_groups), ("rpm", rpm_groups)):
        skip = builtin[fmt] | set(ignore.get(fmt, []))
        kept = []
        for group in groups:
            names = [
                alt
                for alt in group
                if alt["name"].split(":")[0] not in skip
                and not alt["name"].startswith("dh-sequence-")
            ]
            if len(names) == len(group) and names:
                kept.append((*_group_names(names, fmt, mapping, dists.get(fmt, "")), names))
        sides[fmt] = kept
    verb = "build-depends on" if kind == "build-depends" else "depends on"
    found = []
    for fmt, other in (("deb", "rpm"), ("rpm", "deb")):
        others = (
            set().union(*[aliases for _, aliases, _ in sides[other]]) if sides[other] else set()
        )
        for names, aliases, alts in sides[fmt]:
            if aliases & others:
                continue
            upstream = " | ".join(sorted(names))
            packages = " | ".join(
                alt["name"] + (" (%s)" % alt["constraint"] if alt["constraint"] else "")
                for alt in alts
            )
            shown = upstream if upstream == packages else "%s (%s)" % (upstream, packages)
            found.append(
                difference(
                    kind,
                    fmt,
                    "the %s %s %s, the %s does not" % (fmt, verb, shown, other),
                    sorted(names),
                )
            )
    return found


# ---------------------------------------------------------------------------- files

_TRIPLET = re.compile(r"^/usr/lib/[a-z0-9_]+-linux-[a-z0-9_]+/")
_PYTHON_DIR = re.compile(r"^/usr/lib(?:64)?/python3(?:\.\d+)?/(?:site|dist)-packages/")
_PY_METADATA = re.compile(r"^(<python>/[^/]+?)-[^/]*\.(?:egg|dist)-info(?:/.*)?$")
_DOC_DIR = re.compile(r"^/usr/share/doc/[^/]+/")
_COMPRESSED = re.compile(r"\.(?:gz|bz2|xz|zst)$")


def normalize_path(path, fmt):
    """The layout-independent key of an installed path, or None for what one family adds by
    itself (Debian's copyright and changelog.Debian, rpm's build-id links, license files:
    licenses are compared as declared)."""
    if fmt == "deb" and (
        re.match(r"^/usr/share/doc/[^/]+/(?:copyright|changelog\.Debian(?:\.[a-z0-9]+)?)$", path)
        or path.startswith(("/usr/share/lintian/", "/usr/share/doc-base/"))
    ):
        return None
    if path.startswith(("/usr/lib/debug/", "/usr/src/debug/")):
        return None  # debug symbols: -dbgsym and -debuginfo packages are left out too
    if fmt == "rpm" and path.startswith(("/usr/lib/.build-id/", "/usr/share/licenses/")):
        return None
    if "/__pycache__/" in path or path.endswith((".pyc", ".pyo")):
        return None  # rpm ships byte code, Debian compiles it at install
    key = _PYTHON_DIR.sub("<python>/", path)
    key = _TRIPLET.sub("<libdir>/", key)
    if key.startswith("/usr/lib64/"):
        key = "<libdir>/" + key[len("/usr/lib64/") :]
    match = _PY_METADATA.match(key)
    if match:
        return match.group(1) + ".metadata"
    key = _DOC_DIR.sub("<docdir>/", key)
    if key.startswith(("/usr/share/man/", "/usr/share/info/", "<docdir>/")):
        key = _COMPRESSED.sub("", key)
    return key


def compare_files(deb_files, rpm_files):
    """Differences between what the debs and the rpms install (normalized paths)."""
    keys = {}
    for fmt, files in (("deb", deb_files), ("rpm", rpm_files)):
        table = {}
        for path in sorted(files):
            key = normalize_path(path, fmt)
            if key is not None:
                table.setdefault(key, path)
        keys[fmt] = table
    found = []
    for fmt, other in (("rpm", "deb"), ("deb", "rpm")):
        for key in sorted(set(keys[fmt]) - set(keys[other])):
            found.append(
                difference(
                    "files",
                    fmt,
                    "%s installs %s, the %s does not" % (fmt, keys[fmt][key], other),
                    [keys[fmt][key]],
                )
            )
    return found


# ---------------------------------------------------------------------------- the rest


def compare_scripts(debs, rpms):
    """Maintainer scripts vs scriptlets: which moments have a script on one side only."""
    deb_moments = {}
    for deb in debs:
        for script in deb["scripts"]:
            deb_moments.setdefault(DEB_SCRIPTS[script], []).append("%s %s" % (deb["name"], script))
    rpm_moments = {}
    for package in rpms:
        for script in package["scripts"]:
            rpm_moments.setdefault(script, []).append("%s %s" % (package["name"], script))
    found = []
    for moment in sorted(set(deb_moments) - set(rpm_moments)):
        found.append(
            difference(
                "scripts",
                "deb",
                "the deb has a maintainer script (%s), the rpm has no %s scriptlet"
                % (", ".join(deb_moments[moment]), moment),
                deb_moments[moment],
            )
        )
    for moment in sorted(set(rpm_moments) - set(deb_moments)):
        found.append(
            difference(
                "scripts",
                "rpm",
                "the rpm has a %s scriptlet (%s), the deb has no such maintainer script"
                % (moment, ", ".join(rpm_moments[moment])),
                rpm_moments[moment],
            )
        )
    return found


def compare_licenses(debs, rpms):
    """Licenses the debs' copyright files and the rpms' License tags declare."""
    found = []
    unreadable = [deb["name"] for deb in debs if deb["licenses"] is None]
    if unreadable:
        found.append(
            difference(
                "licenses",
                "deb",
                "the deb's copyright is missing or not machine-readable "
                "(%s): licenses not compared" % ", ".join(unreadable),
                unreadable,
            )
        )
        return found
    deb_licenses = set().union(*[set(deb["licenses"]) for deb in debs]) if debs else set()
    rpm_licenses_ = set().union(*[set(package["licenses"]) for package in rpms]) if rpms else set()
    for fmt, mine, theirs, other in (
        ("deb", deb_licenses, rpm_licenses_, "rpm"),
        ("rpm", rpm_licenses_, deb_licenses, "deb"),
    ):
        for name in sorted(mine - theirs):
            found.append(
                difference(
                    "licenses",
                    fmt,
                    "the %s declares license %s, the %s does not" % (fmt, name, other),
                    [name],
                )
            )
    return found


def upstream_version(version, fmt):
    """The upstream part of a package version (no epoch, no Debian revision), with the
    snapshot separator of both formats the same."""
    if fmt == "deb":
        from debian.debian_support import Version

        version = Version(version).upstream_version or ""
    return version.replace("^", "+")


def compare_versions(deb_version, rpm_version, deb_sha="", rpm_sha=""):
    found = []
    deb_up, rpm_up = upstream_version(deb_version, "deb"), upstream_version(rpm_version, "rpm")
    if deb_up and rpm_up and deb_up != rpm_up:
        found.append(
            difference(
                "version",
                "both",
                "upstream version differs: the deb has %s, the rpm %s" % (deb_up, rpm_up),
                [deb_version, rpm_version],
            )
        )
    if deb_sha and rpm_sha and deb_sha != rpm_sha:
        found.append(
            difference(
                "commit",
                "both",
                "upstream commit differs: the deb was built from %s, the rpm from %s"
                % (deb_sha[:12], rpm_sha[:12]),
                [deb_sha, rpm_sha],
            )
        )
    return found


def difference(kind, side, message, items):
    return {"kind": kind, "level": LEVELS[kind], "side": side, "message": message, "items": items}


def compare(
    debs, rpms, dsc=None, srpm=None, deb_sha="", rpm_sha="", mapping=None, ignore=None, dists=None
):
    """Every difference between the read debs and rpms (and their source packages when
    given), in the order of KINDS."""
    if not debs or not rpms:
        raise ParityError("nothing to compare: %d .deb and %d .rpm files" % (len(debs), len(rpms)))
    main_deb = sorted(debs, key=lambda d: (d["name"] != d["source"], d["name"]))[0]
    main_rpm = sorted(rpms, key=lambda r: len(r["name"]))[0]
    found = compare_versions(main_deb["version"], main_rpm["version"], deb_sha, rpm_sha)
    found += compare_dependencies(
        "depends",
        [g for d in debs for g in d["depends"] if not _internal(g, debs)],
        [g for r in rpms for g in r["depends"] if not _internal(g, rpms)],
        mapping,
        (ignore or {}).get("depends"),
        dists,
    )
    if dsc is not None and srpm is not None:
        found += compare_dependencies(
            "build-depends",
            dsc["build_depends"],
            srpm["build_depends"],
            mapping,
            (ignore or {}).get("build_depends"),
            dists,
        )
    found += compare_files(
        [f for d in debs for f in d["files"]], [f for r in rpms for f in r["files"]]
    )
    found += compare_scripts(debs, rpms)
    found += compare_licenses(debs, rpms)
    return found


def _internal(group, packages):
    """A dependency on another package of the same build (greeter-doc on greeter)."""
    names = {package["name"] for package in packages}
    return any(alt["name"].split(":")[0] in names for alt in group)


def debug_package(name, fmt):
    """Whether a package only holds debug symbols (Debian's -dbgsym, rpm's -debuginfo and
    -debugsource): the two families split them differently, they are not compared."""
    if fmt == "deb":
        return name.endswith(("-dbgsym", "-dbg"))
    return name.endswith(("-debuginfo", "-debugsource"))


def summary(packages, fmt):
    """What the report shows of one side."""
    return [
        {
            "name": p["name"],
            "version": p["version"] + ("-" + p["release"] if p.get("release") else ""),
            "file": os.path.basename(p["path"]),
            "files": len(p["files"]),
            "scripts": p["scripts"],
            "licenses": p["licenses"] or [],
            "depends": [
                " | ".join(
                    a["name"] + (" (%s)" % a["constraint"] if a["constraint"] else "") for a in g
                )
                for g in p["depends"]
            ],
        }
        for p in packages
    ]


def missing_libraries(names):
    """The libraries among names this Python cannot import."""
    missing = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def write_if_changed(path, text):
    """Write text to path unless it already holds it; whether it wrote."""
    try:
        with open(path, encoding="utf-8") as handle:
            if handle.read() == text:
                return False
    except (OSError, UnicodeDecodeError):
        pass
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return True
