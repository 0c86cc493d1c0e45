"""Plans, statements and diffs of profiles_grants for the five warehouses are what they were when
tests/unit/fixtures/plans/golden_plans.json was recorded (the cases: plan_cases.py). A failure
here means the code now plans differently; if that is intended, re-record and review the diff:
python tests/unit/plan_cases.py --record"""
import difflib
import json

import pytest

import plan_cases

with open(plan_cases.GOLDEN, encoding="utf-8") as _handle:
    GOLDEN = json.load(_handle)["cases"]


def test_every_warehouse_has_cases_and_every_case_is_recorded():
    assert sorted(set(case["warehouse"] for case in GOLDEN.values())) == sorted(plan_cases.WAREHOUSES)
    assert len(plan_cases.WAREHOUSES) == 5
    assert sorted(GOLDEN) == sorted(case.id for case in plan_cases.CASES)


@pytest.mark.parametrize("case", plan_cases.CASES, ids=lambda case: case.id)
def test_plan_unchanged(case):
    expected = GOLDEN.get(case.id)
    assert expected is not None, "case %s is not recorded: python tests/unit/plan_cases.py --record" % case.id
    actual = plan_cases.compute(case)
    if actual != expected:
        diff = difflib.unified_diff(plan_cases.dumps(expected).splitlines(), plan_cases.dumps(actual).splitlines(),
                                    "recorded", "now", lineterm="", n=2)
        pytest.fail("%s plans differently from golden_plans.json:\n%s" % (case.id, "\n".join(diff)), pytrace=False)
