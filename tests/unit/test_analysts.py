"""Per-analyst principals from the workstations' host variables (plugins/module_utils/workstation/analysts.py)."""
import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.analysts import (
    AnalystError,
    analyst_principals,
)

HOSTS = ["laptop-ana", "laptop-ben", "laptop-cy", "ci-1"]


def fleet(**per_host):
    return {host: ({"profiles_warehouse_principal": per_host[host]} if host in per_host else {})
            for host in HOSTS}


def test_hosts_without_the_variable_use_the_shared_principal():
    assert analyst_principals(HOSTS, fleet()) == []
    assert analyst_principals(HOSTS, fleet(**{"laptop-ana": {}})) == []


def test_one_entry_per_principal_in_inventory_order():
    hostvars = fleet(**{
        "laptop-ben": {"name": "pb_ben", "password": "b", "output_schema": "rs_ben"},
        "laptop-ana": {"name": "pb_ana", "password": "a", "output_schema": " rs_ana "},
        "laptop-cy": {"name": "pb_cy", "password": "c", "output_schema": ""},
    })
    assert analyst_principals(HOSTS, hostvars, shared="rudderstack_admin", shared_output_schema="rs_profiles") == [
        {"name": "pb_ana", "password": "a", "output_schema": "rs_ana", "hosts": ["laptop-ana"]},
        {"name": "pb_ben", "password": "b", "output_schema": "rs_ben", "hosts": ["laptop-ben"]},
        {"name": "pb_cy", "password": "c", "hosts": ["laptop-cy"]},
    ]


def test_one_analyst_on_two_hosts_is_one_principal():
    same = {"name": "pb_ana", "password": "a", "output_schema": "rs_ana"}
    result = analyst_principals(HOSTS, fleet(**{"laptop-ana": same, "ci-1": dict(same)}))
    assert result == [dict(same, hosts=["laptop-ana", "ci-1"])]


@pytest.mark.parametrize("per_host,needle", [
    ({"laptop-ana": {"name": "pb_ana", "password": "a"}, "ci-1": {"name": "pb_ana", "password": "x"}},
     "principal pb_ana is set on laptop-ana and ci-1 with different password"),
    ({"laptop-ana": {"name": "pb_a", "output_schema": "rs"}, "laptop-ben": {"name": "pb_b", "output_schema": "rs"}},
     "output schema rs is set for pb_b (laptop-ben) and pb_a"),
    ({"laptop-ana": {"name": "pb_a", "output_schema": "rs_profiles"}},
     "output schema rs_profiles is set for pb_a (laptop-ana) and rudderstack_admin"),
    ({"laptop-ana": {"name": "rudderstack_admin", "password": "a"}},
     "names the shared principal rudderstack_admin"),
    ({"laptop-ana": {"password": "a"}}, "on laptop-ana needs a name"),
    ({"laptop-ana": {"name": "pb_a", "user": "x"}}, "unknown keys user; known keys: name, password, output_schema, public_key, private_key_path, "
     "private_key_passphrase"),
    ({"laptop-ana": "pb_ana"}, "on laptop-ana must be a dictionary"),
    ({"laptop-ana": {"name": "pb_a", "password": 123}}, "profiles_warehouse_principal.password on laptop-ana must be a string"),
])
def test_contradictions_name_the_hosts(per_host, needle):
    with pytest.raises(AnalystError) as err:
        analyst_principals(HOSTS, fleet(**per_host), shared="rudderstack_admin", shared_output_schema="rs_profiles")
    assert needle in str(err.value)


def test_connection_settings_put_the_analysts_principal_in_place_of_the_shared_one():
    from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.analysts import connection_settings
    shared = {"user": "rudderstack_admin", "password": "shared-pw", "schema": "rs_profiles", "host": "db"}
    assert connection_settings(shared, {}) == shared
    assert connection_settings(shared, None) == shared
    own = connection_settings(shared, {"name": "pb_ana", "password": "ana-pw", "output_schema": "rs_ana"})
    assert own == {"user": "pb_ana", "password": "ana-pw", "schema": "rs_ana", "host": "db"}
    # Without an output schema of their own the analyst writes to the shared schema.
    assert connection_settings(shared, {"name": "pb_ben", "password": "b"})["schema"] == "rs_profiles"
    assert shared["user"] == "rudderstack_admin"  # the input is not modified


def test_key_pair_principals_carry_their_own_key_into_the_siteconfig():
    """Per-analyst Snowflake key-pair users: each its own key file on the controller, whose
    content becomes the analyst's siteconfig privateKey (read by the filter on the controller)."""
    from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation.analysts import connection_settings
    hostvars = fleet(**{
        "laptop-ana": {"name": "pb_ana", "private_key_path": "/keys/pb_ana.p8", "private_key_passphrase": " p "},
        "laptop-ben": {"name": "pb_ben", "private_key_path": "/keys/pb_ben.p8"},
        "ci-1": {"name": "pb_ana", "private_key_path": "/keys/other.p8", "private_key_passphrase": " p "},
    })
    with pytest.raises(AnalystError, match="principal pb_ana is set on laptop-ana and ci-1 with different private_key_path"):
        analyst_principals(HOSTS, hostvars)
    del hostvars["ci-1"]["profiles_warehouse_principal"]
    principals = analyst_principals(HOSTS, hostvars)
    assert principals[0] == {"name": "pb_ana", "private_key_path": "/keys/pb_ana.p8", "private_key_passphrase": " p ",
                             "hosts": ["laptop-ana"]}
    shared = {"user": "rudderstack_admin", "password": "shared-pw", "schema": "rs_profiles", "account": "acct"}
    files = {"/keys/pb_ana.p8": "-----BEGIN ENCRYPTED PRIVATE KEY-----\nANA\n-----END ENCRYPTED PRIVATE KEY-----\n"}
    own = connection_settings(shared, principals[0], read_file=files.__getitem__)
    assert own == {"user": "pb_ana", "schema": "rs_profiles", "account": "acct",
                   "private_key": files["/keys/pb_ana.p8"], "private_key_passphrase": " p "}
    with pytest.raises(AnalystError, match="needs a reader"):
        connection_settings(shared, principals[1])
