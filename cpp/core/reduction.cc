#include "reduction.h"

#include <iterator>
#include <string>
#include <string_view>

namespace cossim {

// The reduction keys (public, cosine_similarity.h) live with the rules they select, so a new
// reduction is its key here, its divisor in plan_reduction, and its enum value.
namespace {

struct ReductionKey {
  const char* key;
  Reduction reduction;
};

// Each flavour's accepted keys, in Keras's order (one loop instead of an inlined comparison per
// key: smaller code).
constexpr ReductionKey kKeras3Keys[] = {
    {"sum_over_batch_size", Reduction::kSumOverBatchSize},
    {"sum", Reduction::kSum},
    {"none", Reduction::kNone},
    {"None", Reduction::kNone},
    {"mean", Reduction::kMean},
    {"mean_with_sample_weight", Reduction::kMeanWithSampleWeight}};
constexpr ReductionKey kKeras2Keys[] = {{"auto", Reduction::kAuto},
                                        {"none", Reduction::kNone},
                                        {"sum", Reduction::kSum},
                                        {"sum_over_batch_size", Reduction::kSumOverBatchSize}};

}  // namespace

Status parse_reduction(std::string_view key, Reduction* out, Flavor flavor) {
  const bool keras3 = flavor == Flavor::kKeras3;
  const ReductionKey* begin = keras3 ? kKeras3Keys : kKeras2Keys;
  const ReductionKey* end = keras3 ? std::end(kKeras3Keys) : std::end(kKeras2Keys);
  for (const ReductionKey* k = begin; k != end; ++k) {
    if (key == k->key) {
      *out = k->reduction;
      return Status::Ok();
    }
  }
  if (keras3) {
    return Status::Invalid(
        "Invalid value for argument `reduction`. Expected one of {'sum_over_batch_size', 'sum', "
        "None, 'none', 'mean', 'mean_with_sample_weight'}. Received: reduction=" +
        std::string(key));
  }
  return Status::Invalid("Invalid Reduction Key: " + std::string(key) +
                         ". Expected keys are \"('auto', 'none', 'sum', 'sum_over_batch_size')\"");
}

const char* reduction_key(Reduction r) {
  switch (r) {
    case Reduction::kNone:
      return "none";
    case Reduction::kSum:
      return "sum";
    case Reduction::kSumOverBatchSize:
      return "sum_over_batch_size";
    case Reduction::kMean:
      return "mean";
    case Reduction::kMeanWithSampleWeight:
      return "mean_with_sample_weight";
    case Reduction::kAuto:
      break;
  }
  return "auto";
}

namespace internal {

ReductionPlan plan_reduction(Reduction reduction, Flavor flavor, const CosinePlan& plan,
                             const WeightPlan* weight_plan) {
  ReductionPlan rp;
  rp.weighted = weight_plan != nullptr;
  rp.full = rp.weighted ? &weight_plan->result : &plan.per_sample_shape;
  rp.count = rp.weighted ? num_elements(*rp.full) : plan.per_sample_count;
  const Shape& full = *rp.full;
  // Keras 3's reduce_values hands back values of shape [] or [0] unreduced.
  rp.pass_through =
      reduction == Reduction::kNone ||
      (flavor == Flavor::kKeras3 && (full.empty() || (full.size() == 1 && full[0] == 0)));
  if (rp.pass_through) return rp;
  rp.divide_by_weight_sum = reduction == Reduction::kMeanWithSampleWeight && rp.weighted;
  rp.divide_by_count = !rp.divide_by_weight_sum && reduction != Reduction::kSum;
  return rp;
}

Status ByteBudget::refuse(const std::string& what) const {
  const std::string bytes = ok_ ? uint_to_string(total_) : std::string("more than 2^64");
  return Status::TooLarge("Too large: " + what + " needs " + bytes + " bytes; at most " +
                          uint_to_string(kMaxBytes - 1) + " bytes fit in a 32-bit address space");
}

void add_forward_bytes(const CosinePlan& plan, std::size_t element_size, bool keep_row_sums,
                       ByteBudget* budget) {
  const std::int64_t n_out = plan.per_sample_count;
  budget->add(n_out, sizeof(double));  // per-sample values
  if (plan.empty) return;              // nothing else is touched
  // The operands' sizes only where a gather or the general path needs them (the common fused
  // call gathers nothing).
  if (plan.fused) {
    if (!plan.rows_true.gather_perm.empty()) budget->add(num_elements(plan.y_true), element_size);
    if (!plan.rows_pred.gather_perm.empty()) budget->add(num_elements(plan.y_pred), element_size);
    if (keep_row_sums) budget->add(n_out, 3 * sizeof(double));
    return;
  }
  const std::int64_t nt = num_elements(plan.y_true), np = num_elements(plan.y_pred);
  std::vector<int> perm;
  const RowLayout lt = row_layout(plan.y_true, plan.axes_true, &perm);
  if (lt.needs_gather) budget->add(nt, element_size);
  budget->add(lt.rows, 2 * sizeof(double));
  const RowLayout lp = row_layout(plan.y_pred, plan.axes_pred, &perm);
  if (lp.needs_gather) budget->add(np, element_size);
  budget->add(lp.rows, 2 * sizeof(double));
}

std::string operands_text(const Shape& y_true, const Shape& y_pred) {
  return "y_true " + shape_to_string(y_true) + " and y_pred " + shape_to_string(y_pred);
}

RowNorms kept_row_norms(const Buffer& storage, const Shape& shape, const std::vector<int>& axes) {
  std::vector<int> perm;
  const RowLayout layout = row_layout(shape, axes, &perm);
  RowNorms norms;
  norms.ss = static_cast<const double*>(storage.data());
  norms.inv = norms.ss + layout.rows;
  norms.keep = shape;
  for (int a : axes) norms.keep[a] = 1;
  return norms;
}

}  // namespace internal
}  // namespace cossim
