"""Runs at the same time against the same warehouse, and writers of the same files: neither
corrupts the other's result. Grants: a run that loses a race (both read the state before either
wrote) is rolled back, reads again and converges. The race is forced (both runs read, then both
write) through the real adapters against the real server; two real ansible-playbook runs at once
check the same end to end."""
import threading

import pytest

from tests.helpers.grants import privileges
from safety_helpers import WAREHOUSES, BackgroundPlaybook, grants_task
from tests.helpers.safety_totals import TOTALS

SQL_ROWS = [row for row in WAREHOUSES if row.sql_faults]


def _adapter(args):
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import registry
    adapter = registry.adapter_for(args)
    adapter.connect()
    return adapter


def _race(arg_sets):
    """Run model.run for each args at once; every run reads the state, then all wait for each
    other, then all write. Returns the results (or exceptions) in order."""
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import model
    barrier = threading.Barrier(len(arg_sets), timeout=60)
    results = [None] * len(arg_sets)

    def one(index, args):
        adapter = _adapter(args)
        original = adapter.read_current
        reads = []

        def read_then_wait(desired):
            current = original(desired)
            if not reads:  # only the first read waits: a retry reads and goes on
                reads.append(1)
                barrier.wait()
            return current
        adapter.read_current = read_then_wait
        try:
            results[index] = model.run(adapter, model.build_desired(args, adapter), False)
        except Exception as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            adapter.close()

    threads = [threading.Thread(target=one, args=(i, a), daemon=True) for i, a in enumerate(arg_sets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def _analyst(row, info, n):
    args = row.grants_args(info, "analyst_%s_%s" % (n, info["dbname"][-8:]))
    args["output_schema"] = dict(args["output_schema"], name="out_%s" % n)
    return args


# scenario -> (the runs' options, whether one of them must lose the race)
SCENARIOS = {
    # both create the same new principal (one must find it created by the other) and its schema
    "same new principal": (lambda row, info: [row.grants_args(info, "racer_" + info["dbname"][-8:])] * 2, True),
    # two analysts' principals granted on the same schemas and database: they conflict when their
    # grants on one catalog row overlap in time
    "two principals, same schemas": (lambda row, info: [_analyst(row, info, n) for n in (1, 2)], False),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("row", SQL_ROWS, ids=[r.name for r in SQL_ROWS])
def test_forced_race_the_loser_rereads_and_converges(make_warehouse, row, scenario):
    info = make_warehouse(row)
    make_args, must_lose = SCENARIOS[scenario]
    arg_sets = make_args(row, info)
    TOTALS.races += len(arg_sets)
    results = _race(arg_sets)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    if must_lose:
        assert sorted(r["attempts"] for r in results) == [1, 2], [r["attempts"] for r in results]
    for args in arg_sets:
        held = privileges(info, args["principal"])
        assert "USAGE ON SCHEMA website_eventstream" in held and "SELECT ON TABLE website_eventstream.tracks" in held
        from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import registry
        assert registry.execute(args, True)["changed"] is False
        TOTALS.races_converged += 1


@pytest.mark.parametrize("row", SQL_ROWS, ids=[r.name for r in SQL_ROWS])
def test_two_playbooks_at_once(ansible, make_warehouse, row):
    """Two admins run the grants at the same moment, for two analysts (real processes)."""
    info = make_warehouse(row)
    arg_sets = [row.grants_args(info, "parallel_%s_%s" % (n, info["dbname"][-8:])) for n in (1, 2)]
    TOTALS.races += 2
    runs = [BackgroundPlaybook(ansible, [grants_task(args)], name="run%d" % i) for i, args in enumerate(arg_sets)]
    results = [run.results()[0] for run in runs]
    assert not [r for r in results if r.get("failed")], [r.get("msg") for r in results]
    from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import registry
    for args in arg_sets:
        assert registry.execute(args, True)["changed"] is False
        assert "SELECT ON TABLE website_eventstream.tracks" in privileges(info, args["principal"])
        TOTALS.races_converged += 1


def _site_task(path, connection, environment=None):
    task = {"name": "siteconfig " + connection, "rudderstack.profiles.profiles_siteconfig": {
        "path": path, "connection": connection, "warehouse": "postgres", "host": "127.0.0.2",
        "dbname": "analytics", "user": "u_" + connection, "password": "pw-" + connection, "schema": "out"}}
    if environment:
        task["environment"] = environment
    return task


def test_two_writers_of_one_siteconfig_keep_both_connections(ansible, tmp_path):
    """Writer A has read the file and holds its new text for six seconds before moving it into
    place (faulthook: sleep at the move); writer B starts meanwhile with another connection. B
    waits for A's lock, reads what A wrote and adds its own: both connections are there."""
    import os
    import time
    import yaml
    from safety_helpers import fault_environment, wait_for
    folder = tmp_path / ".pb"
    folder.mkdir(mode=0o700)
    path = folder / "siteconfig.yaml"
    path.write_text("connections:\n    mine:\n        target: dev\n        outputs:\n            dev:\n"
                    "                type: postgres\n                schema: s\n")
    mark = str(tmp_path / "a-is-moving")
    TOTALS.races += 2
    holding = fault_environment("siteconfig.yaml", "sleep:6", mark=mark)
    a = BackgroundPlaybook(ansible, [_site_task(str(path), "a", holding)], name="a")
    wait_for(lambda: os.path.exists(mark), timeout=120, what="writer A to reach its move")
    start = time.monotonic()
    b = BackgroundPlaybook(ansible, [_site_task(str(path), "b")], name="b")
    results = [a.results()[0], b.results()[0]]
    assert not [r for r in results if r.get("failed")], results
    connections = yaml.safe_load(path.read_text())["connections"]
    assert set(connections) == {"mine", "a", "b"}, connections
    assert connections["a"]["outputs"]["dev"]["password"] == "pw-a"
    assert time.monotonic() - start < 120
    TOTALS.races_converged += 2
