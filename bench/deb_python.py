"""The deb build of the tinyconf example, a Python library with 18 build dependencies (pybuild,
its tests at build time, Sphinx documentation into a -doc package):

- real_stock_sbuild_s: stock `sbuild --chroot-mode=unshare` on a stock mmdebstrap buildd
  .tar.zst chroot, apt installing the build dependencies each build, of the example's .dsc;
- real_warm_s: the collection's build tools (git archive, tar, dpkg-source, sbuild) in the deb
  build (bench/deb-build.yaml) of the next upstream commit with a warm chroot cache (the build
  dependencies baked in); real_warm_vs_stock_sbuild_ratio is the one over the other;
- real_floor_s: the same package built by `dpkg-buildpackage -b -uc -us` on this host, its
  build dependencies installed by apt-get once (as root); real_warm_minus_floor_s is what
  the isolated build costs on top;
- deb_job_s: the whole deb job (playbooks/deb/pre.yaml then playbooks/deb/run.yaml: build,
  lintian, autopkgtest, publish, install check, report) of a new upstream commit with warm
  caches; deb_job_vs_stock_sbuild_ratio is deb_job_s / real_stock_sbuild_s.

The chroot cache lives under the bench cache (like the stock chroot) so that a second bench run
is warm from the start; the first run of a week makes the chroots, which the priming job run
(not timed) does. The largest command walls of the warm build and of the job are printed, which
is where a missed target's time went."""

from __future__ import annotations

import os
import shutil

from benchlib import CACHE, ROOT, commit, play, run, say, timed
from deb_example import stock_chroot

TARGETS = [
    ("real_warm_vs_stock_sbuild_ratio", 0.25),
    ("real_warm_minus_floor_s", 5.0),
    ("deb_job_vs_stock_sbuild_ratio", 0.5),
]
SOURCE_TOOLS = "Build the source package (or reuse the unchanged last one): "
SBUILD = "Run sbuild"
HOST_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"  # the system's python3, not a pyenv shim


def largest(walls, count=6):
    top = sorted(walls.items(), key=lambda item: -item[1])[:count]
    return ", ".join("%s %.1f s" % (name, seconds) for name, seconds in top)


def job(variables):
    """The deb job as Zuul runs it: pre-run playbook, then run playbook; (seconds, walls)."""
    pre_s, _, pre_walls = play(ROOT / "playbooks" / "deb" / "pre.yaml", variables)
    run_s, output, run_walls = play(ROOT / "playbooks" / "deb" / "run.yaml", variables)
    assert "nothing new to build or publish" not in output, "the job skipped the build"
    return pre_s + run_s, dict(pre_walls, **run_walls)


def floor(dsc, work):
    """dpkg-buildpackage -b of the .dsc on this host; its build dependencies installed first
    (apt-get build-dep, untimed, a no-op once they are)."""
    (work / "floor").mkdir()
    tree = work / "floor" / "tree"
    run(["dpkg-source", "-x", "--", str(dsc), str(tree)], env={"PATH": HOST_PATH})
    run(["apt-get", "build-dep", "-y", "-q", "--", str(tree)],
        env={"DEBIAN_FRONTEND": "noninteractive"})
    seconds, _ = timed(
        ["dpkg-buildpackage", "-b", "-uc", "-us"],
        cwd=tree,
        env={"PATH": HOST_PATH, "DEB_BUILD_OPTIONS": "parallel=%d" % (os.cpu_count() or 1)},
    )
    assert sorted((work / "floor").glob("python3-tinyconf_*_all.deb")), "no package on the host"
    shutil.rmtree(work / "floor", ignore_errors=True)
    return seconds


def measure(work):
    example = work / "example"
    run([str(ROOT / "examples" / "make-repos.sh"), str(example), "tinyconf"])
    variables = {
        "packaging_upstream_path": str(example / "upstream"),
        "packaging_distgit_url": str(example / "distgit-deb"),
        "packaging_build_dir": str(work / "build"),
        "packaging_cache_dir": str(CACHE / "bench" / "deb_python-cache"),
        "packaging_repo_dir": str(work / "repos"),
        "zuul_output_dir": str(work / "output"),
        "packaging_deb_distribution": "bookworm",
    }

    say("prime: the deb job of the example (makes the chroots when they are missing or old)")
    prime_s, prime_walls = job(variables)
    say("prime took %.0f s: %s" % (prime_s, largest(prime_walls)))
    dsc = sorted((work / "build" / "deb" / "source").glob("*.dsc"))[0]

    say("stock: sbuild with its defaults on a stock .tar.zst buildd chroot, same package")
    stock_dir = work / "stock"
    stock_dir.mkdir()
    stock_s, _ = timed(
        ["sbuild", "--chroot-mode=unshare", "--chroot=%s" % stock_chroot(), "--dist=bookworm",
         "--arch-all", "--no-run-lintian", "--no-run-piuparts", "--no-run-autopkgtest",
         str(dsc)],
        cwd=stock_dir,
    )
    assert sorted(stock_dir.glob("python3-tinyconf_*_all.deb")), "stock sbuild made no package"

    if os.geteuid() == 0:
        say("floor: dpkg-buildpackage -b on this host, build dependencies installed")
        floor_s = floor(dsc, work)
    else:
        say("floor: not measured (installing the build dependencies needs root)")
        floor_s = None

    say("warm: the collection's deb build of the next upstream commit, warm chroot cache")
    commit(example / "upstream", "NEWS", "2026-11-05T10:00:00Z")
    warm_playbook_s, _, warm_walls = play(ROOT / "bench" / "deb-build.yaml", variables)
    assert any(k.startswith(SBUILD) for k in warm_walls), "the warm run did not run sbuild"
    assert any(k.startswith(SOURCE_TOOLS) for k in warm_walls), "no source package built"
    warm_s = sum(v for k, v in warm_walls.items() if k.startswith((SOURCE_TOOLS, SBUILD)))
    say("warm build tools %.1f s: %s" % (warm_s, largest(warm_walls)))

    say("job: the whole deb job of the next upstream commit, warm caches")
    commit(example / "upstream", "NEWS2", "2026-11-06T10:00:00Z")
    job_s, job_walls = job(variables)
    say("job took %.1f s: %s" % (job_s, largest(job_walls, 10)))

    results = {
        "real_stock_sbuild_s": round(stock_s, 2),
        "real_warm_s": round(warm_s, 2),
        "real_warm_playbook_s": round(warm_playbook_s, 2),
        "real_warm_vs_stock_sbuild_ratio": round(warm_s / stock_s, 3),
        "deb_job_s": round(job_s, 2),
        "deb_job_tools_s": round(sum(job_walls.values()), 2),
        "deb_job_vs_stock_sbuild_ratio": round(job_s / stock_s, 3),
    }
    if floor_s is not None:
        results["real_floor_s"] = round(floor_s, 2)
        results["real_warm_minus_floor_s"] = round(warm_s - floor_s, 2)
    return results
