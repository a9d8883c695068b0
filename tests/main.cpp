// The one doctest main. Every chapter's checker lives in its own file and TEST_SUITE
// ("ch05_cached_decode", …); `make check CH=05` runs one suite, `make test` all of them.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

int main(int argc, char** argv) {
    doctest::Context context;
    context.applyCommandLine(argc, argv);
    return context.run();
}
