#!/usr/bin/env python3
"""The collection's performance benchmark (not a test): `make bench`.

Everything is measured in this one run on this machine and printed as ratios; the numbers go
to build/bench/bench.json. What is timed:

- stock_sbuild_s: `sbuild --chroot-mode=unshare` with its defaults on a stock mmdebstrap
  buildd chroot compressed as .tar.zst (build dependencies installed by apt each build),
  building the example's source package;
- cold_s / warm_s: the collection's deb build (bench/deb-build.yaml: fetch-distgit,
  build-deb-source, build-deb-binary) of the same package, first with an empty chroot cache
  (it makes the chroot with the build dependencies baked in), then warm on the next upstream
  commit (so no build is reused); warm_s is the wall time of the build tools in the warm run
  (git archive, tar, dpkg-source as the source build module reports them, sbuild),
  warm_playbook_s the whole playbook;
- overhead_s: warm playbook wall minus the wall of every tool it ran (commands, and the tools
  modules report): Ansible's share plus the collection's own bookkeeping;
- job_overhead_s: the same for the whole deb job's run playbook (first_job_run_s: build
  reused from the warm run, lintian, publish, install check, build report), for information;
- skip_unchanged_s: the median of three runs of the deb job's run playbook
  (playbooks/deb/run.yaml) for inputs whose
  build the repository already holds (it ends after the build key lookup);
- publish_5000_vs_10_ratio_{deb,rpm}: time of a job's publish step (the publish role, as
  bench/publish.yaml runs it) adding one more package build to a repository of 5000 packages,
  divided by the same for a repository of 10; module_publish_5000_vs_10_ratio_{deb,rpm}: the
  same for the packaging_publish code alone (staging copy, reprepro or createrepo_c, atomic
  swap), without Ansible.
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "roles" / "packaging-base" / "library"))
import packaging_publish  # noqa: E402

OUT = ROOT / "build" / "bench"
CACHE = Path(os.environ.get("ZUUL_PACKAGING_CACHE", Path.home() / ".cache" / "zuul-packaging"))
PLAYBOOK = [str(Path(sys.executable).parent / "ansible-playbook")]
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
}


def say(message):
    print("bench: " + message, flush=True)


def run(argv, **kwargs):
    env = dict(os.environ, **kwargs.pop("env", {}))
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, **kwargs)
    if proc.returncode != 0:
        sys.exit(
            "bench: %s failed (exit %d):\n%s"
            % (argv[0], proc.returncode, (proc.stdout + proc.stderr)[-3000:])
        )
    return proc


def timed(argv, **kwargs):
    started = time.monotonic()
    proc = run(argv, **kwargs)
    return time.monotonic() - started, proc


def delta_seconds(text):
    hours, minutes, seconds = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def command_walls(output):
    """{task name: seconds} of every command the playbook ran, from the default callback's
    verbose one-line JSON results."""
    walls, task = {}, ""
    for line in output.splitlines():
        if line.startswith("TASK ["):
            task = line[6 : line.rindex("]")].split(" : ", 1)[-1]
            continue
        if not line.startswith(("ok: [", "changed: [")) or " => {" not in line:
            continue
        try:
            result = json.loads(line[line.index(" => {") + 4 :])
        except ValueError:
            continue
        if isinstance(result, dict) and result.get("delta"):
            walls[task] = walls.get(task, 0) + delta_seconds(result["delta"])
        # modules that run tools themselves report each tool's wall time
        for tool, seconds in (result.get("tool_seconds") or {}).items():
            walls[task + ": " + tool] = walls.get(task + ": " + tool, 0) + seconds
    return walls


def play(playbook, variables):
    env = {
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_CALLBACK_FORMAT_PRETTY": "false",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_NOCOLOR": "1",
    }
    seconds, proc = timed(
        [*PLAYBOOK, "-v", str(playbook), "-e", json.dumps(variables)], cwd=ROOT, env=env
    )
    return seconds, proc.stdout, command_walls(proc.stdout)


def commit(repo, name, date):
    (repo / name).write_text("bench change %s\n" % name)
    run(["git", "-C", str(repo), "add", "-A"], env=GIT_ENV)
    run(
        ["git", "-C", str(repo), "commit", "-q", "-m", "Bench " + name],
        env=dict(GIT_ENV, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date),
    )


def stock_chroot():
    """A stock buildd chroot as sbuild's documentation makes it (.tar.zst), cached for a week."""
    path = CACHE / "bench" / "bookworm-amd64-stock.tar.zst"
    if not path.exists() or time.time() - path.stat().st_mtime > 7 * 86400:
        path.parent.mkdir(parents=True, exist_ok=True)
        say("making the stock chroot with mmdebstrap (once a week)")
        run(
            [
                "mmdebstrap",
                "--variant=buildd",
                "--mode=unshare",
                "bookworm",
                str(path) + ".incoming.tar.zst",
            ]
        )
        os.replace(str(path) + ".incoming.tar.zst", path)
    return path


def deb_builds(work):
    example = work / "example"
    run([str(ROOT / "examples" / "make-repos.sh"), str(example)])
    cache = work / "cold-cache"
    variables = {
        "packaging_upstream_path": str(example / "upstream"),
        "packaging_distgit_url": str(example / "distgit-deb"),
        "packaging_build_dir": str(work / "build"),
        "packaging_cache_dir": str(cache),
        "zuul_output_dir": str(work / "output"),
        "packaging_deb_distribution": "bookworm",
    }
    say("cold: the collection's deb build with an empty chroot cache")
    cold_s, _, cold_walls = play(ROOT / "bench" / "deb-build.yaml", variables)
    dsc = sorted((work / "build" / "deb" / "source").glob("*.dsc"))[0]

    say("stock: sbuild with its defaults on a stock .tar.zst buildd chroot, same package")
    stock_dir = work / "stock"
    stock_dir.mkdir()
    stock_s, _ = timed(
        [
            "sbuild",
            "--chroot-mode=unshare",
            "--chroot=%s" % stock_chroot(),
            "--dist=bookworm",
            "--arch-all",
            "--no-run-lintian",
            "--no-run-piuparts",
            "--no-run-autopkgtest",
            str(dsc),
        ],
        cwd=stock_dir,
    )
    assert sorted(stock_dir.glob("greeter_*_all.deb")), "stock sbuild made no package"

    say("warm: the collection's deb build of the next upstream commit, warm chroot cache")
    commit(example / "upstream", "NEWS", "2026-11-05T10:00:00Z")
    warm_playbook_s, _, warm_walls = play(ROOT / "bench" / "deb-build.yaml", variables)
    tools = ("Build the source package (or reuse the unchanged last one): ", "Run sbuild")
    warm_s = sum(v for k, v in warm_walls.items() if k.startswith(tools))
    assert any(k.startswith(tools[1]) for k in warm_walls), (
        "the warm run did not run sbuild: %s" % sorted(warm_walls))
    assert any(k.startswith(tools[0]) for k in warm_walls), (
        "the warm run did not build the source package: %s" % sorted(warm_walls))

    say("skip-unchanged: the deb job's run playbook, then again with the same inputs")
    job = dict(variables, packaging_repo_dir=str(work / "repos"))
    first_job_s, _, job_walls = play(ROOT / "playbooks" / "deb" / "run.yaml", job)
    skips = []
    for _ in range(3):  # the median of three: one run is at the mercy of the machine's noise
        skip_s, output, _ = play(ROOT / "playbooks" / "deb" / "run.yaml", job)
        assert "nothing new to build or publish" in output, "the run did not skip"
        skips.append(skip_s)
    skip_s = sorted(skips)[1]
    return {
        "stock_sbuild_s": round(stock_s, 2),
        "cold_s": round(cold_s, 2),
        "cold_chroot_s": round(sum(v for k, v in cold_walls.items() if "mmdebstrap" in k), 2),
        "warm_s": round(warm_s, 2),
        "warm_playbook_s": round(warm_playbook_s, 2),
        "warm_vs_stock_sbuild_ratio": round(warm_s / stock_s, 3),
        "warm_playbook_vs_stock_sbuild_ratio": round(warm_playbook_s / stock_s, 3),
        "overhead_s": round(warm_playbook_s - sum(warm_walls.values()), 2),
        "first_job_run_s": round(first_job_s, 2),
        "job_overhead_s": round(first_job_s - sum(job_walls.values()), 2),
        "skip_unchanged_s": round(skip_s, 2),
    }


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


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    work = OUT / "work"
    work.mkdir(parents=True)
    results = deb_builds(work)
    for fmt in ("deb", "rpm"):
        seconds = publish_ratio(fmt, work)
        for way, prefix in (("role", "publish"), ("module", "module_publish")):
            results["%s_10_%s_s" % (prefix, fmt)] = round(seconds[way, 10], 3)
            results["%s_5000_%s_s" % (prefix, fmt)] = round(seconds[way, 5000], 3)
            results["%s_5000_vs_10_ratio_%s" % (prefix, fmt)] = round(
                seconds[way, 5000] / seconds[way, 10], 3
            )
    shutil.rmtree(work, ignore_errors=True)
    (OUT / "bench.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    targets = [
        ("warm_vs_stock_sbuild_ratio", 0.5),
        ("skip_unchanged_s", 3.0),
        ("publish_5000_vs_10_ratio_deb", 1.5),
        ("publish_5000_vs_10_ratio_rpm", 1.5),
        ("overhead_s", 5.0),
    ]
    print()
    print("%-38s %10s" % ("measure", "value"))
    for key in sorted(results):
        target = dict(targets).get(key)
        note = (
            ""
            if target is None
            else ("  (target <= %s: %s)" % (target, "met" if results[key] <= target else "MISSED"))
        )
        print("%-38s %10s%s" % (key, results[key], note))
    print("\nwritten to %s" % (OUT / "bench.json"))


if __name__ == "__main__":
    main()
