# -*- coding: utf-8 -*-
# Copyright: rudderstack.profiles contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The fleet report as one self-contained HTML page: inline CSS and JavaScript, no external
assets, readable without JavaScript (the rows are rendered here; the script only sorts, filters
and opens the details). A summary at the top, a table of workstations (status, versions, drift
highlighted; sortable by any column, filtered by text and by status; a details row per host) and
a table of principals.

Element ids and classes the browser test (tests/integration/test_fleet_report_browser.py) uses:
``#filter`` (text), ``#status-filter`` (select), ``#workstations th[data-col]`` (sort buttons),
``tr.host`` rows with ``data-host`` and ``data-status``, ``tr.details`` after each.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from html import escape

from ansible_collections.rudderstack.profiles.plugins.module_utils.report.fleet import (
    PRINCIPAL_STATUSES, WORKSTATION_STATUSES, principal_findings)

CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.5em;color:#1b1f24}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.5em 0 .5em}
.meta{color:#57606a;margin-bottom:1em}
.cards{display:flex;flex-wrap:wrap;gap:.6em;margin:.5em 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.5em .9em;min-width:7em;cursor:pointer;background:#fff}
.card b{display:block;font-size:1.6em}
.ok{--c:#1a7f37}.drifted{--c:#9a6700}.failed{--c:#cf222e}.not_onboarded{--c:#8250df}.unreachable{--c:#57606a}
.card b,.badge{color:var(--c)}
.badge{font-weight:600;white-space:nowrap}
table{border-collapse:collapse;width:100%;margin-top:.5em}
th,td{border-bottom:1px solid #d0d7de;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0;white-space:nowrap}
th[data-col]{cursor:pointer;user-select:none}
th[data-col]:after{content:" \\2195";color:#8c959f}
th.asc:after{content:" \\25B2";color:#1b1f24}th.desc:after{content:" \\25BC";color:#1b1f24}
tr.host{cursor:pointer}tr.host:hover{background:#f6f8fa}
td.bad{background:#fff8c5;font-weight:600}
td.drift{max-width:28em}
tr.details td{background:#f6f8fa;font-size:.92em}
tr.details dl{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em;margin:0}
tr.details dt{color:#57606a}tr.details dd{margin:0;word-break:break-all}
.controls{display:flex;gap:.6em;align-items:center;margin:.5em 0}
.controls input{padding:.3em;min-width:18em}
ul{margin:0;padding-left:1.2em}
.count{color:#57606a}
"""

JS = """
(function(){
var table=document.getElementById('workstations'),body=table.tBodies[0];
var text=document.getElementById('filter'),status=document.getElementById('status-filter');
var counter=document.getElementById('shown');
function pairs(){var out=[],rows=body.rows;
 for(var i=0;i<rows.length;i++){if(rows[i].className.indexOf('host')>=0){out.push([rows[i],rows[i+1]]);}}return out;}
function apply(){var q=text.value.toLowerCase(),s=status.value,n=0;
 pairs().forEach(function(p){
  var show=(!s||p[0].getAttribute('data-status')===s)
   &&(!q||p[0].textContent.toLowerCase().indexOf(q)>=0||p[1].textContent.toLowerCase().indexOf(q)>=0);
  p[0].hidden=!show;if(!show){p[1].hidden=true;}if(show){n++;}});
 counter.textContent=n;}
text.addEventListener('input',apply);status.addEventListener('change',apply);
Array.prototype.forEach.call(document.querySelectorAll('.card[data-status]'),function(c){
 c.addEventListener('click',function(){status.value=c.getAttribute('data-status');apply();});});
Array.prototype.forEach.call(table.querySelectorAll('th[data-col]'),function(th){
 th.addEventListener('click',function(){
  var col=+th.getAttribute('data-col'),num=th.hasAttribute('data-num'),dir=th.className==='asc'?-1:1;
  Array.prototype.forEach.call(table.querySelectorAll('th[data-col]'),function(h){h.className='';});
  th.className=dir>0?'asc':'desc';
  function key(row){var c=row.cells[col],v=c.hasAttribute('data-sort')?c.getAttribute('data-sort'):c.textContent;
   return num?parseFloat(v)||0:v.toLowerCase();}
  var ps=pairs();ps.sort(function(a,b){var x=key(a[0]),y=key(b[0]);return (x<y?-1:x>y?1:0)*dir;});
  ps.forEach(function(p){body.appendChild(p[0]);body.appendChild(p[1]);});});});
body.addEventListener('click',function(e){var row=e.target.closest('tr.host');if(row){row.nextElementSibling.hidden=!row.nextElementSibling.hidden;}});
apply();
})();
"""


def _e(value):
    return escape("" if value is None else str(value))


def _version_key(version):
    """Sort key for versions: '0.26.4' after '0.25.10'."""
    parts = []
    for part in str(version or "").replace("-", ".").split("."):
        parts.append("%08d" % int(part) if part.isdigit() else part)
    return ".".join(parts)


def _cell(value, bad=False, sort=None, cls=""):
    classes = " ".join(c for c in (cls, "bad" if bad else "") if c)
    return "<td%s%s>%s</td>" % (' class="%s"' % classes if classes else "",
                                ' data-sort="%s"' % _e(sort) if sort is not None else "", value)


COLUMNS = (("Host", False), ("Analyst", False), ("Status", False), ("pb", False), ("Pin", False),
           ("Python", False), ("Connection", False), ("Schema", False), ("Project schema", True),
           ("Stage", False), ("Last success", False), ("Last failure", False), ("Drift", True))


def _details(row):
    failure = row.get("last_failure") or {}
    items = [
        ("Virtualenv", row["virtualenv"]), ("Warehouse", row["warehouse"]),
        ("Project", row["project_path"]), ("Collection", row["collection_version"]),
        ("Packages", ", ".join("%s %s" % kv for kv in sorted(row["packages"].items()))),
        ("Last failure", "%s at stage %s: %s" % (failure.get("time"), failure.get("stage"), failure.get("message"))
         if failure else ""),
        ("Audit error", row["error"]),
    ]
    drift = "".join("<li><b>%s</b>: %s</li>" % (_e(d["check"]), _e(d["message"])) for d in row["drift"])
    text = "".join("<dt>%s</dt><dd>%s</dd>" % (k, _e(v)) for k, v in items if v)
    if drift:
        text += "<dt>Drift</dt><dd><ul>%s</ul></dd>" % drift
    return '<tr class="details" hidden><td colspan="%d"><dl>%s</dl></td></tr>' % (len(COLUMNS), text)


def _workstation_row(row):
    checks = set(d["check"] for d in row["drift"])
    failure = row.get("last_failure") or {}
    rank = WORKSTATION_STATUSES.index(row["status"])
    cells = [
        _cell("<b>%s</b>" % _e(row["host"])),
        _cell(_e(row["analyst"])),
        _cell('<span class="badge %s">%s</span>' % (row["status"], _e(row["status"].replace("_", " "))), sort=rank),
        _cell(_e(row["pb_version"] or "none"), bad="pb" in checks, sort=_version_key(row["pb_version"])),
        _cell(_e(row["pb_pin"])),
        _cell(_e(row["python_version"]), sort=_version_key(row["python_version"])),
        _cell(_e("%s / %s" % (row["connection"], row["target"]) if row["connection"] else ""), bad="siteconfig" in checks),
        _cell(_e(row["output_schema"]), bad="siteconfig" in checks),
        _cell(_e(row["project_schema_version"]), bad="project" in checks, sort=row["project_schema_version"] or 0),
        _cell(_e(row["stage"])),
        _cell(_e(row["last_success"] or "never"), sort=row["last_success"] or ""),
        _cell(_e("%s: %s" % (failure.get("stage"), failure.get("message", "")[:80])) if failure else "",
              bad=row["status"] == "failed", sort=failure.get("time") or ""),
        _cell("<br>".join(_e(d["message"]) for d in row["drift"][:3]) + (" ..." if len(row["drift"]) > 3 else ""),
              bad=bool(row["drift"]), sort=len(row["drift"]), cls="drift"),
    ]
    return '<tr class="host %s" data-host="%s" data-status="%s">%s</tr>' % (
        row["status"], _e(row["host"]), row["status"], "".join(cells))


def _principal_row(row):
    findings = [row["error"]] if row["status"] == "failed" else principal_findings(row)
    return "<tr class=\"principal\" data-status=\"%s\"><td><b>%s</b></td><td>%s</td><td><span class=\"badge %s\">%s</span></td>" \
           "<td>%d</td><td>%d</td><td>%d</td><td%s><ul>%s</ul></td></tr>" % (
               row["status"], _e(row["name"]), _e(row["warehouse"]), row["status"], row["status"],
               len(row["missing"]), len(row["unexpected"]), row["unchanged"],
               ' class="bad"' if findings else "", "".join("<li>%s</li>" % _e(f) for f in findings))


def render_html(report):
    """The HTML text of ``report`` (fleet.build_report)."""
    summary = report["summary"]
    cards = "".join('<div class="card %s" data-status="%s"><b>%d</b>%s</div>' % (
        s, s, summary["workstation_status"][s], s.replace("_", " ")) for s in WORKSTATION_STATUSES)
    pcards = "".join('<div class="card %s"><b>%d</b>principals %s</div>' % (s, summary["principal_status"][s], s)
                     for s in PRINCIPAL_STATUSES)
    versions = ", ".join("pb %s: %d" % kv for kv in sorted(summary["pb_versions"].items()))
    pythons = ", ".join("Python %s: %d" % kv for kv in sorted(summary["python_versions"].items()))
    head = "".join('<th data-col="%d"%s>%s</th>' % (i, " data-num" if num else "", name)
                   for i, (name, num) in enumerate(COLUMNS))
    options = "".join('<option value="%s">%s</option>' % (s, s.replace("_", " ")) for s in WORKSTATION_STATUSES)
    out = [
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">",
        "<title>%s</title><style>%s</style></head><body>" % (_e(report.get("title")), CSS),
        "<h1>%s</h1>" % _e(report.get("title")),
        '<div class="meta">Generated %s by rudderstack.profiles %s &middot; pb pin %s &middot; report schema %s</div>' % (
            _e(report["generated_at"]), _e(report.get("collection_version")), _e(report.get("pb_pin")),
            report["schema_version"]),
        '<section id="summary"><div class="cards">%s</div><div class="cards">%s</div>' % (cards, pcards),
        '<div class="meta">%s<br>%s</div></section>' % (_e(versions), _e(pythons)),
        "<h2>Workstations (<span id=\"shown\" class=\"count\">%d</span> of %d)</h2>" % (
            summary["workstations"], summary["workstations"]),
        '<div class="controls"><input id="filter" type="search" placeholder="Filter: host, analyst, version, drift...">'
        '<select id="status-filter"><option value="">every status</option>%s</select>'
        '<span class="count">click a column to sort, a row for details</span></div>' % options,
        '<table id="workstations"><thead><tr>%s</tr></thead><tbody>' % head,
    ]
    for row in report["workstations"]:
        out.append(_workstation_row(row))
        out.append(_details(row))
    out.append("</tbody></table>")
    out.append("<h2>Warehouse principals</h2><table id=\"principals\"><thead><tr><th>Principal</th><th>Warehouse</th>"
               "<th>Status</th><th>Missing</th><th>Not asked for</th><th>Unchanged</th><th>Findings</th></tr></thead><tbody>")
    out.extend(_principal_row(row) for row in report["principals"])
    out.append("</tbody></table>")
    # The report itself, for readers who want to script against the page they were sent.
    out.append('<script type="application/json" id="report-summary">%s</script>' % json.dumps(
        summary, sort_keys=True).replace("</", "<\\/"))
    out.append("<script>%s</script></body></html>\n" % JS)
    return "".join(out)
