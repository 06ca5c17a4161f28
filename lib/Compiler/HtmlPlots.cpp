// The HTML report's plots: the speed-accuracy frontier, the roofline and the calibration
// histograms, each drawn only from what the reports measured. What a report lacks is said on the
// page ("not measured"), never filled in with an estimate.
#include "HtmlParts.h"
#include "Svg.h"

#include <algorithm>
#include <cmath>
#include <map>

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;
using mlir::qopt::svg::escape;

namespace mlir::qopt::report {

namespace {

constexpr const char *kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                    "#9467bd", "#8c564b", "#e377c2", "#17becf"};

/// The model's measured native latency per sample (ns): the report's own figure when it has one,
/// else the sum over its layers when every layer was measured.
std::optional<double> nativeLatencyNs(const Object &o) {
  if (std::optional<double> v = number(o, "native_ns_per_sample"))
    return v;
  const Array *layers = array(o, "layers");
  if (!layers || layers->empty())
    return std::nullopt;
  double sum = 0;
  for (const Value &l : *layers) {
    const Object *lo = l.getAsObject();
    std::optional<double> ns = lo ? lo->getNumber("native_ns_per_sample") : std::nullopt;
    if (!ns)
      return std::nullopt;
    sum += *ns;
  }
  return sum;
}

/// The last two parts of a layer name ("net.1/Gemm" of "/net/net.1/Gemm"), for point labels.
std::string shortName(const std::string &name) {
  size_t slash = name.find_last_of('/');
  if (slash != std::string::npos && slash > 0)
    slash = name.find_last_of('/', slash - 1);
  std::string s = slash == std::string::npos || slash + 1 == name.size() ? name
                                                                          : name.substr(slash + 1);
  return s.size() > 24 ? s.substr(0, 21) + "..." : s;
}

/// Adds `p` to `s`, or its label to a point already there: models that compiled to the same
/// size and accuracy (mixed that chose i8 everywhere, say) share one labelled marker.
void addPoint(svg::Series &s, const svg::Point &p) {
  for (svg::Point &q : s.points)
    if (std::fabs(q.x - p.x) <= 1e-6 * std::fabs(p.x) && std::fabs(q.y - p.y) < 1e-6 &&
        (q.yLo > q.yHi) == (p.yLo > p.yHi)) {
      q.label += ", " + p.label;
      q.tooltip += "; " + p.tooltip;
      return;
    }
  s.points.push_back(p);
}

/// The points of `pts` no other point beats in both: less x and more y.
std::vector<svg::Point> paretoFront(std::vector<svg::Point> pts) {
  std::sort(pts.begin(), pts.end(), [](const svg::Point &a, const svg::Point &b) {
    return a.x < b.x || (a.x == b.x && a.y > b.y);
  });
  std::vector<svg::Point> front;
  for (const svg::Point &p : pts)
    if (front.empty() || p.y > front.back().y)
      front.push_back(p);
  for (svg::Point &p : front)
    p.label.clear(), p.yLo = 1, p.yHi = 0;
  return front;
}

} // namespace

std::string frontierSection(const std::vector<ModelReport> &models) {
  std::string h = "<section id=\"frontier\">\n<h2>Speed-accuracy frontier</h2>\n";
  bool allLatency = true, allAccuracy = true, allAgreement = true;
  for (const ModelReport &m : models) {
    allLatency &= nativeLatencyNs(m.json).has_value();
    allAccuracy &= number(m.json, "evaluation.accuracy_pct").has_value();
    allAgreement &= number(m.json, "evaluation.top1_agreement_pct").has_value();
  }
  if (!allAccuracy && !allAgreement)
    return h + notMeasured("no accuracy or agreement with fp32 in the report(s): compile with "
                           "--eval-data (and --eval-labels) to measure it") +
           "</section>\n";
  std::string yKey = allAccuracy ? "evaluation.accuracy_pct" : "evaluation.top1_agreement_pct";
  svg::Plot plot;
  plot.title = allAccuracy ? "accuracy against latency" : "agreement with fp32 against latency";
  plot.y.label = allAccuracy ? "top-1 accuracy (%)" : "top-1 agreement with fp32 (%)";
  plot.x.label = allLatency ? "native latency per sample (us)"
                            : "model size (bytes), as a proxy for latency";
  if (!allLatency)
    plot.title = allAccuracy ? "accuracy against model size" : "agreement against model size";

  // One series per source model, each with its fp32 reference when it can be placed.
  std::map<std::string, std::vector<size_t>> bySource;
  std::vector<std::string> order;
  for (size_t k = 0; k < models.size(); ++k) {
    // By file name: the same model compiled from different directories is one model.
    std::string src = llvm::StringRef(text(models[k].json, "model")).rsplit('/').second.str();
    if (src.empty())
      src = text(models[k].json, "model");
    if (!bySource.count(src))
      order.push_back(src);
    bySource[src].push_back(k);
  }
  double xmin = INFINITY, xmax = 0;
  for (size_t g = 0; g < order.size(); ++g) {
    svg::Series s;
    std::string color = kPalette[g % 8];
    s.name = order.size() > 1 ? order[g] : "";
    s.color = color;
    bool haveFp32 = false;
    for (size_t k : bySource[order[g]]) {
      const Object &o = models[k].json;
      svg::Point p;
      p.x = allLatency ? *nativeLatencyNs(o) / 1000
                       : number(o, "model_size_bytes.compiled").value_or(0);
      p.y = number(o, yKey).value_or(0);
      p.label = text(o, "precision");
      haveFp32 |= p.label == "fp32";
      if (p.label == "int8" && text(o, "quantization") == "dynamic")
        p.label += " dynamic";
      p.tooltip = models[k].label + ": " + fmt("%.4g", p.x) + ", " + fmt("%.2f%%", p.y);
      std::optional<double> loss = number(o, "evaluation.loss_points");
      const Array *ci = array(o, "evaluation.loss_points_ci95");
      bool sameMeasure = allAccuracy || !number(o, "evaluation.accuracy_pct");
      if (loss && ci && ci->size() == 2 && sameMeasure && (*ci)[0].getAsNumber() &&
          (*ci)[1].getAsNumber()) {
        // y = reference - loss, so the loss's interval maps onto y reversed.
        p.yLo = p.y + *loss - *(*ci)[1].getAsNumber();
        p.yHi = p.y + *loss - *(*ci)[0].getAsNumber();
        p.tooltip += fmt(" (95%% CI %.2f", p.yLo) + fmt(" .. %.2f)", p.yHi);
      }
      xmin = std::min(xmin, p.x), xmax = std::max(xmax, p.x);
      addPoint(s, p);
    }
    const Object &first = models[bySource[order[g]].front()].json;
    if (!haveFp32 && !allLatency) {
      svg::Point ref;
      ref.x = number(first, "model_size_bytes.fp32").value_or(0);
      ref.y = allAccuracy ? number(first, "evaluation.accuracy_fp32_pct").value_or(0) : 100.0;
      ref.label = "fp32 (reference)";
      ref.tooltip = "fp32 reference: " + fmt("%.0f bytes", ref.x) + ", " + fmt("%.2f%%", ref.y);
      xmin = std::min(xmin, ref.x), xmax = std::max(xmax, ref.x);
      addPoint(s, ref);
    }
    svg::Series front;
    front.color = color;
    front.points = paretoFront(s.points);
    front.markers = false;
    front.line = front.points.size() > 1;
    front.dashed = true;
    plot.series.push_back(std::move(s));
    plot.series.push_back(std::move(front));
  }
  plot.x.log = xmax > 20 * xmin && xmin > 0;
  plot.width = 760;
  plot.height = 400;
  h += plot.render();
  h += "<p class=\"note\">Up and to the left is better; the dashed line joins the points no other "
       "point beats in both. ";
  if (!allLatency)
    h += "The x axis is the model's size in bytes, a proxy for latency, because not every report "
         "has measured native latency. ";
  else
    h += "Latency is the native code's, measured per layer and summed. ";
  if (!allAccuracy)
    h += "The y axis is top-1 agreement with fp32: not every report has labelled accuracy. ";
  h += "Error bars, where present, are the 95% confidence interval of the loss.";
  if (models.size() == 1)
    h += " Only one precision is in this report: the frontier is its point and the fp32 "
         "reference. <code>qopt-report</code> over several compiled models draws the whole "
         "frontier.";
  return h + "</p>\n</section>\n";
}

std::string rooflineSection(const std::vector<ModelReport> &models) {
  std::string h = "<section id=\"roofline\">\n<h2>Roofline</h2>\n";
  const Object *machine = nullptr;
  std::string machineFrom;
  for (const ModelReport &m : models)
    if (const Object *mo = m.json.getObject("machine")) {
      machine = mo;
      machineFrom = m.label;
      break;
    }
  struct Layer {
    size_t model, index;
    std::string name, precision;
    double ops, bytes, ns;
  };
  std::vector<Layer> layers;
  for (size_t k = 0; k < models.size(); ++k)
    if (const Array *ls = array(models[k].json, "layers"))
      for (size_t i = 0; i < ls->size(); ++i) {
        const Object *l = (*ls)[i].getAsObject();
        if (!l)
          continue;
        std::optional<double> ops = l->getNumber("ops_per_sample"),
                              bytes = l->getNumber("bytes_per_sample"),
                              ns = l->getNumber("native_ns_per_sample");
        if (ops && bytes && ns && *ops > 0 && *bytes > 0 && *ns > 0)
          layers.push_back({k, i, text(*l, "name"), text(*l, "precision"), *ops, *bytes, *ns});
      }
  double ghz = machine ? machine->getNumber("ghz").value_or(0) : 0;
  if (!machine || ghz <= 0)
    h += notMeasured("no machine peaks in the report(s): the roofline's ceilings are the "
                     "machine's measured peaks and bandwidths (MachinePeaks)");
  if (layers.empty())
    h += notMeasured("no layer has measured native latency with its op and byte counts "
                     "(ops_per_sample, bytes_per_sample, native_ns_per_sample)");
  if (!machine || ghz <= 0 || layers.empty())
    return h + "</section>\n";

  svg::Plot plot;
  plot.title = "achieved op/s against arithmetic intensity, one core";
  plot.x.label = "arithmetic intensity (ops per byte touched)";
  plot.y.label = "achieved ops per second";
  plot.x.log = plot.y.log = true;
  plot.width = 860;
  plot.height = 440;
  struct Ceiling { const char *key, *label, *precision; };
  static const Ceiling peaks[] = {{"int8_vnni_ops_per_cycle", "int8 VNNI peak", "i8"},
                                  {"int8_avx2_ops_per_cycle", "int8 AVX2 peak", "i8"},
                                  {"bf16_ops_per_cycle", "bf16 peak", "bf16"},
                                  {"f32_fma_ops_per_cycle", "f32 FMA peak", "f32"}};
  static const Ceiling bandwidths[] = {{"l1_bytes_per_cycle", "L1", ""},
                                       {"l2_bytes_per_cycle", "L2", ""},
                                       {"dram_bytes_per_cycle", "DRAM", ""}};
  std::string ceilings;
  for (const Ceiling &c : peaks)
    if (std::optional<double> v = machine->getNumber(c.key); v && *v > 0) {
      svg::RefLine r;
      r.value = *v * ghz * 1e9;
      r.label = std::string(c.label) + " " + svg::shortNumber(r.value) + "op/s";
      r.color = precisionColor(c.precision);
      r.dashed = std::string(c.key) == "int8_avx2_ops_per_cycle";
      plot.refLines.push_back(r);
      ceilings += std::string(ceilings.empty() ? "" : "; ") + escape(c.label) + " " +
                  fmt("%.4g", *v) + " ops/cycle (" + escape(svg::shortNumber(r.value)) + "op/s)";
    }
  for (const Ceiling &c : bandwidths)
    if (std::optional<double> v = machine->getNumber(c.key); v && *v > 0) {
      svg::RefLine r;
      r.kind = svg::RefLine::Proportional;
      r.value = *v * ghz * 1e9;
      r.label = std::string(c.label) + " " + svg::shortNumber(r.value) + "B/s";
      r.color = "#999";
      r.dashed = true;
      plot.refLines.push_back(r);
      ceilings += std::string(ceilings.empty() ? "" : "; ") + escape(c.label) + " bandwidth " +
                  fmt("%.4g", *v) + " bytes/cycle (" + escape(svg::shortNumber(r.value)) + "B/s)";
    }
  std::map<std::string, svg::Series> byPrecision;
  double xmin = INFINITY, xmax = 0, ymin = INFINITY, ymax = 0;
  for (const Layer &l : layers) {
    svg::Series &s = byPrecision[l.precision];
    s.name = l.precision;
    s.color = precisionColor(l.precision);
    svg::Point p;
    p.x = l.ops / l.bytes;
    p.y = l.ops / (l.ns * 1e-9);
    p.label = models.size() == 1 ? shortName(l.name) : "";
    p.tooltip = models[l.model].label + " " + l.name + ": " + fmt("%.3g ops/byte", p.x) + ", " +
                svg::shortNumber(p.y) + "op/s";
    xmin = std::min(xmin, p.x), xmax = std::max(xmax, p.x);
    ymin = std::min(ymin, p.y), ymax = std::max(ymax, p.y);
    s.points.push_back(p);
  }
  for (auto &kv : byPrecision)
    plot.series.push_back(kv.second);
  // The view spans the layers and the highest ceiling; the bandwidth diagonals cross it.
  for (const svg::RefLine &r : plot.refLines)
    if (r.kind == svg::RefLine::Horizontal)
      ymax = std::max(ymax, r.value);
  plot.x.lo = std::pow(10.0, std::floor(std::log10(xmin)) - 1);
  plot.x.hi = std::pow(10.0, std::ceil(std::log10(xmax)) + 1);
  plot.y.lo = std::pow(10.0, std::floor(std::log10(ymin)) - 1);
  plot.y.hi = std::pow(10.0, std::ceil(std::log10(ymax * 1.5)));
  h += plot.render();
  h += "<p class=\"note\">Ceilings measured on the compiling machine";
  if (models.size() > 1)
    h += " (from " + escape(machineFrom) + ")";
  h += fmt(", one core at %.3g GHz: ", ghz) + ceilings + ". Horizontal lines are compute "
       "peaks, diagonals bandwidths (op/s = bytes/s x ops/byte); the lower of the two at a layer's "
       "intensity is the most it can reach.</p>\n";

  h += "<table class=\"roofline\">\n<tr>" + std::string(models.size() > 1 ? "<th>model</th>" : "") +
       "<th>layer</th><th>precision</th><th class=\"num\">ops / sample</th>"
       "<th class=\"num\">bytes / sample</th><th class=\"num\">ops / byte</th>"
       "<th class=\"num\">native ns / sample</th><th class=\"num\">achieved op/s</th></tr>\n";
  for (const Layer &l : layers) {
    const Object &o = models[l.model].json;
    std::string p = "layers." + std::to_string(l.index) + ".";
    h += "<tr>" + (models.size() > 1 ? "<td>" + escape(models[l.model].label) + "</td>" : "") +
         "<td>" + escape(l.name) + "</td><td>" + escape(l.precision) + "</td>";
    h += numberCell(o, l.model, p + "ops_per_sample", Num::Int);
    h += numberCell(o, l.model, p + "bytes_per_sample", Num::Int);
    h += "<td class=\"num\">" + fmt("%.3g", l.ops / l.bytes) + "</td>";
    h += numberCell(o, l.model, p + "native_ns_per_sample", Num::Real);
    h += "<td class=\"num\">" + escape(svg::shortNumber(l.ops / (l.ns * 1e-9))) + "</td></tr>\n";
  }
  return h + "</table>\n</section>\n";
}

std::string calibrationSection(const std::vector<ModelReport> &models) {
  std::string h = "<section id=\"calibration\">\n<h2>Calibration of the worst layers</h2>\n"
                  "<p class=\"note\">The fp32 output of the i8 layers with the lowest local SQNR "
                  "over the calibration data. The green band is the range the "
                  "calibration method kept; values outside it are clipped.</p>\n";
  for (size_t k = 0; k < models.size(); ++k) {
    const Object &o = models[k].json;
    if (models.size() > 1)
      h += "<h3>" + escape(models[k].label) + "</h3>\n";
    const Array *hs = array(o, "calibration_histograms");
    if (!at(o, "calibration")) {
      h += notMeasured("no calibration data (compile with --calibration-data)");
      continue;
    }
    if (text(o, "quantization") == "dynamic" && (!hs || hs->empty())) {
      h += "<p class=\"note\">Dynamic quantization: activation scales come from each live "
           "tensor, so no calibrated range is applied.</p>\n";
      continue;
    }
    if (!hs) {
      h += notMeasured("no calibration histograms in this report (compile with "
                       "--calibration-data)");
      continue;
    }
    if (hs->empty()) {
      h += "<p class=\"note\">No layer computes in i8: no clipping range was applied.</p>\n";
      continue;
    }
    h += "<table class=\"calibration\" data-model=\"" + std::to_string(k) +
         "\">\n<tr><th>layer</th><th>precision</th><th>method</th><th class=\"num\">chosen lo"
         "</th><th class=\"num\">chosen hi</th><th class=\"num\">observed min</th>"
         "<th class=\"num\">observed max</th><th class=\"num\">values</th>"
         "<th class=\"num\">clipped fraction</th></tr>\n";
    std::string plots = "<div class=\"plots\">\n";
    for (size_t i = 0; i < hs->size(); ++i) {
      const Object *c = (*hs)[i].getAsObject();
      if (!c)
        continue;
      std::string p = "calibration_histograms." + std::to_string(i) + ".";
      h += "<tr><td>" + escape(text(*c, "layer")) + "</td><td>" + escape(text(*c, "precision")) +
           "</td><td>" + escape(text(*c, "method")) + "</td>";
      for (const char *f : {"lo", "hi", "hist_min", "hist_max"})
        h += numberCell(o, k, p + f, Num::Real);
      h += numberCell(o, k, p + "values", Num::Int);
      h += numberCell(o, k, p + "clipped_fraction", Num::Real) + "</tr>\n";

      const Array *bins = c->getArray("bins");
      double lo = c->getNumber("hist_min").value_or(0), hi = c->getNumber("hist_max").value_or(0);
      if (!bins || bins->empty() || !(hi > lo))
        continue;
      svg::Plot plot;
      plot.title = text(*c, "layer") + " (" + text(*c, "precision") + ")";
      plot.x.label = "output value";
      plot.y.label = "count (log)";
      plot.y.log = true;
      plot.width = 520;
      plot.height = 280;
      plot.legend = false;
      double w = (hi - lo) / bins->size(), top = 1;
      for (size_t b = 0; b < bins->size(); ++b) {
        double count = (*bins)[b].getAsNumber().value_or(0);
        top = std::max(top, count);
        plot.bars.push_back({lo + b * w, lo + (b + 1) * w, count});
      }
      plot.y.lo = 0.7;
      plot.y.hi = top * 2;
      plot.x.lo = lo - (hi - lo) * 0.03;
      plot.x.hi = hi + (hi - lo) * 0.03;
      double clo = c->getNumber("lo").value_or(lo), chi = c->getNumber("hi").value_or(hi);
      plot.bands.push_back({clo, chi, "#2ca02c", "kept range"});
      plot.refLines.push_back({svg::RefLine::Vertical, clo, "lo " + fmt("%.4g", clo), "#d62728",
                               true});
      plot.refLines.push_back({svg::RefLine::Vertical, chi, "hi " + fmt("%.4g", chi), "#d62728",
                               true});
      plots += plot.render();
    }
    h += "</table>\n" + plots + "</div>\n";
  }
  return h + "</section>\n";
}

} // namespace mlir::qopt::report
