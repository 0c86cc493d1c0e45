"""The emitter (plugins/module_utils/pb/siteconfig/goyaml.py) against gopkg.in/yaml.v3, pb's YAML
library: the recorded outputs of the real yaml.v3 (fixtures/yaml-v3/scalars.json) and of the real
pb (fixtures/pb-siteconfig/4[5-8]_*.yaml), and a rule-based oracle (yaml_v3_oracle.py) that is
checked against those recordings first, then compared with the emitter on generated strings."""
import json
import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yaml_v3_oracle as oracle
from siteconfig_loader import FIXTURES, fixture

from ansible_collections.rudderstack.profiles.plugins.module_utils.pb.siteconfig import goyaml as siteconfig_yaml

with open(os.path.join(os.path.dirname(FIXTURES), "yaml-v3", "scalars.json")) as _handle:
    RECORDED = json.load(_handle)


def emitted(value):
    return {"as_value": siteconfig_yaml.emit([("k", value)]),
            "as_key": siteconfig_yaml.emit([(value, "v")]),
            "in_sequence": siteconfig_yaml.emit([("k", [value])])}


def predicted(value):
    return {"as_value": oracle.as_value(value), "as_key": oracle.as_key(value),
            "in_sequence": oracle.in_sequence(value)}


def test_the_recordings_cover_the_rules():
    assert len(RECORDED) > 500
    styles = set()
    for record in RECORDED:
        styles.add(record["as_value"][3:4])
    assert styles >= {"'", '"', "|"}  # and plain


@pytest.mark.parametrize("context", ["as_value", "as_key", "in_sequence"])
def test_oracle_matches_recorded_yaml_v3(context):
    wrong = [(r["value"], r[context], predicted(r["value"])[context]) for r in RECORDED
             if predicted(r["value"])[context] != r[context]]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("context", ["as_value", "as_key", "in_sequence"])
def test_emitter_matches_recorded_yaml_v3(context):
    wrong = [(r["value"], r[context], emitted(r["value"])[context]) for r in RECORDED
             if emitted(r["value"])[context] != r[context]]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("name", ["45_quoting_databricks_not_numbers_or_dates.yaml.txt",
                                  "46_quoting_databricks_go_parsers.yaml.txt",
                                  "47_quoting_databricks_ranges.yaml.txt",
                                  "48_quoting_databricks_time_edges.yaml.txt"])
def test_oracle_quotes_what_pb_quoted(name):
    """pb (Go 1.26) wrote these values; the oracle quotes exactly the quoted ones."""
    lines = re.findall(r"^ {16}(\w+): (.*)$", fixture(name), re.M)
    checked = 0
    for key, written in lines:
        if key in ("port", "type"):
            continue
        value = written[1:-1] if written[:1] in "'\"" else written
        assert oracle.quoted(value) == (written[:1] == '"'), (key, written)
        checked += 1
    assert checked == 7


# Strings near the rules: numbers, dates, indicators, breaks, quotes, long keys.
PIECES = ["0", "1", "7", "9", "2024", "-", "+", ".", "_", ":", "e", "E", "b", "o", "x", "T", "t", "Z", " ",
          "\t", "\n", "\r", "\x85", "\u2028", "\ufeff", "#", "'", '"', "\\", "a", "y", "n", "~", "<", "?", ",",
          "[", "{", "!", "&", "|", "\xe9", "\U0001F600", "\x00", "01", "12", "31", "24", "60", "-01-01",
          "10:00:00", "+01:00", "x" * 60]
GENERATED = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=8).map("".join),
    st.text(max_size=12),
    st.text(alphabet="0123456789-+.:_eEbox TtZ", max_size=25))


@settings(max_examples=1500, deadline=None)
@given(GENERATED)
def test_emitter_agrees_with_the_oracle(value):
    assert emitted(value) == predicted(value)
