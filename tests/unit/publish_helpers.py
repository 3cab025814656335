"""Helpers of the publish tests: tiny RPMs made by the real rpmbuild, the module's run
contract with the real tools, and readers of the repository metadata."""

from __future__ import annotations

import gzip
import os
import subprocess
import xml.etree.ElementTree as ET

import packaging_publish as pp

TINY_SPEC = """\
Name: %{pkgname}
Version: %{pkgversion}
Release: 1
Summary: Tiny package for the publish tests
License: MIT
BuildArch: noarch

%description
A tiny package for the publish tests.

%files
"""

REPO = "{http://linux.duke.edu/metadata/repo}"
COMMON = "{http://linux.duke.edu/metadata/common}"


def real_run(argv, env=None):
    """The module's run contract: run a command, PublishError when it fails."""
    proc = subprocess.run(argv, capture_output=True, text=True, check=False,
                          env=dict(os.environ, **(env or {})))
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raise pp.PublishError("%s failed (exit %d): %s" % (
            argv[0], proc.returncode, lines[-1] if lines else "no output"))


def failing_run(argv, env=None):
    """The real tool, made to fail with an option it does not know."""
    real_run([*argv, "--no-such-option"], env)


def build_tiny_rpms(top, versions=(("tiny-a", "1.0"), ("tiny-b", "2.0"), ("tiny-c", "3.0")),
                    payload_bytes=0):
    """{name: path} of tiny noarch RPMs built by rpmbuild; payload_bytes of random data in
    /usr/share/<name>/payload when asked (incompressible, for full-disk tests)."""
    top.mkdir(parents=True, exist_ok=True)
    spec = top / "tiny.spec"
    text = TINY_SPEC
    if payload_bytes:
        install = ("%install\nmkdir -p %{buildroot}/usr/share/%{name}\n"
                   "head -c " + str(payload_bytes) +
                   " /dev/urandom > %{buildroot}/usr/share/%{name}/payload\n\n"
                   "%files\n/usr/share/%{name}\n")
        text = text.replace("%files\n", install)
    spec.write_text(text)
    built = {}
    for name, version in versions:
        subprocess.run(["rpmbuild", "-bb", "--quiet", "--define", "_topdir %s" % top,
                        "--define", "pkgname %s" % name, "--define", "pkgversion %s" % version,
                        "--define", "_binary_payload w0.gzdio", str(spec)],
                       check=True, capture_output=True)
        path = top / "RPMS" / "noarch" / ("%s-%s-1.noarch.rpm" % (name, version))
        assert path.is_file()
        built[name] = str(path)
    return built


def params(repo_dir, build_id, files, **extra):
    values = {"repo_dir": str(repo_dir), "format": "rpm", "build_id": build_id,
              "files": list(files), "deb_codename": "", "deb_components": ["main"],
              "deb_architectures": ["amd64"], "keep": 10, "lock_timeout": 5,
              "signing_key": "", "signing_passphrase": ""}
    values.update(extra)
    return values


def primary_names(repo):
    """Package names in the repository's primary metadata, as createrepo_c wrote it."""
    repomd = ET.parse(os.path.join(repo, "repodata", "repomd.xml"))
    for data in repomd.getroot().iter(REPO + "data"):
        if data.get("type") == "primary":
            href = data.find(REPO + "location").get("href")
            break
    else:
        raise AssertionError("no primary metadata in %s" % repo)
    assert href.endswith(".xml.gz"), href
    with gzip.open(os.path.join(repo, href)) as handle:
        root = ET.parse(handle).getroot()
    return sorted(package.find(COMMON + "name").text
                  for package in root.iter(COMMON + "package"))




def build_tiny_deb(top, name, version, arch="all", changes=True):
    """A tiny .deb made by dpkg-deb, and its .changes made by reprepro's changestool (the
    path of the .changes, or of the .deb when changes is false)."""
    top.mkdir(parents=True, exist_ok=True)
    tree = top / ("%s-%s-%s" % (name, version, arch))
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN" / "control").write_text(
        "Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: T <t@example.org>\n"
        "Section: misc\nPriority: optional\nDescription: tiny package for the publish tests\n"
        " A tiny package.\n" % (name, version, arch))
    deb = top / ("%s_%s_%s.deb" % (name, version, arch))
    subprocess.run(["dpkg-deb", "--build", "-Zgzip", "--root-owner-group", str(tree), str(deb)],
                   check=True, capture_output=True)
    if not changes:
        return str(deb)
    path = top / ("%s_%s_%s.changes" % (name, version, arch))
    subprocess.run(["changestool", "--create", str(path), "adddeb", str(deb)], check=True,
                   capture_output=True, cwd=top)
    subprocess.run(["changestool", str(path), "setdistribution", "bookworm"], check=True,
                   capture_output=True, cwd=top)
    return str(path)


def deb_params(repo_dir, build_id, files, **extra):
    return params(repo_dir, build_id, files, format="deb", deb_codename="bookworm", **extra)


def reprepro_list(repo):
    """reprepro's own listing of the bookworm distribution of a repository."""
    return subprocess.run(["reprepro", "--basedir", str(repo), "list", "bookworm"],
                          check=True, capture_output=True, text=True).stdout.splitlines()
