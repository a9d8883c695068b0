#include "09_fewer_bytes/compare.hpp"

#include "04_naive_decode/sampling.hpp"  // argmax (chapter 04)

#include <algorithm>
#include <cmath>

namespace gpt2 {

std::optional<int> FormatComparison::first_greedy_divergence() const {
    std::optional<int> first;
    for (const PromptComparison& p : prompts)
        if (p.first_greedy_divergence && (!first || *p.first_greedy_divergence < *first)) first = p.first_greedy_divergence;
    return first;
}

double kl_divergence(const arma::fvec& p_logits, const arma::fvec& q_logits) {
    // log-softmax in double: the distributions' tails matter to KL.
    const double p_max = p_logits.max(), q_max = q_logits.max();
    double p_sum = 0, q_sum = 0;
    for (arma::uword i = 0; i < p_logits.n_elem; ++i) {
        p_sum += std::exp(double(p_logits[i]) - p_max);
        q_sum += std::exp(double(q_logits[i]) - q_max);
    }
    const double p_log_z = p_max + std::log(p_sum), q_log_z = q_max + std::log(q_sum);
    double kl = 0;
    for (arma::uword i = 0; i < p_logits.n_elem; ++i) {
        const double log_p = p_logits[i] - p_log_z, log_q = q_logits[i] - q_log_z;
        kl += std::exp(log_p) * (log_p - log_q);
    }
    return std::max(0.0, kl);
}

namespace {

double top_margin(const arma::fvec& logits) {
    float first = -INFINITY, second = -INFINITY;
    for (float x : logits) {
        if (x > first) second = first, first = x;
        else if (x > second) second = x;
    }
    return double(first) - double(second);
}

GenerationOptions greedy(int new_tokens) {
    GenerationOptions options;
    options.max_new_tokens = new_tokens;
    options.sampling.temperature = 0;
    options.stop_at_end_of_text = false;
    options.capture_logits = true;
    return options;
}

}  // namespace

double teacher_forced_perplexity(const FormatModel& model, DType kv, const std::vector<int>& ids, int windows) {
    const int W = model.config().n_positions;
    FormatDecoder decoder(model, kv, 1);
    double nll = 0;
    long long count = 0;
    arma::fvec logits;
    std::vector<int> sequence;
    sequence.reserve(W);
    for (int w = 0; w < windows && static_cast<std::size_t>((w + 1) * W) <= ids.size(); ++w) {
        decoder.reset();
        sequence.assign(1, ids[w * W]);
        decoder.next_logits(sequence, 1, logits);  // the first token alone: a prefill of one
        for (int t = 1; t < W; ++t) {
            const int target = ids[w * W + t];
            const double max = logits.max();
            double sum = 0;
            for (float x : logits) sum += std::exp(double(x) - max);
            nll += (max + std::log(sum)) - logits[target];
            ++count;
            if (t + 1 == W) break;
            sequence.push_back(target);
            decoder.next_logits(sequence, 1, logits);  // every later token through the cache
        }
    }
    return count ? std::exp(nll / count) : NAN;
}

std::vector<FormatComparison> compare_formats(const FormatModel& fp32, const FormatModel* bf16,
                                              const std::vector<std::pair<DType, DType>>& combinations,
                                              const CompareSettings& settings) {
    // float32's own runs: the reference for every combination.
    std::vector<Generation> reference;
    for (const std::vector<int>& prompt : settings.prompts)
        reference.push_back(generate_with_formats(fp32, DType::fp32, prompt, greedy(settings.new_tokens)));
    std::optional<double> perplexity_fp32;
    if (!settings.heldout_ids.empty())
        perplexity_fp32 = teacher_forced_perplexity(fp32, DType::fp32, settings.heldout_ids, settings.perplexity_windows);

    std::vector<FormatComparison> results;
    for (const auto& [weights, kv] : combinations) {
        const FormatModel& model = weights == DType::bf16 ? *bf16 : fp32;
        FormatComparison c;
        c.weights = weights;
        c.kv = kv;
        double kl_sum = 0;
        long long steps = 0, agree = 0;
        for (std::size_t p = 0; p < settings.prompts.size(); ++p) {
            const std::vector<int>& prompt = settings.prompts[p];
            const Generation& ref = reference[p];
            // (a) the same tokens as float32, fed one by one.
            FormatDecoder decoder(model, kv, static_cast<int>(prompt.size()));
            std::vector<int> sequence = prompt;
            arma::fvec logits;
            for (int i = 0; i < ref.new_tokens(); ++i) {
                decoder.next_logits(sequence, i == 0 ? static_cast<int>(prompt.size()) : 1, logits);
                const arma::fvec& expected = ref.step_logits[i];
                c.max_abs_logit_diff = std::max<double>(c.max_abs_logit_diff, arma::abs(logits - expected).max());
                kl_sum += kl_divergence(expected, logits);
                agree += argmax(logits) == argmax(expected);
                ++steps;
                sequence.push_back(ref.generated_ids[i]);
            }
            // (b) its own greedy decoding: where does it first pick another token?
            const Generation own = generate_with_formats(model, kv, prompt, greedy(settings.new_tokens));
            PromptComparison pc;
            pc.prompt = prompt;
            pc.steps = ref.new_tokens();
            for (int i = 0; i < std::min(own.new_tokens(), ref.new_tokens()); ++i)
                if (own.generated_ids[i] != ref.generated_ids[i]) {
                    pc.first_greedy_divergence = i + 1;
                    pc.margin_at_divergence = top_margin(ref.step_logits[i]);
                    break;
                }
            c.prompts.push_back(pc);
        }
        c.kl_mean = steps ? kl_sum / steps : 0;
        c.top1_agreement = steps ? double(agree) / steps : 0;
        if (perplexity_fp32) {
            c.perplexity_fp32 = perplexity_fp32;
            c.perplexity = teacher_forced_perplexity(model, kv, settings.heldout_ids, settings.perplexity_windows);
        }
        results.push_back(std::move(c));
    }
    return results;
}

}  // namespace gpt2
