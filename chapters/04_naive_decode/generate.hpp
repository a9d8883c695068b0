// generate.hpp — generating text (chapter 04): one sampling loop, and its naive next-logits.
//
//   generate()        the loop: logits → sample → stream → append, until a stop condition.
//   generate_naive()  every step runs the full forward pass over the whole sequence so far and
//                     keeps only the last position's logits.
//
// Chapter 05's generate_cached() calls the same generate() with another NextLogitsFn (one
// token through the model, reading a KV cache). So both draw the same random numbers in the
// same order and, given the same logits, pick the same tokens.
#pragma once

#include "01_tokenizer/tokenizer.hpp"       // Tokenizer::END_OF_TEXT (chapter 01)
#include "03_forward_pass/forward.hpp"       // forward_last (chapter 03)
#include "04_naive_decode/sampling.hpp"

#include <armadillo>
#include <functional>
#include <string>
#include <vector>

namespace gpt2 {

struct GenerationOptions {
    int max_new_tokens = 64;          // -n/--max-new-tokens
    SamplingSettings sampling;        // greedy / temperature / top-k / top-p / seed
    bool stop_at_end_of_text = true;  // stop after emitting <|endoftext|> (benchmarks turn it off)
    bool capture_logits = false;      // keep every step's logits (for --verify and the tests)
};

enum class StopReason { MaxNewTokens, EndOfText, ContextWindow };

struct Generation {
    std::vector<int> prompt_ids;
    std::vector<int> generated_ids;
    // One entry per generated token i (i = 0 is the first):
    std::vector<int> step_context;       // sequence length the step's logits came from (prompt + i)
    std::vector<double> step_seconds;    // forward pass + sampling for that token
    std::vector<arma::fvec> step_logits; // (vocab) each, when options.capture_logits
    double prefill_s = 0;             // the first forward pass (the whole prompt), without sampling
    double time_to_first_token_s = 0; // prefill + sampling the first token
    double decode_s = 0;              // every later step (tokens 2..N): their forward + sampling
    StopReason stop = StopReason::MaxNewTokens;
    int window = 0;                   // the context window the run was held to

    int new_tokens() const { return static_cast<int>(generated_ids.size()); }
    // Decode speed as llama.cpp counts it: tokens after the first / decode_s (0 if none).
    double decode_tokens_per_s() const;
    // "stopped: reached -n 64 new tokens" / "... <|endoftext|>" / "... context window".
    std::string stop_message() const;
};

// Produces the next-token logits (vocab) for `sequence`, whose last `n_new` tokens the
// function has not been given before (the first call: the whole prompt; then 1).
using NextLogitsFn = std::function<void(const std::vector<int>& sequence, int n_new, arma::fvec& logits)>;
// Called with each token as soon as it is chosen (stream it to the terminal, flushed).
using TokenFn = std::function<void(int token)>;

// Throws UserError if the prompt is empty or longer than the window (before any work).
void check_prompt_fits(const std::vector<int>& prompt, int window);

// The one loop: logits → sample → stream → append, until -n tokens, <|endoftext|>, or the
// window's last position has been used (prompt + generated ≤ window + 1: learned positions
// end at window − 1, and the token sampled there is never fed back).
Generation generate(const std::vector<int>& prompt, int window, const GenerationOptions& options,
                    const NextLogitsFn& next_logits, const TokenFn& on_token = {});

// Chapter 04: every step = forward_last() over the whole sequence.
Generation generate_naive(const Gpt2Weights& weights, const std::vector<int>& prompt,
                          const GenerationOptions& options, const TokenFn& on_token = {});

}  // namespace gpt2
