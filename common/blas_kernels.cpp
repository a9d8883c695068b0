#include "common/blas_kernels.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <set>
#include <string>

namespace gpt2 {

const char* blas_core_name() {
    using CoreName = char* (*)();
    // An OpenBLAS extension: looked up, not linked, so any BLAS works.
    const auto core_name = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
    return core_name ? core_name() : "";
}

void ensure_blas_kernels(char** argv) {
    if (std::getenv("OPENBLAS_CORETYPE")) return;  // the user's choice, or already restarted
    std::string core = blas_core_name();
    for (char& c : core) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // OpenBLAS's generic fallbacks for a CPU it does not know (SSE-only kernels).
    static const std::set<std::string> fallbacks = {"prescott", "core2", "penryn", "dunnington", "nehalem",
                                                    "katmai", "coppermine", "northwood", "banias", "atom"};
    if (!fallbacks.count(core)) return;
    const char* better = nullptr;
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_supports("avx512f")) better = "SkylakeX";
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) better = "Haswell";
#endif
    if (!better) return;
    setenv("OPENBLAS_CORETYPE", better, 1);
    execv("/proc/self/exe", argv);  // the kernels are chosen when OpenBLAS loads: start again
    // Only reached when the restart failed: carry on with the slow kernels.
}

}  // namespace gpt2
