// Statistics of the benchmark suite over samples that may be missing (NaN: that measurement
// failed), and how its figures are written.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace polyrun::bench {

/// The samples that are not NaN, sorted.
std::vector<double> present(const std::vector<double>& values);
/// NaN when there is no sample.
double median(const std::vector<double>& values);
/// Nearest rank: the smallest sample with at least `fraction` (0 < fraction <= 1) of the samples
/// at or below it. NaN when there is no sample.
double percentile(const std::vector<double>& values, double fraction);
/// percentile(values, 0.9).
double p90(const std::vector<double>& values);
/// The median of f(a[i], b[i]) over the indexes (iterations) where both were measured.
double pairedMedian(const std::vector<double>& a, const std::vector<double>& b,
                    const std::function<double(double, double)>& f);
/// Paired median of a[i] / b[i].
double ratioOf(const std::vector<double>& a, const std::vector<double>& b);
/// Paired median of a[i] - b[i].
double differenceOf(const std::vector<double>& a, const std::vector<double>& b);

/// `value` with `decimals` decimals; "—" for NaN.
std::string fixed(double value, int decimals);
/// "12.3 ms", "245 ms".
std::string ms(double value);
/// "+1.2 ms", "-0.4 ms".
std::string signedMs(double value);
/// A time in nanoseconds in the unit that suits it: "345 ns", "1.25 µs", "12.5 ms".
std::string duration(double ns);

}  // namespace polyrun::bench
