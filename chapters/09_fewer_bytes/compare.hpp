// compare.hpp — what fewer bytes cost in accuracy, measured against float32 (chapter 09, step 6).
//
// For every prompt the float32 model (float32 cache) decodes greedily; then each combination of
// formats (a) is fed the SAME tokens (teacher forcing) and its next-token logits are compared
// step by step with float32's: the largest |Δ logit|, the KL divergence of the two next-token
// distributions, and how often the most likely token is the same; (b) decodes greedily on its
// own, to find the first step where it picks another token — and float32's margin between its
// two best tokens at that step (a near-tie explains a divergence). On the small trained model,
// (c) the perplexity of its held-out text, teacher-forced through each combination's cache.
#pragma once

#include "09_fewer_bytes/format_model.hpp"

#include <optional>
#include <string>
#include <vector>

namespace gpt2 {

struct PromptComparison {
    std::vector<int> prompt;
    int steps = 0;
    std::optional<int> first_greedy_divergence;  // 1-based step; none when every token agreed
    double margin_at_divergence = 0;             // float32's top-1 − top-2 logit there
};

struct FormatComparison {
    DType weights = DType::fp32, kv = DType::fp32;
    double max_abs_logit_diff = 0;
    double kl_mean = 0;          // nats, mean over every compared step
    double top1_agreement = 0;   // fraction of steps whose most likely token is float32's
    std::vector<PromptComparison> prompts;
    std::optional<int> first_greedy_divergence() const;  // the earliest over the prompts
    std::optional<double> perplexity, perplexity_fp32;   // held-out text, when it applies
};

struct CompareSettings {
    int new_tokens = 64;
    std::vector<std::vector<int>> prompts;
    std::vector<int> heldout_ids;  // empty: no perplexity
    int perplexity_windows = 8;
};

// Every (weights, kv) pair of `combinations` against float32/float32. `fp32` and `bf16` are the
// same model in the two weight formats (`bf16` may be null when no combination uses it).
std::vector<FormatComparison> compare_formats(const FormatModel& fp32, const FormatModel* bf16,
                                              const std::vector<std::pair<DType, DType>>& combinations,
                                              const CompareSettings& settings);

// Teacher-forced perplexity of `ids` in windows of the model's n_positions (at most `windows`
// of them), every token fed through the cache one by one (so the cache's format matters).
double teacher_forced_perplexity(const FormatModel& model, DType kv, const std::vector<int>& ids, int windows);

// KL(p || q) of the softmax distributions of two logit vectors, in nats.
double kl_divergence(const arma::fvec& p_logits, const arma::fvec& q_logits);

}  // namespace gpt2
