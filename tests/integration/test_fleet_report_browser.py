"""The fleet report as a person looks at it: fleet-report.html from a synthetic fleet
(tests/helpers/fleet_records.py) opened in a real headless Chromium (Debian's chromium and
chromium-driver, scripts/setup.sh) driven by selenium. The test sorts by pb version, filters by
text and by status, opens a host's details, and checks the rows the page then shows.

The screenshot of the last state is kept as a test artifact: tests/output/fleet-report/
fleet-report.png (beside the HTML it shows; tests/output/ is ignored by git, CI keeps it)."""
import os
import shutil

import pytest
from ansible_collections.rudderstack.profiles.plugins.module_utils.report.fleet import build_report
from ansible_collections.rudderstack.profiles.plugins.module_utils.report.writer import write_report

from tests.helpers import fleet_records

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.path.join(REPO, "tests", "output", "fleet-report")
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (tests/requirements.txt)")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="Debian's chromium and chromium-driver are not installed (scripts/setup.sh)")


@pytest.fixture(scope="module")
def page():
    from selenium.webdriver.chrome.service import Service

    workstations, principals = fleet_records.fleet(30, principals=3)
    report = build_report(workstations, principals, "2026-12-06T12:00:00+00:00", pb_pin=fleet_records.PIN)
    paths = write_report(report, ARTIFACTS)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1600,1000", "--user-data-dir=" + os.path.join(ARTIFACTS, "profile")):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get("file://" + paths["html"])
        yield driver
        driver.save_screenshot(os.path.join(ARTIFACTS, "fleet-report.png"))
    finally:
        driver.quit()
        shutil.rmtree(os.path.join(ARTIFACTS, "profile"), ignore_errors=True)


def visible_hosts(driver):
    from selenium.webdriver.common.by import By
    return [row.get_attribute("data-host") for row in driver.find_elements(By.CSS_SELECTOR, "#workstations tr.host")
            if row.is_displayed()]


def cell(driver, host, column):
    from selenium.webdriver.common.by import By
    return driver.find_element(By.CSS_SELECTOR, 'tr.host[data-host="%s"]' % host).find_elements(By.TAG_NAME, "td")[column].text


def test_sort_filter_and_details_in_a_real_browser(page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    assert len(visible_hosts(page)) == 30
    assert page.find_element(By.ID, "shown").text == "30"
    # Sort by pb version: the column header, clicked once (ascending), then again (descending).
    header = page.find_element(By.CSS_SELECTOR, '#workstations th[data-col="3"]')
    assert header.text.startswith("pb")
    header.click()
    versions = [cell(page, host, 3) for host in visible_hosts(page)]
    # Hosts where pb does not run first, then 0.25.10 before 0.26.4 (as versions, not as text).
    assert versions == ["none"] * 3 + ["0.25.10"] * 3 + ["0.26.4"] * 24, versions
    header.click()
    assert [cell(page, host, 3) for host in visible_hosts(page)] == ["0.26.4"] * 24 + ["0.25.10"] * 3 + ["none"] * 3
    assert header.get_attribute("class") == "desc"
    # Filter by status: the drifted ones, then by text within them.
    Select(page.find_element(By.ID, "status-filter")).select_by_value("drifted")
    drifted = visible_hosts(page)
    assert len(drifted) == 12 and page.find_element(By.ID, "shown").text == "12"
    assert all(cell(page, host, 2) == "drifted" for host in drifted)
    page.find_element(By.ID, "filter").send_keys("hand_edited")
    assert visible_hosts(page) == ["laptop-%04d.example.com" % i for i in (24, 14, 4)] or \
        sorted(visible_hosts(page)) == ["laptop-%04d.example.com" % i for i in (4, 14, 24)]
    # A host's details open on a click and say what drifted.
    host = visible_hosts(page)[0]
    page.find_element(By.CSS_SELECTOR, 'tr.host[data-host="%s"] td' % host).click()
    details = page.find_element(By.CSS_SELECTOR, 'tr.host[data-host="%s"] + tr.details' % host)
    assert details.is_displayed() and "fleet_pg.schema is hand_edited, not rs_analyst" in details.text
    # The summary card filters too.
    page.find_element(By.ID, "filter").clear()
    page.find_element(By.CSS_SELECTOR, '.card[data-status="not_onboarded"]').click()
    assert sorted(visible_hosts(page)) == ["laptop-%04d.example.com" % i for i in (6, 16, 26)]
