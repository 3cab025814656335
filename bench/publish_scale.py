"""Publishing one more build into a repository of 10 and of 5000 packages, through the publish
role and through the packaging_publish code alone (see run.py for what each figure means).

The work that grows with the builds of a repository, at 10, 100, 1000 and 5000 builds
(synthetic builds: markers and build keys, no packages), best of 25 runs each:
lookup_<n>_s is find_build by build key, by an upstream commit prefix and by id;
index_<n>_s one regeneration of index.html; retention_<n>_s the retention step of a publish
in the steady state (keep holds every build, one more arrives, the oldest goes), best of 15
publishes. <what>_5000_vs_10_ratio is each at 5000 over 10.

concurrent_*: CONCURRENT publishers started at once, each the standalone publisher (as a
repository host runs it) with one tiny package, into one repository of 5000 packages (deb,
and rpm with the _rpm suffix): the wall from the first start to the last end, publishes per
second, and each publisher's lock wait as it reports it (from its start, or from queueing
its request, to the start of the batch that published it; 0 when it took the lock at once).
BENCH_PUBLISH_PARTS=ratio,scale,concurrent runs only some of the figures."""

from __future__ import annotations

import datetime
import hashlib
import inspect
import json
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
    if os.environ.get("BENCH_PUBLISH_PARTS"):  # e.g. scale,concurrent: only those figures
        parts = os.environ["BENCH_PUBLISH_PARTS"].split(",")
    else:
        parts = ["ratio", "scale", "concurrent"]
    if "scale" in parts:
        results.update(scale_figures(work))
    if "concurrent" in parts:
        results.update(concurrent_figures(work, "deb"))
        results.update(concurrent_figures(work, "rpm"))
    if "ratio" not in parts:
        return results
    for fmt in ("deb", "rpm"):
        seconds = publish_ratio(fmt, work)
        for way, prefix in (("role", "publish"), ("module", "module_publish")):
            results["%s_10_%s_s" % (prefix, fmt)] = round(seconds[way, 10], 3)
            results["%s_5000_%s_s" % (prefix, fmt)] = round(seconds[way, 5000], 3)
            results["%s_5000_vs_10_ratio_%s" % (prefix, fmt)] = round(
                seconds[way, 5000] / seconds[way, 10], 3
            )
    return results


# --- work that grows with the builds of a repository, and concurrent publishers ---------

SCALE_SIZES = (10, 100, 1000, 5000)
CONCURRENT = 20

TARGETS += [
    ("lookup_5000_vs_10_ratio", 1.5),
    ("index_5000_vs_10_ratio", 1.5),
    ("retention_5000_vs_10_ratio", 1.5),
    ("concurrent_publishes_per_s", ">=", 5),
    ("concurrent_publishes_per_s_rpm", ">=", 5),
]


def sha_of(n):
    return hashlib.sha1(b"upstream %d" % n).hexdigest()


def synthetic_repo(repo, count):
    """A repository of count promoted builds as the publisher records them (marker and build
    keys; no packages: the figures below never read those), current at the newest."""
    builds = repo / "builds"
    builds.mkdir(parents=True)
    started = 1_700_000_000.0
    for n in range(count):
        build_id = "b%05d" % n
        path = builds / build_id
        path.mkdir()
        key = "key-%05d" % n
        marker = {
            "build_id": build_id, "files": ["p%05d_1.0_all.deb" % n],
            "published_at": started + n, "promoted_at": started + n + 0.5,
            "seeded_from": "b%05d" % (n - 1) if n else None, "inputs": [],
            "build_key": key, "upstream_sha": sha_of(n), "distgit_sha": "d" * 40,
            "version": "1.0-%d" % n,
        }
        (path / packaging_publish.MARKER).write_text(json.dumps(marker))
        (path / packaging_publish.BUILD_KEYS).write_text(
            json.dumps({key: {"build_id": build_id, "files": []}}))
    os.symlink("builds/b%05d" % (count - 1), repo / "current")


def best_of(function, repeat=25):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def add_build(repo, build_id, at):
    """One more promoted build, recorded the way a publish records it."""
    marker = {"build_id": build_id, "files": [], "published_at": at, "promoted_at": at,
              "seeded_from": None, "inputs": [], "build_key": "", "upstream_sha": "",
              "distgit_sha": "", "version": ""}
    path = repo / "builds" / build_id
    path.mkdir()
    (path / packaging_publish.MARKER).write_text(json.dumps(marker))
    if hasattr(packaging_publish, "BuildIndex"):  # the publisher records it in its index
        packaging_publish.BuildIndex(str(repo)).add(build_id, marker, True)


def retention_step(repo, build_id, keep):
    apply = getattr(packaging_publish, "apply_retention", None)
    if apply is not None:
        return apply(str(repo), build_id, keep)
    builds_dir = str(repo / "builds")
    removed = packaging_publish.plan_retention(
        packaging_publish.list_builds(builds_dir), build_id, keep,
        packaging_publish.read_pointers(str(repo)).values())
    for old in removed:
        shutil.rmtree(os.path.join(builds_dir, old))
    return removed


def scale_figures(work):
    """Build key lookup, index.html regeneration and retention at 10 to 5000 builds."""
    figures = {}
    for count in SCALE_SIZES:
        repo = work / ("scale-%d" % count)
        synthetic_repo(repo, count)
        middle = count // 2
        lookups = [
            dict(build_key="key-%05d" % middle),
            dict(upstream_sha=sha_of(middle)[:10]),
            dict(build_id="b%05d" % middle),
        ]

        def lookup(repo=repo, lookups=lookups):
            for what in lookups:
                packaging_publish.find_build(str(repo), **what)

        lookup()  # a repository from before the index gets it on the first call
        assert packaging_publish.find_build(str(repo), build_key="key-%05d" % middle) == (
            "b%05d" % middle)
        figures["lookup_%d_s" % count] = best_of(lookup)
        figures["index_%d_s" % count] = best_of(lambda repo=repo: packaging_publish.write_index(
            str(repo)))
        # steady state: keep holds every build, one more arrives, the oldest goes
        timings = []
        for n in range(15):
            build_id = "n%05d" % n
            add_build(repo, build_id, 1_800_000_000.0 + n)
            started = time.perf_counter()
            removed = retention_step(repo, build_id, count)
            timings.append(time.perf_counter() - started)
            assert len(removed) == 1, removed
        figures["retention_%d_s" % count] = min(timings)
        say("%d builds: lookup %.6f s, index %.6f s, retention %.6f s" % (
            count, figures["lookup_%d_s" % count], figures["index_%d_s" % count],
            figures["retention_%d_s" % count]))
        shutil.rmtree(repo)
    results = {}
    for what in ("lookup", "index", "retention"):
        for count in SCALE_SIZES:
            results["%s_%d_s" % (what, count)] = round(figures["%s_%d_s" % (what, count)], 6)
        results["%s_5000_vs_10_ratio" % what] = round(
            figures["%s_5000_s" % what] / figures["%s_10_s" % what], 3)
    return results


def concurrent_figures(work, fmt="deb"):
    """CONCURRENT publishers at once into one repository of 5000 packages, each through the
    standalone publisher (as on a repository host): total wall and lock waits."""
    many, _ = bench_repo_cache(fmt, 5000)
    work = work / ("concurrent-" + fmt)
    work.mkdir()
    repo = work / "concurrent-repo"
    staging = work / "concurrent-in"
    staging.mkdir()
    for package in many:
        os.link(package, staging / package.name)
    base = [str(p) for p in sorted(staging.iterdir())]
    if fmt == "deb":
        base = [str(changes_for(sorted(staging.glob("*.deb")),
                                staging / "bench_1.0_all.changes", "bench"))]
    params = dict(packaging_publish.DEFAULTS, repo_dir=str(repo), format=fmt,
                  deb_codename="bookworm", deb_architectures=["amd64"], lock_timeout=900,
                  keep=50)
    packaging_publish.publish(dict(params, build_id="base", files=base),
                              lambda argv, env=None: run(argv, env=env or {}))
    packages = (tiny_debs if fmt == "deb" else tiny_rpms)(
        work / "concurrent-packages", CONCURRENT, "conc")
    requests = []
    for n, package in enumerate(packages):
        own = work / ("concurrent-%02d" % n)
        own.mkdir()
        os.link(package, own / package.name)
        files = [own / package.name]
        if fmt == "deb":
            files = [changes_for(files, own / ("conc%05d_1.0_all.changes" % n), "conc")]
        requests.append(dict(params, build_id="c%02d" % n, files=[str(f) for f in files],
                             build_key="ck%02d" % n))
    script = inspect.getsourcefile(packaging_publish)
    started = time.monotonic()
    procs = []
    for request in requests:
        proc = subprocess.Popen(["/usr/bin/python3", script, "--stdin"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        proc.stdin.write(json.dumps(request))
        proc.stdin.close()
        procs.append((proc, time.monotonic()))
    results, walls = [], []
    for proc, began in procs:
        out = proc.stdout.read()
        assert proc.wait() == 0, out
        walls.append(time.monotonic() - began)
        results.append(json.loads(out.strip().splitlines()[-1]))
    wall = time.monotonic() - started
    if fmt == "deb":
        listed = run(["reprepro", "--basedir", str(repo / "current"), "list",
                      "bookworm"]).stdout
        names = {line.split(": ", 1)[1].split()[0] for line in listed.splitlines()}
    else:
        names = set(packaging_publish.primary_checksums(str(repo / "current")))
    assert len(names) == 5000 + CONCURRENT, len(names)
    assert sorted(r["build_dir"] for r in results) == sorted(
        str(repo / "builds" / r["build_id"]) for r in requests)
    # lock_wait_s is absent when a publisher took the lock at once; a publisher without
    # batching does not report it: its wall time is the bound then
    batching = hasattr(packaging_publish, "batched_publish")
    waits = sorted(r.get("lock_wait_s", 0.0 if batching else w) for r, w in zip(results, walls))
    batches = sorted({r.get("batch", "") for r in results})
    say("%s: %d concurrent publishers: %.1f s, %d batch(es) of %s, lock waits %s" % (
        fmt, CONCURRENT, wall, len(batches),
        sorted(r.get("batch_size", 1) for r in results if r.get("batch_size", 1) > 1)[-1:] or 1,
        ", ".join("%.2f" % w for w in waits)))
    suffix = "" if fmt == "deb" else "_" + fmt
    return {
        "concurrent_wall%s_s" % suffix: round(wall, 3),
        "concurrent_publishes_per_s" + suffix: round(CONCURRENT / wall, 3),
        "concurrent_seconds_per_publish" + suffix: round(wall / CONCURRENT, 3),
        "concurrent_lock_wait_median%s_s" % suffix: round(waits[len(waits) // 2], 3),
        "concurrent_lock_wait_max%s_s" % suffix: round(waits[-1], 3),
        "concurrent_batches" + suffix: len(batches),
    }
