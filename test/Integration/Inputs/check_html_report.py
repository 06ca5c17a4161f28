#!/usr/bin/env python3
"""Checks an HTML report (qopt-compile --report=X.html, qopt-report) against the JSON reports it
was made from, given in the page's order (data-model="K" is the K-th JSON).

  - every section id is present: intro summary frontier roofline layers calibration decisions;
  - every number tagged data-json="PATH" equals the value at PATH of its JSON, to the precision it
    is printed with ("12.3" within 0.05, "0.000778" within 5e-7; "exact" stands for the cap 999);
  - every layer of every JSON has a row in the per-layer table (by name, so an escaped name must
    read back as the original) with its SQNR, max |err| and local SQNR (when present) tagged;
  - the page is self-contained: no http(s):// anywhere, no script, no src or href attributes, and
    every inline <svg> parses as XML;
  - --measured S / --not-measured S: section S has a plot and no "not measured", or says
    "not measured".
Prints one line per failed check and exits 1 on any, else prints a summary.
"""
import argparse
import decimal
import json
import re
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

SECTIONS = ["intro", "summary", "frontier", "roofline", "layers", "calibration", "decisions"]


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.tagged = []      # [model, path, text]
        self.open = []        # stack of (tag, tagged index or None, section)
        self.section = None
        self.section_text = {}
        self.section_svgs = {}
        self.rows = []        # (model, layer name) of per-layer table rows
        self.table_model = None
        self.bad = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "section":
            self.section = a.get("id")
            self.section_text.setdefault(self.section, "")
        if tag in ("script", "link", "iframe", "object", "embed", "img"):
            self.bad.append("element <%s> in the page" % tag)
        for k, v in attrs:
            if k in ("src", "href") or k.startswith("on"):
                self.bad.append("attribute %s=%r on <%s>" % (k, v, tag))
        if tag == "svg":
            self.section_svgs[self.section] = self.section_svgs.get(self.section, 0) + 1
        if tag == "table" and "layers" in a.get("class", "").split():
            self.table_model = int(a["data-model"])
        if tag == "tr" and "data-layer" in a and self.section == "layers":
            self.rows.append((self.table_model, a["data-layer"]))
        idx = None
        if "data-json" in a:
            self.tagged.append([int(a["data-model"]), a["data-json"], ""])
            idx = len(self.tagged) - 1
        self.open.append((tag, idx))

    def handle_endtag(self, tag):
        while self.open:
            t, _ = self.open.pop()
            if t == tag:
                break
        if tag == "section":
            self.section = None

    def handle_data(self, data):
        for _, idx in self.open:
            if idx is not None:
                self.tagged[idx][2] += data
        if self.section:
            self.section_text[self.section] += data


def resolve(obj, path):
    for part in path.split("."):
        if isinstance(obj, list):
            obj = obj[int(part)]
        elif isinstance(obj, dict):
            obj = obj[part]
        else:
            raise KeyError(path)
    return obj


def matches(printed, value):
    printed = printed.strip()
    if printed == "exact":
        return value >= 999
    d = decimal.Decimal(printed.lstrip("+"))
    tol = 0.5 * 10.0 ** d.as_tuple().exponent
    return abs(float(d) - value) <= tol * (1 + 1e-9) + 1e-12


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("html")
    ap.add_argument("json", nargs="+")
    ap.add_argument("--measured", action="append", default=[], metavar="SECTION")
    ap.add_argument("--not-measured", action="append", default=[], metavar="SECTION")
    ap.add_argument("--min-svgs", type=int, default=1)
    args = ap.parse_args()

    source = open(args.html, encoding="utf-8").read()
    reports = [json.load(open(p, encoding="utf-8")) for p in args.json]
    page = Page()
    page.feed(source)
    page.close()
    failures = list(page.bad)

    for s in SECTIONS:
        if s not in page.ids:
            failures.append("section id %r missing" % s)
    if re.search(r"https?://", source):
        failures.append("the page names a URL: " + re.search(r".{0,40}https?://.{0,40}", source).group(0))

    svgs = re.findall(r"<svg\b.*?</svg>", source, flags=re.S)
    if len(svgs) < args.min_svgs:
        failures.append("%d inline SVGs, expected at least %d" % (len(svgs), args.min_svgs))
    for i, svg in enumerate(svgs):
        try:
            ET.fromstring(svg)
        except ET.ParseError as e:
            failures.append("SVG #%d is not well-formed XML: %s" % (i, e))

    checked = set()
    for model, path, printed in page.tagged:
        try:
            value = resolve(reports[model], path)
        except (KeyError, IndexError, ValueError):
            failures.append("model %d: %s is printed (%r) but not in its JSON" % (model, path, printed))
            continue
        try:
            ok = matches(printed, float(value))
        except (decimal.InvalidOperation, TypeError, ValueError):
            ok = False
        if not ok:
            failures.append("model %d: %s printed as %r, JSON has %r" % (model, path, printed, value))
        checked.add((model, path))

    rows = set(page.rows)
    for k, r in enumerate(reports):
        for i, layer in enumerate(r.get("layers", [])):
            if (k, layer["name"]) not in rows:
                failures.append("model %d: layer %r has no row in the per-layer table" % (k, layer["name"]))
            for field in ("sqnr_db", "max_abs_error", "local_sqnr_db"):
                if field in layer and (k, "layers.%d.%s" % (i, field)) not in checked:
                    failures.append("model %d: layers.%d.%s is not in the page" % (k, i, field))
        for i, h in enumerate(r.get("calibration_histograms", [])):
            for field in ("lo", "hi", "hist_min", "hist_max"):
                if (k, "calibration_histograms.%d.%s" % (i, field)) not in checked:
                    failures.append("model %d: calibration_histograms.%d.%s is not in the page" % (k, i, field))

    for s in args.measured:
        if "not measured" in page.section_text.get(s, ""):
            failures.append("section %r says 'not measured'" % s)
        if not page.section_svgs.get(s):
            failures.append("section %r has no plot" % s)
    for s in args.not_measured:
        if "not measured" not in page.section_text.get(s, ""):
            failures.append("section %r should say 'not measured'" % s)

    for f in failures:
        print("FAIL " + f)
    if failures:
        return 1
    print("PASS %s: %d sections, %d numbers checked, %d layer rows, %d SVGs"
          % (args.html, len(SECTIONS), len(page.tagged), len(page.rows), len(svgs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
