# libFuzzer targets in any build: libFuzzer comes with clang, so where the
# build's compiler is not clang, the fuzz targets alone are compiled and
# linked by clang++ (found on PATH; LOOM_FUZZ_CLANGXX names another), through
# use-compiler.sh as their compiler and linker launcher. Everything else the
# build makes is untouched. Off in sanitizer builds (LOOM_SANITIZE): their
# flags would clash with -fsanitize=fuzzer.
#
#   loom_fuzz_target(TARGET)  compiles TARGET with clang, ASan, UBSan and
#                             libFuzzer's coverage; an executable is linked
#                             with libFuzzer's main (it defines
#                             LLVMFuzzerTestOneInput).
#
# The targets, their seed corpora and how to run them: README.md,
# "Sanitizers and fuzzing"; test/fuzz/run-fuzzers.sh runs them in the tests.
# Included from the top level and from runtime/CMakeLists.txt (standalone).
include_guard(GLOBAL)

if(NOT DEFINED LOOM_FUZZ)
  set(LOOM_FUZZ ON)
endif()
set(LOOM_FUZZ_CXX "")
if(LOOM_FUZZ AND NOT LOOM_SANITIZE)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    set(LOOM_FUZZ_CLANGXX "${CMAKE_CXX_COMPILER}")
  else()
    find_program(LOOM_FUZZ_CLANGXX NAMES clang++ clang++-14
      DOC "clang++ for the libFuzzer targets")
  endif()
  if(LOOM_FUZZ_CLANGXX AND NOT "${LOOM_FUZZ_PROBED}" STREQUAL "${LOOM_FUZZ_CLANGXX}")
    # Debian's clang leaves libFuzzer (libclang-rt-14-dev) to a recommends:
    # check, once per compiler, that a fuzzer links before promising any.
    set(probe "${CMAKE_BINARY_DIR}/CMakeFiles/loom-fuzz-probe")
    file(WRITE "${probe}.cpp"
      "#include <cstddef>\n#include <cstdint>\n"
      "extern \"C\" int LLVMFuzzerTestOneInput(const uint8_t *, size_t) { return 0; }\n")
    execute_process(
      COMMAND "${LOOM_FUZZ_CLANGXX}" -fsanitize=fuzzer,address,undefined
              "${probe}.cpp" -o "${probe}"
      RESULT_VARIABLE probe_rc OUTPUT_QUIET ERROR_VARIABLE probe_err)
    if(probe_rc EQUAL 0)
      set(LOOM_FUZZ_PROBED "${LOOM_FUZZ_CLANGXX}" CACHE INTERNAL "clang++ that links libFuzzer")
    else()
      unset(LOOM_FUZZ_PROBED CACHE)
    endif()
  endif()
  if(LOOM_FUZZ_CLANGXX AND "${LOOM_FUZZ_PROBED}" STREQUAL "${LOOM_FUZZ_CLANGXX}")
    set(LOOM_FUZZ_CXX "${LOOM_FUZZ_CLANGXX}")
    message(STATUS "Loom: libFuzzer targets built with ${LOOM_FUZZ_CXX}")
  elseif(LOOM_FUZZ_CLANGXX)
    message(STATUS "Loom: ${LOOM_FUZZ_CLANGXX} cannot link a libFuzzer "
      "target (libclang-rt-14-dev missing?), fuzz targets not built: ${probe_err}")
  else()
    message(STATUS "Loom: clang++ not found, libFuzzer targets not built")
  endif()
endif()

set(LOOM_FUZZ_LAUNCHER "${CMAKE_CURRENT_LIST_DIR}/use-compiler.sh")
set(LOOM_FUZZ_IGNORELIST "${CMAKE_CURRENT_LIST_DIR}/ubsan-ignorelist.txt")

function(loom_fuzz_target target)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    set(launcher sh "${LOOM_FUZZ_LAUNCHER}" "${LOOM_FUZZ_CXX}")
    set_target_properties(${target} PROPERTIES
      CXX_COMPILER_LAUNCHER "${launcher}"
      CXX_LINKER_LAUNCHER "${launcher}")
  endif()
  set(sanitize address,undefined)
  target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,${sanitize}
    -fno-sanitize-recover=all -fno-omit-frame-pointer -gline-tables-only
    "-fsanitize-ignorelist=${LOOM_FUZZ_IGNORELIST}")
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    target_link_options(${target} PRIVATE -fsanitize=fuzzer,${sanitize})
  endif()
endfunction()
