// Keras's CosineSimilarity metric as state increments: one update_state() call turns into
// (Δtotal, Δcount); the caller keeps the running state (a plain pair of doubles, so that states
// merge by addition and serialise as JSON). result() = divide_no_nan(total, count).
//
// Values are +cos per sample from cosine_per_sample (the loss's core and kernels). Weighting:
// * Keras 2.9 (base_metric.py Reduce/MeanMetricWrapper, weights_broadcast_ops.broadcast_weights):
//   the weight is rank-adjusted as for the loss; if it is a scalar or has the values' rank with
//   every dim 1 or equal, it is materialised to the values' shape and Δtotal = Σ v·w,
//   Δcount = Σ w (each weight counted once per element it covers). Otherwise (Keras catches the
//   ValueError) the values are mean-reduced over their trailing axes beyond the weight's rank and
//   Δtotal = Σ(v·w) with ordinary broadcasting, Δcount = Σ w un-broadcast. No weight: Δtotal = Σ v,
//   Δcount = number of values.
// * Keras 3 (reduction_metrics.py reduce_to_samplewise_values with mean): values and weight go
//   through squeeze_or_expand_to_same_rank; values are mean-reduced beyond the weight's rank; the
//   weight is broadcast_to the values (an error if it cannot be); v·w; a weight of rank > 1 is
//   mean-reduced per sample; values are mean-reduced per sample; Δtotal = Σ v, Δcount = Σ w, or
//   without a weight the number of samples (shape[0], 1 for a scalar).
// All sums are Neumaier-compensated doubles (Keras keeps float32 variables: a deliberate
// deviation).
#pragma once

#include <cstdint>
#include <vector>

#include "cossim/cosine_similarity.h"

namespace cossim {

struct MetricUpdate {
  double total = 0;
  double count = 0;
};

Status cosine_metric_update(const TensorView& y_true, const TensorView& y_pred,
                            const TensorView* weight, const std::vector<std::int64_t>& axes,
                            Flavor flavor, const KernelSet& kernels, Workspace* ws,
                            MetricUpdate* update);

}  // namespace cossim
