#include "suite/stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace polyrun::bench {

std::vector<double> present(const std::vector<double>& values) {
  std::vector<double> kept;
  for (double v : values)
    if (!std::isnan(v)) kept.push_back(v);
  std::sort(kept.begin(), kept.end());
  return kept;
}

double median(const std::vector<double>& values) {
  const auto v = present(values);
  if (v.empty()) return NAN;
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double percentile(const std::vector<double>& values, double fraction) {
  const auto v = present(values);
  if (v.empty()) return NAN;
  const size_t rank = static_cast<size_t>(std::ceil(fraction * static_cast<double>(v.size())));
  return v[std::min(std::max<size_t>(rank, 1), v.size()) - 1];
}

double p90(const std::vector<double>& values) { return percentile(values, 0.9); }

double pairedMedian(const std::vector<double>& a, const std::vector<double>& b,
                    const std::function<double(double, double)>& f) {
  std::vector<double> pairs;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (!std::isnan(a[i]) && !std::isnan(b[i])) pairs.push_back(f(a[i], b[i]));
  return median(pairs);
}

double ratioOf(const std::vector<double>& a, const std::vector<double>& b) {
  return pairedMedian(a, b, [](double x, double y) { return x / y; });
}
double differenceOf(const std::vector<double>& a, const std::vector<double>& b) {
  return pairedMedian(a, b, [](double x, double y) { return x - y; });
}

std::string fixed(double value, int decimals) {
  if (std::isnan(value)) return "—";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string ms(double value) {
  if (std::isnan(value)) return "—";
  return fixed(value, value < 100 ? 1 : 0) + " ms";
}

std::string signedMs(double value) {
  if (std::isnan(value)) return "—";
  return (value >= 0 ? "+" : "") + fixed(value, 1) + " ms";
}

std::string duration(double ns) {
  if (std::isnan(ns)) return "—";
  if (ns < 1e3) return fixed(ns, 0) + " ns";
  if (ns < 1e6) return fixed(ns / 1e3, ns < 1e4 ? 2 : 1) + " µs";
  if (ns < 1e9) return fixed(ns / 1e6, ns < 1e7 ? 2 : 1) + " ms";
  return fixed(ns / 1e9, 2) + " s";
}

}  // namespace polyrun::bench
