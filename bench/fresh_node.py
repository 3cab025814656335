"""A fresh node with a shared chroot cache: the deb build (bench/deb-build.yaml: fetch-distgit,
build-deb-source, build-deb-binary, which makes the build chroot with the build dependencies
and the lintian chroot) of the greeter example on a node whose local chroot cache is empty
but whose shared cache (packaging_deb_chroot_shared_cache, a directory) holds both chroots,
against the same build on a node whose local cache is warm.

- fresh_node_cold_vs_warm_ratio: the fresh node's playbook wall divided by the warm node's
  (the same inputs, each in a build directory of its own, so both build with sbuild);
- fresh_node_restore_s: the wall of the two restores (copy and sha256 check of both chroots);
- cold_no_shared_cache_s: the same build on an empty local cache without a shared cache
  (mmdebstrap makes both chroots), for information; cold_mmdebstrap_s the two mmdebstrap
  runs in it (what the restore replaces);
- fresh_node_s, warm_node_s: the two playbook walls of the ratio.

The autopkgtest testbed (run-autopkgtest, not in this playbook) is restored the same way.
"""

from __future__ import annotations

from benchlib import ROOT, commit, play, run, say

TARGETS = [("fresh_node_cold_vs_warm_ratio", 1.5)]

PLAYBOOK = ROOT / "bench" / "deb-build.yaml"


def measure(work):
    example = work / "example"
    run([str(ROOT / "examples" / "make-repos.sh"), str(example)])
    shared = work / "shared"
    shared.mkdir()

    def variables(node, **extra):
        return dict(
            {
                "packaging_upstream_path": str(example / "upstream"),
                "packaging_distgit_url": str(example / "distgit-deb"),
                "packaging_build_dir": str(work / node / "build"),
                "packaging_cache_dir": str(work / node / "cache"),
                "zuul_output_dir": str(work / node / "output"),
                "packaging_deb_distribution": "bookworm",
            },
            **extra,
        )

    say("cold: an empty local chroot cache and no shared cache (mmdebstrap makes both chroots)")
    cold_s, _, cold_walls = play(PLAYBOOK, variables("node-a"))

    say("warm: the same node (warm local cache), the next upstream commit")
    commit(example / "upstream", "NEWS", "2026-11-05T10:00:00Z")
    warm_s, _, warm_walls = play(PLAYBOOK, variables("node-a"))
    assert any(k.startswith("Run sbuild") for k in warm_walls), "the warm run did not build"

    say("fill: the same node with the shared cache set stores its chroots there (not timed)")
    _, output, _ = play(
        PLAYBOOK, variables("node-a", packaging_deb_chroot_shared_cache=str(shared))
    )
    filled = len(list(shared.glob("*.sha256")))
    assert filled == 2, "the shared cache holds %d chroots: %s" % (filled, output[-2000:])

    say("fresh node: an empty local cache, the shared cache set, the same inputs as warm")
    fresh_s, output, fresh_walls = play(
        PLAYBOOK, variables("node-b", packaging_deb_chroot_shared_cache=str(shared))
    )
    assert not any("mmdebstrap" in k for k in fresh_walls), (
        "the fresh node ran mmdebstrap: %s" % sorted(fresh_walls)
    )
    assert any(k.startswith("Run sbuild") for k in fresh_walls), "the fresh node did not build"
    restore_s = sum(v for k, v in fresh_walls.items() if k.endswith(": restore"))
    assert restore_s > 0, "nothing was restored: " + output[-2000:]
    return {
        "fresh_node_cold_vs_warm_ratio": round(fresh_s / warm_s, 3),
        "fresh_node_restore_s": round(restore_s, 2),
        "fresh_node_s": round(fresh_s, 2),
        "warm_node_s": round(warm_s, 2),
        "cold_no_shared_cache_s": round(cold_s, 2),
        "cold_mmdebstrap_s": round(sum(v for k, v in cold_walls.items() if "mmdebstrap" in k), 2),
    }
