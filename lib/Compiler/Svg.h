// A small SVG plotter for the HTML report: scatter, lines, bars and reference lines on linear or
// logarithmic axes, written as text. The report must stay one self-contained file that opens
// without a network and without Python, so its plots are SVG built here rather than images from
// a plotting library.
#ifndef QOPT_LIB_COMPILER_SVG_H
#define QOPT_LIB_COMPILER_SVG_H

#include <string>
#include <vector>

namespace mlir::qopt::svg {

/// Text made safe for HTML and SVG (element content and attribute values alike).
std::string escape(const std::string &text);

/// A number in a short form for tick labels: 1.5k, 2G, 0.001, 12.5.
std::string shortNumber(double v);

struct Axis {
  std::string label;
  bool log = false;
  /// The range shown; when lo >= hi it is taken from the data (with a margin).
  double lo = 0, hi = 0;
};

struct Point {
  double x = 0, y = 0;
  /// Shown next to the point (empty: none) and as its tooltip.
  std::string label, tooltip;
  /// Optional vertical error bar [yLo, yHi]; used when yLo <= yHi.
  double yLo = 1, yHi = 0;
};

struct Series {
  std::string name, color;
  std::vector<Point> points;
  bool markers = true;
  /// Joins the points in order with a line.
  bool line = false;
  bool dashed = false;
};

/// A line through the plot, in data coordinates, drawn under the data with its label at its end:
/// a roofline ceiling (y = c) or a bandwidth diagonal (y = slope * x).
struct RefLine {
  enum Kind { Horizontal, Proportional, Vertical } kind = Horizontal;
  double value = 0; // the constant, the slope, or the x of a vertical line
  std::string label, color;
  bool dashed = false;
};

/// A filled bar from x0 to x1 and from the axis up to y.
struct Bar {
  double x0 = 0, x1 = 0, y = 0;
};

/// A shaded x interval, e.g. the chosen clipping range.
struct Band {
  double x0 = 0, x1 = 0;
  std::string color, label;
};

struct Plot {
  std::string title;
  Axis x, y;
  std::vector<Series> series;
  std::vector<RefLine> refLines;
  std::vector<Bar> bars;
  std::string barColor = "#8aa9c9";
  std::vector<Band> bands;
  int width = 640, height = 380;
  bool legend = true;

  /// The plot as an <svg> element.
  std::string render() const;
};

} // namespace mlir::qopt::svg

#endif
