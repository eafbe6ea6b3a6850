#!/usr/bin/env bash
# Installs what the memcached module, its tests and the benchmarks need and the Swift toolchain does
# not bring: memcached, libmemcached-dev (the C library), libmemcached-tools (memcaslap) and
# pkg-config. Does nothing when they are present (memcaslap, which only Benchmarks/compare uses, is
# checked only as root, where it can be installed); installs with apt-get as root, else says what to
# install.
set -euo pipefail

if command -v memcached >/dev/null && pkg-config --exists libmemcached 2>/dev/null \
    && { [ "$(id -u)" != 0 ] || command -v memcaslap >/dev/null; }; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing memcached, libmemcached-dev, libmemcached-tools and pkg-config"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq memcached libmemcached-dev libmemcached-tools pkg-config >/dev/null
else
    echo "error: install memcached, libmemcached-dev, libmemcached-tools and pkg-config" \
        "(sudo apt-get install memcached libmemcached-dev libmemcached-tools pkg-config)" >&2
    exit 1
fi
