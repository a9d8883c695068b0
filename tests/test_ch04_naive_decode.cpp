// Checks for chapter 04 (naive decoding): sampling (chapters/04_naive_decode/sampling), the generation loop
// both decode chapters share (chapters/04_naive_decode/generate), and naive decoding on the tiny fixture models
// against the independent numpy reference (tests/reference/, see its README).
//
// Where expected values come from:
// - std::mt19937_64: the C++ standard ([rand.predef]) fixes its 10000th output from the
//   default seed 5489 as 9981545732273789042.
// - the sampling distributions: worked by hand in the comments (e^-1 = 0.36787944,
//   e^-2 = 0.13533528).
// - greedy continuations: tests/reference/ (numpy, written independently of this code).
// - the cost of a naive step: counted by hand for GPT-2 small's published shape (d = 768,
//   n = 12 layers, 12 heads, V = 50257), the arithmetic written out in the test.
#include "04_naive_decode/cost_model.hpp"
#include "04_naive_decode/generate.hpp"
#include "common/errors.hpp"
#include "04_naive_decode/sampling.hpp"
#include "decode_references.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace gpt2;

namespace {

const std::string kStep2 = "see chapters/04_naive_decode/README.md, step 2 (sampling)";
const std::string kStep3 = "see chapters/04_naive_decode/README.md, step 3 (the generation loop)";
const std::string kStep4 = "see chapters/04_naive_decode/README.md, step 4 (the cost model)";

arma::fvec logits_of(std::vector<float> values) { return arma::fvec(values); }

SamplingSettings sampling(double temperature, int top_k, double top_p, std::uint64_t seed = 1) {
    SamplingSettings s;
    s.temperature = temperature;
    s.top_k = top_k;
    s.top_p = top_p;
    s.seed = seed;
    return s;
}

// A stand-in model for the loop: favours token (last + 1) mod vocab, records what it was given.
struct CountingModel {
    int vocab = 50257;
    std::vector<int> seen_lengths, seen_new;
    int end_of_text_at_call = -1;  // make <|endoftext|> the favourite on this call (0-based)
    NextLogitsFn fn() {
        return [this](const std::vector<int>& sequence, int n_new, arma::fvec& logits) {
            seen_lengths.push_back(static_cast<int>(sequence.size()));
            seen_new.push_back(n_new);
            logits.zeros(vocab);
            const bool eot = static_cast<int>(seen_lengths.size()) - 1 == end_of_text_at_call;
            logits[eot ? Tokenizer::END_OF_TEXT : (sequence.back() + 1) % vocab] = 10.0f;
        };
    }
};

}  // namespace

TEST_SUITE("ch04_naive_decode") {

TEST_CASE("the random generator is std::mt19937_64, whose output the C++ standard fixes") {
    // [rand.predef]: the 10000th output of a default-seeded (5489) mt19937_64 is 9981545732273789042.
    Rng rng(5489);
    double u = 0;
    for (int i = 0; i < 10000; ++i) u = rng.uniform();
    const double expected = static_cast<double>(9981545732273789042ULL >> 11) * 0x1.0p-53;
    CHECK(u == expected);
    Rng again(5489);
    CHECK(again.uniform() >= 0.0);
    CHECK(again.uniform() < 1.0);
}

TEST_CASE("greedy takes the largest logit, and the lowest id among exact ties") {
    CHECK(argmax(logits_of({0.5f, 2.0f, -1.0f, 2.0f})) == 1);
    CHECK(argmax(logits_of({-3.0f, -2.0f, -1.0f})) == 2);
    Sampler greedy(sampling(0.0, 40, 0.95));
    CHECK(greedy.next(logits_of({0.1f, 0.3f, 0.2f})) == 1);
}

TEST_CASE("top-k keeps the k most likely tokens and renormalises them (hand-worked example)") {
    INFO(kStep2);
    // logits (2, 1, 0, 2), T = 1, k = 3: survivors in order ids 0, 3 (tie: lower id first), 1.
    // weights e^0, e^0, e^-1 → / (2 + e^-1) = 0.42231879, 0.42231879, 0.15536241.
    std::vector<int> ids;
    std::vector<double> probs;
    sampling_distribution(logits_of({2, 1, 0, 2}), sampling(1.0, 3, 1.0), ids, probs);
    REQUIRE(ids == std::vector<int>{0, 3, 1});
    CHECK(probs[0] == doctest::Approx(0.42231879).epsilon(1e-7));
    CHECK(probs[1] == doctest::Approx(0.42231879).epsilon(1e-7));
    CHECK(probs[2] == doctest::Approx(0.15536241).epsilon(1e-7));
}

TEST_CASE("temperature divides the logits before the softmax (hand-worked example)") {
    INFO(kStep2);
    // T = 0.5: exponents (l − 2)/0.5 = 0, 0, −2 → e^0, e^0, e^-2 / (2 + e^-2) = 0.46831053, 0.06337894.
    std::vector<int> ids;
    std::vector<double> probs;
    sampling_distribution(logits_of({2, 1, 0, 2}), sampling(0.5, 3, 1.0), ids, probs);
    REQUIRE(ids.size() == 3);
    CHECK(probs[0] == doctest::Approx(0.46831053).epsilon(1e-7));
    CHECK(probs[2] == doctest::Approx(0.06337894).epsilon(1e-7));
}

TEST_CASE("top-p keeps the shortest most-likely prefix whose probability reaches p") {
    INFO(kStep2);
    // From the top-k example: cumulative 0.4223, 0.8446 ≥ 0.8 → ids 0 and 3, renormalised 1/2 each.
    std::vector<int> ids;
    std::vector<double> probs;
    sampling_distribution(logits_of({2, 1, 0, 2}), sampling(1.0, 3, 0.8), ids, probs);
    REQUIRE(ids == std::vector<int>{0, 3});
    CHECK(probs[0] == doctest::Approx(0.5));
    CHECK(probs[1] == doctest::Approx(0.5));
    // p so small that only the single most likely token survives.
    sampling_distribution(logits_of({0, 5, 1}), sampling(1.0, 0, 0.01), ids, probs);
    CHECK(ids == std::vector<int>{1});
    CHECK(probs[0] == doctest::Approx(1.0));
    // top-k 0 and top-p 1: every token, all probabilities summing to 1.
    sampling_distribution(logits_of({0, 1, 2, 3, 4}), sampling(1.0, 0, 1.0), ids, probs);
    CHECK(ids == std::vector<int>{4, 3, 2, 1, 0});
    double total = 0;
    for (double p : probs) total += p;
    CHECK(total == doctest::Approx(1.0));
}

TEST_CASE("a uniform number picks the candidate whose cumulative probability passes it") {
    const std::vector<int> ids{5, 7, 9};
    const std::vector<double> probs{0.5, 0.3, 0.2};
    CHECK(pick_candidate(ids, probs, 0.0) == 5);
    CHECK(pick_candidate(ids, probs, 0.49) == 5);
    CHECK(pick_candidate(ids, probs, 0.5) == 7);
    CHECK(pick_candidate(ids, probs, 0.79) == 7);
    CHECK(pick_candidate(ids, probs, 0.81) == 9);
    CHECK(pick_candidate(ids, probs, 0.999999) == 9);
}

TEST_CASE("sampled tokens follow the distribution (20,000 draws)") {
    INFO(kStep2);
    // logits = log(0.1, 0.2, 0.3, 0.4) at T = 1 → those probabilities. A frequency's standard
    // deviation is at most sqrt(0.25 / 20000) = 0.0035; allow 0.015 (over 4 sigma).
    const arma::fvec logits = arma::log(arma::fvec{0.1f, 0.2f, 0.3f, 0.4f});
    Sampler sampler(sampling(1.0, 0, 1.0, 99));
    std::vector<int> counts(4, 0);
    const int draws = 20000;
    for (int i = 0; i < draws; ++i) counts[sampler.next(logits)]++;
    for (int t = 0; t < 4; ++t) {
        INFO("token " << t << " drawn " << counts[t] << " times");
        CHECK(std::abs(counts[t] / double(draws) - 0.1 * (t + 1)) < 0.015);
    }
}

TEST_CASE("every token costs exactly one uniform draw, so a seed fixes the whole sequence") {
    INFO(kStep2);
    const arma::fvec logits = arma::linspace<arma::fvec>(0, 3, 50);
    const SamplingSettings s = sampling(0.9, 20, 0.9, 4242);
    Sampler sampler(s);
    Rng rng(s.seed);  // replay the same stream by hand: one uniform per token
    std::vector<int> ids;
    std::vector<double> probs;
    for (int step = 0; step < 200; ++step) {
        sampling_distribution(logits, s, ids, probs);
        const int expected = pick_candidate(ids, probs, rng.uniform());
        REQUIRE(sampler.next(logits) == expected);
    }
    // reset() goes back to the seed; another seed gives another sequence.
    sampler.reset();
    Sampler same(s), other(sampling(0.9, 20, 0.9, 4243));
    int differences = 0;
    for (int step = 0; step < 50; ++step) {
        const int a = sampler.next(logits);
        CHECK(a == same.next(logits));
        differences += a != other.next(logits);
    }
    CHECK(differences > 0);
}

TEST_CASE("bad sampling settings are refused with a clear message") {
    CHECK_THROWS_AS(Sampler(sampling(-0.1, 40, 0.9)), UserError);
    CHECK_THROWS_AS(Sampler(sampling(1.0, -1, 0.9)), UserError);
    CHECK_THROWS_AS(Sampler(sampling(1.0, 40, 0.0)), UserError);
    CHECK_THROWS_AS(Sampler(sampling(1.0, 40, 1.5)), UserError);
    CHECK_THROWS_WITH(Sampler(sampling(1.0, 40, 1.5)), doctest::Contains("top-p"));
    CHECK_NOTHROW(Sampler(sampling(0.0, 0, 1.0)));
}

TEST_CASE("the loop feeds the prompt first, then one new token per step, and stops after -n tokens") {
    INFO(kStep3);
    CountingModel model;
    GenerationOptions options;
    options.max_new_tokens = 5;
    options.sampling.temperature = 0;
    std::vector<int> streamed;
    const Generation run = generate({10, 11, 12}, 1024, options, model.fn(), [&](int t) { streamed.push_back(t); });
    CHECK(run.generated_ids == std::vector<int>{13, 14, 15, 16, 17});
    CHECK(streamed == run.generated_ids);
    CHECK(model.seen_new == std::vector<int>{3, 1, 1, 1, 1});
    CHECK(model.seen_lengths == std::vector<int>{3, 4, 5, 6, 7});
    CHECK(run.step_context == model.seen_lengths);
    CHECK(run.stop == StopReason::MaxNewTokens);
    REQUIRE(run.step_seconds.size() == 5);
    CHECK(run.time_to_first_token_s >= run.prefill_s);
    CHECK(run.decode_s >= 0);
}

TEST_CASE("generation stops right after <|endoftext|>, unless told to ignore it") {
    INFO(kStep3);
    CountingModel model;
    model.end_of_text_at_call = 2;
    GenerationOptions options;
    options.max_new_tokens = 10;
    options.sampling.temperature = 0;
    const Generation run = generate({1, 2}, 1024, options, model.fn());
    CHECK(run.generated_ids == std::vector<int>{3, 4, Tokenizer::END_OF_TEXT});
    CHECK(run.stop == StopReason::EndOfText);
    CountingModel again;
    again.end_of_text_at_call = 2;
    options.stop_at_end_of_text = false;
    CHECK(generate({1, 2}, 1024, options, again.fn()).new_tokens() == 10);
}

TEST_CASE("a run that would pass the context window stops at it and says why") {
    INFO(kStep3);
    CountingModel model;
    GenerationOptions options;
    options.max_new_tokens = 10;
    options.sampling.temperature = 0;
    const Generation run = generate({1, 2, 3, 4, 5}, 8, options, model.fn());
    // Positions 4..7 each give one token: 5 + 4 = 9 = window + 1 (the last is never fed back).
    CHECK(run.new_tokens() == 4);
    CHECK(model.seen_lengths.back() == 8);  // the last step read the whole window, not more
    CHECK(run.stop == StopReason::ContextWindow);
    CHECK(run.stop_message().find("context window") != std::string::npos);
}

TEST_CASE("an empty prompt, or one longer than the window, is refused before any work") {
    CountingModel model;
    GenerationOptions options;
    CHECK_THROWS_WITH_AS(generate({1, 2, 3, 4, 5, 6, 7, 8, 9}, 8, options, model.fn()),
                         doctest::Contains("context window"), UserError);
    CHECK_THROWS_AS(generate({}, 8, options, model.fn()), UserError);
    options.max_new_tokens = -1;
    CHECK_THROWS_AS(generate({1}, 8, options, model.fn()), UserError);
    CHECK(model.seen_lengths.empty());
}

TEST_CASE("naive decoding reproduces the reference greedy continuations, logits included") {
    INFO("reference: tests/reference/<fixture>.json, field greedy (numpy, independent); "
         "see chapters/04_naive_decode/README.md, step 3");
    const std::vector<decode_references::GreedyReference> refs = decode_references::greedy_references();
    REQUIRE_MESSAGE(!refs.empty(), "no greedy references in tests/reference/ (make fixtures writes them)");
    for (const decode_references::GreedyReference& ref : refs) {
        const Gpt2Weights weights = load_gpt2(ref.model_path);
        GenerationOptions options;
        options.max_new_tokens = 1000;  // the reference runs until the window is full
        options.sampling.temperature = 0;
        options.stop_at_end_of_text = false;
        options.capture_logits = true;
        const Generation run = generate_naive(weights, ref.prompt, options);
        decode_references::check_greedy_run(ref, run);
    }
}

TEST_CASE("a naive step over 4 tokens of GPT-2 small costs 0.757 GFLOP, as counted by hand") {
    // By hand (README step 4), d = 768, n = 12, V = 50257, L = 4, 2 FLOPs per multiply-add:
    //   weight products  2 · 12d² · L · n = 24 · 589,824 · 4 · 12 = 679,477,248
    //   attention        2 · 2 · L² · d · n = 4 · 16 · 768 · 12    =     589,824
    //   output head      2 · d · V = 2 · 768 · 50,257               =  77,194,752
    //   total                                                         757,261,824 ≈ 0.757 GFLOP
    //   (the first row of the step table chapter04 prints)
    // Element-wise work: GELUs 4d · L · n = 147,456; softmax entries n · heads · L(L+1)/2 = 1,440;
    // LayerNorm elements 2d · L · n = 73,728. Weights read: every layer's four matrices, biases and
    // two LayerNorms, 12d² + 13d = 7,087,872 floats, ×12, + ln_f 2d + the output head V·d =
    // 123,653,376 floats = 494,613,504 bytes.
    const Gpt2Config c = gpt2_small_config();
    const StepCost cost = naive_step_cost(c, 4);
    const struct {
        const char* what;
        double got, by_hand;
    } counts[] = {
        {"weight FLOPs, 24·n·d²·L", cost.matmul_flops, 679477248.0},
        {"attention FLOPs, 4·n·d·L² (the full L×L scores and weighted sum)", cost.attention_flops, 589824.0},
        {"output head FLOPs, 2·d·V (the last position only)", cost.head_flops, 77194752.0},
        {"total FLOPs", cost.flops(), 757261824.0},
        {"GELU evaluations, 4d·L·n", cost.gelu_evals, 147456.0},
        {"softmax entries, n·heads·L(L+1)/2 (query j sees j + 1 keys)", cost.softmax_evals, 1440.0},
        {"LayerNorm elements, 2d·L·n", cost.layer_norm_evals, 73728.0},
        {"weight bytes, (n·(12d² + 13d) + 2d + V·d) floats (decode_weight_bytes)", cost.weight_bytes, 494613504.0},
    };
    for (const auto& count : counts)
        CHECK_MESSAGE(count.got == doctest::Approx(count.by_hand).epsilon(1e-9),
                      "naive_step_cost(GPT-2 small, L = 4): " << count.what << " is " << count.got
                                                               << ", by hand " << count.by_hand << "; " << kStep4);
}

TEST_CASE("a naive step's weight work grows like L and its attention like L squared (L = 256 and 512)") {
    // By hand: at L = 256, 24 · 589,824 · 256 · 12 = 43,486,543,872 (43.5 GFLOP) of weight products
    // and 4 · 256² · 768 · 12 = 2,415,919,104 (2.4 GFLOP) of attention. At L = 512 the GELUs and the
    // softmax entries are both ≈ 18.9 million: 4 · 768 · 512 · 12 = 18,874,368 and
    // 12 · 12 · 512 · 513 / 2 = 18,911,232.
    const Gpt2Config c = gpt2_small_config();
    const StepCost at256 = naive_step_cost(c, 256), at512 = naive_step_cost(c, 512);
    INFO(kStep4);
    CHECK_MESSAGE(at256.matmul_flops == doctest::Approx(43486543872.0).epsilon(1e-9),
                  "weight FLOPs at L = 256: " << at256.matmul_flops << ", by hand 43,486,543,872");
    CHECK_MESSAGE(at256.attention_flops == doctest::Approx(2415919104.0).epsilon(1e-9),
                  "attention FLOPs at L = 256: " << at256.attention_flops << ", by hand 2,415,919,104");
    CHECK_MESSAGE(at512.gelu_evals == doctest::Approx(18874368.0).epsilon(1e-9),
                  "GELU evaluations at L = 512: " << at512.gelu_evals << ", by hand 18,874,368");
    CHECK_MESSAGE(at512.softmax_evals == doctest::Approx(18911232.0).epsilon(1e-9),
                  "softmax entries at L = 512: " << at512.softmax_evals << ", by hand 18,911,232");
    CHECK_MESSAGE(at512.head_flops == at256.head_flops, "the output head works on one column whatever L is");
}

}  // TEST_SUITE
