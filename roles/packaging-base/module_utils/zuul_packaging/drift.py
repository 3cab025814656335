# SPDX-License-Identifier: Apache-2.0
"""Dependency drift: what an upstream declares it requires (pyproject.toml through tomllib,
setup.cfg through configparser, requirements.txt, every requirement through the packaging
library's parser) against what its spec (rpm's own spec parser; specfile to propose edits)
and its debian/control (python-debian) say, by upstream name, with pymod2pkg's names per
distribution and the team's mapping; and the patch that adds what is missing (a proposal).

Every input is untrusted: files are parsed, never run; a file that does not parse fails with
one line naming it."""

from __future__ import annotations

import configparser
import difflib
import os
import tempfile

from ansible.module_utils.zuul_packaging.parity import (
    ParityError,
    canonical,
    python_package,
    relation_groups,
    upstream_name,
    upstream_names,
)

KINDS = ("missing", "extra", "version")
# upstream operators, as the packaging formats write them (lower bounds only: a proposal)
RPM_OPS = {">=": ">=", "==": "=", "~=": ">=", ">": ">", "===": "="}
DEB_OPS = {">=": ">=", "==": "=", "~=": ">=", ">": ">>", "===": "="}


class DriftError(ParityError):
    """Bad input: one line naming the cause."""


# ---------------------------------------------------------------------------- upstream


def _requirement(text, source):
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise DriftError(
            "%s: %r is not a requirement: %s" % (source, text, str(exc).splitlines()[0])
        ) from None
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        return None  # not for this Python (or only for an extra)
    return req


def _read_toml(path):
    try:
        import tomllib
    except ImportError:  # Python before 3.11
        try:
            import tomli as tomllib
        except ImportError:
            raise DriftError("reading %s needs Python 3.11 (tomllib) or tomli" % path) from None
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DriftError(
            "%s is not readable TOML: %s" % (os.path.basename(path), str(exc).splitlines()[0])
        ) from None


def requirements_lines(text, source):
    """The requirements of a requirements.txt text: comments, blank lines and pip options
    (-r, -c, -e, --hash...) are left out."""
    found = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        req = _requirement(line.split(" --hash", 1)[0].strip(), source)
        if req is not None:
            found.append(req)
    return found


def upstream_requirements(path):
    """{'runtime': [Requirement], 'build': [Requirement], 'sources': [files read]} of an
    upstream checkout (pyproject.toml's [project] dependencies and [build-system] requires,
    setup.cfg's install_requires and setup_requires, requirements.txt)."""
    if not os.path.isdir(path):
        raise DriftError("the upstream %s is not a directory" % path)
    found = {"runtime": [], "build": [], "sources": []}
    pyproject = os.path.join(path, "pyproject.toml")
    if os.path.isfile(pyproject):
        data = _read_toml(pyproject)
        project = data.get("project") or {}
        deps = project.get("dependencies") or []
        build = (data.get("build-system") or {}).get("requires") or []
        if not isinstance(deps, list) or not isinstance(build, list):
            raise DriftError("pyproject.toml: dependencies and build-system.requires are lists")
        found["runtime"] += [r for r in (_requirement(str(d), "pyproject.toml") for d in deps) if r]
        found["build"] += [r for r in (_requirement(str(d), "pyproject.toml") for d in build) if r]
        found["sources"].append("pyproject.toml")
    setup_cfg = os.path.join(path, "setup.cfg")
    if os.path.isfile(setup_cfg):
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(setup_cfg, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as exc:
            raise DriftError("setup.cfg is not readable: %s" % str(exc).splitlines()[0]) from None
        for key, kind in (("install_requires", "runtime"), ("setup_requires", "build")):
            value = parser.get("options", key, fallback="")
            found[kind] += requirements_lines(value, "setup.cfg")
        if parser.has_option("options", "install_requires") or parser.has_option(
            "options", "setup_requires"
        ):
            found["sources"].append("setup.cfg")
    requirements = os.path.join(path, "requirements.txt")
    if os.path.isfile(requirements):
        with open(requirements, encoding="utf-8", errors="replace") as handle:
            found["runtime"] += requirements_lines(handle.read(), "requirements.txt")
        found["sources"].append("requirements.txt")
    for kind in ("runtime", "build"):  # one requirement per name, the first one read
        seen, unique = set(), []
        for req in found[kind]:
            if canonical(req.name) not in seen:
                seen.add(canonical(req.name))
                unique.append(req)
        found[kind] = unique
    return found


# ---------------------------------------------------------------------------- packaging


def find_spec(path):
    """The spec of a distgit (a .spec file, or the one .spec at a directory's top)."""
    if os.path.isfile(path):
        return path
    specs = (
        sorted(n for n in os.listdir(path) if n.endswith(".spec")) if os.path.isdir(path) else []
    )
    if len(specs) != 1:
        raise DriftError("%s has %s .spec files: name the spec" % (path, len(specs) or "no"))
    return os.path.join(path, specs[0])


def spec_requirements(path):
    """{'runtime': groups, 'build': groups} of a spec, read by rpm's own spec parser (the
    main package's Requires, the BuildRequires)."""
    import rpm
    from ansible.module_utils.zuul_packaging.parity import rpm_requires

    try:
        spec = rpm.spec(path, rpm.RPMSPEC_ANYARCH | rpm.RPMSPEC_FORCE)
    except (ValueError, rpm.error) as exc:
        raise DriftError("rpm cannot parse %s: %s" % (os.path.basename(path), exc)) from None
    runtime = rpm_requires(spec.packages[0].header) if spec.packages else []
    return {"runtime": runtime, "build": rpm_requires(spec.sourceHeader, build=True)}


def find_control(path):
    if os.path.isfile(path):
        return path
    control = os.path.join(path, "debian", "control")
    if not os.path.isfile(control):
        raise DriftError("%s has no debian/control" % path)
    return control


def control_requirements(path):
    """{'runtime': groups, 'build': groups, 'substvars': [...]} of a debian/control, read by
    python-debian: the first binary package's Depends and Pre-Depends, the source's
    Build-Depends(-Arch, -Indep). Substitution variables are listed apart."""
    from debian.deb822 import Deb822, PkgRelation

    with open(path, encoding="utf-8", errors="replace") as handle:
        paragraphs = list(Deb822.iter_paragraphs(handle))
    if len(paragraphs) < 2 or "Source" not in paragraphs[0]:
        raise DriftError("%s has no source paragraph and binary package" % path)

    def groups(paragraph, fields):
        parsed = []
        for field in fields:
            if paragraph.get(field):
                parsed.extend(PkgRelation.parse_relations(paragraph[field]))
        return relation_groups(parsed)

    runtime = groups(paragraphs[1], ("Pre-Depends", "Depends"))
    substvars = sorted(
        {alt["name"] for group in runtime for alt in group if alt["name"].startswith("${")}
    )
    runtime = [g for g in runtime if not any(alt["name"].startswith("${") for alt in g)]
    build = groups(paragraphs[0], ("Build-Depends", "Build-Depends-Arch", "Build-Depends-Indep"))
    return {
        "runtime": runtime,
        "build": build,
        "substvars": substvars,
        "package": paragraphs[1].get("Package", ""),
    }


# ---------------------------------------------------------------------------- comparison


def package_name(req_name, fmt, mapping=None, dist=""):
    """The package a distribution gives an upstream requirement: the team's mapping, else
    pymod2pkg's name on dist, else python3-<name>."""
    for upstream, names in (mapping or {}).items():
        if (
            canonical(upstream) == canonical(req_name)
            and isinstance(names, dict)
            and names.get(fmt)
        ):
            listed = names[fmt]
            return listed if isinstance(listed, str) else listed[0]
    dist = dist or ("ubuntu" if fmt == "deb" else "fedora")
    return python_package(req_name, dist) or "python3-" + canonical(req_name)


def lower_bound(req):
    """(operator, version) of a requirement's lower bound, or None."""
    for spec in sorted(req.specifier, key=str):
        if spec.operator in RPM_OPS:
            return spec.operator, spec.version
    return None


def _packaging_bound(constraint, fmt):
    """The version of a packaging constraint's lower bound ('>= 1.0', '(>= 1.0)'), or ''."""
    if not constraint:
        return ""
    op, _, version = constraint.partition(" ")
    if op not in (">=", "=", ">", ">>"):
        return ""
    if fmt == "deb":
        from debian.debian_support import Version

        try:
            return Version(version).upstream_version or ""
        except ValueError:
            return version
    return version.split(":")[-1].rsplit("-", 1)[0] if "-" in version else version.split(":")[-1]


def _same_version(a, b):
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _mapped(package, fmt, mapping):
    for names in (mapping or {}).values():
        listed = names.get(fmt, []) if isinstance(names, dict) else []
        if package in ([listed] if isinstance(listed, str) else listed):
            return True
    return False


def compare_format(fmt, label, upstream, packaging, mapping=None, dist="", skip_runtime=""):
    """Missing, extra and version differences of one format: an upstream requirement is met
    by a dependency that stands for its name (upstream_names) or that is the package
    pymod2pkg (or the team's mapping) gives for it."""
    found = []
    for kind in ("runtime", "build"):
        if kind == "runtime" and skip_runtime:
            continue
        verb = "build-requires" if kind == "build" else "requires"
        what = {
            ("rpm", "runtime"): "Requires",
            ("rpm", "build"): "BuildRequires",
            ("deb", "runtime"): "Depends",
            ("deb", "build"): "Build-Depends",
        }[(fmt, kind)]
        have = []
        for group in packaging[kind]:
            for alt in group:
                aliases = set(upstream_names(alt["name"], fmt, mapping, dist))
                if "python" in aliases:
                    continue
                python_dep = alt["name"].startswith(("python3-", "python3dist(", "python3."))
                have.append((alt, aliases, python_dep or _mapped(alt["name"], fmt, mapping)))
        wanted = set()
        for req in upstream[kind]:
            name = canonical(req.name)
            wanted.add(name)
            package = package_name(req.name, fmt, mapping, dist)
            match = next(
                (alt for alt, aliases, _ in have if name in aliases or alt["name"] == package), None
            )
            if match is None:
                found.append(
                    drift(
                        "missing",
                        fmt,
                        kind,
                        req,
                        "",
                        "the upstream %s %s, %s has no %s "
                        "for it (%s)" % (verb, shown(req), label, what, package),
                        package,
                    )
                )
                continue
            bound = lower_bound(req)
            packaged = _packaging_bound(match["constraint"], fmt)
            if bound and not packaged:
                found.append(
                    drift(
                        "version",
                        fmt,
                        kind,
                        req,
                        match["name"],
                        "the upstream %s %s, %s's %s %s has no version"
                        % (verb, shown(req), label, what, match["name"]),
                        match["name"],
                    )
                )
            elif bound and not _same_version(bound[1], packaged):
                found.append(
                    drift(
                        "version",
                        fmt,
                        kind,
                        req,
                        match["name"],
                        "the upstream %s %s, %s's %s has %s (%s)"
                        % (verb, shown(req), label, what, match["name"], match["constraint"]),
                        match["name"],
                    )
                )
        if kind != "runtime":
            continue  # build tools beyond the declared ones are the packaging's own
        for alt, aliases, python_dep in have:
            met = aliases & wanted or any(
                alt["name"] == package_name(r.name, fmt, mapping, dist) for r in upstream[kind]
            )
            if python_dep and not met:
                found.append(
                    drift(
                        "extra",
                        fmt,
                        kind,
                        None,
                        alt["name"],
                        "%s %s %s (%s), which the upstream does not require"
                        % (
                            label,
                            "requires" if fmt == "rpm" else "depends on",
                            alt["name"],
                            sorted(aliases)[0]
                            if len(aliases) == 1
                            else upstream_name(alt["name"], fmt, mapping, dist),
                        ),
                        alt["name"],
                    )
                )
    return found


def shown(req):
    """A requirement as a packager reads it: name and version specifiers."""
    return req.name + str(req.specifier)


def drift(kind, fmt, scope, req, package, message, proposal):
    return {
        "kind": kind,
        "format": fmt,
        "scope": scope,
        "requirement": str(req) if req is not None else "",
        "package": package,
        "message": message,
        "proposal": proposal,
    }


# ---------------------------------------------------------------------------- the patch


def _rpm_line(req, package):
    bound = lower_bound(req)
    return "%s %s %s" % (package, RPM_OPS[bound[0]], bound[1]) if bound else package


def _deb_item(req, package):
    bound = lower_bound(req)
    return "%s (%s %s)" % (package, DEB_OPS[bound[0]], bound[1]) if bound else package


def unified_diff(before, after, relative):
    return "".join(
        difflib.unified_diff(
            before.splitlines(True), after.splitlines(True), "a/" + relative, "b/" + relative
        )
    )


def spec_patch(spec_path, relative, missing, work_dir):
    """A unified diff (paths a/<relative>, b/<relative>) adding the missing Requires and
    BuildRequires to the main package's preamble, made with specfile on a copy."""
    from specfile import Specfile
    from specfile.tags import Comments, Tag

    if not missing:
        return ""
    with open(spec_path, encoding="utf-8") as handle:
        before = handle.read()
    os.makedirs(work_dir, exist_ok=True)
    copy = os.path.join(work_dir, os.path.basename(spec_path))
    with open(copy, "w", encoding="utf-8") as handle:
        handle.write(before)
    spec = Specfile(copy, force_parse=True)
    with spec.tags() as tags:
        for scope, name in (("build", "BuildRequires"), ("runtime", "Requires")):
            lines = [_rpm_line(d["_req"], d["proposal"]) for d in missing if d["scope"] == scope]
            if not lines:
                continue
            same = [i for i, t in enumerate(tags) if t.name.lower() == name.lower()]
            anchor = (
                same
                or [
                    i
                    for i, t in enumerate(tags)
                    if t.name.lower()
                    in ("buildrequires", "buildarch", "source0", "source", "url", "license")
                ]
                or [len(tags) - 1]
            )
            index = max(anchor)
            width = len(tags[index].name) + len(getattr(tags[index], "_separator", ": "))
            separator = ":" + " " * max(1, width - len(name) - 1)
            for offset, line in enumerate(lines, 1):
                tags.insert(index + offset, Tag(name, line, separator, Comments()))
    spec.save()
    with open(copy, encoding="utf-8") as handle:
        return unified_diff(before, handle.read(), relative)


def control_patch(control_path, relative, missing):
    """A unified diff adding the missing Depends (first binary package) and Build-Depends
    (source) to debian/control, edited with python-debian's round-trip parser."""
    from debian._deb822_repro import LIST_COMMA_SEPARATED_INTERPRETATION, parse_deb822_file

    if not missing:
        return ""
    with open(control_path, encoding="utf-8") as handle:
        before = handle.read()
    parsed = parse_deb822_file(before.splitlines(keepends=True))
    paragraphs = list(parsed)
    for scope, field, paragraph in (
        ("build", "Build-Depends", paragraphs[0]),
        ("runtime", "Depends", paragraphs[1]),
    ):
        items = [_deb_item(d["_req"], d["proposal"]) for d in missing if d["scope"] == scope]
        if not items:
            continue
        if field not in paragraph:
            paragraph[field] = ", ".join(items)
            continue
        view = paragraph.as_interpreted_dict_view(LIST_COMMA_SEPARATED_INTERPRETATION)
        with view[field] as values:
            for item in items:
                values.append(item)
    return unified_diff(before, parsed.dump(), relative)


def check(upstream_path, spec=None, control=None, mapping=None, dists=None, work_dir=""):
    """Every drift of the upstream against the spec and/or control, and the patches."""
    if not spec and not control:
        raise DriftError("no spec and no debian/control to compare the upstream with")
    dists = dists or {}
    paths = {
        "rpm": find_spec(spec) if spec else "",
        "deb": find_control(control) if control else "",
    }
    upstream = upstream_requirements(upstream_path)
    result = {
        "sources": upstream["sources"],
        "upstream": {k: [str(r) for r in upstream[k]] for k in ("runtime", "build")},
        "differences": [],
        "notes": [],
        "patches": {},
    }
    if not upstream["sources"]:
        result["notes"].append(
            "the upstream declares no requirements in pyproject.toml, setup.cfg "
            "or requirements.txt: nothing to compare"
        )
        return result
    for fmt, given in (("rpm", spec), ("deb", control)):
        if not given:
            continue
        path = paths[fmt]
        packaging = spec_requirements(path) if fmt == "rpm" else control_requirements(path)
        label = "the spec" if fmt == "rpm" else "debian/control"
        skip = ""
        if fmt == "deb" and "${python3:Depends}" in packaging.get("substvars", []):
            skip = "${python3:Depends}"
            result["notes"].append(
                "debian/control takes runtime dependencies from ${python3:Depends} "
                "(dh_python3 reads the upstream's): runtime requirements not compared"
            )
        found = compare_format(fmt, label, upstream, packaging, mapping, dists.get(fmt, ""), skip)
        for item in found:
            if item["kind"] == "missing":
                item["_req"] = _req_of(item, upstream)
        missing = [d for d in found if d["kind"] == "missing"]
        base = given if os.path.isdir(given) else os.path.dirname(path)
        relative = os.path.relpath(path, base)
        if fmt == "rpm":
            patch = spec_patch(
                path, relative, missing, os.path.join(work_dir or tempfile.mkdtemp(), "drift-spec")
            )
        else:
            relative = os.path.relpath(path, given) if os.path.isdir(given) else "debian/control"
            patch = control_patch(path, relative, missing)
        for item in found:
            item.pop("_req", None)
        result["differences"] += found
        if patch:
            result["patches"][fmt] = patch
    return result


def _req_of(item, upstream):
    from packaging.requirements import Requirement

    name = canonical(Requirement(item["requirement"]).name)
    return next(r for r in upstream[item["scope"]] if canonical(r.name) == name)
