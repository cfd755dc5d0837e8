#include "backend/cpu/cpu_features.h"

namespace emoaug::ops::cpu {

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

bool cpu_has_avx512f() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}

bool cpu_has_avx2_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

#else

bool cpu_has_avx512f() {
  return false;
}

bool cpu_has_avx2_fma() {
  return false;
}

#endif

}  // namespace emoaug::ops::cpu
