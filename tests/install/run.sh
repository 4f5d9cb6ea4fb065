#!/bin/sh
# Installs loom from the build tree into a temporary prefix, then builds a
# consumer project against it twice: with CMake's find_package(loom) and
# with pkg-config.  Usage: run.sh <build dir> <source dir of this test>
# $LOOM_CONSUMER_CFLAGS: extra flags for the consumers (the sanitizer build
# passes -fsanitize=..., which a program linking its library needs).
set -e
cflags=${LOOM_CONSUMER_CFLAGS:-}
build=$1
here=$2
tmp=$(mktemp -d /tmp/loom-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
cmake -S "$here" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
      -DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$cflags" > "$tmp/configure.log"
cmake --build "$tmp/cmake" > "$tmp/build.log"
LOOM_CACHE_DIR= "$tmp/cmake/consumer"
PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib64/pkgconfig" \
  cc $cflags "$here/main.c" -o "$tmp/pc-consumer" $(PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib64/pkgconfig" pkg-config --cflags --libs loom) -lm \
     -Wl,-rpath,"$tmp/prefix/lib" -Wl,-rpath,"$tmp/prefix/lib64"
LOOM_CACHE_DIR= "$tmp/pc-consumer"
