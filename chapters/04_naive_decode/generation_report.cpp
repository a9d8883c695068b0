#include "04_naive_decode/generation_report.hpp"

#include "common/errors.hpp"
#include "common/report.hpp"

#include <cstdio>

namespace gpt2 {

void TokenPrinter::prompt(const std::vector<int>& ids) const {
    if (tokenizer_) {
        const std::string text = tokenizer_->decode(ids);
        std::fwrite(text.data(), 1, text.size(), stdout);
    } else {
        for (int id : ids) std::printf("[%d]", id);
    }
    std::fflush(stdout);
}

void TokenPrinter::token(int id) const {
    if (tokenizer_) {
        const std::string text = tokenizer_->decode({id});
        std::fwrite(text.data(), 1, text.size(), stdout);
    } else {
        std::printf(" [%d]", id);
    }
    std::fflush(stdout);  // one token at a time, as it is produced
}

void TokenPrinter::end() const {
    std::printf("\n");
    std::fflush(stdout);
}

std::string decode_text(const Tokenizer* tokenizer, const std::vector<int>& ids) {
    return tokenizer ? tokenizer->decode(ids) : std::string();
}

const char* stop_reason_name(StopReason reason) {
    switch (reason) {
        case StopReason::EndOfText: return "end_of_text";
        case StopReason::ContextWindow: return "context_window";
        case StopReason::MaxNewTokens:
        default: return "max_new_tokens";
    }
}

Json generation_json(const Generation& run, const Tokenizer* tokenizer, const SamplingSettings& sampling) {
    Json out;
    out["prompt_ids"] = run.prompt_ids;
    out["generated_ids"] = run.generated_ids;
    out["text"] = decode_text(tokenizer, run.generated_ids);
    out["prompt_text"] = decode_text(tokenizer, run.prompt_ids);
    out["stop_reason"] = stop_reason_name(run.stop);
    out["stop_message"] = run.stop_message();
    out["sampling"] = {{"greedy", sampling.greedy()},
                       {"temperature", sampling.temperature},
                       {"top_k", sampling.top_k},
                       {"top_p", sampling.top_p},
                       {"seed", sampling.seed}};
    out["timing"] = {{"prefill_s", run.prefill_s},
                     {"decode_s", run.decode_s},
                     {"new_tokens", run.new_tokens()},
                     {"decode_tokens_per_s", run.decode_tokens_per_s()},
                     {"time_to_first_token_s", run.time_to_first_token_s},
                     {"total_s", run.time_to_first_token_s + run.decode_s}};
    return out;
}

}  // namespace gpt2
