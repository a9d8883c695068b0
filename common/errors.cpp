#include "errors.hpp"

#include "common/blas_kernels.hpp"

#include <cstdio>
#include <new>

namespace gpt2 {

int run_program(const char* program, int argc, char** argv, int (*body)(int, char**)) {
    ensure_blas_kernels(argv);  // OpenBLAS's fastest kernels for this CPU (common/blas_kernels.hpp)
    try {
        return body(argc, argv);
    } catch (const UserError& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "%s: error: %s\n", program, e.what());
        return EXIT_USER_ERROR;
    } catch (const ExerciseNotDone& e) {
        // A stub from `make exercise`: not a bug, the learner's next task.
        std::fflush(stdout);
        std::fprintf(stderr, "%s: %s\n", program, e.what());
        return EXIT_USER_ERROR;
    } catch (const std::bad_alloc&) {
        std::fflush(stdout);
        std::fprintf(stderr, "%s: error: out of memory; try a smaller model, context or batch\n", program);
        return EXIT_USER_ERROR;
    } catch (const std::exception& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "%s: internal error: %s (this is a bug in the tutorial; please report it)\n",
                     program, e.what());
        return EXIT_INTERNAL_ERROR;
    }
}

}  // namespace gpt2
