"""Read a Debian source package's .dsc: name, version and build dependencies."""

from __future__ import annotations

FIELDS = ("Build-Depends", "Build-Depends-Arch", "Build-Depends-Indep")


def normalize(relations_text):
    """One canonical string for a build dependency field (spacing and line breaks removed)."""
    from debian.deb822 import PkgRelation

    return PkgRelation.str(PkgRelation.parse_relations(relations_text))


def read_dsc(text):
    from debian.deb822 import Dsc

    dsc = Dsc(text)
    missing = [f for f in ("Source", "Version") if not dsc.get(f)]
    if missing:
        raise ValueError("no %s field" % " or ".join(missing))
    return {
        "source": dsc["Source"],
        "version": dsc["Version"],
        "build_depends": ["%s: %s" % (f, normalize(dsc[f])) for f in FIELDS if dsc.get(f)],
    }
