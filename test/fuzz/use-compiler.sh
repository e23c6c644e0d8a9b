#!/bin/sh
# Compiler and linker launcher of the libFuzzer targets (LoomFuzz.cmake).
# CMake runs "use-compiler.sh CLANG++ BUILD-CXX ARGS..." where it would run
# "BUILD-CXX ARGS..."; this runs "CLANG++ ARGS...", so a gcc build can hold
# targets that clang compiles and links (libFuzzer is clang's).
cxx=$1
shift 2
exec "$cxx" "$@"
