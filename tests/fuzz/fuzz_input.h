// Decoding a libFuzzer input into one call of the core: the entry point, dtype, flavour,
// reduction, axes, shapes and values. Every choice is a byte or two, so mutations move between
// nearby cases; shapes are derived from one another (equal, broadcast, one rank more or less) so
// that most inputs are valid and reach the arithmetic rather than the shape errors.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "reference.h"

namespace cossim_fuzz {

enum class Op : int {
  kCall,
  kGradient,
  kSimilarity,
  kMetric,
  kPairwise,
  kTopK,
  kParseReduction,
};
inline constexpr int kNumOps = 7;

// What the harness may generate (set once from the environment, see cossim_fuzz.cc).
struct Options {
  bool huge_dims = false;  // dims up to INT64_MAX in empty or over-large shapes
};

// Elements an operand with data may have (its data is allocated at exactly this size, so the
// sanitizers see any read past it); larger shapes are made empty or over kMaxElements.
inline constexpr std::int64_t kMaxDataElements = 4096;

struct Operand {
  Shape shape;
  std::vector<double> v;   // values, exact in the dtype
  bool null_data = false;  // an empty operand passed with a null pointer
  bool huge = false;       // has a dim too large for the reference
};

struct Case {
  Op op = Op::kCall;
  DType dtype = DType::kFloat32;
  Flavor flavor = Flavor::kKeras2;
  Reduction reduction = Reduction::kAuto;
  std::string reduction_key;
  std::vector<std::int64_t> axes;
  Operand t, p, w, dy;
  bool has_w = false, has_dy = false, dy_matches = false;
  bool wrt_t = true, wrt_p = true;
  std::int64_t k = 0;
};

// Saturating element count (dims may be up to INT64_MAX).
inline std::int64_t saturating_count(const Shape& s) {
  __int128 n = 1;
  for (auto d : s) {
    n *= d;
    if (n > (__int128{1} << 62)) n = __int128{1} << 62;
  }
  return static_cast<std::int64_t>(n);
}

class Decoder {
 public:
  Decoder(const std::uint8_t* data, std::size_t size, const Options& options)
      : in_(data, size), options_(options) {}

  Case decode() {
    Case c;
    c.op = static_cast<Op>(in_.ConsumeIntegralInRange<int>(0, kNumOps - 1));
    c.dtype = in_.ConsumeBool() ? DType::kFloat64 : DType::kFloat32;
    c.flavor = in_.ConsumeIntegralInRange<int>(0, 3) == 0 ? Flavor::kKeras3 : Flavor::kKeras2;
    dtype_ = c.dtype;
    switch (c.op) {
      case Op::kPairwise:
      case Op::kTopK:
        decode_search(&c);
        break;
      case Op::kParseReduction:
        c.reduction_key = reduction_key_text();
        break;
      default:
        decode_loss(&c);
        break;
    }
    return c;
  }

 private:
  static constexpr std::int64_t kHugeDims[] = {
      std::int64_t{2147483647}, std::int64_t{2147483648},
      std::int64_t{4294967297}, std::int64_t{536870911},
      std::int64_t{1} << 40,    std::int64_t{1} << 53,
      std::int64_t{1} << 62,    std::numeric_limits<std::int64_t>::max()};

  std::int64_t small_dim() {
    static constexpr std::int64_t kDims[] = {1, 2, 3, 4, 5, 1, 2, 0};
    return kDims[in_.ConsumeIntegralInRange<int>(0, 7)];
  }
  // Mostly small; with huge_dims, 1 in 16 dims is huge.
  std::int64_t dim(bool* huge) {
    if (options_.huge_dims && in_.ConsumeIntegralInRange<int>(0, 15) == 0) {
      *huge = true;
      return kHugeDims[in_.ConsumeIntegralInRange<int>(0, 7)];
    }
    return small_dim();
  }
  int rank() {
    static constexpr int kRanks[] = {0, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 1};
    return kRanks[in_.ConsumeIntegralInRange<int>(0, 15)];
  }
  Shape shape(bool* huge) {
    Shape s(static_cast<std::size_t>(rank()));
    for (auto& d : s) d = dim(huge);
    // Sometimes a long last dim, across the kernels' vector widths and f32 flush block (256).
    if (!s.empty() && in_.ConsumeIntegralInRange<int>(0, 15) == 0) {
      static constexpr std::int64_t kLong[] = {7, 8, 9, 16, 17, 33, 255, 257, 300, 513};
      s.back() = kLong[in_.ConsumeIntegralInRange<int>(0, 9)];
    }
    return s;
  }
  // A shape related to `base`: equal, broadcast-compatible, one rank more or less, or unrelated.
  Shape related(const Shape& base, bool* huge) {
    Shape s = base;
    switch (in_.ConsumeIntegralInRange<int>(0, 9)) {
      case 0:
      case 1:
      case 2:
      case 3:
        break;
      case 4:  // some dims become 1
        for (auto& d : s)
          if (in_.ConsumeBool()) d = 1;
        break;
      case 5:  // a trailing 1 (the squeeze rule)
        s.push_back(1);
        break;
      case 6:  // one dim fewer, or a leading dim more
        if (!s.empty() && in_.ConsumeBool()) {
          s.erase(s.begin());
        } else {
          s.insert(s.begin(), dim(huge));
        }
        break;
      case 7:  // the last dim dropped
        if (!s.empty()) s.pop_back();
        break;
      default:
        s = shape(huge);
        break;
    }
    return s;
  }

  double value(bool small_only) {
    const auto b = in_.ConsumeIntegral<std::uint8_t>();
    double x;
    if (b < 120 || small_only) {
      x = static_cast<double>(static_cast<int>(b % 17) - 8) / 4;  // exact quarters in [-2, 2]
    } else if (b < 216) {
      x = (in_.ConsumeIntegral<std::uint16_t>() / 32768.0 - 1.0) * 2.0;
    } else {
      const double sign = (b & 1) ? -1.0 : 1.0;
      switch ((b >> 1) % 8) {
        case 0:
          x = 0.0;
          break;
        case 1:
          x = -0.0;
          break;
        case 2:
          x = sign * 3e-8;
          break;  // squares far below both epsilons for short rows
        case 3:
          x = std::numeric_limits<double>::quiet_NaN();
          break;
        case 4:
          x = sign * std::numeric_limits<double>::infinity();
          break;
        case 5:
          x = sign * (dtype_ == DType::kFloat32 ? 1e30 : 1e100);
          break;
        case 6:
          x = sign * 1e4;
          break;
        default:
          x = sign * 1e-3;
          break;
      }
    }
    return dtype_ == DType::kFloat32 ? static_cast<double>(static_cast<float>(x)) : x;
  }

  // Fills an operand: its values from the input, or (for long operands) from a generator seeded
  // by the input, with the same palette.
  void fill(Operand* o, bool huge, bool small_values = false) {
    o->huge = huge;
    std::int64_t n = saturating_count(o->shape);
    if (n > kMaxDataElements && n <= cossim::kMaxElements) {
      // Too large to hold: make it empty (a huge shape with a zero dim), keeping the rank.
      if (o->shape.empty()) o->shape.push_back(0);
      o->shape[in_.ConsumeIntegralInRange<std::size_t>(0, o->shape.size() - 1)] = 0;
      n = 0;
    }
    if (n > cossim::kMaxElements) n = 0;  // refused before any read: no data needed
    o->v.resize(static_cast<std::size_t>(n));
    o->null_data = n == 0 && in_.ConsumeBool();
    if (n <= 64) {
      for (auto& x : o->v) x = value(small_values);
      return;
    }
    std::mt19937_64 rng(in_.ConsumeIntegral<std::uint64_t>());
    const int special = in_.ConsumeIntegralInRange<int>(0, 3);  // how often a special value
    for (auto& x : o->v) {
      const std::uint64_t r = rng();
      if (special > 0 && (r >> 40) % (64 * special) == 0) {
        static constexpr double kSpecial[] = {0.0, 3e-8, 1e4, -1e-3};
        x = kSpecial[(r >> 8) % 4];
      } else {
        x = (static_cast<double>(r >> 11) * 0x1p-53 - 0.5) * 4.0;
      }
      if (dtype_ == DType::kFloat32) x = static_cast<double>(static_cast<float>(x));
    }
  }

  std::string reduction_key_text() {
    static const char* const kKeys[] = {
        "auto", "none", "sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", "None",
        "",     "SUM",  "sum "};
    if (in_.ConsumeIntegralInRange<int>(0, 7) == 0) return in_.ConsumeRandomLengthString(24);
    return kKeys[in_.ConsumeIntegralInRange<int>(0, 9)];
  }

  void decode_loss(Case* c) {
    c->reduction = static_cast<Reduction>(in_.ConsumeIntegralInRange<int>(0, 5));
    // Axes: mostly [-1]; else 0-3 axes in [-5, 4] (out of range and duplicates included).
    const int n_axes = in_.ConsumeIntegralInRange<int>(0, 7);
    if (n_axes >= 4) {
      c->axes = {-1};
    } else {
      for (int i = 0; i < n_axes; ++i) c->axes.push_back(in_.ConsumeIntegralInRange<int>(-5, 4));
    }
    bool huge = false;
    c->t.shape = shape(&huge);
    fill(&c->t, huge);
    huge = false;
    c->p.shape = related(c->t.shape, &huge);
    fill(&c->p, huge);
    // Weight: none, a scalar, or a shape related to the per-sample shape (y_true without its
    // last dim, as for the default axis).
    const int wmode = in_.ConsumeIntegralInRange<int>(0, 5);
    if (wmode >= 3) {
      c->has_w = true;
      Shape base = c->t.shape.size() > c->p.shape.size() ? c->t.shape : c->p.shape;
      if (!base.empty()) base.pop_back();
      huge = false;
      c->w.shape = wmode == 3 ? Shape{} : related(base, &huge);
      fill(&c->w, huge);
    }
    if (c->op == Op::kGradient) {
      const int g = in_.ConsumeIntegralInRange<int>(0, 2);
      c->wrt_t = g != 1;
      c->wrt_p = g != 0;
      const int dmode = in_.ConsumeIntegralInRange<int>(0, 3);
      c->has_dy = dmode > 0;
      c->dy_matches = dmode <= 2;  // shaped like the output (filled by the harness)
      if (c->has_dy && !c->dy_matches) {
        huge = false;
        c->dy.shape = shape(&huge);
        fill(&c->dy, huge, true);
      }
    }
  }

 public:
  // dy's values once the harness knows the output shape.
  void fill_dy(Operand* dy) { fill(dy, false, true); }

 private:
  void decode_search(Case* c) {
    bool huge = false;
    const int mode = in_.ConsumeIntegralInRange<int>(0, 7);
    auto rows = [&]() -> std::int64_t {
      if (options_.huge_dims && in_.ConsumeIntegralInRange<int>(0, 15) == 0) {
        huge = true;
        return kHugeDims[in_.ConsumeIntegralInRange<int>(0, 7)];
      }
      return in_.ConsumeIntegralInRange<std::int64_t>(0, 13);
    };
    std::int64_t d = in_.ConsumeIntegralInRange<std::int64_t>(0, 12);
    if (in_.ConsumeIntegralInRange<int>(0, 7) == 0) {
      static constexpr std::int64_t kLong[] = {16, 33, 255, 256, 257, 1030};
      d = kLong[in_.ConsumeIntegralInRange<int>(0, 5)];
    }
    if (mode == 0) {
      c->t.shape = shape(&huge);  // any rank (errors)
    } else if (c->op == Op::kTopK && mode <= 2) {
      c->t.shape = {d};  // one query
    } else {
      c->t.shape = {rows(), d};
    }
    fill(&c->t, huge);
    huge = false;
    c->p.shape = mode == 7 ? shape(&huge) : Shape{rows(), mode == 6 ? d + 1 : d};
    fill(&c->p, huge);
    static constexpr std::int64_t kBigK[] = {-1, std::int64_t{1} << 31,
                                             std::numeric_limits<std::int64_t>::max(),
                                             std::numeric_limits<std::int64_t>::min()};
    c->k = in_.ConsumeIntegralInRange<int>(0, 7) == 0 ? kBigK[in_.ConsumeIntegralInRange<int>(0, 3)]
                                                      : in_.ConsumeIntegralInRange<int>(0, 16);
  }

  FuzzedDataProvider in_;
  Options options_;
  DType dtype_ = DType::kFloat32;
};

}  // namespace cossim_fuzz
