#!/usr/bin/env bash
# Regenerates the two dependency locks from pyproject.toml, with pip-tools:
#
#   constraints.txt   every dependency with the test and postgres extras, pinned: what
#                     .ci/run (the README's test command) installs with `pip install -c`;
#   requirements.lock the runtime with the postgres extra and the build backend, pinned
#                     with hashes, resolved under constraints.txt so both agree: what the
#                     Dockerfile installs with --require-hashes.
#
# Existing pins are kept when they still satisfy pyproject.toml; `scripts/lock.sh --upgrade`
# moves everything to the newest versions allowed. Then run the tests and commit both files.
# tests/unit/test_deploy_files.py checks that the two agree and cover pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/pip" install --quiet 'pip-tools==7.6.2'

# PyPI only: a machine's own pip.conf (a local mirror, extra find-links) must not leak into
# the lock, whose hashes are those of the files PyPI serves.
export PIP_CONFIG_FILE=/dev/null
common=(--quiet --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
    --index-url https://pypi.org/simple "$@")

"$tools/bin/pip-compile" "${common[@]}" --extra postgres --extra test \
    --output-file constraints.txt pyproject.toml
"$tools/bin/pip-compile" "${common[@]}" --generate-hashes --all-build-deps --extra postgres \
    --constraint constraints.txt --output-file requirements.lock pyproject.toml
