#include "timing.hpp"

#include <dlfcn.h>

#include <fstream>
#include <string>

namespace gpt2 {

namespace {

std::uint64_t status_field_kib(const char* field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    const std::string key = std::string(field) + ":";
    while (std::getline(status, line)) {
        if (line.rfind(key, 0) == 0) return std::stoull(line.substr(key.size())) * 1024ULL;
    }
    return 0;
}

}  // namespace

std::uint64_t current_rss_bytes() { return status_field_kib("VmRSS"); }
std::uint64_t peak_rss_bytes() { return status_field_kib("VmHWM"); }

// OpenBLAS is reached through libblas.so.3 (Debian's alternatives), so its thread control
// is looked up at run time: with another BLAS selected the call is simply a no-op.
void set_blas_threads(int threads) {
    if (threads <= 0) return;
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(threads);
}

int blas_threads() {
    using GetThreads = int (*)();
    if (auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"))) return get();
    return 1;
}

}  // namespace gpt2
