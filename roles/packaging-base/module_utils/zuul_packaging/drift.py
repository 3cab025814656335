# SPDX-License-Identifier: Apache-2.0
"""Dependency drift: what an upstream declares it requires (pyproject.toml through tomllib,
setup.cfg through configparser, requirements.txt, every requirement through the packaging
library's parser; package.json through json, Cargo.toml through tomllib, go.mod through
`go mod edit -json` or, without go, a strict reader of go.mod's documented grammar)
against what its spec (rpm's own spec parser; specfile to propose edits) and its
debian/control (python-debian) say, by upstream name, with pymod2pkg's names per
distribution for Python and the team's mapping for every name; and the patch that adds what
is missing (a proposal).

Every input is untrusted: files are parsed, never run; a file that does not parse fails with
one line naming it."""

from __future__ import annotations

import configparser
import difflib
import json
import os
import shutil
import subprocess
import tempfile

from ansible.module_utils.zuul_packaging.parity import (
    ParityError,
    canonical,
    python_package,
    relation_groups,
    upstream_name,
    upstream_names,
)

KINDS = ("missing", "extra", "version", "unmapped")
# the drift a fail level counts ("unmapped" says what was not compared)
DRIFT_KINDS = ("missing", "extra", "version")
# the other ecosystems' standard files: their names go through the team's mapping only,
# keyed "<ecosystem>:<name>" (npm:express, cargo:serde, go:github.com/spf13/cobra)
OTHER_FILES = (("package.json", "npm"), ("Cargo.toml", "cargo"), ("go.mod", "go"))
GO_DIRECTIVES = {
    "module",
    "go",
    "toolchain",
    "godebug",
    "require",
    "exclude",
    "replace",
    "retract",
    "tool",
    "ignore",
}
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
    found["others"] = []
    for name, _ in OTHER_FILES:
        if os.path.isfile(os.path.join(path, name)):
            found["others"] += OTHER_READERS[name](os.path.join(path, name))
            found["sources"].append(name)
    return found


class Other:
    """A requirement of another ecosystem than PyPI: its name is mapped by the team only."""

    def __init__(self, ecosystem, name, spec, scope, source):
        self.ecosystem, self.name, self.spec = ecosystem, name, spec
        self.scope, self.source = scope, source
        self.key = "%s:%s" % (ecosystem, name)

    def __str__(self):
        return "%s %s" % (self.key, self.spec) if self.spec else self.key


def _name_table(data, field, source):
    table = data.get(field) or {}
    if not isinstance(table, dict):
        raise DriftError("%s: %s is not a table of names" % (source, field))
    return table


def package_json_requirements(path):
    """npm's dependencies (runtime) and devDependencies (build) of a package.json."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise DriftError("package.json is not readable JSON: %s" % exc) from None
    if not isinstance(data, dict):
        raise DriftError("package.json is not a JSON object")
    found = []
    for field, scope in (("dependencies", "runtime"), ("devDependencies", "build")):
        for name, spec in _name_table(data, field, "package.json").items():
            if not isinstance(spec, str) or not name:
                raise DriftError(
                    "package.json: %s %r is not a name and a version range" % (field, name)
                )
            found.append(Other("npm", name, spec, scope, "package.json"))
    return found


def cargo_requirements(path):
    """Cargo's dependencies (runtime) and build-dependencies (build) of a Cargo.toml, read
    by tomllib; a dependency's `package` key is the crate's name, path dependencies without
    a version are the same source tree and left out."""
    data = _read_toml(path)
    found = []
    for field, scope in (("dependencies", "runtime"), ("build-dependencies", "build")):
        for key, value in _name_table(data, field, "Cargo.toml").items():
            if isinstance(value, str):
                found.append(Other("cargo", key, value, scope, "Cargo.toml"))
                continue
            if not isinstance(value, dict):
                raise DriftError(
                    "Cargo.toml: %s.%s is neither a version nor a table" % (field, key)
                )
            if "path" in value and "version" not in value:
                continue
            version = value.get("version", "")
            name = value.get("package", key)
            if not isinstance(version, str) or not isinstance(name, str):
                raise DriftError(
                    "Cargo.toml: %s.%s has a version or package that is not a string" % (field, key)
                )
            found.append(Other("cargo", name, version, scope, "Cargo.toml"))
    return found


def _go_tokens(line, number):
    """The tokens of one go.mod line and its comment (go.mod's lexer: words, "strings",
    `raw strings`, ( and ), // comments to the end of the line)."""
    tokens, i = [], 0
    while i < len(line):
        char = line[i]
        if char in " \t\r":
            i += 1
        elif line.startswith("//", i):
            return tokens, line[i + 2 :].strip()
        elif char in "()":
            tokens.append(char)
            i += 1
        elif char in '"`':
            end = line.find(char, i + 1)
            if end < 0 or (char == '"' and "\\" in line[i:end]):
                raise DriftError(
                    "go.mod line %d: a quoted string this reader does not take" % number
                )
            tokens.append(line[i + 1 : end])
            i = end + 1
        else:
            start = i
            while i < len(line) and line[i] not in ' \t\r()"`' and not line.startswith("//", i):
                i += 1
            tokens.append(line[start:i])
    return tokens, ""


def parse_go_mod(text):
    """[(module path, version, indirect)] of go.mod's require directives, by the grammar the
    Go reference documents (a directive per line or a parenthesized block of them); anything
    it does not know fails in one line."""
    found, block = [], None
    for number, line in enumerate(text.splitlines(), 1):
        tokens, comment = _go_tokens(line, number)
        if block is not None:
            if tokens == [")"]:
                block = None
                continue
            if not tokens:
                continue
            verb, args = block, tokens
        else:
            if not tokens:
                continue
            verb, args = tokens[0], tokens[1:]
            if verb not in GO_DIRECTIVES:
                raise DriftError("go.mod line %d: %r is not a go.mod directive" % (number, verb))
            if args == ["("]:
                block = verb
                continue
        if "(" in args or ")" in args:
            raise DriftError("go.mod line %d: a parenthesis where go.mod has none" % number)
        if verb == "require":
            if len(args) != 2 or not args[1].startswith("v"):
                raise DriftError(
                    "go.mod line %d: require takes a module path and a version" % number
                )
            indirect = comment == "indirect" or comment.startswith("indirect;")
            found.append((args[0], args[1], indirect))
    if block is not None:
        raise DriftError("go.mod: the %s block is not closed" % block)
    return found


def go_mod_requirements(path):
    """The direct requirements of a go.mod (`// indirect` ones left out): `go mod edit
    -json` when go is installed (no network, no other toolchain), else parse_go_mod."""
    go = shutil.which("go")
    if go:
        env = dict(os.environ, GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="", GOWORK="off")
        proc = subprocess.run(
            [go, "mod", "edit", "-json", "--", path],
            capture_output=True,
            text=True,
            check=False,
            env=env,
            cwd=os.path.dirname(path),
        )
        if proc.returncode != 0:
            raise DriftError(
                "go mod edit cannot read go.mod: %s"
                % (proc.stderr.strip().splitlines() or ["no output"])[-1]
            )
        requires = [
            (r.get("Path", ""), r.get("Version", ""), bool(r.get("Indirect")))
            for r in json.loads(proc.stdout).get("Require") or []
        ]
    else:
        with open(path, encoding="utf-8", errors="replace") as handle:
            requires = parse_go_mod(handle.read())
    return [
        Other("go", mod, version, "runtime", "go.mod")
        for mod, version, indirect in requires
        if not indirect
    ]


OTHER_READERS = {
    "package.json": package_json_requirements,
    "Cargo.toml": cargo_requirements,
    "go.mod": go_mod_requirements,
}


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


def mapped_packages(key, fmt, mapping):
    """The packages the team's mapping gives an ecosystem:name key on fmt ([] when none)."""
    for upstream, names in (mapping or {}).items():
        if upstream == key and isinstance(names, dict) and names.get(fmt):
            listed = names[fmt]
            return [listed] if isinstance(listed, str) else list(listed)
    return []


def lower_bound(req):
    """(operator, version) of a requirement's lower bound, or None (another ecosystem's
    requirement: their version ranges are not compared)."""
    if req is None or isinstance(req, Other):
        return None
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
        # ${python3:Depends} stands for the Python requirements only
        skip_python = kind == "runtime" and bool(skip_runtime)
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
        for req in [] if skip_python else upstream[kind]:
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
        for other in upstream.get("others", []):
            packages = mapped_packages(other.key, fmt, mapping) if other.scope == kind else []
            wanted.add(canonical(other.key))
            if not packages:
                continue  # unmapped: one line for both formats (check)
            if any(
                canonical(other.key) in aliases or alt["name"] in packages
                for alt, aliases, _ in have
            ):
                continue
            found.append(
                drift(
                    "missing",
                    fmt,
                    kind,
                    other,
                    "",
                    "the upstream %s %s (%s), %s has no %s for it (%s)"
                    % (verb, other, other.source, label, what, packages[0]),
                    packages[0],
                )
            )
        if kind != "runtime":
            continue  # build tools beyond the declared ones are the packaging's own
        for alt, aliases, python_dep in have:
            if skip_python and not _mapped(alt["name"], fmt, mapping):
                continue
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
                prefix = sorted(aliases)[0].split(":", 1)[0]
                if ":" in sorted(aliases)[0] and prefix in dict(OTHER_FILES).values():
                    found[-1]["ecosystem"] = prefix
    return found


def shown(req):
    """A requirement as a packager reads it: name and version specifiers."""
    return req.name + str(req.specifier)


def drift(kind, fmt, scope, req, package, message, proposal):
    return {
        "kind": kind,
        "format": fmt,
        "scope": scope,
        "ecosystem": req.ecosystem if isinstance(req, Other) else "pypi",
        "_req": req,
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


def find_distgits(projects, artifacts=None, names=None, src_root=""):
    """The distgit checkouts Zuul prepared for this job, as fetch-distgit finds one:
    {format: {path, project, how}} for each format found.

    projects is zuul.projects, artifacts zuul.artifacts. A project named for a format (names,
    {rpm: name, deb: name}) is looked up by canonical name, name or short name, and must be
    there; else the format's repository artifact (the build job the parity job depends on)
    names the distgit commit it built from Zuul's checkout (distgit_sha, distgit_origin
    zuul), and the one prepared project at that commit is the distgit. src_dir is relative
    to src_root (the home directory on the node) and may not leave it."""
    names = names or {}
    prepared = [p for p in (projects or {}).values() if isinstance(p, dict) and p.get("src_dir")]
    found = {}
    for fmt in ("rpm", "deb"):
        wanted = names.get(fmt) or ""
        if wanted:
            matches = [
                p
                for key in ("canonical_name", "name", "short_name")
                for p in prepared
                if p.get(key) == wanted
            ]
            if not matches:
                raise DriftError(
                    "the %s distgit project %s is not one of the job's projects: list it in "
                    "required-projects" % (fmt, wanted)
                )
            how = "project %s" % wanted
        else:
            shas = {
                str(a["metadata"].get("distgit_sha"))
                for a in artifacts or []
                if isinstance(a, dict)
                and isinstance(a.get("metadata"), dict)
                and a["metadata"].get("type") == fmt + "_repository"
                and a["metadata"].get("distgit_origin") == "zuul"
                and a["metadata"].get("distgit_sha")
            }
            matches = [p for p in prepared if shas and p.get("commit") in shas]
            if len(shas) != 1 or len(matches) != 1:
                continue  # none, or not one: the explicit variables say which
            how = "the %s build's distgit commit %s" % (fmt, sorted(shas)[0][:12])
        project = matches[0]
        src_dir = os.path.normpath(str(project["src_dir"]))
        if os.path.isabs(src_dir) or src_dir.startswith(".."):
            raise DriftError(
                "the %s distgit's src_dir %s is outside the source root" % (fmt, src_dir)
            )
        found[fmt] = {
            "path": os.path.join(src_root, src_dir) if src_root else src_dir,
            "project": project.get("canonical_name") or project.get("name", ""),
            "how": how,
        }
    return found


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
    result["upstream"]["runtime"] += [str(o) for o in upstream["others"] if o.scope == "runtime"]
    result["upstream"]["build"] += [str(o) for o in upstream["others"] if o.scope == "build"]
    if not upstream["sources"]:
        result["notes"].append(
            "the upstream declares no requirements in pyproject.toml, setup.cfg, "
            "requirements.txt, %s: nothing to compare" % ", ".join(n for n, _ in OTHER_FILES)
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
    compared = [fmt for fmt, given in (("deb", control), ("rpm", spec)) if given]
    for other in upstream["others"]:  # one line per name the mapping leaves out
        lacking = [fmt for fmt in compared if not mapped_packages(other.key, fmt, mapping)]
        if lacking:
            item = drift(
                "unmapped",
                "/".join(lacking),
                other.scope,
                other,
                "",
                "the upstream %s %s (%s), which the mapping file does not map to a %s "
                "package: not compared"
                % (
                    "build-requires" if other.scope == "build" else "requires",
                    other,
                    other.source,
                    " or ".join(lacking),
                ),
                "",
            )
            item.pop("_req")
            result["differences"].append(item)
    return result
