"""packaging_parity with real packages: .debs from dpkg-deb, a .dsc from dpkg-source, rpms and
an SRPM from rpmbuild, read by python-debian and rpm's header reader. Each kind of difference
is reported for a real package pair, and the layouts known to differ are not."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote

import packaging_parity as pp
import pytest
from ansible.module_utils.zuul_packaging import parity
from parity_helpers import DEB_DEFAULTS, build_deb, build_dsc, build_rpm, build_srpm

MAPPING = {"libfoo": {"deb": ["libfoo1"], "rpm": ["foo-libs"]}}


def params(deb_repo, rpm_repo, tmp_path, **extra):
    values = {
        "deb_repo": str(deb_repo),
        "rpm_repo": str(rpm_repo),
        "deb_upstream_sha": "",
        "rpm_upstream_sha": "",
        "mapping": MAPPING,
        "ignore": {},
        "deb_dist": "ubuntu",
        "rpm_dist": "fedora",
        "work_dir": str(tmp_path / "work"),
        "report_dir": str(tmp_path / "report"),
        "fail_on": "none",
    }
    values.update(extra)
    return values


def builds(tmp_path, deb=None, rpm=None, sources=False):
    """Two build directories holding one deb and one rpm (and their source packages)."""
    deb_dir, rpm_dir = tmp_path / "deb-build", tmp_path / "rpm-build"
    deb_dir.mkdir()
    rpm_dir.mkdir()
    shutil.copy(build_deb(tmp_path / "deb", **(deb or {})), deb_dir)
    shutil.copy(build_rpm(tmp_path / "rpm", **(rpm or {})), rpm_dir)
    if sources:
        shutil.copy(build_dsc(tmp_path / "dsc"), deb_dir)
        shutil.copy(build_srpm(tmp_path / "srpm"), rpm_dir)
    return deb_dir, rpm_dir


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The default pair: known differences only (greeter-admin, scripts, none else)."""
    tmp_path = tmp_path_factory.mktemp("parity")
    deb_dir, rpm_dir = builds(tmp_path, sources=True)
    return tmp_path, pp.run(params(deb_dir, rpm_dir, tmp_path))


def test_layout_differences_are_not_reported(baseline):
    """site-packages vs dist-packages, egg-info vs dist-info, /usr/lib64 vs the multiarch
    directory, doc directories with a version, .gz, byte code, copyright, license files."""
    _, result = baseline
    assert [d for d in result["differences"] if d["kind"] == "files"] == []


def test_dependencies_map_to_the_same_upstream(baseline):
    """python3-requests and python3dist(requests) are one upstream; libfoo1 and foo-libs
    are one through the team's mapping; versions and commit agree."""
    _, result = baseline
    kinds = {d["kind"] for d in result["differences"]}
    assert not kinds & {"depends", "version", "commit", "licenses"}, result["messages"]


def test_scripts_and_build_dependencies(baseline):
    """The deb's postinst has no %post; the .dsc's libyaml-dev has no BuildRequires (debhelper
    and make are the families' own toolchains, python3-all and python3-devel the interpreter,
    python3-setuptools and python3dist(setuptools) one upstream)."""
    _, result = baseline
    assert result["messages"] == [
        "the deb build-depends on libyaml-dev, the rpm does not",
        "the deb has a maintainer script (greeter postinst), the rpm has no %post scriptlet",
    ]
    assert result["counts"]["scripts"] == 1 and result["gate"] is False


def test_report_files(baseline):
    tmp_path, result = baseline
    report = json.loads((tmp_path / "report" / "parity-report.json").read_text())
    assert [d["kind"] for d in report["differences"]] == ["build-depends", "scripts"]
    assert report["deb"]["packages"][0]["licenses"] == ["MIT"]
    assert report["rpm"]["source"].endswith(".src.rpm")
    texts = []

    class Cells(HTMLParser):
        def handle_data(self, data):
            texts.append(data)

    Cells().feed((tmp_path / "report" / "parity-report.html").read_text())
    assert "the deb build-depends on libyaml-dev, the rpm does not" in texts


def test_every_kind_of_difference(tmp_path):
    """Another file, another runtime dependency, an unmapped library, a scriptlet, a license
    and an upstream version, each one line."""
    deb_dir, rpm_dir = builds(
        tmp_path,
        deb={"scripts": {}},
        rpm={
            "version": "0.2.0",
            "license": "MIT AND GPL-2.0-or-later",
            "requires": ["python3dist(requests)", "python3-pyyaml", "foo-libs >= 1.2"],
            "files": ["/usr/bin/greeter", "/usr/bin/greeter-admin"],
            "scripts": {"%pre": "true"},
        },
    )
    result = pp.run(
        params(
            deb_dir,
            rpm_dir,
            tmp_path,
            mapping={},
            fail_on="error",
            deb_upstream_sha="a" * 40,
            rpm_upstream_sha="b" * 40,
        )
    )
    messages = result["messages"]
    assert "upstream version differs: the deb has 0.1.0+git1.abcdef12, the rpm 0.2.0" in messages
    assert (
        "upstream commit differs: the deb was built from aaaaaaaaaaaa, the rpm from bbbbbbbbbbbb"
    ) in messages
    assert "the rpm depends on pyyaml (python3-pyyaml), the deb does not" in messages
    # without the team's mapping the library names are their own
    assert "the deb depends on libfoo1 (libfoo1 (>= 1.2)), the rpm does not" in messages
    assert "the rpm depends on foo-libs (foo-libs (>= 1.2)), the deb does not" in messages
    assert "rpm installs /usr/bin/greeter-admin, the deb does not" in messages
    assert (
        "deb installs /usr/lib/python3/dist-packages/greeter/__init__.py, the rpm does not"
        in messages
    )
    assert (
        "the rpm has a %pre scriptlet (greeter %pre), the deb has no such maintainer script"
        in messages
    )
    assert "the rpm declares license GPL-2.0-or-later, the deb does not" in messages
    assert result["gate"] is True
    assert all("\n" not in m for m in messages)
    # build dependencies are only compared when both source packages are there
    assert "build-depends" not in result["compared"]


def test_fail_levels(tmp_path):
    deb_dir, rpm_dir = builds(tmp_path)  # only the postinst differs: a warning
    assert pp.run(params(deb_dir, rpm_dir, tmp_path, fail_on="error"))["gate"] is False
    assert pp.run(params(deb_dir, rpm_dir, tmp_path, fail_on="warning"))["gate"] is True
    assert pp.run(params(deb_dir, rpm_dir, tmp_path, fail_on="none"))["gate"] is False


def test_copyright_not_machine_readable(tmp_path):
    files = dict(DEB_DEFAULTS["files"], **{"usr/share/doc/greeter/copyright": "Just some text.\n"})
    deb_dir, rpm_dir = builds(tmp_path, deb={"files": files})
    result = pp.run(params(deb_dir, rpm_dir, tmp_path))
    assert (
        "the deb's copyright is missing or not machine-readable (greeter): licenses not compared"
    ) in result["messages"]


def test_marker_names_the_build_files(tmp_path):
    """A build directory's marker lists its own packages; older ones beside them are not read,
    and a marker naming a path outside the build is refused in one line."""
    deb_dir, rpm_dir = builds(tmp_path)
    shutil.copy(build_rpm(tmp_path / "old", name="greeter-old", files=["/usr/bin/old"]), rpm_dir)
    own = [p.name for p in rpm_dir.glob("greeter-0*.rpm")]
    (rpm_dir / pp.MARKER).write_text(json.dumps({"inputs": own, "upstream_sha": "c" * 40}))
    result = pp.run(params(deb_dir, rpm_dir, tmp_path))
    assert not any("/usr/bin/old" in m for m in result["messages"])
    assert result["rpm"]["upstream_sha"] == "c" * 40
    (rpm_dir / pp.MARKER).write_text(json.dumps({"inputs": ["../../etc/passwd"]}))
    with pytest.raises(parity.ParityError, match=r"outside its build directory"):
        pp.run(params(deb_dir, rpm_dir, tmp_path))


@pytest.mark.parametrize(
    "bad, message",
    [
        ("missing", r"^the deb build .*missing is not a directory on this node$"),
        ("ftp://user:pw@host/x", r"^ftp://\*\*\*@host/x is neither a directory"),
        ("empty", r"^the deb build .*empty holds no .deb packages$"),
        ("notadeb", r"^x.deb is not a readable .deb"),
    ],
)
def test_bad_inputs_fail_in_one_line(tmp_path, bad, message):
    _, rpm_dir = builds(tmp_path)
    repo = tmp_path / bad if "://" not in bad else bad
    if bad in ("empty", "notadeb"):
        repo.mkdir()
    if bad == "notadeb":
        (repo / "x.deb").write_text("not a deb")
    with pytest.raises(parity.ParityError, match=message):
        pp.run(params(repo, rpm_dir, tmp_path))


def test_http_build_reads_the_marker(tmp_path):
    """A build over HTTP(S) is read through its marker's inputs."""
    deb_dir, rpm_dir = builds(tmp_path)
    rpm_name = next(rpm_dir.glob("*.rpm")).name
    (rpm_dir / pp.MARKER).write_text(json.dumps({"inputs": [rpm_name], "upstream_sha": "d" * 40}))
    served = []

    def fetch(url, binary=False):
        served.append(url)
        data = (rpm_dir / url.rsplit("/", 1)[1]).read_bytes()
        return data if binary else data.decode()

    result = pp.run(
        params(deb_dir, "https://user:secret@repos.example.org/rpm/builds/7", tmp_path), fetch
    )
    assert served == [
        "https://user:secret@repos.example.org/rpm/builds/7/" + pp.MARKER,
        "https://user:secret@repos.example.org/rpm/builds/7/" + rpm_name,
    ]
    assert result["rpm"]["build"] == "https://***@repos.example.org/rpm/builds/7"
    assert "secret" not in (tmp_path / "report" / "parity-report.json").read_text()


@pytest.mark.parametrize(
    "path, fmt, key",
    [
        ("/usr/lib/python3/dist-packages/x/a.py", "deb", "<python>/x/a.py"),
        ("/usr/lib64/python3.12/site-packages/x/a.py", "rpm", "<python>/x/a.py"),
        ("/usr/lib/aarch64-linux-gnu/libx.so.1", "deb", "<libdir>/libx.so.1"),
        ("/usr/share/doc/python3-x/README.rst.gz", "deb", "<docdir>/README.rst"),
        ("/usr/share/doc/x-1.0/README.rst", "rpm", "<docdir>/README.rst"),
        ("/usr/share/man/man8/x.8.xz", "rpm", "/usr/share/man/man8/x.8"),
        ("/usr/share/doc/x/copyright", "deb", None),
        ("/usr/lib/.build-id/ab/cdef", "rpm", None),
        ("/usr/bin/x.gz", "deb", "/usr/bin/x.gz"),
    ],
)
def test_normalize_path(path, fmt, key):
    assert parity.normalize_path(path, fmt) == key


def test_license_names():
    assert parity.rpm_licenses("ASL 2.0 and (MIT or BSD)") == ["Apache-2.0", "BSD-3-Clause", "MIT"]
    assert parity.rpm_licenses("GPL-2.0-or-later WITH Classpath-exception-2.0") == [
        "GPL-2.0-or-later"
    ]
    assert parity.canonical_license("Expat") == "MIT"


def test_same_report_is_not_a_change(tmp_path):
    """A second run over the same builds writes nothing (the role's idempotence)."""
    deb_dir, rpm_dir = builds(tmp_path)
    assert pp.run(params(deb_dir, rpm_dir, tmp_path))["changed"] is True
    assert pp.run(params(deb_dir, rpm_dir, tmp_path))["changed"] is False
    assert pp.run(params(deb_dir, rpm_dir, tmp_path, fail_on="warning"))["changed"] is True


@pytest.mark.parametrize("module", ["packaging_parity.py", "dependency_drift.py"])
def test_modules_run_under_the_roles_venv(module):
    """Ansible replaces only #!/usr/bin/python with ansible_python_interpreter (the role's
    venv, where pymod2pkg is); #!/usr/bin/python3 would run the system's Python."""
    library = Path(pp.__file__).parent
    assert (library / module).read_text().splitlines()[0] == "#!/usr/bin/python"
    assert pp.missing_libraries(["json", "no_such_library_here"]) == ["no_such_library_here"]


def test_debug_symbol_packages_are_left_out(tmp_path):
    """A -dbgsym deb and a -debuginfo rpm (split differently by the two families) beside the
    packages add no difference."""
    deb_dir, rpm_dir = builds(tmp_path)
    before = pp.run(params(deb_dir, rpm_dir, tmp_path))["messages"]
    shutil.copy(build_deb(tmp_path / "dbgsym", name="greeter-dbgsym", depends="", scripts={},
                          files={"usr/lib/debug/.build-id/ab/cdef.debug": ""}), deb_dir)
    shutil.copy(build_rpm(tmp_path / "debuginfo", name="greeter-debuginfo", requires=[],
                          files=["/usr/lib/debug/usr/bin/greeter.debug"]), rpm_dir)
    assert pp.run(params(deb_dir, rpm_dir, tmp_path))["messages"] == before
    assert parity.normalize_path("/usr/src/debug/greeter-0.1/main.c", "rpm") is None


def test_linked_doc_directory_needs_no_copyright(tmp_path):
    """A deb whose /usr/share/doc/<name> links to another package's (dh_installdocs
    --link-doc) has its licenses in that package's copyright; one with no copyright at all
    is named."""
    deb_dir, rpm_dir = builds(tmp_path)
    before = pp.run(params(deb_dir, rpm_dir, tmp_path))["messages"]
    shutil.copy(build_deb(tmp_path / "linked", name="greeter-extra", depends="greeter",
                          scripts={}, files={"usr/share/greeter/extra": ""},
                          links={"usr/share/doc/greeter-extra": "greeter"}), deb_dir)
    after = pp.run(params(deb_dir, rpm_dir, tmp_path))["messages"]
    extra = "deb installs /usr/share/greeter/extra, the rpm does not"
    assert sorted(after) == sorted([*before, extra])
    shutil.copy(build_deb(tmp_path / "bare", name="greeter-bare", depends="", scripts={},
                          files={"usr/share/greeter/bare": ""}), deb_dir)
    assert ("the deb's copyright is missing or not machine-readable (greeter-bare): licenses "
            "not compared") in pp.run(params(deb_dir, rpm_dir, tmp_path))["messages"]


def rpm_job_artifacts(tmp_path, rpm_dir, version=None):
    """What a default rpm job leaves (publish_source false): the repository build without
    the SRPM, and write-build-report's artifacts directory holding build-report-rpm.json,
    which names the SRPM by its path on the build node, and the SRPM's copy beside it."""
    version = version or pp.read_rpm(str(next(rpm_dir.glob("*.rpm"))))["version"]
    srpm = build_srpm(tmp_path / "srpm-job", version=version)
    artifacts = tmp_path / "rpm-job" / "artifacts"
    artifacts.mkdir(parents=True)
    shutil.copy(srpm, artifacts)
    (artifacts / "build-report-rpm.json").write_text(json.dumps({
        "format": "rpm", "outcome": "built",
        "source_files": ["/home/zuul/work/rpm/source/" + Path(srpm).name]}))
    return artifacts / "build-report-rpm.json"


def test_build_dependencies_from_the_rpm_jobs_report(tmp_path):
    """With the default rpm job the repository holds no SRPM: its build report's copy is
    read, and a build dependency only the .dsc has is one line."""
    deb_dir, rpm_dir = builds(tmp_path)
    shutil.copy(build_dsc(tmp_path / "dsc"), deb_dir)
    assert not list(rpm_dir.glob("*.src.rpm"))
    report = rpm_job_artifacts(tmp_path, rpm_dir)
    without = pp.run(params(deb_dir, rpm_dir, tmp_path))
    assert "build-depends" not in without["compared"]
    assert without["notes"] == [
        "build dependencies not compared: no rpm source package (the rpm build holds none and "
        "no build report is given)"]
    result = pp.run(params(deb_dir, rpm_dir, tmp_path, rpm_build_report=str(report)))
    assert "build-depends" in result["compared"] and result["notes"] == []
    assert "the deb build-depends on libyaml-dev, the rpm does not" in result["messages"]
    assert result["rpm"]["source"].endswith(".src.rpm")
    # over HTTP(S) (the log server): the report, then the SRPM beside it, its name quoted
    served = []

    def fetch(url, binary=False):
        served.append(url)
        data = (report.parent / unquote(url.rsplit("/", 1)[1])).read_bytes()
        return data if binary else data.decode()

    url = "https://logs.example.org/b/1/packaging/artifacts/build-report-rpm.json"
    result = pp.run(params(deb_dir, rpm_dir, tmp_path, rpm_build_report=url), fetch)
    assert "build-depends" in result["compared"]
    assert served[1] == url.rsplit("/", 1)[0] + "/" + quote(Path(result["rpm"]["source"]).name)
    assert "%5E" in served[1]  # the snapshot version's ^


def test_build_report_of_another_build_is_a_note(tmp_path):
    """An SRPM that is not the binaries' source (another version), a report listing none
    (a reused build) and a report that is not there leave build dependencies out, each with
    a note; a report that is not JSON fails in one line."""
    deb_dir, rpm_dir = builds(tmp_path)
    shutil.copy(build_dsc(tmp_path / "dsc"), deb_dir)
    report = rpm_job_artifacts(tmp_path, rpm_dir, version="0.0.9")
    result = pp.run(params(deb_dir, rpm_dir, tmp_path, rpm_build_report=str(report)))
    assert "build-depends" not in result["compared"]
    assert result["notes"][0] == (
        "greeter-0.0.9-1.src.rpm, which the rpm build report names, is not the source of the "
        "rpm packages")
    report.write_text(json.dumps({"outcome": "reused", "source_files": []}))
    result = pp.run(params(deb_dir, rpm_dir, tmp_path, rpm_build_report=str(report)))
    assert result["notes"][0] == (
        "the rpm build report %s lists no source package (the build was reused)" % report)
    result = pp.run(params(deb_dir, rpm_dir, tmp_path, rpm_build_report=str(tmp_path / "none")))
    assert result["notes"][0].startswith("the rpm build report %s cannot be read" % (
        tmp_path / "none"))
    report.write_text("<html>")
    with pytest.raises(parity.ParityError, match="^the rpm build report .* is not JSON$"):
        pp.run(params(deb_dir, rpm_dir, tmp_path, rpm_build_report=str(report)))


@pytest.mark.parametrize("role", ["report-packaging-parity", "report-dependency-drift"])
def test_readers_probe_names_only_what_is_missing(role):
    """The roles install only the readers the system's Python lacks: their probe (run here
    with the system's Python, which has python-debian and the rpm bindings) lists a missing
    module and not the present ones."""
    import subprocess

    import yaml

    root = Path(__file__).resolve().parents[2] / "roles" / role
    tasks = yaml.safe_load((root / "tasks" / "main.yaml").read_text())
    tasks += [t for block in tasks if "block" in block for t in block["block"]]
    probe = next(t for t in tasks if t.get("name") == "Look for the formats' readers in the "
                 "system's Python")
    argv = probe["ansible.builtin.command"]["argv"][:3]
    modules = yaml.safe_load((root / "vars" / "Debian.yaml").read_text())
    assert set(next(iter(modules.values()))) == {"debian", "rpm", "ensurepip"}
    out = subprocess.run([*argv, json.dumps(["debian", "rpm", "zp_no_such_module"])],
                         check=True, capture_output=True, text=True).stdout
    assert json.loads(out) == ["zp_no_such_module"]
