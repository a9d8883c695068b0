#include "common/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <utility>

namespace gpt2 {

Progress::Progress(std::string what, int total, std::string unit)
    : what_(std::move(what)), unit_(std::move(unit)), total_(total), tty_(isatty(2)) {}

void Progress::update(int done) {
    done_ = done;
    if (done == total_) finished_ = true;
    // Not a terminal: one line each time the count passes another tenth of the total (counts
    // may jump by more than one, e.g. a batch of tokens per step).
    const int tenth = total_ >= 10 ? total_ / 10 : 1;
    if (!tty_ && done < next_line_at_ && done != total_) return;
    next_line_at_ = (done / tenth + 1) * tenth;
    std::fprintf(stderr, "%s%s: %d/%d %s, %.1f s%s", tty_ ? "\r" : "", what_.c_str(), done, total_, unit_.c_str(),
                 watch_.seconds(), tty_ ? "   " : "\n");
    if (tty_ && done == total_) std::fprintf(stderr, "\n");
    std::fflush(stderr);
}

void Progress::finish() {
    if (finished_) return;
    finished_ = true;
    std::fprintf(stderr, "%s%s: %d %s, %.1f s\n", tty_ ? "\r" : "", what_.c_str(), done_, unit_.c_str(), watch_.seconds());
    std::fflush(stderr);
}

}  // namespace gpt2
