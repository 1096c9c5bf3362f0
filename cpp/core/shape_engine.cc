#include "cossim/shape_engine.h"

#include <algorithm>
#include <string>

namespace cossim {

Status validate_shape(const Shape& shape, const char* what) {
  if (shape.size() > static_cast<std::size_t>(kMaxRank)) {
    return Status::Shape(std::string(what) + " has rank " + int_to_string(shape.size()) +
                         "; at most " + int_to_string(kMaxRank) + " dimensions are supported");
  }
  bool empty = false;
  for (std::int64_t d : shape) {
    if (d < 0) {
      return Status::Shape(std::string(what) + " has a negative dimension: shape " +
                           shape_to_string(shape));
    }
    empty |= d == 0;
  }
  if (empty) return Status::Ok();  // no elements, whatever the other dims are
  bool too_many = false;
  std::int64_t product = 1;
  for (std::int64_t d : shape) {
    if (product > kMaxElements / d) {  // product * d > kMaxElements, tested without overflow
      too_many = true;
      break;
    }
    product *= d;
  }
  if (too_many) {
    return Status::TooLarge(std::string(what) + " of shape " + shape_to_string(shape) +
                            " has too many elements");
  }
  return Status::Ok();
}

Status resolve_axes(const std::vector<std::int64_t>& axes, const Shape& shape, const char* what,
                    std::vector<int>* resolved) {
  const auto rank = static_cast<std::int64_t>(shape.size());
  resolved->clear();
  for (std::int64_t axis : axes) {
    const std::int64_t r = axis < 0 ? axis + rank : axis;
    if (r < 0 || r >= rank) {
      return Status::Shape("Invalid reduction dimension (" + int_to_string(axis) +
                           " for input with " + int_to_string(rank) + " dimension(s)): axis " +
                           int_to_string(axis) + " is out of range for " + what + " of shape " +
                           shape_to_string(shape));
    }
    if (std::find(resolved->begin(), resolved->end(), static_cast<int>(r)) != resolved->end()) {
      return Status::Shape(
          "Invalid reduction arguments: Axes contains duplicate dimension: " + int_to_string(r) +
          " (for " + what + " of shape " + shape_to_string(shape) + ")");
    }
    // Kept sorted by insertion (at most kMaxRank axes): std::sort's introsort cost 1.5 KB of
    // .wasm (660 B gzip).
    resolved->push_back(static_cast<int>(r));
    for (std::size_t i = resolved->size() - 1; i > 0 && (*resolved)[i - 1] > (*resolved)[i]; --i) {
      const int t = (*resolved)[i];
      (*resolved)[i] = (*resolved)[i - 1];
      (*resolved)[i - 1] = t;
    }
  }
  return Status::Ok();
}

void apply_squeeze_rule(Shape* y_true, Shape* y_pred) {
  if (y_pred->size() == y_true->size() + 1 && y_pred->back() == 1) {
    y_pred->pop_back();
  } else if (y_true->size() == y_pred->size() + 1 && y_true->back() == 1) {
    y_true->pop_back();
  }
}

void squeeze_or_expand_to_same_rank(Shape* x1, Shape* x2) {
  const std::size_t r1 = x1->size(), r2 = x2->size();
  if (r1 == r2 + 1 && x1->back() == 1) {
    if (r2 == 1) {
      x2->push_back(1);
    } else {
      x1->pop_back();
    }
  } else if (r2 == r1 + 1 && x2->back() == 1) {
    if (r1 == 1) {
      x1->push_back(1);
    } else {
      x2->pop_back();
    }
  }
}

Status broadcast_shapes(const Shape& a, const Shape& b, Shape* out) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape& result = *out;  // callers never alias out with a or b
  result.resize(rank);
  for (std::size_t j = 0; j < rank; ++j) {
    const std::size_t from_end = rank - 1 - j;
    const std::int64_t da = from_end < a.size() ? a[a.size() - 1 - from_end] : 1;
    const std::int64_t db = from_end < b.size() ? b[b.size() - 1 - from_end] : 1;
    if (da == db || db == 1) {
      result[j] = da;
    } else if (da == 1) {
      result[j] = db;
    } else {
      return Status::Shape("Incompatible shapes: " + shape_to_string(a) + " vs. " +
                           shape_to_string(b));
    }
  }
  return Status::Ok();
}

std::vector<std::int64_t> broadcast_strides(const Shape& shape, const Shape& target) {
  std::vector<std::int64_t> strides(target.size(), 0);
  const std::size_t offset = target.size() - shape.size();
  // Unsigned: the dims of an empty shape may multiply past INT64_MAX (signed overflow is UB); its
  // strides then address no element, as any broadcast with it is empty too.
  std::uint64_t stride = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    if (shape[i] != 1) strides[i + offset] = static_cast<std::int64_t>(stride);
    stride *= static_cast<std::uint64_t>(shape[i]);
  }
  return strides;
}

Status adjust_weight_rank(const Shape& losses, Shape* weight) {
  if (weight->empty()) return Status::Ok();
  if (weight->size() == losses.size() + 1) {
    if (weight->back() != 1) {
      return Status::Shape("Can not squeeze dim[" + int_to_string(weight->size() - 1) +
                           "], expected a dimension of 1, got " + int_to_string(weight->back()) +
                           " (sample_weight of shape " + shape_to_string(*weight) +
                           " against losses of shape " + shape_to_string(losses) + ")");
    }
    weight->pop_back();
  } else if (losses.size() == weight->size() + 1) {
    weight->push_back(1);
  }
  return Status::Ok();
}

namespace {

bool contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Whether `x` (own axes `own_axes`) can be read row by row against the broadcast shape: its
// axes, aligned on the right, are exactly the reduction axes, and it is not broadcast along them.
bool rows_line_up(const Shape& x, const std::vector<int>& own_axes, const CosinePlan& plan) {
  const int offset = static_cast<int>(plan.broadcast.size() - x.size());
  if (own_axes.size() != plan.axes_broadcast.size()) return false;
  for (std::size_t i = 0; i < own_axes.size(); ++i) {
    const int b = plan.axes_broadcast[i];
    if (own_axes[i] + offset != b) return false;
    if (x[own_axes[i]] != plan.broadcast[b]) return false;
  }
  return true;
}

// Fills `rows` (reusing its capacity: plans are rebuilt on every call).
void plan_rows(const Shape& x, const std::vector<int>& own_axes, const CosinePlan& plan,
               OperandRows* rows) {
  const int rank = static_cast<int>(x.size());
  // The operand's own outer dims, in order, and the row stride of each.
  std::int64_t own_stride[kMaxRank] = {};
  std::int64_t stride = 1;
  for (int d = rank; d-- > 0;) {
    if (contains(own_axes, d)) continue;
    own_stride[d] = x[d] == 1 ? 0 : stride;
    // Saturating: the strides of an empty operand are never used, and its dims may overflow.
    std::uint64_t next = 0;
    const bool fits =
        checked_mul(static_cast<std::uint64_t>(stride), static_cast<std::uint64_t>(x[d]), &next) &&
        next <= static_cast<std::uint64_t>(INT64_MAX);
    stride = fits ? static_cast<std::int64_t>(next) : INT64_MAX;
  }
  row_layout(x, own_axes, &rows->gather_perm);
  rows->outer_row_strides.clear();
  const int offset = static_cast<int>(plan.broadcast.size()) - rank;
  for (int b = 0; b < static_cast<int>(plan.broadcast.size()); ++b) {
    if (contains(plan.axes_broadcast, b)) continue;
    rows->outer_row_strides.push_back(b - offset >= 0 ? own_stride[b - offset] : 0);
  }
}

}  // namespace

RowLayout row_layout(const Shape& x, const std::vector<int>& own_axes, std::vector<int>* perm) {
  RowLayout layout;
  perm->clear();
  Shape outer_dims, axis_dims;
  for (int d = 0; d < static_cast<int>(x.size()); ++d) {
    if (contains(own_axes, d)) {
      axis_dims.push_back(x[d]);
    } else {
      perm->push_back(d);
      outer_dims.push_back(x[d]);
    }
  }
  // Saturating products: of an empty x, the factor without the 0 may exceed int64.
  layout.rows = num_elements(outer_dims);
  layout.row_length = num_elements(axis_dims);
  perm->insert(perm->end(), own_axes.begin(), own_axes.end());
  int last = -1;
  for (int d : *perm) {
    if (x[d] == 1) continue;
    if (d < last) {
      layout.needs_gather = true;
      break;
    }
    last = d;
  }
  if (!layout.needs_gather) perm->clear();
  return layout;
}

Status plan_cosine(const Shape& y_true, const Shape& y_pred, const std::vector<std::int64_t>& axes,
                   CosinePlan* plan, Flavor flavor, Form form) {
  COSSIM_RETURN_IF_ERROR(validate_shape(y_true, "y_true"));
  COSSIM_RETURN_IF_ERROR(validate_shape(y_pred, "y_pred"));
  plan->y_true = y_true;
  plan->y_pred = y_pred;
  if (flavor == Flavor::kKeras3) {
    squeeze_or_expand_to_same_rank(&plan->y_true, &plan->y_pred);
    if (plan->y_true.empty()) plan->y_true.push_back(1);
    if (plan->y_pred.empty()) plan->y_pred.push_back(1);
  } else if (form == Form::kLossClass) {
    apply_squeeze_rule(&plan->y_true, &plan->y_pred);
  }
  // Keras normalises y_true, then y_pred, then multiplies: errors come in that order.
  COSSIM_RETURN_IF_ERROR(resolve_axes(axes, plan->y_true, "y_true", &plan->axes_true));
  COSSIM_RETURN_IF_ERROR(resolve_axes(axes, plan->y_pred, "y_pred", &plan->axes_pred));
  COSSIM_RETURN_IF_ERROR(broadcast_shapes(plan->y_true, plan->y_pred, &plan->broadcast));
  COSSIM_RETURN_IF_ERROR(validate_shape(plan->broadcast, "y_true * y_pred"));
  COSSIM_RETURN_IF_ERROR(
      resolve_axes(axes, plan->broadcast, "y_true * y_pred", &plan->axes_broadcast));

  plan->outer.clear();
  plan->row_length = 1;
  // An operand with a 0 dim makes the broadcast empty: nothing is read and no row is planned
  // (the other dims may be anything up to 2^63; their products are never formed).
  plan->empty = num_elements(plan->broadcast) == 0;
  Shape reduced;
  for (int b = 0; b < static_cast<int>(plan->broadcast.size()); ++b) {
    if (contains(plan->axes_broadcast, b)) {
      reduced.push_back(plan->broadcast[b]);
    } else {
      plan->outer.push_back(plan->broadcast[b]);
    }
  }
  plan->row_length = num_elements(reduced);  // saturating: only an empty plan can exceed 2^53
  plan->per_sample_shape = plan->outer;
  plan->per_sample_count = num_elements(plan->per_sample_shape);

  plan->fused = rows_line_up(plan->y_true, plan->axes_true, *plan) &&
                rows_line_up(plan->y_pred, plan->axes_pred, *plan);
  if (plan->fused) {
    plan_rows(plan->y_true, plan->axes_true, *plan, &plan->rows_true);
    plan_rows(plan->y_pred, plan->axes_pred, *plan, &plan->rows_pred);
  }
  return Status::Ok();
}

Status plan_weights(const Shape& losses, const Shape& weight, WeightPlan* plan, Flavor flavor) {
  COSSIM_RETURN_IF_ERROR(validate_shape(weight, "sample_weight"));
  plan->losses = losses;
  plan->weight = weight;
  if (flavor == Flavor::kKeras3) {
    squeeze_or_expand_to_same_rank(&plan->losses, &plan->weight);
  } else {
    COSSIM_RETURN_IF_ERROR(adjust_weight_rank(losses, &plan->weight));
  }
  COSSIM_RETURN_IF_ERROR(broadcast_shapes(plan->losses, plan->weight, &plan->result));
  COSSIM_RETURN_IF_ERROR(validate_shape(plan->result, "losses * sample_weight"));
  plan->loss_strides = broadcast_strides(plan->losses, plan->result);
  plan->weight_strides = broadcast_strides(plan->weight, plan->result);
  return Status::Ok();
}

}  // namespace cossim
