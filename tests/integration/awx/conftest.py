"""The example execution environment built for real (tests/helpers/ee.py), once per session."""
import pytest

from tests.helpers import ee


@pytest.fixture(scope="session")
def ee_image():
    """The tag of the EE built from docs/ee/execution-environment.yml and this checkout; the
    build's seconds per step are printed (pytest -s) and kept on the fixture's value."""
    times = ee.build(ee.TAG)
    print("EE build: %s" % ", ".join("%s %.1f s" % item for item in times.items()))
    return ee.TAG
