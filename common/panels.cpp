#include "common/panels.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>  // _mm_pause: a polite spin
#endif

namespace gpt2 {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
}

struct Job {
    const std::function<void(int)>* work = nullptr;
    int n_panels = 0;
    std::atomic<int> next{0};
    std::atomic<bool> helper_done{false};  // set by the helper when it took this job and finished
    void run() {
        int p;
        while ((p = next.fetch_add(1, std::memory_order_relaxed)) < n_panels) (*work)(p);
    }
};

// One long-lived helper thread. After a job it keeps watching for the next one for a while
// (a decode step's ~50 products come microseconds apart: a thread that went to sleep would be
// woken late for each), yielding its core to any other thread that wants it, then sleeps
// until offered another.
class HelperThread {
public:
    HelperThread() : thread_([this] { loop(); }) {}
    ~HelperThread() {
        stop_ = true;
        {
            std::lock_guard<std::mutex> lock(mutex_);
        }
        wake_.notify_one();
        thread_.join();
    }
    void offer(Job* job) {
        offered_.store(job, std::memory_order_release);
        if (sleeping_.load(std::memory_order_acquire)) {
            std::lock_guard<std::mutex> lock(mutex_);
            wake_.notify_one();
        }
    }
    // Returns once the helper no longer touches `job`: withdrawn if it has not taken it.
    void finish(Job* job) {
        if (offered_.exchange(nullptr, std::memory_order_acq_rel) == job) return;  // never taken
        while (!job->helper_done.load(std::memory_order_acquire)) cpu_relax();
    }
    std::mutex& in_use() { return in_use_; }

private:
    static constexpr auto kWatch = std::chrono::microseconds(500);

    void loop() {
        while (!stop_) {
            Job* job = nullptr;
            const auto until = std::chrono::steady_clock::now() + kWatch;
            while (!stop_ && !(job = offered_.exchange(nullptr, std::memory_order_acq_rel))) {
                if (std::chrono::steady_clock::now() > until) break;
                // Yield, not just pause: between our products OpenBLAS's own threads may need
                // this core (a gemv, a prefill's gemm), and a helper spinning on it would slow them.
                std::this_thread::yield();
            }
            if (!job) {  // nothing for a while: sleep until offered
                std::unique_lock<std::mutex> lock(mutex_);
                sleeping_.store(true, std::memory_order_release);
                wake_.wait(lock, [this] { return stop_ || offered_.load(std::memory_order_acquire) != nullptr; });
                sleeping_.store(false, std::memory_order_release);
                continue;
            }
            job->run();
            job->helper_done.store(true, std::memory_order_release);
        }
    }

    std::mutex mutex_, in_use_;  // in_use_: one product at a time may have the helper
    std::condition_variable wake_;
    std::atomic<Job*> offered_{nullptr};
    std::atomic<bool> sleeping_{false}, stop_{false};
    std::thread thread_;  // last: it starts running loop() as soon as it is constructed
};

HelperThread& helper_thread() {
    static HelperThread helper;
    return helper;
}

std::atomic<int>& threads_setting() {
    static std::atomic<int> threads{std::thread::hardware_concurrency() >= 2 ? 2 : 1};
    return threads;
}

}  // namespace

void set_panel_threads(int threads) { threads_setting() = std::clamp(threads, 1, 2); }
int panel_threads() { return threads_setting(); }

void for_each_panel(int n_panels, const std::function<void(int panel)>& work, bool two_threads) {
    Job job;
    job.work = &work;
    job.n_panels = n_panels;
    if (!two_threads || panel_threads() < 2 || n_panels < 2) {
        job.run();
        return;
    }
    HelperThread& helper = helper_thread();
    std::unique_lock<std::mutex> mine(helper.in_use(), std::try_to_lock);
    if (!mine.owns_lock()) {  // another product has the helper: go alone
        job.run();
        return;
    }
    helper.offer(&job);
    job.run();
    helper.finish(&job);
}

}  // namespace gpt2
