"""mock_config (module_utils, used by rpm_binary_package): the generated config is Python as
mock runs it, and the target check."""

from __future__ import annotations

import configparser
import re

import pytest
from ansible.module_utils.zuul_packaging import mock_config as mc

TARGET = "centos-stream-9-x86_64"
REPOS = ["https://repos.example.org/rpm/centos-stream-9-x86_64/current",
         "file:///srv/repos/rpm/extra/current"]


def run_config(text):
    """Execute a mock config the way mock does: Python with include() and config_opts."""
    included = []
    namespace = {"include": included.append, "config_opts": {"dnf.conf": "[main]\n"}}
    exec(compile(text, "generated.cfg", "exec"), namespace)
    return namespace["config_opts"], included


def dnf_conf(config_opts):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(config_opts["dnf.conf"])
    return parser


def test_render_config_runs_as_mock_config():
    text, digest = mc.render_config(TARGET, REPOS)
    assert re.fullmatch(r"[0-9a-f]{12}", digest)
    config_opts, included = run_config(text)
    assert included == [TARGET + ".cfg"]
    assert config_opts["root"] == "%s-zuul-packaging-%s" % (TARGET, digest)
    parser = dnf_conf(config_opts)
    assert parser.sections() == ["main", "zuul-packaging-extra-0", "zuul-packaging-extra-1"]
    for number, url in enumerate(REPOS):
        section = parser["zuul-packaging-extra-%d" % number]
        assert section["baseurl"] == url
        assert section["enabled"] == "1"
        assert section["gpgcheck"] == "0"
        assert section["skip_if_unavailable"] == "0"
        assert section["name"] == "zuul-packaging extra %d" % number


def test_render_config_without_repositories():
    text, digest = mc.render_config(TARGET, [])
    config_opts, included = run_config(text)
    assert included == [TARGET + ".cfg"]
    assert config_opts == {"dnf.conf": "[main]\n",
                           "root": "%s-zuul-packaging-%s" % (TARGET, digest)}


def test_render_config_is_deterministic_and_root_depends_on_repositories():
    assert mc.render_config(TARGET, REPOS) == mc.render_config(TARGET, list(REPOS))
    digests = {mc.render_config(TARGET, repos)[1]
               for repos in ([], REPOS[:1], REPOS, list(reversed(REPOS)))}
    assert len(digests) == 4
    assert mc.render_config("fedora-40-x86_64", [])[1] != mc.render_config(TARGET, [])[1]


@pytest.mark.parametrize("url", ["/srv/repos/current", "ftp://example.org/repo",
                                 "https://example.org/a b", "", "https://",
                                 "repos.example.org/current"])
def test_non_url_repository_raises(url):
    with pytest.raises(mc.MockConfigError) as info:
        mc.render_config(TARGET, [REPOS[0], url])
    assert str(info.value) == (
        "extra repository %r is not an http(s):// or file:// URL" % url)


@pytest.fixture
def config_dir(tmp_path):
    directory = tmp_path / "mock"
    directory.mkdir()
    (directory / (TARGET + ".cfg")).write_text("config_opts['root'] = 'x'\n")
    (tmp_path / "x.cfg").write_text("outside the config dir\n")
    return directory


def test_check_target_known(config_dir):
    assert mc.check_target(TARGET, str(config_dir)) is None


def test_check_target_unknown(config_dir):
    with pytest.raises(mc.MockConfigError) as info:
        mc.check_target("fedora-40-x86_64", str(config_dir))
    assert str(info.value) == (
        "unknown mock target 'fedora-40-x86_64': no fedora-40-x86_64.cfg in %s "
        "(mock-core-configs)" % config_dir)
    assert "unknown mock target" in str(info.value)


@pytest.mark.parametrize("target", ["../x", "..", "a/b", "", ".hidden", "/etc/passwd",
                                    TARGET + "/../x"])
def test_check_target_rejects_paths(config_dir, target):
    with pytest.raises(mc.MockConfigError, match="is not a plain config name"):
        mc.check_target(target, str(config_dir))


def test_command_exact_argv():
    assert mc.command("/w/mock/c.cfg", "/w/greeter-1-1.src.rpm", "/w/results") == [
        "mock", "-r", "/w/mock/c.cfg", "--resultdir", "/w/results", "--rebuild",
        "/w/greeter-1-1.src.rpm"]
    assert mc.command("c.cfg", "s.src.rpm", "out", ["--no-clean", "--nocheck"]) == [
        "mock", "-r", "c.cfg", "--resultdir", "out", "--rebuild", "s.src.rpm",
        "--no-clean", "--nocheck"]
