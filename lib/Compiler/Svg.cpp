#include "Svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace mlir::qopt::svg {

std::string escape(const std::string &text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    default:
      // Control characters are not allowed in XML 1.0; a layer name could carry one.
      if ((unsigned char)c < 0x20 && c != '\n' && c != '\t')
        out += "?";
      else
        out += c;
    }
  }
  return out;
}

static std::string fmt(const char *format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string shortNumber(double v) {
  if (v == 0)
    return "0";
  double a = std::fabs(v);
  struct Unit { double scale; const char *suffix; };
  static const Unit units[] = {{1e15, "P"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
  for (const Unit &u : units)
    if (a >= u.scale) {
      std::string s = fmt("%.3g", v / u.scale);
      return s + u.suffix;
    }
  if (a >= 0.01)
    return fmt("%.3g", v);
  return fmt("%.0e", v);
}

namespace {

constexpr const char *kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                    "#9467bd", "#8c564b", "#e377c2", "#17becf"};

/// One axis mapped to pixels: [lo, hi] (in log10 units for a log axis) onto [p0, p1].
struct Scale {
  bool log = false;
  double lo = 0, hi = 1, p0 = 0, p1 = 1;
  double t(double v) const { return log ? std::log10(v) : v; }
  bool valid(double v) const { return std::isfinite(v) && (!log || v > 0); }
  double px(double v) const { return p0 + (t(v) - lo) / (hi - lo) * (p1 - p0); }
};

/// Finishes a range from the data: a log axis in whole or half decades, a linear one with 5%
/// margins, and never an empty one.
void settle(const Axis &axis, std::vector<double> values, double &lo, double &hi) {
  if (axis.lo < axis.hi && (!axis.log || axis.lo > 0)) {
    lo = axis.log ? std::log10(axis.lo) : axis.lo;
    hi = axis.log ? std::log10(axis.hi) : axis.hi;
    return;
  }
  lo = std::numeric_limits<double>::infinity();
  hi = -lo;
  for (double v : values) {
    if (!std::isfinite(v) || (axis.log && v <= 0))
      continue;
    double t = axis.log ? std::log10(v) : v;
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  }
  if (!(lo <= hi)) {
    lo = 0;
    hi = 1;
  }
  if (axis.log) {
    lo = std::floor(lo * 2 - 0.2) / 2;
    hi = std::ceil(hi * 2 + 0.2) / 2;
    if (hi - lo < 1)
      hi = lo + 1;
    return;
  }
  double span = hi - lo;
  if (span <= 0)
    span = std::max(std::fabs(hi) * 0.1, 1.0);
  lo -= span * 0.05;
  hi += span * 0.05;
}

/// The spacing of linear ticks: 1, 2, 2.5 or 5 times a power of ten, about six per axis.
double niceStep(double lo, double hi) {
  double raw = (hi - lo) / 6;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0})
    if (m * mag >= raw)
      return m * mag;
  return 10 * mag;
}

/// Tick positions (data values) for a range in axis units.
std::vector<double> ticks(bool log, double lo, double hi) {
  std::vector<double> out;
  if (log) {
    int a = (int)std::ceil(lo - 1e-9), b = (int)std::floor(hi + 1e-9);
    bool sparse = b - a > 8;
    for (int e = a; e <= b; ++e)
      if (!sparse || e % 2 == 0)
        out.push_back(std::pow(10.0, e));
    if (b - a < 2)
      for (int e = (int)std::floor(lo); e <= b; ++e)
        for (double m : {2.0, 5.0}) {
          double v = m * std::pow(10.0, e);
          if (std::log10(v) >= lo && std::log10(v) <= hi)
            out.push_back(v);
        }
    std::sort(out.begin(), out.end());
    return out;
  }
  double step = niceStep(lo, hi);
  // Counted, not accumulated: far from zero, v += step could stop moving.
  double first = std::ceil(lo / step);
  for (int i = 0; i < 20 && (first + i) * step <= hi + step * 1e-9; ++i) {
    double v = (first + i) * step;
    out.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
  }
  return out;
}

/// A tick's label: short units on log axes and for large values, else as many decimals as the
/// tick spacing needs (88.62 and 88.64 must not both read 88.6).
std::string tickLabel(double v, bool log, double lo, double hi) {
  if (log)
    return shortNumber(v);
  double span = hi - lo;
  if (std::max(std::fabs(lo), std::fabs(hi)) >= 1e4 || !(span > 0))
    return shortNumber(v);
  double step = niceStep(lo, hi);
  int exponent = (int)std::floor(std::log10(step) + 1e-9);
  bool half = std::fabs(step / std::pow(10.0, exponent) - 2.5) < 1e-6;
  int decimals = std::clamp(-exponent + (half ? 1 : 0), 0, 8);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// Clips the segment (x0,y0)-(x1,y1) to the rectangle; false when nothing is left.
bool clip(double &x0, double &y0, double &x1, double &y1, double l, double t, double r,
          double b) {
  double u0 = 0, u1 = 1, dx = x1 - x0, dy = y1 - y0;
  auto edge = [&](double p, double q) {
    if (p == 0)
      return q >= 0;
    double u = q / p;
    if (p < 0) {
      if (u > u1) return false;
      u0 = std::max(u0, u);
    } else {
      if (u < u0) return false;
      u1 = std::min(u1, u);
    }
    return true;
  };
  if (!edge(-dx, x0 - l) || !edge(dx, r - x0) || !edge(-dy, y0 - t) || !edge(dy, b - y0))
    return false;
  double nx0 = x0 + u0 * dx, ny0 = y0 + u0 * dy;
  x1 = x0 + u1 * dx;
  y1 = y0 + u1 * dy;
  x0 = nx0;
  y0 = ny0;
  return true;
}

std::string p1(double v) { return fmt("%.1f", v); }

} // namespace

std::string Plot::render() const {
  static int serial = 0;
  std::string clipId = "qopt-plot-clip-" + std::to_string(++serial);

  std::vector<double> xs, ys;
  for (const Series &s : series)
    for (const Point &p : s.points) {
      xs.push_back(p.x);
      ys.push_back(p.y);
      if (p.yLo <= p.yHi) {
        ys.push_back(p.yLo);
        ys.push_back(p.yHi);
      }
    }
  for (const Bar &b : bars) {
    xs.push_back(b.x0);
    xs.push_back(b.x1);
    ys.push_back(b.y);
    if (!y.log)
      ys.push_back(0);
  }
  for (const Band &b : bands) {
    xs.push_back(b.x0);
    xs.push_back(b.x1);
  }
  for (const RefLine &r : refLines) {
    if (r.kind == RefLine::Horizontal)
      ys.push_back(r.value);
    if (r.kind == RefLine::Vertical)
      xs.push_back(r.value);
  }

  bool hasLegend = legend && std::any_of(series.begin(), series.end(),
                                         [](const Series &s) { return !s.name.empty(); });
  double left = 72, right = hasLegend ? 170 : 24, top = title.empty() ? 14 : 34, bottom = 52;
  Scale sx, sy;
  sx.log = x.log;
  sy.log = y.log;
  settle(x, xs, sx.lo, sx.hi);
  settle(y, ys, sy.lo, sy.hi);
  sx.p0 = left;
  sx.p1 = width - right;
  sy.p0 = height - bottom;
  sy.p1 = top;
  double L = sx.p0, R = sx.p1, T = sy.p1, B = sy.p0;

  std::string o;
  // Inline in HTML, an <svg> is in the SVG namespace without an xmlns: the page names no URL.
  o += "<svg class=\"plot\" width=\"" +
       std::to_string(width) + "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " +
       std::to_string(width) + " " + std::to_string(height) +
       "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  o += "<defs><clipPath id=\"" + clipId + "\"><rect x=\"" + p1(L) + "\" y=\"" + p1(T) +
       "\" width=\"" + p1(R - L) + "\" height=\"" + p1(B - T) + "\"/></clipPath></defs>\n";
  o += "<rect x=\"" + p1(L) + "\" y=\"" + p1(T) + "\" width=\"" + p1(R - L) + "\" height=\"" +
       p1(B - T) + "\" fill=\"#fbfbfd\" stroke=\"#888\"/>\n";
  if (!title.empty())
    o += "<text x=\"" + p1((L + R) / 2) + "\" y=\"20\" text-anchor=\"middle\" font-size=\"13\" "
         "font-weight=\"bold\">" + escape(title) + "</text>\n";

  // Grid and tick labels.
  for (double v : ticks(sx.log, sx.lo, sx.hi)) {
    std::string label = tickLabel(v, sx.log, sx.lo, sx.hi);
    double px = sx.px(v);
    o += "<line x1=\"" + p1(px) + "\" y1=\"" + p1(T) + "\" x2=\"" + p1(px) + "\" y2=\"" + p1(B) +
         "\" stroke=\"#e3e3e8\"/>";
    o += "<text x=\"" + p1(px) + "\" y=\"" + p1(B + 15) + "\" text-anchor=\"middle\">" +
         escape(label) + "</text>\n";
  }
  for (double v : ticks(sy.log, sy.lo, sy.hi)) {
    std::string label = tickLabel(v, sy.log, sy.lo, sy.hi);
    double py = sy.px(v);
    o += "<line x1=\"" + p1(L) + "\" y1=\"" + p1(py) + "\" x2=\"" + p1(R) + "\" y2=\"" + p1(py) +
         "\" stroke=\"#e3e3e8\"/>";
    o += "<text x=\"" + p1(L - 6) + "\" y=\"" + p1(py + 4) + "\" text-anchor=\"end\">" +
         escape(label) + "</text>\n";
  }
  o += "<text x=\"" + p1((L + R) / 2) + "\" y=\"" + p1(height - 12.0) +
       "\" text-anchor=\"middle\">" + escape(x.label) + "</text>\n";
  o += "<text transform=\"translate(16," + p1((T + B) / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">" + escape(y.label) + "</text>\n";

  o += "<g clip-path=\"url(#" + clipId + ")\">\n";
  for (const Band &b : bands) {
    if (!sx.valid(b.x0) || !sx.valid(b.x1))
      continue;
    double a = sx.px(b.x0), c = sx.px(b.x1);
    o += "<rect x=\"" + p1(std::min(a, c)) + "\" y=\"" + p1(T) + "\" width=\"" +
         p1(std::fabs(c - a)) + "\" height=\"" + p1(B - T) + "\" fill=\"" +
         (b.color.empty() ? "#2ca02c" : b.color) + "\" fill-opacity=\"0.12\"><title>" +
         escape(b.label) + "</title></rect>\n";
  }
  for (const Bar &b : bars) {
    if (!sx.valid(b.x0) || !sx.valid(b.x1) || !sy.valid(b.y))
      continue;
    double a = sx.px(b.x0), c = sx.px(b.x1), top = sy.px(b.y);
    o += "<rect x=\"" + p1(a) + "\" y=\"" + p1(top) + "\" width=\"" +
         p1(std::max(c - a - 0.3, 0.5)) + "\" height=\"" + p1(std::max(B - top, 0.0)) +
         "\" fill=\"" + barColor + "\"/>";
  }
  if (!bars.empty())
    o += "\n";
  int verticals = 0;
  std::vector<double> rightLabels;
  for (const RefLine &r : refLines) {
    std::string color = r.color.empty() ? "#555" : r.color;
    double x0, y0, x1, y1;
    if (r.kind == RefLine::Horizontal) {
      if (!sy.valid(r.value))
        continue;
      x0 = L, x1 = R, y0 = y1 = sy.px(r.value);
    } else if (r.kind == RefLine::Vertical) {
      if (!sx.valid(r.value))
        continue;
      x0 = x1 = sx.px(r.value), y0 = B, y1 = T;
    } else {
      // y = slope * x, through the x range (in log space a straight line of slope 1).
      double xa = sx.log ? std::pow(10.0, sx.lo) : sx.lo, xb = sx.log ? std::pow(10.0, sx.hi) : sx.hi;
      double ya = r.value * xa, yb = r.value * xb;
      if (!sy.valid(ya) || !sy.valid(yb))
        continue;
      x0 = sx.px(xa), y0 = sy.px(ya), x1 = sx.px(xb), y1 = sy.px(yb);
    }
    if (!clip(x0, y0, x1, y1, L, T, R, B))
      continue;
    o += "<line x1=\"" + p1(x0) + "\" y1=\"" + p1(y0) + "\" x2=\"" + p1(x1) + "\" y2=\"" +
         p1(y1) + "\" stroke=\"" + color + "\" stroke-width=\"1.5\"" +
         (r.dashed ? " stroke-dasharray=\"5,4\"" : "") + "/>";
    if (!r.label.empty()) {
      // The label sits at the line's upper right end, inside the plot; a vertical line's on the
      // side with more room, staggered so that two close lines stay readable.
      double lx = std::min(x1, R - 4), ly = y1 - 4;
      const char *anchor = "end";
      if (r.kind == RefLine::Vertical) {
        bool right = x1 < (L + R) / 2;
        lx = right ? x1 + 3 : x1 - 3;
        ly = T + 12 + 13 * (verticals++ % 2);
        anchor = right ? "start" : "end";
      } else if (r.kind == RefLine::Proportional) {
        // Along the line from where it enters the plot: diagonals of different slopes enter
        // at different heights, so their labels do not meet.
        double angle = std::atan2(y1 - y0, x1 - x0) * 180 / M_PI;
        double len = std::hypot(x1 - x0, y1 - y0), ux = (x1 - x0) / len, uy = (y1 - y0) / len;
        double tx = x0 + ux * 10 + uy * 4, ty = y0 + uy * 10 - ux * 4;
        o += "<text x=\"" + p1(tx) + "\" y=\"" + p1(ty) + "\" transform=\"rotate(" +
             p1(angle) + " " + p1(tx) + " " + p1(ty) + ")\" fill=\"" + color + "\">" +
             escape(r.label) + "</text>\n";
        continue;
      } else {
        // Horizontal: at the right end, or at the left when another label sits there already.
        bool taken = std::any_of(rightLabels.begin(), rightLabels.end(),
                                 [&](double y) { return std::fabs(y - ly) < 12; });
        if (taken) {
          lx = L + 4;
          anchor = "start";
        } else {
          rightLabels.push_back(ly);
        }
      }
      o += "<text x=\"" + p1(lx) + "\" y=\"" + p1(ly) + "\" text-anchor=\"" + anchor +
           "\" fill=\"" + color + "\">" + escape(r.label) + "</text>";
    }
    o += "\n";
  }
  std::vector<std::pair<double, double>> pointLabels;
  for (size_t k = 0; k < series.size(); ++k) {
    const Series &s = series[k];
    std::string color = s.color.empty() ? kPalette[k % 8] : s.color;
    if (s.line) {
      std::string pts;
      for (const Point &p : s.points)
        if (sx.valid(p.x) && sy.valid(p.y))
          pts += p1(sx.px(p.x)) + "," + p1(sy.px(p.y)) + " ";
      o += "<polyline points=\"" + pts + "\" fill=\"none\" stroke=\"" + color +
           "\" stroke-width=\"1.5\"" + (s.dashed ? " stroke-dasharray=\"4,3\"" : "") + "/>\n";
    }
    if (!s.markers)
      continue;
    for (const Point &p : s.points) {
      if (!sx.valid(p.x) || !sy.valid(p.y))
        continue;
      double px = sx.px(p.x), py = sy.px(p.y);
      if (p.yLo <= p.yHi && sy.valid(p.yLo) && sy.valid(p.yHi))
        o += "<line x1=\"" + p1(px) + "\" y1=\"" + p1(sy.px(p.yLo)) + "\" x2=\"" + p1(px) +
             "\" y2=\"" + p1(sy.px(p.yHi)) + "\" stroke=\"" + color + "\" stroke-width=\"1.2\"/>";
      o += "<circle cx=\"" + p1(px) + "\" cy=\"" + p1(py) + "\" r=\"4.5\" fill=\"" + color +
           "\" fill-opacity=\"0.85\" stroke=\"#fff\"><title>" +
           escape(p.tooltip.empty() ? p.label : p.tooltip) + "</title></circle>";
      // Labels of points in the right third go to their left, to stay inside the plot.
      bool leftOf = px > L + (R - L) * 0.67;
      double ty = py - 6;
      // Close points get their labels stacked instead of printed over each other.
      for (bool moved = true; moved;) {
        moved = false;
        for (auto [lx, ly] : pointLabels)
          if (std::fabs(lx - px) < 60 && std::fabs(ly - ty) < 11) {
            ty = ly + 12;
            moved = true;
          }
      }
      if (!p.label.empty()) {
        pointLabels.push_back({px, ty});
        o += "<text x=\"" + p1(leftOf ? px - 7 : px + 7) + "\" y=\"" + p1(ty) +
             "\" text-anchor=\"" + (leftOf ? "end" : "start") + "\" fill=\"" + color + "\">" +
             escape(p.label) + "</text>";
      }
      o += "\n";
    }
  }
  o += "</g>\n";

  if (hasLegend) {
    double ly = T + 10;
    for (size_t k = 0; k < series.size(); ++k) {
      const Series &s = series[k];
      if (s.name.empty())
        continue;
      std::string color = s.color.empty() ? kPalette[k % 8] : s.color;
      o += "<circle cx=\"" + p1(R + 16) + "\" cy=\"" + p1(ly - 4) + "\" r=\"4.5\" fill=\"" +
           color + "\"/><text x=\"" + p1(R + 26) + "\" y=\"" + p1(ly) + "\">" + escape(s.name) +
           "</text>\n";
      ly += 17;
    }
  }
  o += "</svg>\n";
  return o;
}

} // namespace mlir::qopt::svg
