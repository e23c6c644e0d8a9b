# Finds MLIR 19 in the including directory's scope and sets up TableGen and the
# include paths the loom dialect and compiler need. Never include this from a
# scope that also finds Halide (its LLVM 14 config clashes with LLVM 19's).
find_package(MLIR REQUIRED CONFIG
  HINTS /usr/lib/llvm-19/lib/cmake/mlir)

list(APPEND CMAKE_MODULE_PATH "${MLIR_CMAKE_DIR}" "${LLVM_CMAKE_DIR}")
include(TableGen)
include(AddLLVM)
include(AddMLIR)

include_directories(SYSTEM ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
include_directories(
  "${PROJECT_SOURCE_DIR}/dialects/loom/include"
  "${PROJECT_BINARY_DIR}/dialects/loom/include"
  "${PROJECT_SOURCE_DIR}/dialects/loom_kernel/include"
  "${PROJECT_BINARY_DIR}/dialects/loom_kernel/include"
  "${PROJECT_SOURCE_DIR}/runtime/include"
  "${PROJECT_SOURCE_DIR}/compiler"
  "${PROJECT_BINARY_DIR}/compiler")
separate_arguments(LOOM_LLVM_DEFINITIONS NATIVE_COMMAND "${LLVM_DEFINITIONS}")
add_definitions(${LOOM_LLVM_DEFINITIONS})

# LLVM 19 is built without RTTI and exceptions; match it.
if(NOT LLVM_ENABLE_RTTI)
  add_compile_options(-fno-rtti)
endif()
