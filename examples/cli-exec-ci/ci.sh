#!/bin/sh
# A CI job's database steps. The download is the blessed cache step: cache the directory it fills
# (MONGO_TOPOLOGY_CACHE_DIR, default ~/.cache/mongo-topology) between runs, keyed by the version.
set -eu
cd "$(dirname "$0")"
export MONGO_TOPOLOGY_CACHE_DIR="${MONGO_TOPOLOGY_CACHE_DIR:-$PWD/.cache/mongodb}"

npx mongo-topology download 8.0
npx mongo-topology exec --replset 3 --version 8.0 -- node check.mjs
