"""profiles_pip_settings -> pip's environment (plugins/module_utils/workstation/pip_settings.py), and the roles'
argument specs that document the dictionary agree with the table."""
import os

import pytest
import yaml

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import pip_settings
from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.pip_settings import (
    PipSettingsError,
    pip_environment,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Every role that runs pip on a workstation.
PIP_ROLES = ["pyenv", "profiles_cli", "profiles_connection"]


def test_empty_settings_only_switch_prompts_and_self_check_off():
    expected = {"PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    assert pip_environment(None) == expected
    assert pip_environment({}) == expected
    assert pip_environment({"index_url": "", "trusted_hosts": [], "timeout": "", "proxy": None}) == expected


def test_every_setting_maps_to_its_pip_variable():
    env = pip_environment({
        "index_url": "https://pypi.internal.example.com/simple",
        "extra_index_urls": ["https://a.example.com/simple", "file:///srv/simple"],
        "find_links": ["/srv/wheels", "https://wheels.example.com/"],
        "trusted_hosts": ["pypi.internal.example.com", "10.0.0.5:8080"],
        "ca_bundle": "/etc/ssl/certs/ca-certificates.crt",
        "client_cert": "~/.config/pip/client.pem",
        "proxy": "http://user:secret@proxy.example.com:3128",
        "cache_dir": "/var/cache/pip",
        "timeout": 60,
        "retries": "3",
    })
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
        want = "list" if kind.endswith("_list") else {"seconds": "float", "count": "int"}.get(kind, "str")
        assert option["options"][key]["type"] == want, (role, key)


def test_filter_plugin_wraps_errors():
    from ansible.errors import AnsibleFilterError
    from ansible_collections.rudderstack.profiles.plugins.filter.pip_environment import FilterModule

    flt = FilterModule().filters()["pip_environment"]
    assert flt({"cache_dir": "/c"})["PIP_CACHE_DIR"] == "/c"
    with pytest.raises(AnsibleFilterError, match="unknown keys bogus"):
        flt({"bogus": 1})
