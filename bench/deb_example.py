"""The deb build of the greeter example: stock sbuild, the collection's cold and warm build,
its overhead, and the deb job's skip-unchanged path (see run.py for what each figure means)."""

from __future__ import annotations

import os
import time

from benchlib import CACHE, ROOT, commit, play, run, say, timed

TARGETS = [
    ("warm_vs_stock_sbuild_ratio", 0.5),
    ("skip_unchanged_s", 3.0),
    ("overhead_s", 5.0),
]


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
        "the warm run did not run sbuild: %s" % sorted(warm_walls)
    )
    assert any(k.startswith(tools[0]) for k in warm_walls), (
        "the warm run did not build the source package: %s" % sorted(warm_walls)
    )

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


def measure(work):
    return deb_builds(work)
