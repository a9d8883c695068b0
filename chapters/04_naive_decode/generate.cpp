#include "04_naive_decode/generate.hpp"

#include "common/errors.hpp"
#include "common/report.hpp"
#include "common/timing.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace gpt2 {

double Generation::decode_tokens_per_s() const {
    const int decoded = new_tokens() - 1;  // the first token came from the prefill
    return decoded > 0 && decode_s > 0 ? decoded / decode_s : 0.0;
}

std::string Generation::stop_message() const {
    switch (stop) {
        case StopReason::EndOfText:
            return "stopped: the model emitted <|endoftext|> (id 50256)";
        case StopReason::ContextWindow:
            return format("stopped: the %d-token context window is used up (%zu prompt + %d new; the last token "
                          "came from position %d and has no position to be fed back at); "
                          "GPT-2's positions are learned, it cannot go further",
                          window, prompt_ids.size(), new_tokens(), window - 1);
        case StopReason::MaxNewTokens:
        default:
            return format("stopped: generated the %d new tokens asked for (-n)", new_tokens());
    }
}

void check_prompt_fits(const std::vector<int>& prompt, int window) {
    if (prompt.empty()) throw UserError("the prompt is empty; give some text with -p or ids with --prompt-ids");
    if (static_cast<int>(prompt.size()) > window)
        throw UserError(format("the prompt has %zu tokens, more than the %d-token context window; shorten it",
                               prompt.size(), window));
}

// [listing:generation_loop]
Generation generate(const std::vector<int>& prompt, int window, const GenerationOptions& options,
                    const NextLogitsFn& next_logits, const TokenFn& on_token) {
    check_prompt_fits(prompt, window);
    if (options.max_new_tokens < 0)
        throw UserError(format("max new tokens must be >= 0; got %d", options.max_new_tokens));

    Generation run;
    run.prompt_ids = prompt;
    run.window = window;
    Sampler sampler(options.sampling);
    std::vector<int> sequence = prompt;  // prompt + generated: what the model has seen
    // The last position (window - 1) still gives logits, so the text can hold window + 1
    // tokens: the final one is sampled from position window - 1 and never fed back.
    sequence.reserve(window + 1);        // no reallocation inside the loop
    const std::size_t most = std::min<std::size_t>(options.max_new_tokens, window + 1 - prompt.size());
    run.generated_ids.reserve(most);
    run.step_context.reserve(most);
    run.step_seconds.reserve(most);
    arma::fvec logits;                   // (vocab), written by next_logits
    int unseen = static_cast<int>(prompt.size());  // tokens next_logits has not been given yet

    while (true) {
        // Three ways to stop: enough tokens, no position left to feed the last token at, or
        // <|endoftext|> (below).
        if (run.new_tokens() >= options.max_new_tokens) break;
        if (static_cast<int>(sequence.size()) > window) {
            run.stop = StopReason::ContextWindow;
            break;
        }
        Stopwatch step;
        next_logits(sequence, unseen, logits);  // naive: the whole sequence; cached: `unseen` tokens
        const double forward_s = step.seconds();
        const int token = sampler.next(logits);
        const double step_s = step.seconds();

        if (run.generated_ids.empty()) {
            run.prefill_s = forward_s;
            run.time_to_first_token_s = step_s;
        } else {
            run.decode_s += step_s;
        }
        run.step_context.push_back(static_cast<int>(sequence.size()));
        run.step_seconds.push_back(step_s);
        if (options.capture_logits) run.step_logits.push_back(logits);

        sequence.push_back(token);
        run.generated_ids.push_back(token);
        unseen = 1;
        if (on_token) on_token(token);  // stream it (outside the timed region)
        if (options.stop_at_end_of_text && token == Tokenizer::END_OF_TEXT) {
            run.stop = StopReason::EndOfText;
            break;
        }
    }
    return run;
}
// [/listing]

// [listing:naive_step]
Generation generate_naive(const Gpt2Weights& weights, const std::vector<int>& prompt,
                          const GenerationOptions& options, const TokenFn& on_token) {
    // Chapter 04: no memory between steps. Every step re-reads the WHOLE sequence with the
    // batched (gemm) forward pass of chapter 03 and keeps only the last column's logits.
    NextLogitsFn full_forward = [&weights](const std::vector<int>& sequence, int /*n_new*/, arma::fvec& logits) {
        logits = forward_last(weights, sequence);  // (vocab)
    };
    return generate(prompt, weights.config.n_positions, options, full_forward, on_token);
}
// [/listing]

}  // namespace gpt2
