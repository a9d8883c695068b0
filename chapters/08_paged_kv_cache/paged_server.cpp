// paged_server.cpp — the serving loop over a pool of blocks: admit while blocks are free,
// grow sequences block by block, share a prompt between samples, preempt when the pool runs
// out. README steps 5 and 6.
#include "08_paged_kv_cache/paged_server.hpp"

#include "05_cached_decode/cached_decode.hpp"   // forward_cached: every prefill (chapter 05)
#include "05_cached_decode/kv_cache.hpp"
#include "07_batched_decoding/batched_step.hpp" // decode_step_batched (chapter 07)
#include "08_paged_kv_cache/paged_cache.hpp"
#include "01_tokenizer/tokenizer.hpp"
#include "common/errors.hpp"
#include "common/report.hpp"
#include "common/timing.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>

namespace gpt2 {

const char* admission_name(Admission admission) { return admission == Admission::Reserve ? "contiguous" : "paged"; }

int pool_blocks(const Gpt2Config& config, int block_size, std::uint64_t cache_bytes) {
    if (block_size < 1) throw UserError("--block-size " + std::to_string(block_size) + ": a block holds at least 1 token");
    const std::uint64_t per_block = BlockPool::block_bytes(config, block_size);
    const std::uint64_t blocks = cache_bytes / per_block;
    if (blocks < 1)
        throw UserError("--cache-mib: " + human_bytes(cache_bytes) + " cannot hold one block of " +
                        std::to_string(block_size) + " tokens (" + human_bytes(per_block) +
                        " for this model); give more memory or a smaller --block-size");
    if (blocks > 1000000) throw UserError("--cache-mib: " + human_bytes(cache_bytes) + " is more blocks than this program manages (1,000,000); give less");
    return static_cast<int>(blocks);
}

namespace {

enum class State { Waiting, Running, Done };

struct Sequence {
    int request = 0, sample = 0;
    std::vector<int> tokens;          // prompt + generated
    int reservation = 0;              // tokens a contiguous cache would reserve: its full length
    PagedSequence cache;              // its block table
    std::optional<Sampler> sampler;   // its own random stream, kept across a preemption
    State state = State::Waiting;
    std::uint64_t admitted = 0;       // admission order: the youngest is preempted first
};

// What waits: a whole request (its samples share one prefill), or one preempted sequence.
struct Waiting {
    int request = -1;   // ≥ 0: every sample of this request
    int sequence = -1;  // ≥ 0: this sequence alone (it was preempted)
};

class PagedServer {
public:
    PagedServer(const Gpt2Weights& weights, const std::vector<Request>& requests, const PagedOptions& options)
        : weights_(weights), config_(weights.config), requests_(requests), options_(options),
          pool_(config_, options.block_size, pool_blocks(config_, options.block_size, options.cache_bytes)),
          caches_(config_, pool_), prefill_cache_(config_) {
        if (options.batch < 1) throw UserError("--batch " + std::to_string(options.batch) + ": at least 1 sequence must decode");
        if (options.samples < 1) throw UserError("--samples " + std::to_string(options.samples) + ": a request needs at least 1 sample");
        if (options.samples > options.batch)
            throw UserError("--samples " + std::to_string(options.samples) + " needs --batch of at least " +
                            std::to_string(options.samples) + ": a request's samples decode together");
        if (options.shuffle_free_list) pool_.shuffle_free_list(options.shuffle_free_list);
        run_.block_size = options.block_size;
        run_.total_blocks = pool_.total();
        run_.block_bytes = BlockPool::block_bytes(config_, options.block_size);
        run_.served.batching = Batching::Continuous;
        run_.served.slots = options.batch;
        std::size_t longest = 1;
        for (std::size_t r = 0; r < requests.size(); ++r) {
            const Request& request = requests[r];
            check_prompt_fits(request.prompt_ids, config_.n_positions);
            longest = std::max(longest, request.prompt_ids.size());
            const int full = std::min<int>(static_cast<int>(request.prompt_ids.size()) + request.max_new_tokens,
                                           config_.n_positions);
            // Alone in the pool, a request must be able to finish (refused now, not after hours
            // of work): paged, the blocks its prompt fills are shared and every sample needs its
            // own blocks for the rest; contiguous, every sample reserves its full length.
            const int S = options.block_size, shared_blocks = static_cast<int>(request.prompt_ids.size()) / S;
            const int alone = options.admission == Admission::Reserve
                                  ? options.samples * blocks_for(full, S)
                                  : shared_blocks + options.samples * (blocks_for(full, S) - shared_blocks);
            if (alone > pool_.total())
                throw UserError(format("request %d needs %d blocks of %d tokens to finish (%d tokens%s), but the pool "
                                       "has %d; raise --cache-mib or lower -n",
                                       request.index, alone, S, full,
                                       options.samples > 1 ? format(", %d samples", options.samples).c_str() : "",
                                       pool_.total()));
            for (int k = 0; k < options.samples; ++k) {
                Sequence s;
                s.request = static_cast<int>(r);
                s.sample = k;
                s.tokens.reserve(config_.n_positions + 1);
                s.tokens = request.prompt_ids;
                s.reservation = full;
                sequences_.push_back(std::move(s));
                run_.request_of.push_back(request.index);
                run_.sample_of.push_back(k);
            }
            waiting_.push_back({static_cast<int>(r), -1});
        }
        run_.served.requests.resize(sequences_.size());
        prefill_buffers_ = make_forward_buffers(config_, static_cast<int>(config_.n_positions));
        step_buffers_ = make_forward_buffers(config_, options.batch);
        use_columns(*step_buffers_, options.batch);
        step_logits_.set_size(config_.vocab_size, options.batch);
        running_.reserve(options.batch);
        stepped_.reserve(options.batch);
        tables_.reserve(options.batch);
        tokens_.reserve(options.batch);
        last_block_seen_.assign(pool_.total(), -1);
        caches_.use(tables_);
    }

    PagedRun run(const std::function<void(long long)>& on_progress) {
        while (true) {
            admit_waiting();
            if (running_.empty()) {
                if (waiting_.empty()) break;
                throw std::logic_error("paged server: nothing runs and the first waiting request does not fit");
            }
            grow_or_preempt();
            decode_step();
            if (on_progress) on_progress(generated_);
        }
        run_.served.total_s = clock_.seconds();
        run_.leak_free = pool_.free_count() == pool_.total();
        const long long steps = run_.served.steps;
        run_.mean_running = steps ? static_cast<double>(running_sum_) / steps : 0;
        run_.waste_paged = allocated_slots_ ? static_cast<double>(empty_slots_) / allocated_slots_ : 0;
        run_.waste_contiguous = reserved_tokens_ ? 1.0 - static_cast<double>(stored_tokens_) / reserved_tokens_ : 0;
        return std::move(run_);
    }

private:
    // [listing:ch08_admit]
    void admit_waiting() {
        while (!waiting_.empty()) {
            const Waiting next = waiting_.front();
            const int joining = next.request >= 0 ? options_.samples : 1;
            if (static_cast<int>(running_.size()) + joining > options_.batch) return;
            Sequence& first = sequences_[next.request >= 0 ? next.request * options_.samples : next.sequence];
            const int length = static_cast<int>(first.tokens.size());
            if (options_.admission == Admission::Reserve) {
                // Contiguous: the full length of every sample, reserved up front, no sharing.
                const int full = joining * blocks_for(first.reservation, options_.block_size);
                if (reserved_blocks_ + full > pool_.total()) return;
                reserved_blocks_ += full;
            } else if (pool_.free_count() < blocks_for(length, options_.block_size) + joining) {
                return;  // paged: its prompt's blocks, and one to grow into per sequence
            }
            waiting_.pop_front();
            prefill(first, length);
            for (int k = 1; k < joining; ++k) {  // the other samples share the prompt's blocks
                Sequence& sample = sequences_[next.request * options_.samples + k];
                sample.cache = options_.admission == Admission::Reserve ? copy_of(first) : share_all(first.cache, pool_);
                start(sample);
            }
            start(first);
            for (int k = 0; k < joining; ++k) {
                Sequence& s = sequences_[next.request >= 0 ? next.request * options_.samples + k : next.sequence];
                if (s.state == State::Running) choose(s, prefill_logits_);
            }
        }
    }
    // [/listing]

    // The tokens so far, through chapter 05's forward_cached into a contiguous scratch cache,
    // then copied into the sequence's blocks: its last position's logits are the next token's.
    void prefill(Sequence& s, int length) {
        const Stopwatch watch;
        prefill_cache_.reset();
        forward_cached(weights_, s.tokens, prefill_cache_, *prefill_buffers_, prefill_logits_);
        if (!reserve_blocks(s.cache, pool_, length))
            throw std::logic_error("paged server: admitted a prefill the pool cannot hold");
        store_prefill(prefill_cache_, length, s.cache, pool_);
        run_.served.prefill_s += watch.seconds();
    }

    // Reserve mode never shares: a sample gets its own copy of the prompt's blocks.
    PagedSequence copy_of(const Sequence& first) {
        PagedSequence copy;
        copy.lengths = first.cache.lengths;
        const int length = first.cache.length();
        copy.lengths.assign(copy.lengths.size(), 0);
        if (!reserve_blocks(copy, pool_, length)) throw std::logic_error("paged server: no block for a reserved copy");
        for (std::size_t j = 0; j < copy.table.size(); ++j)
            pool_.copy_block(first.cache.table[j], copy.table[j], options_.block_size);
        copy.lengths.assign(first.cache.lengths.size(), length);
        return copy;
    }

    void start(Sequence& s) {
        if (!s.sampler) {
            SamplingSettings settings = options_.sampling;
            settings.seed = requests_[s.request].seed + static_cast<std::uint64_t>(s.sample);
            s.sampler.emplace(settings);
        }
        s.state = State::Running;
        s.admitted = ++admissions_;
        running_.push_back(&s);
        RequestResult& result = result_of(s);
        if (result.prompt_ids.empty()) {
            result.index = requests_[s.request].index;
            result.prompt_ids = requests_[s.request].prompt_ids;
            result.window = config_.n_positions;
            result.time_to_first_token_s = result.finish_s = std::numeric_limits<double>::quiet_NaN();
        }
        if (requests_[s.request].max_new_tokens == 0) finish(s, StopReason::MaxNewTokens);
    }

    // [listing:ch08_grow]
    // Before a step every running sequence needs room for one more token. When the pool is
    // out of blocks, the youngest running sequence gives all of its blocks back and waits to be
    // recomputed (its tokens are kept; the prefill will rebuild its cache from them).
    void grow_or_preempt() {
        for (std::size_t i = 0; i < running_.size(); ++i) {
            Sequence& s = *running_[i];
            while (!reserve_blocks(s.cache, pool_, 1)) {
                if (options_.admission == Admission::Reserve)
                    throw std::logic_error("paged server: a reserved sequence ran out of blocks");
                Sequence* youngest = nullptr;
                for (Sequence* other : running_)
                    if (other != &s && (!youngest || other->admitted > youngest->admitted)) youngest = other;
                if (!youngest)
                    throw UserError("the KV cache pool (" + std::to_string(pool_.total()) +
                                    " blocks) cannot hold one sequence to its end; raise --cache-mib");
                preempt(*youngest);
                i = static_cast<std::size_t>(std::find(running_.begin(), running_.end(), &s) - running_.begin());
            }
        }
    }
    // [/listing]

    void preempt(Sequence& s) {
        release_all(s.cache, pool_);
        s.state = State::Waiting;
        running_.erase(std::find(running_.begin(), running_.end(), &s));
        waiting_.push_front({-1, static_cast<int>(&s - sequences_.data())});
        ++run_.preemptions;
    }

    void decode_step() {
        tables_.clear();
        tokens_.clear();
        for (Sequence* s : running_) {
            tables_.push_back(&s->cache);
            tokens_.push_back(s->tokens.back());
        }
        const Stopwatch watch;
        decode_step_batched(weights_, tokens_, caches_, *step_buffers_, step_logits_);  // chapter 07's step
        record_memory();
        stepped_.assign(running_.begin(), running_.end());  // choose() may finish (and remove) sequences
        for (std::size_t i = 0; i < stepped_.size(); ++i) {
            const arma::fvec logits(step_logits_.colptr(i), step_logits_.n_rows, false, true);  // column i, viewed
            choose(*stepped_[i], logits);
        }
        const long long stepped = static_cast<long long>(stepped_.size());
        run_.served.decode_s += watch.seconds();
        run_.served.decode_tokens += stepped;
        run_.served.steps += 1;
        run_.served.slot_steps += options_.batch;
        run_.served.idle_slot_steps += options_.batch - stepped;
        running_sum_ += stepped;
        run_.peak_running = std::max(run_.peak_running, static_cast<int>(stepped));
    }

    // After a step's appends: how much of the allocated blocks holds tokens (a shared block
    // counts once), and what contiguous reservations of the same sequences would hold.
    void record_memory() {
        const int S = options_.block_size;
        ++memory_stamp_;
        long long empty = 0, reserved = 0, stored = 0;
        for (Sequence* s : running_) {
            const int length = s->cache.length();
            const int last = s->cache.table.back();
            if (last_block_seen_[last] != memory_stamp_) {  // each physical block once
                last_block_seen_[last] = memory_stamp_;
                empty += static_cast<long long>(s->cache.table.size()) * S - length;
            }
            reserved += s->reservation;
            stored += length;
        }
        allocated_slots_ += static_cast<long long>(pool_.used()) * S;
        empty_slots_ += empty;
        reserved_tokens_ += reserved;
        stored_tokens_ += stored;
        run_.peak_used_blocks = std::max(run_.peak_used_blocks, pool_.used());
        run_.peak_shared_blocks = std::max(run_.peak_shared_blocks, pool_.shared());
        const std::uint64_t per_token = BlockPool::block_bytes(config_, 1);
        run_.paged_peak_bytes = std::max<std::uint64_t>(run_.paged_peak_bytes, pool_.used() * run_.block_bytes);
        run_.contiguous_reserved_peak_bytes = std::max<std::uint64_t>(run_.contiguous_reserved_peak_bytes, reserved * per_token);
    }

    // Chapter 07's stop rules, in chapter 04's order.
    void choose(Sequence& s, const arma::fvec& logits) {
        RequestResult& result = result_of(s);
        const int token = s.sampler->next(logits);
        if (options_.capture_logits) result.step_logits.push_back(logits);
        s.tokens.push_back(token);
        result.generated_ids.push_back(token);
        ++generated_;
        const double now = clock_.seconds();
        if (result.new_tokens() == 1) result.time_to_first_token_s = now;
        result.finish_s = now;
        if (options_.stop_at_end_of_text && token == Tokenizer::END_OF_TEXT) return finish(s, StopReason::EndOfText);
        if (result.new_tokens() >= requests_[s.request].max_new_tokens) return finish(s, StopReason::MaxNewTokens);
        if (static_cast<int>(s.tokens.size()) > config_.n_positions) return finish(s, StopReason::ContextWindow);
    }

    void finish(Sequence& s, StopReason reason) {
        result_of(s).stop = reason;
        s.state = State::Done;
        release_all(s.cache, pool_);
        if (options_.admission == Admission::Reserve) reserved_blocks_ -= blocks_for(s.reservation, options_.block_size);
        running_.erase(std::find(running_.begin(), running_.end(), &s));
    }

    RequestResult& result_of(const Sequence& s) { return run_.served.requests[&s - sequences_.data()]; }

    const Gpt2Weights& weights_;
    const Gpt2Config& config_;
    const std::vector<Request>& requests_;
    const PagedOptions& options_;
    BlockPool pool_;
    PagedCaches caches_;
    KVCache prefill_cache_;                    // contiguous scratch for every prefill (the window)
    std::unique_ptr<ForwardBuffers> prefill_buffers_, step_buffers_;
    arma::fvec prefill_logits_;                // (vocab)
    arma::fmat step_logits_;                   // (vocab, B)
    std::vector<Sequence> sequences_;          // every sample of every request, in order
    std::deque<Waiting> waiting_;
    std::vector<Sequence*> running_;           // oldest admitted first
    std::vector<Sequence*> stepped_;           // the sequences of the current step
    std::vector<PagedSequence*> tables_;       // the step's block tables
    std::vector<int> tokens_;                  // the step's newest tokens
    std::vector<int> last_block_seen_;         // memory accounting: a block counted this step
    int memory_stamp_ = 0, reserved_blocks_ = 0;
    std::uint64_t admissions_ = 0;
    long long generated_ = 0, running_sum_ = 0;
    long long allocated_slots_ = 0, empty_slots_ = 0, reserved_tokens_ = 0, stored_tokens_ = 0;
    PagedRun run_;
    Stopwatch clock_;
};

}  // namespace

PagedRun serve_paged(const Gpt2Weights& weights, const std::vector<Request>& requests, const PagedOptions& options,
                     const std::function<void(long long)>& on_progress) {
    if (requests.empty()) throw UserError("there are no requests to serve");
    PagedServer server(weights, requests, options);
    return server.run(on_progress);
}

}  // namespace gpt2
