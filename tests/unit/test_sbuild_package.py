"""sbuild_package: chroot naming, sbuild's command line, input checks and log collection
(the build itself runs in the integration tests and the molecule scenario)."""

from __future__ import annotations

import json
import subprocess

import pytest
import sbuild_package as sp

DSC = """Format: 3.0 (quilt)
Source: greeter
Binary: greeter
Architecture: all
Version: 0.1.0-1
Build-Depends: debhelper-compat (= 13)
Files:
 00000000000000000000000000000000 1 greeter_0.1.0.orig.tar.gz
"""


def params(tmp_path, dsc_text=DSC, **extra):
    dsc = tmp_path / "greeter_0.1.0-1.dsc"
    dsc.write_text(dsc_text)
    base = {"phase": "plan", "dsc": str(dsc), "distribution": "bookworm", "arch": "amd64",
            "arch_all_arch": "amd64", "mirror": "", "chroot_packages": [], "chroot_max_age_days": 7,
            "cache_dir": str(tmp_path / "cache"), "output_dir": str(tmp_path / "out"),
            "log_dir": str(tmp_path / "logs"), "extra_repositories": [],
            "extra_repository_keys": [], "extra_packages": [], "apt_upgrade": False,
            "bake_build_deps": True, "unpack_dir": str(tmp_path), "extra_args": [],
            "code": "c1", "rc": 0, "built": True, "stamp": {}, "lintian_chroot": False,
            "build_options": [], "parallel": 0, "build_profiles": []}
    base.update(extra)
    return base


def test_chroot_name_follows_what_shapes_the_chroot(tmp_path):
    p = params(tmp_path)
    info = {"source": "greeter", "build_depends": ["Build-Depends: debhelper-compat (= 13)"]}
    baked = sp.chroot_path(p, "bookworm", "amd64", "mmdebstrap 1.3.5", info, True)
    assert baked.startswith(str(tmp_path / "cache" / "bookworm-amd64-"))
    assert baked.endswith("-greeter-deps.tar")
    plain = sp.chroot_path(p, "bookworm", "amd64", "mmdebstrap 1.3.5", info, False)
    assert not plain.endswith("-deps.tar")
    other = dict(info, build_depends=["Build-Depends: debhelper-compat (= 13), pandoc"])
    names = {baked, plain, sp.chroot_path(p, "bookworm", "amd64", "mmdebstrap 1.3.5", other, True),
             sp.chroot_path(p, "bookworm", "amd64", "mmdebstrap 1.4.0", info, True),
             sp.chroot_path(dict(p, mirror="http://mirror.test/debian"), "bookworm", "amd64",
                            "mmdebstrap 1.3.5", info, True)}
    assert len(names) == 5


def test_lintian_chroot_is_the_target_release_apart_from_the_build_chroot(tmp_path):
    p = params(tmp_path)
    plain = sp.plan(p)
    assert plain["lintian_chroot"] == "" and not plain["make_lintian_chroot"]
    assert plain["lintian_mmdebstrap_argv"] == []
    p = params(tmp_path, distribution="trixie", lintian_chroot=True,
               mirror="http://deb.debian.org/debian")
    plan = sp.plan(p)
    lint = plan["lintian_chroot"]
    assert lint.startswith(str(tmp_path / "cache" / "trixie-amd64-"))
    assert lint.endswith("-lintian.tar") and lint != plan["chroot"]
    assert plan["make_lintian_chroot"]
    assert plan["lintian_mmdebstrap_argv"] == [
        "mmdebstrap", "--variant=apt", "--mode=unshare", "--format=tar", "--arch=amd64",
        "--include=lintian", "trixie", lint + ".incoming", "http://deb.debian.org/debian"]
    # lintian stays out of the build chroot
    assert not any(a.startswith("--include=") and "lintian" in a for a in plan["mmdebstrap_argv"])
    (tmp_path / "cache" / lint.rsplit("/", 1)[1]).write_text("tar\n")
    assert not sp.plan(p)["make_lintian_chroot"]
    assert sp.lintian_chroot_path(dict(p, mirror=""), "trixie", "amd64", "1.3.5") != lint


def test_sbuild_command_line(tmp_path):
    p = params(tmp_path, extra_args=["--jobs=2"])
    baked = sp.sbuild_argv(p, "bookworm", "amd64", "/c.tar", True)
    assert baked[:3] == ["sbuild", "--chroot-mode=unshare", "--chroot=/c.tar"]
    assert "--build-dep-resolver=null" in baked and "--no-apt-update" in baked
    assert baked[-2:] == ["--jobs=2", p["dsc"]]
    chained = sp.sbuild_argv(dict(p, extra_repositories=["deb [trusted=yes] file:/r ./"],
                                  apt_upgrade=True), "bookworm", "amd64", "/c.tar", False)
    assert "--build-dep-resolver=null" not in chained and "--no-apt-upgrade" not in chained
    assert "--extra-repository=deb [trusted=yes] file:/r ./" in chained
    hooks = sp.mmdebstrap_argv(p, "bookworm", "amd64", "/c.tar", True)
    assert "--include=fakeroot" in hooks and hooks[-2:] == ["bookworm", "/c.tar.incoming"]


def test_arch_all_packages_are_built_on_the_designated_architecture_only(tmp_path):
    p = params(tmp_path)
    on_amd64 = sp.sbuild_argv(p, "bookworm", "amd64", "/c.tar", True)
    assert "--arch-all" in on_amd64 and "--no-arch-all" not in on_amd64
    on_arm64 = sp.sbuild_argv(p, "bookworm", "arm64", "/c.tar", True)
    assert "--no-arch-all" in on_arm64 and "--arch-all" not in on_arm64
    designated_arm64 = dict(p, arch_all_arch="arm64")
    assert "--arch-all" in sp.sbuild_argv(designated_arm64, "bookworm", "arm64", "/c.tar", True)
    assert "--no-arch-all" in sp.sbuild_argv(designated_arm64, "bookworm", "amd64", "/c.tar", True)
    # empty: every architecture builds them (a repository of one architecture)
    assert "--arch-all" in sp.sbuild_argv(dict(p, arch_all_arch=""), "bookworm", "arm64",
                                          "/c.tar", True)
    # the choice is part of the build stamp: changing it builds again
    assert (sp.stamp_inputs(p, "bookworm", "arm64", "/c.tar", True)
            != sp.stamp_inputs(dict(p, arch_all_arch="arm64"), "bookworm", "arm64", "/c.tar", True))


def test_a_source_with_architecture_dependent_packages_builds_on_another_architecture(tmp_path):
    p = params(tmp_path, DSC.replace("Architecture: all", "Architecture: any all"),
               arch="arm64")
    plan = sp.plan(p)
    assert "--arch=arm64" in plan["sbuild_argv"] and "--no-arch-all" in plan["sbuild_argv"]
    assert plan["stamp"]["inputs"]["arch_all"] is False


def test_only_arch_all_packages_on_another_architecture_fails_in_one_line(tmp_path):
    with pytest.raises(sp.SbuildError) as info:
        sp.plan(params(tmp_path, arch="arm64"))
    assert str(info.value) == (
        "build-deb-binary: greeter has only Architecture: all packages, which are built on amd64 "
        "(packaging_deb_arch_all); this node is arm64")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("extra, message", [
    ({"dsc": ""}, 'build-deb-binary: source package "" is not an existing .dsc file'),
    ({"dsc": "/nonexistent/x.dsc"},
     'build-deb-binary: source package "/nonexistent/x.dsc" is not an existing .dsc file'),
    ({"distribution": "bookwork"}, "unknown distribution 'bookwork'"),
    ({"distribution": "noble"}, "build-deb-binary: noble is an Ubuntu release; set "
                                "build_deb_binary_mirror (packaging_deb_mirror)"),
    ({"arch": "../amd64"},
     'build-deb-binary: architecture "../amd64" is not a Debian architecture name'),
    ({"arch_all_arch": "AMD64"},
     'build-deb-binary: architecture "AMD64" of the Architecture all packages '
     '(packaging_deb_arch_all) is not a Debian architecture name'),
    ({"build_options": ["nocheck", "noopt; rm -rf /"]},
     'build-deb-binary: build option "noopt; rm -rf /" (packaging_deb_build_options) is not a '
     "DEB_BUILD_OPTIONS word (name or name=value)"),
    ({"build_options": ["parallel=4"]},
     "build-deb-binary: set parallel=N with packaging_deb_parallel, not in "
     'packaging_deb_build_options ("parallel=4")'),
    ({"build_profiles": ["--root-cmd=touch"]},
     'build-deb-binary: build profile "--root-cmd=touch" (packaging_deb_build_profiles) is not '
     "a profile name"),
    ({"parallel": -1}, "build-deb-binary: packaging_deb_parallel is -1; use 0 for the node's CPUs"),
])
def test_bad_inputs(tmp_path, extra, message):
    with pytest.raises(sp.SbuildError) as info:
        sp.plan(params(tmp_path, **extra))
    assert str(info.value).startswith(message)
    assert not (tmp_path / "out").exists()


def make_deb(path, package, version):
    """A real (empty) binary package, as dpkg-deb --field reads it."""
    root = path.parent / ("root-" + package)
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        "Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: T <t@example.org>\n"
        "Description: test\n" % (package, version))
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Znone", "--build", str(root), str(path)],
                   check=True, capture_output=True)


def test_plan_without_a_chroot_then_finish(tmp_path):
    p = params(tmp_path)
    plan = sp.plan(p)
    assert plan["make_chroot"] and not plan["reuse"] and plan["baked"]
    assert plan["source"] == "greeter"
    conf = (tmp_path / "out" / ".sbuild.conf").read_text()
    assert "$unshare_tmpdir_template = '%s/tmp.sbuild.XXXXXXXXXX';" % tmp_path in conf
    assert plan["sbuild_env"]["SBUILD_CONFIG"] == str(tmp_path / "out" / ".sbuild.conf")
    # what sbuild leaves: the log under a timestamped name and a link to it
    out = tmp_path / "out"
    log = "greeter_0.1.0-1_amd64-2026-11-25T01:00:00Z.build"
    (out / log).write_text("log\n")
    (out / "greeter_0.1.0-1_amd64.build").symlink_to(log)
    (out / "greeter_0.1.0-1_amd64.buildinfo").write_text("info\n")
    (out / "greeter_0.1.0-1_amd64.changes").write_text("changes\n")
    make_deb(out / "greeter_0.1.0-1_all.deb", "greeter", "1:0.1.0-1")
    (tmp_path / "chroot.tar").write_text("tar\n")
    stamp = dict(plan["stamp"], inputs=dict(plan["stamp"]["inputs"],
                                            chroot=str(tmp_path / "chroot.tar")))
    done = sp.finish(dict(p, phase="finish", stamp=stamp))
    assert sorted(f.rsplit("/", 1)[1] for f in done["logs"]) == [
        "greeter_0.1.0-1_amd64.build.txt", "greeter_0.1.0-1_amd64.buildinfo"]
    assert (tmp_path / "logs" / "greeter_0.1.0-1_amd64.build.txt").read_text() == "log\n"
    assert done["packages"] == {"changes": str(out / "greeter_0.1.0-1_amd64.changes"),
                                "debs": [str(out / "greeter_0.1.0-1_all.deb")],
                                "names": ["greeter"], "versions": {"greeter": "1:0.1.0-1"}}
    recorded = json.loads((out / ".build-stamp.json").read_text())
    assert recorded["facts"] == done["packages"]


def test_failed_build_keeps_the_log_and_records_nothing(tmp_path):
    p = params(tmp_path)
    plan = sp.plan(p)
    (tmp_path / "out" / "greeter_0.1.0-1_amd64.build").write_text("E: failed\n")
    done = sp.finish(dict(p, phase="finish", stamp=plan["stamp"], rc=2))
    assert done["packages"] == {} and len(done["logs"]) == 1
    assert not (tmp_path / "out" / ".build-stamp.json").exists()


def test_documented_options_are_the_argument_spec_and_phase_names_the_step():
    """DOCUMENTATION and the argument spec agree; the step is `phase` (plan|finish), required,
    and there is no `state`: in a module that word means a desired state (present|absent)."""
    import yaml

    documented = yaml.safe_load(sp.DOCUMENTATION)["options"]
    assert set(documented) == set(sp.ARGUMENT_SPEC)
    for name, spec in sp.ARGUMENT_SPEC.items():
        doc = documented[name]
        for key in ("type", "elements", "choices", "default"):
            assert doc.get(key) == spec.get(key), (name, key)
        assert bool(doc.get("required")) == bool(spec.get("required")), name
    assert "state" not in sp.ARGUMENT_SPEC
    assert sp.ARGUMENT_SPEC["phase"] == {"type": "str", "choices": ["plan", "finish"],
                                         "required": True}
    for example in yaml.safe_load(sp.EXAMPLES):
        assert example["sbuild_package"]["phase"] in ("plan", "finish"), example["name"]


def test_build_options_and_profiles_reach_the_build(tmp_path):
    # DEB_BUILD_OPTIONS/DEB_BUILD_PROFILES pass sbuild's environment filter (dpkg's list of
    # variables .buildinfo records); profiles also go to sbuild's resolver and the baked chroot
    default = sp.plan(params(tmp_path))
    assert default["sbuild_env"]["DEB_BUILD_OPTIONS"] == "parallel=%d" % sp.node_cpus()
    assert "DEB_BUILD_PROFILES" not in default["sbuild_env"]
    p = params(tmp_path, build_options=["nocheck", "nodoc"], parallel=3,
               build_profiles=["nocheck", "pkg.greeter.nodocs"])
    plan = sp.plan(p)
    assert plan["sbuild_env"]["DEB_BUILD_OPTIONS"] == "nocheck nodoc parallel=3"
    assert plan["sbuild_env"]["DEB_BUILD_PROFILES"] == "nocheck pkg.greeter.nodocs"
    assert "--profiles=nocheck,pkg.greeter.nodocs" in plan["sbuild_argv"]
    assert any("build-dep -P nocheck,pkg.greeter.nodocs /tmp/build-deps.dsc" in a
               for a in plan["mmdebstrap_argv"])
    # profiles change the baked build dependencies: another chroot; options and profiles
    # change what is built: another stamp; the CPU count does not
    assert plan["chroot"] != default["chroot"]
    assert plan["stamp"]["inputs"] != default["stamp"]["inputs"]
    assert (sp.plan(dict(p, parallel=1))["stamp"]["inputs"] == plan["stamp"]["inputs"])
