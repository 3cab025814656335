"""Helpers of the parity tests: small real .deb (dpkg-deb), .dsc (dpkg-source), binary rpm
and SRPM (rpmbuild) files whose metadata differ in known ways."""

from __future__ import annotations

import subprocess

COPYRIGHT = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: greeter

Files: *
Copyright: 2026 The greeter authors
License: Expat
 Permission is hereby granted, free of charge.
"""

# what a test can change of the deb: control fields, files (path: content), scripts
DEB_DEFAULTS = {
    "name": "greeter",
    "version": "0.1.0+git1.abcdef12-1",
    "depends": "python3-requests, libfoo1 (>= 1.2)",
    "files": {
        "usr/bin/greeter": "#!/bin/sh\necho hello\n",
        "usr/lib/python3/dist-packages/greeter/__init__.py": "",
        "usr/lib/python3/dist-packages/greeter-0.1.0.egg-info/PKG-INFO": "Name: greeter\n",
        "usr/lib/x86_64-linux-gnu/greeter/plugin.so": "",
        "usr/share/man/man1/greeter.1.gz": "",
        "usr/share/doc/greeter/README.md.gz": "",
        "usr/share/doc/greeter/changelog.Debian.gz": "",
        "usr/share/doc/greeter/copyright": COPYRIGHT,
    },
    "scripts": {"postinst": "#!/bin/sh\nset -e\n"},
}

RPM_DEFAULTS = {
    "name": "greeter",
    "version": "0.1.0^git1.abcdef12",
    "license": "MIT",
    "requires": ["python3dist(requests)", "foo-libs >= 1.2"],
    "files": [
        "/usr/bin/greeter",
        "/usr/lib/python3.11/site-packages/greeter/__init__.py",
        "/usr/lib/python3.11/site-packages/greeter/__pycache__/__init__.cpython-311.pyc",
        "/usr/lib/python3.11/site-packages/greeter-0.1.0.dist-info/METADATA",
        "/usr/lib64/greeter/plugin.so",
        "/usr/share/man/man1/greeter.1.gz",
        "/usr/share/doc/greeter-0.1.0/README.md",
        "/usr/share/licenses/greeter/LICENSE",
    ],
    "scripts": {},
}


def build_deb(top, **changes):
    """A .deb made by dpkg-deb from DEB_DEFAULTS updated with changes."""
    spec = dict(DEB_DEFAULTS, **changes)
    tree = top / ("deb-" + spec["name"])
    (tree / "DEBIAN").mkdir(parents=True)
    control = (
        "Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: T <t@example.org>\n"
        "Description: parity test package\n" % (spec["name"], spec["version"])
    )
    if spec["depends"]:
        control += "Depends: %s\n" % spec["depends"]
    (tree / "DEBIAN" / "control").write_text(control)
    for script, text in spec["scripts"].items():
        (tree / "DEBIAN" / script).write_text(text)
        (tree / "DEBIAN" / script).chmod(0o755)
    for path, text in spec["files"].items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_text(text)
    for path, target in spec.get("links", {}).items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).symlink_to(target)
    deb = top / ("%s_%s_all.deb" % (spec["name"], spec["version"]))
    subprocess.run(
        ["dpkg-deb", "--build", "-Zgzip", "--root-owner-group", str(tree), str(deb)],
        check=True,
        capture_output=True,
    )
    return str(deb)


def build_rpm(top, **changes):
    """A binary rpm made by rpmbuild from RPM_DEFAULTS updated with changes."""
    spec = dict(RPM_DEFAULTS, **changes)
    top.mkdir(parents=True, exist_ok=True)
    lines = [
        "Name: %s" % spec["name"],
        "Version: %s" % spec["version"],
        "Release: 1",
        "Summary: parity test package",
        "License: %s" % spec["license"],
        "BuildArch: noarch",
        "AutoReqProv: no",
    ]
    lines += ["Requires: %s" % r for r in spec["requires"]]
    lines += ["", "%description", "parity test package", "", "%install"]
    lines += [
        "mkdir -p %%{buildroot}%s && touch %%{buildroot}%s" % (f.rsplit("/", 1)[0], f)
        for f in spec["files"]
    ]
    for script, text in spec["scripts"].items():
        lines += ["", script, text]
    lines += ["", "%files"] + spec["files"]
    path = top / ("%s.spec" % spec["name"])
    path.write_text("\n".join(lines) + "\n")
    subprocess.run(
        [
            "rpmbuild",
            "-bb",
            "--quiet",
            "--define",
            "_topdir %s" % top,
            "--define",
            "_binary_payload w0.gzdio",
            "--define",
            "__os_install_post %{nil}",
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    found = sorted((top / "RPMS" / "noarch").glob("%s-*.rpm" % spec["name"]))
    assert len(found) == 1, found
    return str(found[0])


def build_srpm(
    top,
    name="greeter",
    build_requires=("python3-devel", "python3dist(setuptools)", "make"),
    version="0.1.0",
):
    """A source rpm made by rpmbuild -bs."""
    top.mkdir(parents=True, exist_ok=True)
    lines = [
        "Name: %s" % name,
        "Version: %s" % version,
        "Release: 1",
        "Summary: parity test package",
        "License: MIT",
        "BuildArch: noarch",
    ]
    lines += ["BuildRequires: %s" % r for r in build_requires]
    lines += ["", "%description", "parity test package", "", "%files", ""]
    path = top / ("%s.spec" % name)
    path.write_text("\n".join(lines))
    subprocess.run(
        ["rpmbuild", "-bs", "--quiet", "--define", "_topdir %s" % top, str(path)],
        check=True,
        capture_output=True,
    )
    found = sorted((top / "SRPMS").glob("%s-*.src.rpm" % name))
    assert len(found) == 1, found
    return str(found[0])


def build_dsc(
    top,
    name="greeter",
    build_depends="debhelper-compat (= 13), python3-all, python3-setuptools, libyaml-dev",
):
    """A 3.0 (native) source package made by dpkg-source."""
    tree = top / ("%s-0.1.0" % name)
    (tree / "debian" / "source").mkdir(parents=True)
    (tree / "debian" / "source" / "format").write_text("3.0 (native)\n")
    (tree / "debian" / "control").write_text(
        "Source: %s\nMaintainer: T <t@example.org>\nBuild-Depends: %s\n\n"
        "Package: %s\nArchitecture: all\nDescription: parity test package\n x\n"
        % (name, build_depends, name)
    )
    (tree / "debian" / "changelog").write_text(
        "%s (0.1.0) unstable; urgency=medium\n\n  * Test.\n\n"
        " -- T <t@example.org>  Tue, 03 Nov 2026 10:00:00 +0000\n" % name
    )
    subprocess.run(["dpkg-source", "-b", tree.name], check=True, capture_output=True, cwd=top)
    return str(top / ("%s_0.1.0.dsc" % name))
