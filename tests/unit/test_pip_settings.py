"""profiles_pip_settings -> pip's environment (plugins/module_utils/workstation/pip_settings.py), and the roles'
argument specs that document the dictionary agree with the table."""
import os

import pytest
import yaml

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import pip_settings
from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.pip_settings import (
    PipSettingsError,
    pip_environment,
    settings_from_pip_config,
    uv_environment,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Every role that runs pip on a workstation.
PIP_ROLES = ["pyenv", "profiles_cli", "profiles_connection"]

FLEET_SETTINGS = {
    "index_url": "https://pypi.internal.example.com/simple",
    "extra_index_urls": ["https://a.example.com/simple", "file:///srv/simple"],
    "find_links": ["/srv/wheels", "https://wheels.example.com/"],
    "trusted_hosts": ["pypi.internal.example.com", "10.0.0.5:8080"],
    "ca_bundle": "/etc/ssl/certs/ca-certificates.crt",
    "client_cert": "/etc/pip/client.pem",
    "proxy": "http://user:secret@proxy.example.com:3128",
    "cache_dir": "/var/cache/pip",
    "timeout": 2.5,
    "retries": 3,
    "offline": True,
}


def test_empty_settings_only_switch_prompts_and_self_check_off():
    expected = {"PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    assert pip_environment(None) == expected
    assert pip_environment({}) == expected
    assert pip_environment({"index_url": "", "trusted_hosts": [], "timeout": "", "proxy": None}) == expected


def test_every_setting_maps_to_its_pip_variable():
    env = pip_environment(dict(FLEET_SETTINGS, client_cert="~/.config/pip/client.pem", timeout=60, retries="3"))
    assert env == {
        "PIP_NO_INPUT": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_INDEX_URL": "https://pypi.internal.example.com/simple",
        "PIP_EXTRA_INDEX_URL": "https://a.example.com/simple file:///srv/simple",
        "PIP_FIND_LINKS": "/srv/wheels https://wheels.example.com/",
        "PIP_TRUSTED_HOST": "pypi.internal.example.com 10.0.0.5:8080",
        "PIP_CERT": "/etc/ssl/certs/ca-certificates.crt",
        "PIP_CLIENT_CERT": "~/.config/pip/client.pem",
        "PIP_PROXY": "http://user:secret@proxy.example.com:3128",
        "PIP_CACHE_DIR": "/var/cache/pip",
        "PIP_DEFAULT_TIMEOUT": "60",
        "PIP_RETRIES": "3",
        "PIP_NO_INDEX": "1",
    }
    # Environment values must all be strings.
    assert all(isinstance(v, str) for v in env.values())


def test_space_separated_strings_are_accepted_for_lists():
    env = pip_environment({"trusted_hosts": "a.example.com  b.example.com", "timeout": 2.5})
    assert env["PIP_TRUSTED_HOST"] == "a.example.com b.example.com"
    assert env["PIP_DEFAULT_TIMEOUT"] == "2.5"


@pytest.mark.parametrize("settings,needle", [
    ({"index-url": "https://x/simple"}, "unknown keys index-url; known keys: ca_bundle, cache_dir"),
    ("https://x/simple", "must be a dictionary"),
    ({"index_url": "pypi.internal/simple"}, "index_url must be an http(s):// or file:// URL"),
    ({"extra_index_urls": ["ftp://x"]}, "extra_index_urls must be an http(s):// or file:// URL"),
    ({"ca_bundle": "certs/ca.pem"}, "ca_bundle must be an absolute path"),
    ({"find_links": ["wheels"]}, "find_links must be an absolute path"),
    ({"trusted_hosts": ["https://pypi.internal/"]}, "trusted_hosts entries are host names"),
    ({"trusted_hosts": {"a": 1}}, "trusted_hosts must be a list of strings"),
    ({"proxy": "proxy.example.com:3128"}, "proxy must be a URL such as http://proxy.example.com:3128"),
    ({"timeout": "soon"}, "timeout must be a positive number"),
    ({"timeout": 0}, "timeout must be a positive number"),
    ({"retries": -1}, "retries must be a whole number"),
    ({"retries": True}, "retries must be a whole number"),
    ({"index_url": ["https://x"]}, "index_url must be a string"),
])
def test_bad_settings_name_the_key(settings, needle):
    with pytest.raises(PipSettingsError) as err:
        pip_environment(settings)
    assert needle in str(err.value)
    assert "profiles_pip_settings" in str(err.value)


@pytest.mark.parametrize("role", PIP_ROLES)
def test_role_argument_specs_document_the_same_keys(role):
    with open(os.path.join(REPO, "roles", role, "meta", "argument_specs.yml")) as f:
        spec = yaml.safe_load(f)["argument_specs"]["main"]["options"]
    option = spec["profiles_pip_settings"]
    assert option["type"] == "dict"
    assert set(option["options"]) == set(pip_settings.SETTINGS), role
    for key, (_name, kind, _doc) in pip_settings.SETTINGS.items():
        want = "list" if kind.endswith("_list") else {"seconds": "float", "count": "int", "flag": "bool"}.get(kind, "str")
        assert option["options"][key]["type"] == want, (role, key)


def test_filter_plugin_wraps_errors():
    from ansible.errors import AnsibleFilterError
    from ansible_collections.rudderstack.profiles.plugins.filter.pip_environment import FilterModule

    flt = FilterModule().filters()["pip_environment"]
    assert flt({"cache_dir": "/c"})["PIP_CACHE_DIR"] == "/c"
    with pytest.raises(AnsibleFilterError, match="unknown keys bogus"):
        flt({"bogus": 1})


UV_FIXED = {"UV_NO_PROGRESS": "1", "UV_PYTHON_DOWNLOADS": "never"}


def test_uv_gets_every_setting_in_its_own_variables():
    env = uv_environment(FLEET_SETTINGS)
    assert env == dict(UV_FIXED, **{
        "UV_DEFAULT_INDEX": "https://pypi.internal.example.com/simple",
        "UV_INDEX": "https://a.example.com/simple file:///srv/simple",
        "UV_FIND_LINKS": "/srv/wheels,https://wheels.example.com/",
        "UV_INSECURE_HOST": "pypi.internal.example.com 10.0.0.5:8080",
        "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt",
        "SSL_CLIENT_CERT": "/etc/pip/client.pem",
        "HTTPS_PROXY": "http://user:secret@proxy.example.com:3128",
        "HTTP_PROXY": "http://user:secret@proxy.example.com:3128",
        "UV_CACHE_DIR": "/var/cache/pip/uv",
        "UV_HTTP_TIMEOUT": "3",
        "UV_HTTP_RETRIES": "3",
        "UV_OFFLINE": "1",
    })
    assert pip_environment({"offline": True})["PIP_NO_INDEX"] == "1"
    assert "PIP_NO_INDEX" not in pip_environment({"offline": False})
    assert uv_environment(None) == UV_FIXED
    assert uv_environment({"cache_dir": "/var/cache/pip/"})["UV_CACHE_DIR"] == "/var/cache/pip/uv"


# `pip config list` on this test machine (2026-12-06), with PIP_PROXY and PIP_NO_INDEX set.
PIP_CONFIG_LIST = """\
:env:.cert='/etc/ssl/certs/ca-certificates.crt'
:env:.default-timeout='180'
:env:.disable-pip-version-check='1'
:env:.find-links='/opt/wheels'
:env:.no-index='1'
:env:.proxy='http://u:p@h:1'
global.cert='/etc/ssl/certs/other.crt'
global.constraint='/etc/xdg/pip/constraints.txt'
global.extra-index-url='file:///opt/pypi/simple file:///opt/pypi-more/simple'
global.find-links='/srv/global-wheels'
install.find-links='/srv/install-wheels'
"""


def test_pip_configuration_is_read_with_pips_precedence():
    assert settings_from_pip_config(PIP_CONFIG_LIST + "WARNING: something\nnot a line\n") == {
        "ca_bundle": "/etc/ssl/certs/ca-certificates.crt",      # environment over [global]
        "timeout": "180",
        "find_links": "/opt/wheels",                            # environment over [install]
        "offline": "1",
        "proxy": "http://u:p@h:1",
        "constraint": "/etc/xdg/pip/constraints.txt",
        "extra_index_urls": "file:///opt/pypi/simple file:///opt/pypi-more/simple",
    }
    assert settings_from_pip_config("global.find-links='/a'\ninstall.find-links='/b'\n") == {"find_links": "/b"}
    assert settings_from_pip_config("") == {}


def test_uv_follows_pips_configuration_and_the_settings_win():
    env = uv_environment({"proxy": "http://fleet:pw@proxy:3128", "cache_dir": "/var/cache/pip"},
                         settings_from_pip_config(PIP_CONFIG_LIST))
    assert env["HTTPS_PROXY"] == env["HTTP_PROXY"] == "http://fleet:pw@proxy:3128"
    assert env["SSL_CERT_FILE"] == "/etc/ssl/certs/ca-certificates.crt"
    assert env["UV_INDEX"] == "file:///opt/pypi/simple file:///opt/pypi-more/simple"
    assert env["UV_FIND_LINKS"] == "/opt/wheels"
    assert env["UV_CONSTRAINT"] == "/etc/xdg/pip/constraints.txt"
    assert env["UV_OFFLINE"] == "1"
    assert env["UV_HTTP_TIMEOUT"] == "180"
    assert env["UV_CACHE_DIR"] == "/var/cache/pip/uv"


def test_a_pip_conf_value_uv_cannot_use_names_pips_configuration():
    with pytest.raises(PipSettingsError, match="pip's configuration on the target .* sets find_links"):
        uv_environment({}, {"find_links": "wheels"})
    with pytest.raises(PipSettingsError, match="profiles_pip_settings.offline must be true or false"):
        uv_environment({"offline": "maybe"})


def test_uv_filter_reads_pip_config_text():
    from ansible.errors import AnsibleFilterError
    from ansible_collections.rudderstack.profiles.plugins.filter.pip_environment import FilterModule

    flt = FilterModule().filters()["uv_environment"]
    assert flt({"cache_dir": "/c"}, "global.cert='/ca.pem'\n")["SSL_CERT_FILE"] == "/ca.pem"
    with pytest.raises(AnsibleFilterError, match="unknown keys bogus"):
        flt({"bogus": 1})


def test_uv_gets_the_settings_back_from_pips_environment_variables(tmp_path):
    """The profiles_uv module sees profiles_pip_settings only as the task's PIP_* variables, through
    the real `pip config list` (or, where pip cannot run, the variables themselves): uv must get
    what it would get from the settings directly."""
    import subprocess
    import sys

    direct = uv_environment(FLEET_SETTINGS)
    env = dict(pip_environment(FLEET_SETTINGS), PATH=os.environ["PATH"], HOME=str(tmp_path),
               PIP_CONFIG_FILE=os.devnull)
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], env=env, capture_output=True,
                            text=True, check=True).stdout
    assert ":env:.proxy='http://user:secret@proxy.example.com:3128'" in listed
    assert uv_environment({}, settings_from_pip_config(listed)) == direct
    from_variables = pip_settings.pip_config_from_environment(env)
    assert ":env:.default-timeout='2.5'" in from_variables and "PATH" not in from_variables
    assert uv_environment({}, settings_from_pip_config(from_variables)) == direct
