"""The apply seam: a run that fails while writing reports what it left behind (model.run and
GrantsError.result, which profiles_grants returns with the failure), whatever the adapter."""
import pytest

from ansible_collections.rudderstack.profiles.plugins.module_utils.grants import model
from ansible_collections.rudderstack.profiles.plugins.module_utils.grants.adapter import Adapter


class OneByOne(Adapter):
    """A warehouse without transactions whose ``fail_at``-th write (1-based) is refused."""
    NAME = "toy"
    PRIVILEGES = {"schema": ("USAGE", "CREATE"), "table": ("SELECT",), "database": ("CONNECT",)}

    def __init__(self, fail_at=None, error=None):
        Adapter.__init__(self, {})
        self.fail_at, self.error = fail_at, error or model.GrantsError
        self.executed = []

    def read_current(self, desired):
        current = model.Current("admin", "wh", principal_exists=False)
        current.schemas = {"ev": "admin"}
        current.tables = {"ev": {}}
        return current

    def render(self, plan, desired, current):
        texts = ["CREATE USER p"] + ["GRANT %s" % self.describe(g) for g in plan.to_grant]
        return [model.Statement(t, t, None) for t in texts]

    def apply(self, statements):
        for index, statement in enumerate(statements):
            if index + 1 == self.fail_at:
                raise self.error("%s failed: refused by the toy" % statement.text)
            self.executed.append(statement.text)
            self.applied.append(statement)

    def discard(self):
        pass


def run(adapter, check=False):
    desired = model.build_desired(dict(principal="p", input_schemas=[{"name": "ev"}], database_privileges=[],
                                       languages=[]), adapter)
    return model.run(adapter, desired, check)


def test_a_failure_after_writes_reports_them_applied_and_changed():
    with pytest.raises(model.GrantsError) as err:
        run(OneByOne(fail_at=3))
    exc = err.value
    assert exc.result() == {
        "changed": True, "unknown": [],
        "applied": ["CREATE USER p", 'GRANT USAGE ON SCHEMA "ev"'],
        "not_applied": ['GRANT SELECT ON FUTURE TABLES OF "admin" IN SCHEMA "ev"']}
    message = str(exc)
    assert message.startswith('GRANT SELECT ON FUTURE TABLES OF "admin" IN SCHEMA "ev" failed: refused by the toy')
    assert ('2 of the 3 planned writes were applied before the failure and stay (no transaction covers them on '
            'warehouse toy): CREATE USER p; GRANT USAGE ON SCHEMA "ev"; rerunning completes the rest') in message


def test_a_failure_at_the_first_write_changed_nothing():
    with pytest.raises(model.GrantsError) as err:
        run(OneByOne(fail_at=1))
    assert err.value.result() == {"changed": False, "applied": [], "unknown": [], "not_applied": [
        "CREATE USER p", 'GRANT USAGE ON SCHEMA "ev"', 'GRANT SELECT ON FUTURE TABLES OF "admin" IN SCHEMA "ev"']}
    assert "applied before the failure" not in str(err.value)


def test_a_client_library_error_is_reported_the_same_way():
    class ClientError(Exception):
        pass

    class Raw(OneByOne):
        @classmethod
        def client_errors(cls):
            return (ClientError,)
    with pytest.raises(model.GrantsError) as err:
        run(Raw(fail_at=2, error=ClientError))
    assert err.value.applied == ["CREATE USER p"] and err.value.changed
    assert "writing (toy warehouse): " in str(err.value)


def test_unknown_outcomes_count_as_changed_and_long_lists_are_shortened():
    class Lost(OneByOne):
        def render(self, plan, desired, current):
            return [model.Statement("W%d" % i, "w", None) for i in range(15)]

        def apply(self, statements):
            self.applied = statements[:12]
            self.unknown = statements[12:13]
            raise model.GrantsError("W13 was sent and no answer came")
    with pytest.raises(model.GrantsError) as err:
        run(Lost())
    result = err.value.result()
    assert result["changed"] is True and result["unknown"] == ["W12"] and result["not_applied"] == ["W13", "W14"]
    assert "W9; and 2 more (the result's applied/unknown lists them all)" in str(err.value)
    assert "whether 1 writes took effect is unknown: W12" in str(err.value)


def test_a_successful_run_lists_what_it_applied_and_check_mode_nothing():
    assert run(OneByOne(), check=True)["applied"] == []
    result = run(OneByOne())
    assert result["changed"] and result["applied"] == result["queries"] == [
        "CREATE USER p", 'GRANT USAGE ON SCHEMA "ev"', 'GRANT SELECT ON FUTURE TABLES OF "admin" IN SCHEMA "ev"']


def test_errors_before_any_write_report_nothing_applied():
    assert model.GrantsError("login_user is required").result() == {
        "changed": False, "applied": [], "unknown": [], "not_applied": []}
