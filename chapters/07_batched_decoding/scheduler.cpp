// scheduler.cpp — the serving loop: admit requests into slots, decode every running sequence
// together, free a slot when its sequence finishes. README steps 2 and 4.
#include "07_batched_decoding/scheduler.hpp"

#include "05_cached_decode/cached_decode.hpp"  // forward_cached: the prefill (chapter 05)
#include "05_cached_decode/kv_cache.hpp"
#include "07_batched_decoding/batched_step.hpp"
#include "01_tokenizer/tokenizer.hpp"          // Tokenizer::END_OF_TEXT
#include "common/errors.hpp"
#include "common/timing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>

namespace gpt2 {

const char* batching_name(Batching batching) { return batching == Batching::Static ? "static" : "continuous"; }

double RequestResult::time_per_output_token_s() const {
    if (new_tokens() < 2) return std::numeric_limits<double>::quiet_NaN();
    return (finish_s - time_to_first_token_s) / (new_tokens() - 1);
}

long long ServeResult::generated_tokens() const {
    long long total = 0;
    for (const RequestResult& r : requests) total += r.new_tokens();
    return total;
}

Spread spread_of(std::vector<double> values) {
    values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
    if (values.empty()) return {std::nan(""), std::nan("")};
    std::sort(values.begin(), values.end());
    auto at = [&](double q) { return values[static_cast<std::size_t>(std::lround(q * (values.size() - 1)))]; };
    return {at(0.5), at(0.9)};
}

namespace {

// One place in the batch: a KV cache allocated once, and the sequence it is serving.
struct Slot {
    explicit Slot(const Gpt2Config& config) : cache(config) { sequence.reserve(config.n_positions + 1); }
    KVCache cache;                  // the whole window, allocated once; reset() for each request
    int request = -1;               // the request it holds (-1: free)
    bool running = false;           // holds a request that still generates
    std::optional<Sampler> sampler; // that request's own random stream
    std::vector<int> sequence;      // its prompt + generated tokens
};

class Server {
public:
    Server(const Gpt2Weights& weights, const std::vector<Request>& requests, const ServeOptions& options)
        : weights_(weights), requests_(requests), options_(options) {
        const Gpt2Config& config = weights.config;
        if (options.batch < 1)
            throw UserError("--batch " + std::to_string(options.batch) + ": at least 1 sequence must decode");
        result_.batching = options.batching;
        result_.slots = static_cast<int>(std::min<std::size_t>(options.batch, requests.size()));
        std::size_t longest_prompt = 1;
        for (const Request& r : requests) {
            check_prompt_fits(r.prompt_ids, config.n_positions);
            longest_prompt = std::max(longest_prompt, r.prompt_ids.size());
        }
        // Everything the loop needs, allocated here, once: a cache per slot, the buffers for
        // the longest prefill and for a full batch, the batch's logits, the step's lists.
        for (int s = 0; s < result_.slots; ++s) slots_.push_back(std::make_unique<Slot>(config));
        prefill_buffers_ = make_forward_buffers(config, static_cast<int>(longest_prompt));
        step_buffers_ = make_forward_buffers(config, result_.slots);
        use_columns(*step_buffers_, result_.slots);  // also when the batch is wider than the window
        step_logits_.set_size(config.vocab_size, result_.slots);
        tokens_.reserve(result_.slots);
        caches_.reserve(result_.slots);
        running_.reserve(result_.slots);
        result_.requests.resize(requests.size());
    }

    ServeResult run(const std::function<void(long long)>& on_progress) {
        std::size_t next = 0;  // the first request still waiting
        while (true) {
            admit_waiting(next);
            running_.clear();
            for (const std::unique_ptr<Slot>& slot : slots_)
                if (slot->running) running_.push_back(slot.get());
            if (running_.empty()) {
                if (next == requests_.size()) break;
                continue;  // every admitted request finished at its first token: admit more
            }
            decode_step();
            if (on_progress) on_progress(generated_);
        }
        result_.total_s = clock_.seconds();
        return std::move(result_);
    }

private:
    // Continuous: every slot that is not running takes the next waiting request (and, if that
    // one finishes at once, the next). Static: only when the whole batch has finished.
    void admit_waiting(std::size_t& next) {
        if (options_.batching == Batching::Static) {
            for (const std::unique_ptr<Slot>& slot : slots_)
                if (slot->running) return;  // the batch is still running: nobody joins
            for (const std::unique_ptr<Slot>& slot : slots_) slot->request = -1;
            for (const std::unique_ptr<Slot>& slot : slots_)
                if (next < requests_.size()) admit(*slot, next++);
            return;
        }
        for (const std::unique_ptr<Slot>& slot : slots_)
            while (!slot->running && next < requests_.size()) admit(*slot, next++);
    }

    // [listing:ch07_admit]
    // A request joins: reset the slot's cache, prefill its prompt (chapter 05), choose its
    // first token. From the next step on it decodes with the others.
    void admit(Slot& slot, std::size_t index) {
        const Request& request = requests_[index];
        RequestResult& result = result_.requests[index];
        result.index = request.index;
        result.prompt_ids = request.prompt_ids;
        result.window = weights_.config.n_positions;
        result.time_to_first_token_s = result.finish_s = std::numeric_limits<double>::quiet_NaN();
        slot.request = static_cast<int>(index);
        slot.running = true;
        if (request.max_new_tokens == 0) return finish(slot, StopReason::MaxNewTokens);
        SamplingSettings settings = options_.sampling;
        settings.seed = request.seed;  // the request's own stream: its solo run draws the same numbers
        slot.sampler.emplace(settings);
        slot.sequence.assign(request.prompt_ids.begin(), request.prompt_ids.end());
        slot.cache.reset();
        const Stopwatch prefill;
        forward_cached(weights_, request.prompt_ids, slot.cache, *prefill_buffers_, prefill_logits_);
        result_.prefill_s += prefill.seconds();
        choose(slot, prefill_logits_);
    }
    // [/listing]

    // [listing:ch07_decode_step]
    // One decode step: every running sequence's newest token, together.
    void decode_step() {
        tokens_.clear();
        caches_.clear();
        for (Slot* slot : running_) {
            tokens_.push_back(slot->sequence.back());
            caches_.push_back(&slot->cache);
        }
        const Stopwatch step;
        ContiguousCaches caches(weights_.config, caches_);  // each running sequence's own KVCache
        decode_step_batched(weights_, tokens_, caches, *step_buffers_, step_logits_);  // (vocab, B)
        for (std::size_t i = 0; i < running_.size(); ++i) {
            const arma::fvec logits(step_logits_.colptr(i), step_logits_.n_rows, false, true);  // a view of column i
            choose(*running_[i], logits);
        }
        result_.decode_s += step.seconds();
        result_.decode_tokens += static_cast<long long>(running_.size());
        result_.steps += 1;
        result_.slot_steps += result_.slots;
        result_.idle_slot_steps += result_.slots - static_cast<long long>(running_.size());
    }
    // [/listing]

    // Sample the slot's next token and apply chapter 04's stop rules in its order:
    // <|endoftext|>, then -n, then the window (the text may hold n_positions + 1 tokens).
    void choose(Slot& slot, const arma::fvec& logits) {
        RequestResult& result = result_.requests[slot.request];
        const int token = slot.sampler->next(logits);
        if (options_.capture_logits) result.step_logits.push_back(logits);
        slot.sequence.push_back(token);
        result.generated_ids.push_back(token);
        ++generated_;
        const double now = clock_.seconds();
        if (result.new_tokens() == 1) result.time_to_first_token_s = now;
        result.finish_s = now;
        if (options_.stop_at_end_of_text && token == Tokenizer::END_OF_TEXT) return finish(slot, StopReason::EndOfText);
        if (result.new_tokens() >= requests_[slot.request].max_new_tokens) return finish(slot, StopReason::MaxNewTokens);
        if (static_cast<int>(slot.sequence.size()) > weights_.config.n_positions)
            return finish(slot, StopReason::ContextWindow);
    }

    void finish(Slot& slot, StopReason reason) {
        result_.requests[slot.request].stop = reason;
        slot.running = false;
        if (options_.batching == Batching::Continuous) slot.request = -1;  // free for the next request now
    }

    const Gpt2Weights& weights_;
    const std::vector<Request>& requests_;
    const ServeOptions& options_;
    ServeResult result_;
    std::vector<std::unique_ptr<Slot>> slots_;
    std::unique_ptr<ForwardBuffers> prefill_buffers_, step_buffers_;
    arma::fvec prefill_logits_;    // (vocab)
    arma::fmat step_logits_;       // (vocab, B)
    std::vector<int> tokens_;      // the step's newest tokens, one per running sequence
    std::vector<KVCache*> caches_; // their caches
    std::vector<Slot*> running_;
    long long generated_ = 0;
    Stopwatch clock_;
};

}  // namespace

ServeResult serve(const Gpt2Weights& weights, const std::vector<Request>& requests, const ServeOptions& options,
                  const std::function<void(long long)>& on_progress) {
    if (requests.empty()) throw UserError("there are no requests to serve");
    Server server(weights, requests, options);
    return server.run(on_progress);
}

}  // namespace gpt2
