"""Publishing one more build into a repository of 10 and of 5000 packages, through the publish
role and through the packaging_publish code alone (see run.py for what each figure means)."""

from __future__ import annotations

import datetime
import hashlib
import inspect
import os
import shutil
import subprocess
import time

import packaging_publish
from benchlib import CACHE, ROOT, play, run, say

TARGETS = [
    ("publish_5000_vs_10_ratio_deb", 1.5),
    ("publish_5000_vs_10_ratio_rpm", 1.5),
]


def tiny_debs(dest, count, prefix):
    dest.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        name = "%s%05d" % (prefix, n)
        pkg = dest / name
        (pkg / "DEBIAN").mkdir(parents=True)
        (pkg / "usr" / "share" / name).mkdir(parents=True)
        (pkg / "usr" / "share" / name / "data").write_text(name + "\n")
        (pkg / "DEBIAN" / "control").write_text(
            "Package: %s\nSource: %s\nVersion: 1.0\nArchitecture: all\n"
            "Maintainer: Bench <bench@example.org>\nDescription: bench package %d\n"
            % (name, prefix, n)
        )
    names = ["%s%05d" % (prefix, n) for n in range(count)]
    # dpkg-deb builds one package per call: run them 64 at a time
    for start in range(0, count, 64):
        procs = [
            subprocess.Popen(
                [
                    "dpkg-deb",
                    "-Zgzip",
                    "-z1",
                    "--root-owner-group",
                    "--build",
                    str(dest / n),
                    str(dest / (n + "_1.0_all.deb")),
                ],
                stdout=subprocess.DEVNULL,
            )
            for n in names[start : start + 64]
        ]
        for proc in procs:
            assert proc.wait() == 0
    for n in names:
        shutil.rmtree(dest / n)
    return sorted(dest.glob("*.deb"))


def tiny_rpms(dest, count, prefix):
    """count noarch RPMs from one spec with count subpackages (one rpmbuild run)."""
    top = dest / "rpmbuild"
    for sub in ("SPECS", "BUILD", "RPMS", "SOURCES", "SRPMS", "BUILDROOT"):
        (top / sub).mkdir(parents=True, exist_ok=True)
    lines = [
        "Name: %sbase" % prefix,
        "Version: 1.0",
        "Release: 1",
        "Summary: bench",
        "License: MIT",
        "BuildArch: noarch",
        "%description",
        "bench",
    ]
    for n in range(count):
        lines += [
            "%%package -n %s%05d" % (prefix, n),
            "Summary: bench %d" % n,
            "%%description -n %s%05d" % (prefix, n),
            "bench package %d" % n,
            "%%files -n %s%05d" % (prefix, n),
            "/usr/share/bench/%s%05d" % (prefix, n),
        ]
    lines[8:8] = [
        "%install",
        "mkdir -p %{buildroot}/usr/share/bench",
        "for n in $(seq -f '%%05g' 0 %d); do echo $n > %%{buildroot}/usr/share/bench/%s$n; done"
        % (count - 1, prefix),
    ]
    spec = top / "SPECS" / "bench.spec"
    spec.write_text("\n".join(lines) + "\n")
    run(
        [
            "rpmbuild",
            "--define",
            "_topdir %s" % top,
            "--define",
            "_binary_payload w1.gzdio",
            "--quiet",
            "-bb",
            str(spec),
        ]
    )
    return sorted((top / "RPMS" / "noarch").glob("%s0*.rpm" % prefix))


def bench_repo_cache(fmt, count):
    """Package files for the publish benchmark, cached (they only depend on this file)."""
    # keyed by the code that makes them, so a changed generator never reuses old packages
    generators = (inspect.getsource(tiny_debs) + inspect.getsource(tiny_rpms)).encode()
    key = "packages-%s-%d-%s" % (fmt, count, hashlib.sha256(generators).hexdigest()[:12])
    path = CACHE / "bench" / key
    if not (path / "done").exists():
        shutil.rmtree(path, ignore_errors=True)
        say("making %d tiny %s packages (cached in %s)" % (count, fmt, path))
        files = tiny_debs(path, count, "bench") if fmt == "deb" else tiny_rpms(path, count, "bench")
        one = (
            tiny_debs(path / "one", 1, "added")
            if fmt == "deb"
            else tiny_rpms(path / "one", 1, "added")
        )
        assert len(files) == count and len(one) == 1
        (path / "done").write_text("ok\n")
    if fmt == "deb":
        return sorted(path.glob("*.deb")), sorted((path / "one").glob("*.deb"))
    return (
        sorted((path / "rpmbuild" / "RPMS" / "noarch").glob("bench0*.rpm")),
        sorted((path / "one" / "rpmbuild" / "RPMS" / "noarch").glob("added0*.rpm")),
    )


def changes_for(debs, dest, source):
    """A .changes listing the debs (reprepro include takes .changes files)."""
    files = []
    for deb in debs:
        size = deb.stat().st_size
        md5 = run(["md5sum", str(deb)]).stdout.split()[0]
        sha256 = run(["sha256sum", str(deb)]).stdout.split()[0]
        files.append((deb.name, size, md5, sha256))
    date = datetime.datetime(2026, 11, 24, tzinfo=datetime.timezone.utc).strftime(
        "%a, %d %b %Y %H:%M:%S +0000"
    )
    text = (
        "Format: 1.8\nDate: %s\nSource: %s\nBinary: %s\nArchitecture: all\nVersion: 1.0\n"
        "Distribution: bookworm\nUrgency: medium\nMaintainer: Bench <bench@example.org>\n"
        "Description:\n bench\nChanges:\n bench\n"
        % (date, source, " ".join(d.name.split("_")[0] for d in debs))
    )
    text += "Checksums-Sha256:\n" + "".join(" %s %d %s\n" % (s, z, n) for n, z, _, s in files)
    text += "Files:\n" + "".join(" %s %d misc optional %s\n" % (m, z, n) for n, z, m, _ in files)
    dest.write_text(text)
    return dest


def publish_ratio(fmt, work):
    many, one = bench_repo_cache(fmt, 5000)
    incoming = work / ("%s-incoming" % fmt)
    incoming.mkdir()
    if fmt == "deb":
        for deb in one:
            os.link(deb, incoming / deb.name)
        added = [
            changes_for(
                [incoming / deb.name for deb in one], incoming / "added_1.0_all.changes", "added"
            )
        ]
    else:
        added = one
    seconds = {}
    for size in (10, 5000):
        repo = work / ("%s-repo-%d" % (fmt, size))
        files = many[:size]
        if fmt == "deb":
            staging = work / ("%s-in-%d" % (fmt, size))
            staging.mkdir()
            for deb in files:
                os.link(deb, staging / deb.name)
            files = [
                changes_for(
                    sorted(staging.glob("*.deb")), staging / "bench_1.0_all.changes", "bench"
                )
            ]
        params = dict(
            packaging_publish.DEFAULTS,
            repo_dir=str(repo),
            format=fmt,
            deb_codename="bookworm",
            deb_architectures=["amd64"],
        )

        def runner(argv, env=None):
            run(argv, env=env or {})

        say("%s: publishing into a repository of %d packages" % (fmt, size))
        packaging_publish.publish(
            dict(params, build_id="b1", files=[str(f) for f in files]), runner
        )
        started = time.monotonic()
        result = packaging_publish.publish(
            dict(params, build_id="b2", files=[str(f) for f in added]), runner
        )
        seconds["module", size] = time.monotonic() - started
        assert result["changed"]
        # the same through the publish role, as a job's publish step runs it
        if fmt == "deb":
            variables = {
                "publish_packaging_repo_files": [str(f) for f in added],
                "publish_packaging_repo_build_id": "b3",
                "publish_packaging_repo_root": str(repo.parent / ("deb-role-%d" % size)),
                "publish_packaging_repo_deb_architectures": ["amd64"],
            }
            target = repo.parent / ("deb-role-%d" % size) / "bookworm"
        else:
            variables = {
                "publish_packaging_repo_files": [str(f) for f in added],
                "publish_packaging_repo_build_id": "b3",
                "publish_packaging_repo_root": str(repo.parent / ("rpm-role-%d" % size)),
            }
            target = repo.parent / ("rpm-role-%d" % size) / "centos-stream-9-x86_64"
        target.parent.mkdir()
        shutil.copytree(repo, target, symlinks=True)
        role_s, _, _ = play(ROOT / "bench" / "publish.yaml", dict(variables, bench_format=fmt))
        seconds["role", size] = role_s
        assert (target / "builds" / "b3").is_dir() and os.readlink(
            target / "current"
        ) == "builds/b3"
    return seconds


def measure(work):
    results = {}
    for fmt in ("deb", "rpm"):
        seconds = publish_ratio(fmt, work)
        for way, prefix in (("role", "publish"), ("module", "module_publish")):
            results["%s_10_%s_s" % (prefix, fmt)] = round(seconds[way, 10], 3)
            results["%s_5000_%s_s" % (prefix, fmt)] = round(seconds[way, 5000], 3)
            results["%s_5000_vs_10_ratio_%s" % (prefix, fmt)] = round(
                seconds[way, 5000] / seconds[way, 10], 3
            )
    return results
