// Shared helpers for the native tests: reproducible seeds.
//
// Every randomised test draws from a seed that it prints with SCOPED_TRACE, so a failure says
// how to replay it:
//   COSSIM_SEED=<seed> ctest --test-dir build/native -R <test>
// The base seed is, in order: the COSSIM_SEED environment variable (decimal or 0x-hex); a non-zero
// --gtest_random_seed=N given to the test binary; otherwise a fixed default, so plain `ctest` runs
// are deterministic. (UnitTest::random_seed() is not used: GoogleTest 1.12 fills it from the clock
// when the flag is 0, even without --gtest_shuffle.)
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

namespace cossim_test {

inline constexpr std::uint64_t kDefaultSeed = 0x2022'0516'c05c'0001ULL;

inline std::uint64_t BaseSeed() {
  const char* env = std::getenv("COSSIM_SEED");
  if (env != nullptr && *env != '\0') return std::strtoull(env, nullptr, 0);
  const std::int32_t flag_seed = GTEST_FLAG_GET(random_seed);
  if (flag_seed != 0) return static_cast<std::uint64_t>(flag_seed);
  return kDefaultSeed;
}

inline std::string SeedTrace(std::uint64_t seed) {
  return "base seed " + std::to_string(seed) + " (replay with COSSIM_SEED=" + std::to_string(seed) +
         ")";
}

// A generator for one case: the base seed mixed with the case's coordinates, so a case can be
// replayed on its own and changing one loop does not shift the data of every other case.
inline std::mt19937_64 CaseRng(std::uint64_t base, std::uint64_t a = 0, std::uint64_t b = 0,
                               std::uint64_t c = 0, std::uint64_t d = 0) {
  std::seed_seq seq{static_cast<std::uint32_t>(base), static_cast<std::uint32_t>(base >> 32),
                    static_cast<std::uint32_t>(a),    static_cast<std::uint32_t>(a >> 32),
                    static_cast<std::uint32_t>(b),    static_cast<std::uint32_t>(c),
                    static_cast<std::uint32_t>(d)};
  return std::mt19937_64(seq);
}

}  // namespace cossim_test
