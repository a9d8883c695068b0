// timing.hpp — wall-clock timers and the process's memory, for honest measurements.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>

namespace gpt2 {

class Stopwatch {
public:
    Stopwatch() : start_(Clock::now()) {}
    void restart() { start_ = Clock::now(); }
    double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

private:
    using Clock = std::chrono::steady_clock;
    Clock::time_point start_;
};

// Best of `repeats` timings of body(), after one warm-up run: a machine's capability (other
// programs only ever slow a run down).
template <class Body>
double best_seconds(int repeats, Body body) {
    body();
    double best = std::numeric_limits<double>::infinity();
    for (int r = 0; r < std::max(1, repeats); ++r) {
        Stopwatch watch;
        body();
        best = std::min(best, watch.seconds());
    }
    return best;
}

// Resident memory now, and its peak since the process started (Linux /proc/self/status;
// 0 where unavailable).
std::uint64_t current_rss_bytes();
std::uint64_t peak_rss_bytes();

// How many threads OpenBLAS uses for one matrix product (0 = leave as it is).
// Chapters expose it as -t/--threads.
void set_blas_threads(int threads);
int blas_threads();

}  // namespace gpt2
