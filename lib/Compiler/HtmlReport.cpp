#include "HtmlParts.h"
#include "Svg.h"

#include "llvm/Support/Path.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;
using mlir::qopt::svg::escape;

namespace mlir::qopt::report {

const Value *at(const Object &o, const std::string &path) {
  const Object *obj = &o;
  const Array *arr = nullptr;
  const Value *v = nullptr;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (obj) {
      v = obj->get(part);
    } else if (arr) {
      char *end = nullptr;
      unsigned long i = std::strtoul(part.c_str(), &end, 10);
      v = (end && *end == 0 && !part.empty() && i < arr->size()) ? &(*arr)[i] : nullptr;
    } else {
      v = nullptr;
    }
    if (!v || dot == std::string::npos)
      return v;
    obj = v->getAsObject();
    arr = v->getAsArray();
    start = dot + 1;
  }
  return v;
}

std::optional<double> number(const Object &o, const std::string &path) {
  const Value *v = at(o, path);
  return v ? v->getAsNumber() : std::nullopt;
}

std::string text(const Object &o, const std::string &path) {
  const Value *v = at(o, path);
  std::optional<llvm::StringRef> s = v ? v->getAsString() : std::nullopt;
  return s ? s->str() : "";
}

const Array *array(const Object &o, const std::string &path) {
  const Value *v = at(o, path);
  return v ? v->getAsArray() : nullptr;
}

std::string fmt(const char *format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string formatNumber(double v, Num kind) {
  switch (kind) {
  case Num::Db:
    return v >= 999 ? "exact" : fmt("%.1f", v);
  case Num::Error:
    return fmt("%.3g", v);
  case Num::Pct:
    return fmt("%.2f", v);
  case Num::Points:
    return fmt("%+.2f", v);
  case Num::Int:
    return fmt("%.0f", v);
  case Num::Real:
    return fmt("%.4g", v);
  }
  return "";
}

static std::string tagged(const char *element, const std::string &cls, size_t k,
                          const std::string &path, const std::string &content) {
  return std::string("<") + element + (cls.empty() ? "" : " class=\"" + cls + "\"") +
         " data-model=\"" + std::to_string(k) + "\" data-json=\"" + escape(path) + "\">" +
         content + "</" + element + ">";
}

std::string numberCell(const Object &o, size_t k, const std::string &path, Num kind,
                       const std::string &cls) {
  std::optional<double> v = number(o, path);
  if (!v)
    return "<td class=\"" + cls + " missing\">-</td>";
  return tagged("td", cls, k, path, formatNumber(*v, kind));
}

std::string numberSpan(const Object &o, size_t k, const std::string &path, Num kind) {
  std::optional<double> v = number(o, path);
  return v ? tagged("span", "", k, path, formatNumber(*v, kind)) : "-";
}

std::string precisionColor(const std::string &p) {
  if (p == "i8" || p == "int8")
    return "#2ca02c";
  if (p == "bf16")
    return "#1f77b4";
  if (p == "f16" || p == "fp16")
    return "#9467bd";
  if (p == "mixed")
    return "#ff7f0e";
  return "#7f7f7f";
}

std::string notMeasured(const std::string &what) {
  return "<p class=\"missing\">not measured: " + escape(what) + "</p>\n";
}

std::optional<ModelReport> parseReport(const std::string &textIn, const std::string &source,
                                       std::string &error) {
  llvm::Expected<Value> parsed = llvm::json::parse(textIn);
  if (!parsed) {
    error = "malformed JSON: " + llvm::toString(parsed.takeError());
    return std::nullopt;
  }
  Object *o = parsed->getAsObject();
  if (!o) {
    error = "not a qopt report: the JSON is not an object";
    return std::nullopt;
  }
  if (!o->getArray("layers") || !o->getString("precision")) {
    error = "not a qopt report: no \"layers\" array or \"precision\" (qopt-compile --report "
            "writes one)";
    return std::nullopt;
  }
  ModelReport m;
  m.source = source;
  m.json = std::move(*o);
  return m;
}

namespace {

constexpr const char *kStyle = R"css(
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
       margin: 24px auto; max-width: 1320px; padding: 0 20px; line-height: 1.4; }
h1 { font-size: 22px; margin: 0 0 6px; } h2 { font-size: 17px; margin: 28px 0 8px;
  border-bottom: 1px solid #ddd; padding-bottom: 4px; } h3 { font-size: 14px; margin: 16px 0 6px; }
p.intro { font-size: 14px; margin: 4px 0 12px; color: #333; }
p.note, p.missing, summary.note { font-size: 12.5px; color: #555; margin: 4px 0 8px; }
p.missing { color: #a05a00; font-style: italic; }
table { border-collapse: collapse; font-size: 12.5px; margin: 6px 0 10px; }
th, td { border-bottom: 1px solid #e5e5e5; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f4f7; font-weight: 600; }
tr:nth-child(even) td { background: #fafafc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.missing { color: #aaa; }
td.why { color: #444; max-width: 420px; }
span.prec { display: inline-block; padding: 0 6px; border-radius: 3px; color: #fff;
            font-size: 11.5px; font-weight: 600; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; }
svg.plot { background: #fff; border: 1px solid #eee; }
code { font-size: 12px; background: #f3f4f7; padding: 0 3px; }
footer { margin-top: 30px; font-size: 11.5px; color: #777; }
)css";

std::string base(const std::string &path) { return llvm::sys::path::filename(path).str(); }

std::string badge(const std::string &precision) {
  return "<span class=\"prec\" style=\"background:" + precisionColor(precision) + "\">" +
         escape(precision) + "</span>";
}

void fillLabels(std::vector<ModelReport> &models) {
  std::map<std::string, int> seen;
  for (ModelReport &m : models) {
    if (!m.label.empty())
      continue;
    m.label = base(text(m.json, "model")) + " " + text(m.json, "precision");
    if (text(m.json, "quantization") == "dynamic" && text(m.json, "precision") == "int8")
      m.label += " dynamic";
    seen[m.label]++;
  }
  for (ModelReport &m : models)
    if (seen[m.label] > 1)
      m.label += " (" + base(m.source) + ")";
}

/// One sentence on what was compiled, for what, and what it was measured on.
std::string describe(const ModelReport &m, size_t k) {
  const Object &o = m.json;
  std::string s = "<b>" + escape(base(text(o, "model"))) + "</b> compiled by " +
                  escape(text(o, "producer")) + " " + escape(text(o, "producer_version")) +
                  " at " + badge(text(o, "precision"));
  if (text(o, "precision") == "int8" || text(o, "precision") == "mixed")
    s += " (" + escape(text(o, "quantization")) + " quantization)";
  s += " for <b>" + escape(text(o, "target")) + "</b>";
  if (at(o, "calibration"))
    s += "; calibrated with <code>" + escape(text(o, "calibration.method")) + "</code> on " +
         escape(base(text(o, "calibration.data"))) + " (" +
         numberSpan(o, k, "calibration.samples", Num::Int) + " samples)";
  if (at(o, "evaluation"))
    s += "; measured against fp32 on " + escape(base(text(o, "evaluation.data"))) + " (" +
         escape(formatNumber(number(o, "evaluation.samples").value_or(0), Num::Int)) +
         " samples) by " + escape(text(o, "evaluation.engine"));
  else
    s += "; not measured against fp32 (no evaluation or calibration data)";
  return s + ".";
}

/// Lowest per-layer SQNR and its layer.
std::pair<std::optional<double>, std::string> worstLayer(const Object &o) {
  std::optional<double> worst;
  std::string name;
  if (const Array *layers = array(o, "layers"))
    for (const Value &l : *layers)
      if (const Object *lo = l.getAsObject())
        if (std::optional<double> s = lo->getNumber("sqnr_db"))
          if (!worst || *s < *worst) {
            worst = *s;
            name = text(*lo, "name");
          }
  return {worst, name};
}

std::string summarySection(const std::vector<ModelReport> &models) {
  std::string h = "<section id=\"summary\">\n<h2>Summary</h2>\n<table>\n<tr><th>model</th>"
                  "<th>precision</th><th>target</th><th class=\"num\">size fp32 (bytes)</th>"
                  "<th class=\"num\">size (bytes)</th><th class=\"num\">smaller</th>"
                  "<th class=\"num\">accuracy fp32 %</th><th class=\"num\">accuracy %</th>"
                  "<th class=\"num\">loss (points)</th><th class=\"num\">loss 95% CI</th>"
                  "<th class=\"num\">top-1 agreement %</th><th class=\"num\">output SQNR dB</th>"
                  "<th class=\"num\">worst layer SQNR dB</th></tr>\n";
  for (size_t k = 0; k < models.size(); ++k) {
    const Object &o = models[k].json;
    h += "<tr><td>" + escape(models[k].label) + "</td><td>" + badge(text(o, "precision")) +
         "</td><td>" + escape(text(o, "target")) + "</td>";
    h += numberCell(o, k, "model_size_bytes.fp32", Num::Int);
    h += numberCell(o, k, "model_size_bytes.compiled", Num::Int);
    std::optional<double> a = number(o, "model_size_bytes.fp32"),
                          b = number(o, "model_size_bytes.compiled");
    h += "<td class=\"num\">" + (a && b && *b > 0 ? fmt("%.2fx", *a / *b) : "-") + "</td>";
    h += numberCell(o, k, "evaluation.accuracy_fp32_pct", Num::Pct);
    h += numberCell(o, k, "evaluation.accuracy_pct", Num::Pct);
    h += numberCell(o, k, "evaluation.loss_points", Num::Points);
    if (const Array *ci = array(o, "evaluation.loss_points_ci95"); ci && ci->size() == 2)
      h += "<td class=\"num\">[" + numberSpan(o, k, "evaluation.loss_points_ci95.0", Num::Points) +
           ", " + numberSpan(o, k, "evaluation.loss_points_ci95.1", Num::Points) + "]</td>";
    else
      h += "<td class=\"num missing\" title=\"no confidence interval in this report\">-</td>";
    h += numberCell(o, k, "evaluation.top1_agreement_pct", Num::Pct);
    h += numberCell(o, k, "evaluation.output_sqnr_db", Num::Db);
    auto [worst, name] = worstLayer(o);
    h += "<td class=\"num\" title=\"" + escape(name) + "\">" +
         (worst ? formatNumber(*worst, Num::Db) : "-") + "</td></tr>\n";
  }
  h += "</table>\n";
  if (models.size() == 1 && at(models[0].json, "evaluation"))
    h += "<p class=\"note\">Loss: " + escape(text(models[0].json, "evaluation.loss_measure")) +
         ".</p>\n";
  return h + "</section>\n";
}

std::string layersSection(const std::vector<ModelReport> &models) {
  std::string h = "<section id=\"layers\">\n<h2>Per-layer error</h2>\n<p class=\"note\">Local "
                  "SQNR: this layer alone lowered, the rest fp32. SQNR: the compiled model's "
                  "layer output against fp32, errors of the layers before included. Cause: what "
                  "dominates the error (rounding, clipping at the calibrated range, saturation, "
                  "outlier channels under per-tensor weights).</p>\n";
  for (size_t k = 0; k < models.size(); ++k) {
    const Object &o = models[k].json;
    if (models.size() > 1)
      h += "<h3>" + escape(models[k].label) + "</h3>\n";
    const Array *layers = array(o, "layers");
    if (!layers || layers->empty()) {
      h += notMeasured("no per-layer errors (give --calibration-data or --eval-data)");
      continue;
    }
    h += "<table class=\"layers\" data-model=\"" + std::to_string(k) +
         "\">\n<tr><th>#</th><th>layer</th><th>op</th><th>precision</th>"
         "<th class=\"num\">local SQNR dB</th><th class=\"num\">SQNR dB</th>"
         "<th class=\"num\">max |err|</th><th>cause</th><th>why this precision</th></tr>\n";
    for (size_t i = 0; i < layers->size(); ++i) {
      const Object *l = (*layers)[i].getAsObject();
      if (!l)
        continue;
      std::string p = "layers." + std::to_string(i) + ".";
      h += "<tr data-layer=\"" + escape(text(*l, "name")) + "\"><td class=\"num\">" +
           std::to_string(i) + "</td><td>" + escape(text(*l, "name")) + "</td><td>" +
           escape(text(*l, "op")) + "</td><td>" + badge(text(*l, "precision")) + "</td>";
      h += numberCell(o, k, p + "local_sqnr_db", Num::Db);
      h += numberCell(o, k, p + "sqnr_db", Num::Db);
      h += numberCell(o, k, p + "max_abs_error", Num::Error);
      h += "<td>" + escape(text(*l, "cause")) + "</td><td class=\"why\">" +
           escape(text(*l, "reason")) + "</td></tr>\n";
    }
    h += "</table>\n";
  }
  return h + "</section>\n";
}

/// "i8 57 / 90, bf16 119 / 100, ..." for one decision (report files from qopt-compile with
/// latencies), the chosen precision in bold; "-" without them.
std::string latencyCell(const Object &o, size_t k, const Object &d, const std::string &p) {
  const Object *latency = d.getObject("latency_ns");
  if (!latency)
    return "-";
  std::string chosen = text(d, "precision"), cell;
  for (const char *prec : {"i8", "bf16", "f16", "f32"}) {
    if (!latency->getObject(prec))
      continue;
    std::string at = p + "latency_ns." + prec + ".";
    std::string one = std::string(prec) + " " + numberSpan(o, k, at + "predicted", Num::Real) +
                      " / " + numberSpan(o, k, at + "measured", Num::Real);
    cell += (cell.empty() ? "" : ", ") + (chosen == prec ? "<b>" + one + "</b>" : one);
  }
  return cell + " (" + escape(text(d, "latency_used")) + ")";
}

std::string decisionsSection(const std::vector<ModelReport> &models) {
  static const std::set<std::string> known = {"layer",          "op",
                                              "precision",      "reason",
                                              "rule",           "i8_loss_points",
                                              "i8_output_sqnr_db", "latency_ns",
                                              "latency_used"};
  std::string h = "<section id=\"decisions\">\n<h2>Mixed-precision decisions</h2>\n"
                  "<p class=\"note\">The mixed search starts every layer at i8, measures each "
                  "layer's sensitivity alone in i8, then promotes the layer with the most output "
                  "noise per ns of extra latency until the loss fits the budget (latencies measured "
                  "on native code when the report says so, else predicted; a precision no faster "
                  "than a more accurate one is skipped). Rules (the logits stay f32, overrides) "
                  "are not the search's to change.</p>\n";
  for (size_t k = 0; k < models.size(); ++k) {
    const Object &o = models[k].json;
    if (models.size() > 1)
      h += "<h3>" + escape(models[k].label) + "</h3>\n";
    if (at(o, "search")) {
      h += "<p class=\"note\">Budget " + numberSpan(o, k, "search.budget_points", Num::Real) +
           " points of " + escape(text(o, "search.measure")) + " on " +
           escape(text(o, "search.data")) + "; the assignment found loses " +
           numberSpan(o, k, "search.loss_points", Num::Real) + " points after " +
           numberSpan(o, k, "search.promotions", Num::Int) + " promotions.";
      if (const Object *s = o.getObject("search"))
        for (const auto &kv : *s) {
          std::string key = kv.first.str();
          if (key == "budget_points" || key == "loss_points" || key == "measure" ||
              key == "data" || key == "promotions")
            continue;
          if (kv.second.getAsNumber())
            h += " " + escape(key) + ": " + numberSpan(o, k, "search." + key, Num::Real) + ".";
          else if (auto str = kv.second.getAsString())
            h += " " + escape(key) + ": " + escape(str->str()) + ".";
        }
      h += "</p>\n";
    } else {
      h += "<p class=\"note\">Uniform " + escape(text(o, "precision")) +
           ": no search ran; each layer's precision follows the mode or a rule.</p>\n";
    }
    const Array *ds = array(o, "decisions");
    if (!ds) {
      h += notMeasured("this report has no decision log (written by newer qopt-compile)");
      continue;
    }
    // A details column only when a decision records more than this page knows.
    bool details = false;
    for (const Value &d : *ds)
      if (const Object *dobj = d.getAsObject())
        for (const auto &kv : *dobj)
          details |= !known.count(kv.first.str());
    h += "<table class=\"decisions\" data-model=\"" + std::to_string(k) +
         "\">\n<tr><th>layer</th><th>op</th><th>precision</th><th class=\"num\">alone in i8: "
         "loss (points)</th><th class=\"num\">alone in i8: output SQNR dB</th><th>decided by"
         "</th><th>latency per sample, ns: predicted / measured (chosen in bold)</th>"
         "<th>reason</th>" + std::string(details ? "<th>details</th>" : "") + "</tr>\n";
    for (size_t i = 0; i < ds->size(); ++i) {
      const Object *d = (*ds)[i].getAsObject();
      if (!d)
        continue;
      std::string p = "decisions." + std::to_string(i) + ".";
      bool rule = d->getBoolean("rule").value_or(false);
      h += "<tr><td>" + escape(text(*d, "layer")) + "</td><td>" + escape(text(*d, "op")) +
           "</td><td>" + badge(text(*d, "precision")) + "</td>";
      h += numberCell(o, k, p + "i8_loss_points", Num::Real);
      h += numberCell(o, k, p + "i8_output_sqnr_db", Num::Db);
      h += std::string("<td>") + (rule ? "rule" : at(o, "search") ? "search" : "mode") + "</td>";
      h += "<td>" + latencyCell(o, k, *d, p) + "</td>";
      h += "<td class=\"why\">" + escape(text(*d, "reason")) + "</td>";
      if (!details) {
        h += "</tr>\n";
        continue;
      }
      h += "<td>";
      // Whatever else a newer compiler records about the decision, shown as it is.
      for (const auto &kv : *d) {
        std::string key = kv.first.str();
        if (known.count(key))
          continue;
        if (kv.second.getAsNumber())
          h += escape(key) + " " + numberSpan(o, k, p + key, Num::Real) + " ";
        else if (auto str = kv.second.getAsString())
          h += escape(key) + " " + escape(str->str()) + " ";
      }
      h += "</td></tr>\n";
    }
    h += "</table>\n";
  }
  return h + "</section>\n";
}

} // namespace

std::string renderHtml(std::vector<ModelReport> models) {
  fillLabels(models);
  std::string title = models.size() == 1 ? "qopt report: " + models[0].label
                                         : "qopt comparison: " + std::to_string(models.size()) +
                                               " compiled models";
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<title>" + escape(title) + "</title>\n<style>" + kStyle +
                  "</style>\n</head>\n<body>\n<h1>" + escape(title) + "</h1>\n"
                  "<section id=\"intro\">\n";
  if (models.size() == 1) {
    h += "<p class=\"intro\">" + describe(models[0], 0) + "</p>\n";
  } else {
    h += "<p class=\"intro\">" + std::to_string(models.size()) + " compiled models: ";
    for (size_t k = 0; k < models.size(); ++k)
      h += (k ? ", " : "") + escape(models[k].label);
    h += ".</p>\n<details><summary class=\"note\">How each was compiled and measured"
         "</summary>\n";
    for (size_t k = 0; k < models.size(); ++k)
      h += "<p class=\"note\">" + describe(models[k], k) + "</p>\n";
    h += "</details>\n";
  }
  h += "</section>\n";
  h += summarySection(models);
  h += frontierSection(models);
  h += layersSection(models);
  h += rooflineSection(models);
  h += calibrationSection(models);
  h += decisionsSection(models);
  h += "<footer>Written by qopt from ";
  for (size_t k = 0; k < models.size(); ++k)
    h += (k ? ", " : "") + std::string("<code>") + escape(models[k].source) + "</code>";
  h += ". Self-contained: no scripts, fonts or images are loaded.</footer>\n</body>\n</html>\n";
  return h;
}

} // namespace mlir::qopt::report
