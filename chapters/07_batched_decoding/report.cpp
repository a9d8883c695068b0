#include "07_batched_decoding/report.hpp"

#include "04_naive_decode/generation_report.hpp"  // decode_text, stop_reason_name (chapter 04)
#include "common/paths.hpp"
#include "common/report.hpp"

#include <cmath>
#include <cstdio>

namespace chapter07 {

using namespace gpt2;

namespace {

std::string seconds_or_dash(double s, const char* fmt = "%.3f") { return std::isfinite(s) ? format(fmt, s) : "-"; }

}  // namespace

void print_served(const ServeResult& served, const Tokenizer* tokenizer, const ServeOptions& options,
                  const std::string& model) {
    std::printf("model: %s; %s batching, %d slots; sampling: %s\n\n", shown_path(model).c_str(),
                batching_name(served.batching), served.slots, options.sampling.describe().c_str());
    std::vector<std::string> labels;
    for (const RequestResult& r : served.requests) labels.push_back(std::to_string(r.index));
    print_sequences(served, tokenizer, labels);
    print_totals(served);
}

void print_sequences(const ServeResult& served, const Tokenizer* tokenizer, const std::vector<std::string>& labels) {
    for (std::size_t i = 0; i < served.requests.size(); ++i) {
        const RequestResult& r = served.requests[i];
        if (tokenizer)
            std::printf("[%s] %s|%s\n", labels[i].c_str(), tokenizer->decode(r.prompt_ids).c_str(),
                        tokenizer->decode(r.generated_ids).c_str());
        else
            std::printf("[%s] %zu prompt ids | %s\n", labels[i].c_str(), r.prompt_ids.size(),
                        json_dump(Json(r.generated_ids)).c_str());
    }
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < served.requests.size(); ++i) {
        const RequestResult& r = served.requests[i];
        rows.push_back({labels[i], std::to_string(r.prompt_ids.size()), std::to_string(r.new_tokens()),
                        stop_reason_name(r.stop), seconds_or_dash(r.time_to_first_token_s),
                        seconds_or_dash(r.finish_s), seconds_or_dash(r.time_per_output_token_s() * 1e3, "%.1f")});
    }
    std::printf("\n(the text after | is generated)\n\n%s",
                format_table({"request", "prompt", "new", "stopped by", "first token s", "finished s", "ms/token"}, rows)
                    .c_str());
}

void print_totals(const ServeResult& served) {
    std::printf("%lld tokens in %.2f s: %.1f tokens/s overall; decode steps: %d, %.1f tokens/s; prefills %.2f s\n",
                served.generated_tokens(), served.total_s, served.throughput_tokens_per_s(), served.steps,
                served.decode_tokens_per_s(), served.prefill_s);
    std::printf("slot-steps: %lld, of them idle: %lld (%.0f%%)\n", served.slot_steps, served.idle_slot_steps,
                served.slot_steps ? 100.0 * served.idle_slot_steps / served.slot_steps : 0.0);
}

Json served_json(const ServeResult& served, const Tokenizer* tokenizer, const ServeOptions& options,
                 const std::string& model) {
    Json requests = Json::array();
    for (const RequestResult& r : served.requests)
        requests.push_back({{"index", r.index},
                            {"prompt_ids", r.prompt_ids},
                            {"generated_ids", r.generated_ids},
                            {"stop_reason", stop_reason_name(r.stop)},
                            {"time_to_first_token_s", r.time_to_first_token_s},  // NaN → null: no token
                            {"finish_s", r.finish_s},
                            {"time_per_output_token_s", r.time_per_output_token_s()},
                            {"prompt_text", decode_text(tokenizer, r.prompt_ids)},
                            {"text", decode_text(tokenizer, r.generated_ids)}});
    return {{"chapter", "07_batched_decoding"},
            {"model", model},
            {"batch", served.slots},
            {"batching", batching_name(served.batching)},
            {"sampling", {{"greedy", options.sampling.greedy()},
                          {"temperature", options.sampling.temperature},
                          {"top_k", options.sampling.top_k},
                          {"top_p", options.sampling.top_p}}},
            {"requests", requests},
            {"timing", {{"total_s", served.total_s},
                        {"decode_tokens_per_s", served.decode_tokens_per_s()},
                        {"steps", served.steps},
                        {"decode_s", served.decode_s},
                        {"prefill_s", served.prefill_s},
                        {"generated_tokens", served.generated_tokens()},
                        {"decode_tokens", served.decode_tokens},
                        {"throughput_tokens_per_s", served.throughput_tokens_per_s()},
                        {"slot_steps", served.slot_steps},
                        {"idle_slot_steps", served.idle_slot_steps}}}};
}

void print_checks(const std::vector<RequestCheck>& checks, const ServeResult& served) {
    std::printf("each request in the batch against its solo run (chapter 05's cached decoding, same seed):\n");
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < checks.size(); ++i) {  // checks[i] is served.requests[i]'s
        const RequestCheck& c = checks[i];
        rows.push_back({std::to_string(c.index), std::to_string(served.requests[i].new_tokens()),
                        c.identical ? "identical" : format("differ from step %d", c.first_difference),
                        format("%.2e", c.max_abs_logit_diff)});
    }
    std::printf("%s", format_table({"request", "tokens", "tokens vs solo", "max |logit diff|"}, rows).c_str());
}

Json checks_json(const std::vector<RequestCheck>& checks) {
    Json out = Json::array();
    for (const RequestCheck& c : checks)
        out.push_back({{"index", c.index},
                       {"identical", c.identical},
                       {"first_difference", c.first_difference ? Json(c.first_difference) : Json(nullptr)},
                       {"max_abs_logit_diff", c.max_abs_logit_diff}});
    return out;
}

}  // namespace chapter07
