// sampling.hpp — from next-token logits to one token id (chapter 04, README step 2).
//
// greedy       temperature 0: the most likely token (lowest id among exact ties).
// temperature  logits / T before the softmax: T < 1 sharpens, T > 1 flattens.
// top-k        keep only the k most likely tokens (0 = keep all).
// top-p        keep the smallest set of most-likely tokens whose probability reaches p
//              ("nucleus"; 1 = keep all). Applied after top-k, as most tools do.
//
// Reproducible everywhere: the random source is std::mt19937_64, whose output the C++
// standard fixes bit for bit, turned into a uniform number in [0, 1) by our own code (the
// top 53 bits). std::uniform_real_distribution & co. are NOT used: their output differs
// between standard libraries. Every call to Sampler::next() draws exactly ONE uniform
// number — greedy too — so naive and cached decoding, given the same seed, consume the
// random stream identically and pick identical tokens.
#pragma once

#include <armadillo>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace gpt2 {

struct SamplingSettings {
    double temperature = 0.8;    // 0 = greedy
    int top_k = 40;              // 0 = no top-k cut
    double top_p = 0.95;         // 1 = no top-p cut
    std::uint64_t seed = 1234;   // same seed, same settings, same logits → same tokens

    bool greedy() const { return temperature == 0.0; }
    // Throws UserError for temperature < 0 (or not finite), top-k < 0, top-p outside (0, 1].
    void validate() const;
    // "temperature 0.8, top-k 40, top-p 0.95, seed 1234" or "greedy".
    std::string describe() const;
};

// The one random source: uniform doubles in [0, 1), identical on every platform.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : engine_(seed) {}
    double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

private:
    std::mt19937_64 engine_;
};

// Index of the largest logit (the lowest index among exact ties).
int argmax(const arma::fvec& logits);

// The distribution sampling draws from, after temperature, top-k and top-p: candidate ids
// (most likely first; equal logits ordered by id) and their probabilities (summing to 1).
// Not for greedy (temperature must be > 0). `ids` and `probs` are reused buffers.
void sampling_distribution(const arma::fvec& logits, const SamplingSettings& settings,
                           std::vector<int>& ids, std::vector<double>& probs);

// The candidate a uniform number u in [0, 1) selects: walk the cumulative probabilities.
int pick_candidate(const std::vector<int>& ids, const std::vector<double>& probs, double u);

class Sampler {
public:
    explicit Sampler(const SamplingSettings& settings);
    // The next token for these logits (vocab). Draws exactly one uniform number.
    int next(const arma::fvec& logits);
    // Back to the seed: the same logits will give the same tokens again.
    void reset() { rng_ = Rng(settings_.seed); }
    const SamplingSettings& settings() const { return settings_; }

private:
    SamplingSettings settings_;
    Rng rng_;
    std::vector<int> ids_;       // candidate buffer, reused every step
    std::vector<double> probs_;  // their probabilities, reused every step
};

}  // namespace gpt2
