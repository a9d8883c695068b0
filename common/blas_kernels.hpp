// blas_kernels.hpp — make sure OpenBLAS uses this CPU's vector instructions.
//
// OpenBLAS picks its kernels for the CPU it recognises when the library loads. Debian 12's
// OpenBLAS (0.3.21) predates some CPUs — Intel's Sapphire and Emerald Rapids among them — and
// falls back on them to its oldest x86-64 kernels ("Prescott", SSE3 only): matrix products then
// run ~5× slower than the CPU can (measured: 50 against 270 GFLOP/s for a 768×768×256 sgemm).
// OPENBLAS_CORETYPE overrides the choice, but only before the library loads — so when OpenBLAS
// fell back to such a core on a CPU with AVX-512 (or AVX2 + FMA), the program starts itself
// again with OPENBLAS_CORETYPE=SkylakeX (or Haswell). A CPU OpenBLAS recognised, a choice the
// user made, or another BLAS are left alone.
#pragma once

namespace gpt2 {

// Call first thing in main. Returns only when nothing had to change (or restarting failed).
void ensure_blas_kernels(char** argv);
// The core OpenBLAS runs ("SkylakeX", "Haswell", ...), or "" when the BLAS is not OpenBLAS.
const char* blas_core_name();

}  // namespace gpt2
