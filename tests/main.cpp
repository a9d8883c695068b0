// The one doctest main. Every chapter's checker lives in its own file and TEST_SUITE
// ("ch05_cached_decode", …); `make check CH=05` runs one suite, `make test` all of them.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "common/blas_kernels.hpp"

int main(int argc, char** argv) {
    gpt2::ensure_blas_kernels(argv);  // the kernels the chapters use, on CPUs OpenBLAS does not know
    doctest::Context context;
    context.applyCommandLine(argc, argv);
    return context.run();
}
