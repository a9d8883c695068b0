#include "04_naive_decode/sampling.hpp"

#include "common/errors.hpp"
#include "common/report.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace gpt2 {

void SamplingSettings::validate() const {
    if (!std::isfinite(temperature) || temperature < 0)
        throw UserError(format("temperature must be a number >= 0 (0 = greedy); got %g", temperature));
    if (top_k < 0) throw UserError(format("top-k must be >= 0 (0 = no cut); got %d", top_k));
    if (!(top_p > 0 && top_p <= 1))
        throw UserError(format("top-p must be in (0, 1] (1 = no cut); got %g", top_p));
}

std::string SamplingSettings::describe() const {
    if (greedy()) return "greedy (temperature 0)";
    return format("temperature %g, top-k %d%s, top-p %g%s, seed %llu", temperature, top_k,
                  top_k == 0 ? " (off)" : "", top_p, top_p == 1.0 ? " (off)" : "",
                  static_cast<unsigned long long>(seed));
}

int argmax(const arma::fvec& logits) {
    int best = 0;
    for (arma::uword i = 1; i < logits.n_elem; ++i)
        if (logits[i] > logits[best]) best = static_cast<int>(i);  // strict '>': lowest id wins ties
    return best;
}

// [listing:sampling_distribution]
void sampling_distribution(const arma::fvec& logits, const SamplingSettings& settings,
                           std::vector<int>& ids, std::vector<double>& probs) {
    // [exercise:top_k_top_p] see chapters/04_naive_decode/README.md, step 2
    const int vocab = static_cast<int>(logits.n_elem);
    // 1. Order the candidates, most likely first. Equal logits are ordered by id, so the
    //    result never depends on the sorting algorithm (or the standard library).
    ids.resize(vocab);
    std::iota(ids.begin(), ids.end(), 0);
    auto more_likely = [&logits](int a, int b) {
        return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    };
    // 2. top-k: only the k most likely survive (a partial sort: no need to order all 50257).
    const int k = settings.top_k > 0 && settings.top_k < vocab ? settings.top_k : vocab;
    if (k < vocab) {
        std::nth_element(ids.begin(), ids.begin() + k, ids.end(), more_likely);
        ids.resize(k);
    }
    std::sort(ids.begin(), ids.end(), more_likely);

    // 3. Temperature, then a numerically stable softmax over the survivors (in double):
    //    p_i ∝ exp((logit_i − max) / T).
    probs.resize(k);
    const double top = logits[ids[0]];
    double total = 0;
    for (int i = 0; i < k; ++i) {
        probs[i] = std::exp((logits[ids[i]] - top) / settings.temperature);
        total += probs[i];
    }
    // 4. top-p: the shortest most-likely-first prefix whose probability reaches p.
    int keep = k;
    if (settings.top_p < 1.0) {
        double cumulative = 0;
        for (int i = 0; i < k; ++i) {
            cumulative += probs[i] / total;
            if (cumulative >= settings.top_p) {
                keep = i + 1;
                break;
            }
        }
    }
    ids.resize(keep);
    probs.resize(keep);
    // 5. Renormalise what is left so it sums to 1.
    const double kept = std::accumulate(probs.begin(), probs.end(), 0.0);
    for (double& p : probs) p /= kept;
    // [/exercise]
}
// [/listing]

int pick_candidate(const std::vector<int>& ids, const std::vector<double>& probs, double u) {
    double cumulative = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        cumulative += probs[i];
        if (u < cumulative) return ids[i];
    }
    return ids.back();  // u within rounding of 1
}

Sampler::Sampler(const SamplingSettings& settings) : settings_(settings), rng_(settings.seed) {
    settings_.validate();
}

// [listing:sampler_next]
int Sampler::next(const arma::fvec& logits) {
    if (logits.n_elem == 0 || !logits.is_finite())
        throw std::runtime_error("the model produced empty or non-finite logits");
    // Exactly one draw per token, whatever the settings: the random stream advances the
    // same way in every run with this seed, so naive and cached decoding stay in step.
    const double u = rng_.uniform();
    if (settings_.greedy()) return argmax(logits);
    sampling_distribution(logits, settings_, ids_, probs_);
    return pick_candidate(ids_, probs_, u);
}
// [/listing]

}  // namespace gpt2
