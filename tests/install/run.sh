#!/bin/sh
# Installs loom from the build tree into a temporary prefix, then builds a
# consumer project against it twice: with CMake's find_package(loom) and
# with pkg-config.  Usage: run.sh <build dir> <source dir of this test>
set -e
build=$1
here=$2
tmp=$(mktemp -d /tmp/loom-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
cmake -S "$here" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$tmp/prefix" > "$tmp/configure.log"
cmake --build "$tmp/cmake" > "$tmp/build.log"
LOOM_CACHE_DIR= "$tmp/cmake/consumer"
PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib64/pkgconfig" \
  cc "$here/main.c" -o "$tmp/pc-consumer" $(PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib64/pkgconfig" pkg-config --cflags --libs loom) -lm \
     -Wl,-rpath,"$tmp/prefix/lib" -Wl,-rpath,"$tmp/prefix/lib64"
LOOM_CACHE_DIR= "$tmp/pc-consumer"
