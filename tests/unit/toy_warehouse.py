"""A warehouse added the documented way (docs/adding-a-warehouse.md), patched in for a test: one
adapter module, one builder module with its option row, and one catalogue entry. Nothing else in
the collection is told about it; ``add_toy(monkeypatch)`` returns its entry."""
import sys
import types

from ansible_collections.rudderstack.profiles.plugins.module_utils import warehouses
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.adapter import Adapter, option
from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.siteconfig import options

TOY = warehouses.Warehouse("toy", "Toy", "toy", ("toy-connector>=1.2",), True,
                           "grants.toy.ToyAdapter", "pb.siteconfig.toy.build_toy")


class ToyAdapter(Adapter):
    """grants/toy.py: the adapter."""
    NAME = "toy"
    CONNECTION_OPTIONS = {
        "tenant": option("str", "Toy tenant.", env=["TOY_TENANT"], required=True),
        "login_password": option("str", "Password of the toy admin.", no_log=True),
        "retries": option("int", "Retries.", default=3),
    }
    DESIRED_OPTIONS = {"toy_pools": option("list", "Pools to grant.", elements="str")}
    PRINCIPAL_TYPES = ("service",)


def build_toy(params):
    """pb/siteconfig/toy.py: the builder, writing each option where its row says."""
    out = {"type": TOY.pb_type, "outputSchema": params.get("output_schema") or params["schema"]}
    for name in ("schema", "user", "toy_endpoint"):
        out[options.pb_key(name)] = params[name]
    return out


def _module(name, **attributes):
    module = types.ModuleType(warehouses.MODULE_UTILS + name)
    module.__dict__.update(attributes)
    return module


def add_toy(monkeypatch):
    monkeypatch.setattr(warehouses, "CATALOGUE", warehouses.CATALOGUE + (TOY,))
    monkeypatch.setitem(sys.modules, warehouses.MODULE_UTILS + "grants.toy", _module("grants.toy", ToyAdapter=ToyAdapter))
    monkeypatch.setitem(sys.modules, warehouses.MODULE_UTILS + "pb.siteconfig.toy", _module("pb.siteconfig.toy", build_toy=build_toy))
    row = options._opt("toy_endpoint", "str", "Toy endpoint URL.", pb="endpoint", warehouses=warehouses.only("toy"))
    monkeypatch.setattr(options, "OPTIONS", options.OPTIONS + (row,))
    monkeypatch.setitem(options.BY_NAME, row.name, row)
    return TOY
