// Checks for chapter 08 (the paged KV cache): paging changes where keys and values live, not
// what the model says; the pool gives every block back; sharing copies before it writes.
//
// The reference for every paged run is chapter 07's contiguous serving of the same requests
// (itself checked against chapter 05's solo runs): tokens identical, logits within 1e-5. The
// block and memory counts are derived by hand in the comments.
#include "07_batched_decoding/scheduler.hpp"
#include "07_batched_decoding/verify.hpp"
#include "08_paged_kv_cache/block_pool.hpp"
#include "08_paged_kv_cache/paged_cache.hpp"
#include "08_paged_kv_cache/paged_server.hpp"
#include "common/paths.hpp"
#include "ragged_requests.hpp"
#include "user_error_of.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace gpt2;

namespace {

using gpt2_test::ragged_requests;  // the tiny fixture and a ragged queue (ragged_requests.hpp)
using gpt2_test::tiny_fixture;

const std::string kStep = "see chapters/08_paged_kv_cache/README.md, steps 3-4 (the block table)";

PagedOptions paged_options(int block_size, double temperature, std::uint64_t shuffle) {
    PagedOptions options;
    options.batch = 4;
    options.block_size = block_size;
    options.cache_bytes = 8ULL << 20;
    options.sampling.temperature = temperature;
    options.sampling.top_k = 50;
    options.sampling.top_p = 0.9;
    options.stop_at_end_of_text = false;
    options.capture_logits = true;
    options.shuffle_free_list = shuffle;
    return options;
}

// Paged against chapter 07's contiguous serving of the same requests.
void check_same_as_contiguous(const Gpt2Weights& w, const std::vector<Request>& requests, const PagedOptions& paged) {
    ServeOptions contiguous;
    contiguous.batch = paged.batch;
    contiguous.sampling = paged.sampling;
    contiguous.stop_at_end_of_text = paged.stop_at_end_of_text;
    contiguous.capture_logits = true;
    const ServeResult expected = serve(w, requests, contiguous);
    const PagedRun run = serve_paged(w, requests, paged);
    REQUIRE(run.served.requests.size() == expected.requests.size());
    for (std::size_t r = 0; r < requests.size(); ++r) {
        const RequestResult& a = expected.requests[r];
        const RequestResult& b = run.served.requests[r];
        INFO("request " << r << ", block size " << paged.block_size << ", temperature " << paged.sampling.temperature
                        << "; " << kStep);
        REQUIRE(a.generated_ids == b.generated_ids);
        for (std::size_t i = 0; i < a.step_logits.size(); ++i) {
            INFO("step " << i + 1);
            CHECK(arma::abs(a.step_logits[i] - b.step_logits[i]).max() <= 1e-5f);
        }
    }
    CHECK_MESSAGE(run.leak_free, "every block must be back in the pool when every sequence has finished");
}

}  // namespace

TEST_SUITE("ch08_paged_kv_cache") {

TEST_CASE("paged decoding gives contiguous decoding's tokens, for block sizes 1, 7, 16 and the window") {
    const Gpt2Weights& w = tiny_fixture();
    const std::vector<Request> requests = ragged_requests(w.config.vocab_size);
    for (int block_size : {1, 7, 16, w.config.n_positions}) {
        check_same_as_contiguous(w, requests, paged_options(block_size, 0, 0));      // greedy, blocks in order
        check_same_as_contiguous(w, requests, paged_options(block_size, 1.0, 99));   // sampled, shuffled free list
    }
}

TEST_CASE("a block table maps position p to block table[p / S], slot p % S, wherever the block is") {
    Gpt2Config c;
    c.n_layer = 1;
    c.n_head = 1;
    c.n_embd = 2;
    c.n_positions = 16;
    c.vocab_size = 10;
    BlockPool pool(c, 4, 6);
    pool.shuffle_free_list(3);
    PagedSequence s;
    s.lengths.assign(1, 0);
    REQUIRE(reserve_blocks(s, pool, 6));  // 6 positions: 2 blocks
    CHECK(s.table.size() == 2);
    CHECK(pool.used() == 2);
    // Write position p's key as (p, −p) through the table, then read it back the same way.
    std::vector<PagedSequence*> one = {&s};
    PagedCaches caches(c, pool);
    caches.use(one);
    for (int p = 0; p < 6; ++p) {
        arma::fmat kv(2, 1);  // (n_embd, 1)
        kv(0, 0) = float(p);
        kv(1, 0) = float(-p);
        caches.append(0, 0, kv.cols(0, 0), kv.cols(0, 0));
    }
    for (int p = 0; p < 6; ++p) {
        const arma::uword column = static_cast<arma::uword>(s.table[p / 4]) * 4 + p % 4;
        CHECK(pool.keys(0)(0, column) == float(p));
        CHECK(pool.values(0)(1, column) == float(-p));
    }
}

TEST_CASE("copy-on-write: the first write into a shared, partly filled block copies it; the other sequence's block is unchanged") {
    Gpt2Config c;
    c.n_layer = 2;
    c.n_head = 1;
    c.n_embd = 3;
    c.n_positions = 32;
    c.vocab_size = 10;
    BlockPool pool(c, 4, 8);
    PagedSequence a;
    a.lengths.assign(2, 0);
    REQUIRE(reserve_blocks(a, pool, 6));  // blocks 0 (full) and 1 (2 of 4 slots)
    for (int l = 0; l < 2; ++l) {
        pool.keys(l).cols(0, 5).fill(1.0f + l);
        pool.values(l).cols(0, 5).fill(10.0f + l);
        a.lengths[l] = 6;
    }
    PagedSequence b = share_all(a, pool);  // sample 2 of the same prompt
    CHECK(pool.references(a.table[0]) == 2);
    CHECK(pool.references(a.table[1]) == 2);
    CHECK(pool.used() == 2);

    REQUIRE(reserve_blocks(b, pool, 1));  // b will write position 6, in the shared block 1: copy first
    CHECK(b.table[0] == a.table[0]);       // the full block stays shared
    CHECK(b.table[1] != a.table[1]);       // b has its own copy of the partly filled one
    CHECK(pool.references(a.table[1]) == 1);
    CHECK(pool.references(b.table[1]) == 1);
    const arma::uword theirs = static_cast<arma::uword>(b.table[1]) * 4;
    CHECK(pool.keys(1)(0, theirs + 1) == 2.0f);  // the copy holds what was stored, in every layer
    CHECK(pool.values(0)(2, theirs) == 10.0f);
    // b writes position 6; a's block must not see it.
    std::vector<PagedSequence*> only_b = {&b};
    PagedCaches caches(c, pool);
    caches.use(only_b);
    arma::fmat k(3, 1, arma::fill::value(99.0f));
    for (int l = 0; l < 2; ++l) caches.append(l, 0, k.cols(0, 0), k.cols(0, 0));
    const arma::uword mine = static_cast<arma::uword>(a.table[1]) * 4;
    CHECK(pool.keys(0)(0, mine + 2) == 0.0f);  // a's slot 2 of block 1: still unwritten
    CHECK(pool.keys(0)(0, theirs + 2) == 99.0f);
    // a is now the only user of its block: its own next write copies nothing.
    const int before = pool.used();
    REQUIRE(reserve_blocks(a, pool, 1));
    CHECK(pool.used() == before);
    release_all(a, pool);
    release_all(b, pool);
    CHECK_MESSAGE(pool.free_count() == pool.total(), "every reference given back: every block free");
}

TEST_CASE("samples share their prompt's blocks, and each sample is its solo run") {
    // One 24-token prompt (6 full blocks of 4), 3 samples of 5 new tokens. Shared at most: the
    // 6 prompt blocks. Each sample then stores 4 more positions, 24-27 (its first token comes
    // from the shared prefill, its 5th is never fed back): 1 block of its own.
    const Gpt2Weights& w = tiny_fixture();
    Request r;
    for (int t = 0; t < 24; ++t) r.prompt_ids.push_back((t * 13 + 1) % w.config.vocab_size);
    r.max_new_tokens = 5;
    r.seed = 40;
    PagedOptions options = paged_options(4, 1.0, 5);
    options.samples = 3;
    const PagedRun run = serve_paged(w, {r}, options);
    CHECK(run.peak_shared_blocks == 6);
    CHECK(run.peak_used_blocks == 6 + 3 * 1);
    CHECK(run.leak_free);
    // Sample k must be chapter 05's run with seed 40 + k, no sharing involved.
    std::vector<Request> alone;
    for (int k = 0; k < 3; ++k) {
        Request solo = r;
        solo.seed = 40 + k;
        alone.push_back(solo);
    }
    ServeOptions solo_options;
    solo_options.sampling = options.sampling;
    solo_options.stop_at_end_of_text = false;
    solo_options.capture_logits = true;
    for (const RequestCheck& c : compare_with_solo_runs(w, alone, solo_options, run.served)) {
        INFO("sample of request " << c.index << ": first difference at step " << c.first_difference);
        CHECK(c.identical);
        CHECK(c.max_abs_logit_diff <= 1e-5f);
    }
}

TEST_CASE("a pool too small for everyone preempts and recomputes; the tokens stay the same and every block comes back") {
    const Gpt2Weights& w = tiny_fixture();
    const std::vector<Request> requests = ragged_requests(w.config.vocab_size);
    PagedOptions tight = paged_options(4, 1.0, 11);
    // 18 blocks of 4: enough for request 2 alone (64 positions = 16 blocks), not for everyone.
    tight.cache_bytes = 18 * BlockPool::block_bytes(w.config, 4);
    const PagedRun run = serve_paged(w, requests, tight);
    CHECK(run.total_blocks == 18);
    CHECK(run.preemptions > 0);
    CHECK(run.leak_free);
    check_same_as_contiguous(w, requests, tight);
}

TEST_CASE("the memory figures follow from hand counts") {
    // A 5-token prompt, 3 new tokens, blocks of 4. The prefill stores 5 positions (2 blocks) and
    // gives token 1; decode step 1 stores position 5 (6 stored, 8 slots), step 2 position 6
    // (7 stored). Paged waste = (2 + 1) / (8 + 8); a contiguous cache reserves 5 + 3 = 8 and
    // holds 6, then 7: waste = 1 − 13 / 16. Both 3/16.
    const Gpt2Weights& w = tiny_fixture();
    Request r;
    r.prompt_ids = {1, 2, 3, 4, 5};
    r.max_new_tokens = 3;
    const PagedRun run = serve_paged(w, {r}, paged_options(4, 0, 0));
    CHECK(run.served.steps == 2);
    CHECK(run.peak_used_blocks == 2);
    CHECK(run.waste_paged == doctest::Approx(3.0 / 16));
    CHECK(run.waste_contiguous == doctest::Approx(3.0 / 16));
    CHECK(run.block_bytes == 4ULL * 2 * 2 * 32 * 4);  // 4 tokens × 2 layers × K,V × 32 floats × 4 bytes
    CHECK(run.paged_peak_bytes == 2 * run.block_bytes);
    CHECK(run.contiguous_reserved_peak_bytes == 8ULL * 2 * 2 * 32 * 4);
}

TEST_CASE("contiguous admission waits for room for a request's full length; paged admits more at once") {
    // 6 requests of a 4-token prompt and 28 new tokens (32 positions = 8 blocks of 4) in a pool
    // of 20 blocks: reserving full lengths, 2 fit at once (16 blocks); taking blocks as they
    // grow, more run together, and a few are preempted near the end.
    const Gpt2Weights& w = tiny_fixture();
    std::vector<Request> requests;
    for (int i = 0; i < 6; ++i) {
        Request r;
        r.index = i;
        r.prompt_ids = {10 + i, 20, 30, 40};
        r.max_new_tokens = 28;
        requests.push_back(r);
    }
    PagedOptions options = paged_options(4, 0, 0);
    options.batch = 6;
    options.cache_bytes = 20 * BlockPool::block_bytes(w.config, 4);
    options.admission = Admission::Reserve;
    const PagedRun contiguous = serve_paged(w, requests, options);
    options.admission = Admission::OnDemand;
    const PagedRun paged = serve_paged(w, requests, options);
    CHECK(contiguous.peak_running == 2);
    CHECK(contiguous.preemptions == 0);
    CHECK(paged.peak_running > contiguous.peak_running);
    CHECK(paged.mean_running > contiguous.mean_running);
    for (std::size_t r = 0; r < requests.size(); ++r)
        CHECK(paged.served.requests[r].generated_ids == contiguous.served.requests[r].generated_ids);
}

TEST_CASE("a pool or a request that cannot work is refused with one line, before any work") {
    const Gpt2Weights& w = tiny_fixture();
    Request r;
    r.prompt_ids = {1, 2, 3};
    r.max_new_tokens = 40;
    PagedOptions options = paged_options(16, 0, 0);
    options.cache_bytes = 100;  // not one block
    CHECK(user_error_of([&] { serve_paged(w, {r}, options); }).find("cannot hold one block") != std::string::npos);
    options.cache_bytes = 2 * BlockPool::block_bytes(w.config, 16);  // 32 positions; the request needs 43
    CHECK(user_error_of([&] { serve_paged(w, {r}, options); }).find("needs 3 blocks") != std::string::npos);
    options.cache_bytes = 8ULL << 20;
    options.block_size = 0;
    CHECK(user_error_of([&] { serve_paged(w, {r}, options); }).find("--block-size 0") != std::string::npos);
    options.block_size = 16;
    options.samples = 0;
    CHECK(user_error_of([&] { serve_paged(w, {r}, options); }).find("--samples 0") != std::string::npos);
    options.samples = 5;  // more than --batch 4
    CHECK(user_error_of([&] { serve_paged(w, {r}, options); }).find("--batch of at least 5") != std::string::npos);
}

TEST_CASE("the small trained model decodes the same text paged as contiguous") {
    const std::string path = project_root() + "/data/mini";
    if (!file_exists(path + "/model.safetensors")) {
        MESSAGE("skipped: data/mini/model.safetensors is missing (it is committed; restore it with git)");
        return;
    }
    const Gpt2Weights w = load_gpt2(path);
    const std::vector<Request> requests = gpt2_test::small_model_requests({20, 20, 20});
    PagedOptions options = paged_options(16, 0.8, 3);
    options.sampling.top_k = 40;
    options.sampling.top_p = 0.95;
    const PagedRun run = serve_paged(w, requests, options);
    ServeOptions contiguous;
    contiguous.batch = options.batch;
    contiguous.sampling = options.sampling;
    contiguous.stop_at_end_of_text = false;
    const ServeResult expected = serve(w, requests, contiguous);
    for (std::size_t r = 0; r < requests.size(); ++r)
        CHECK(run.served.requests[r].generated_ids == expected.requests[r].generated_ids);
}

}  // TEST_SUITE
