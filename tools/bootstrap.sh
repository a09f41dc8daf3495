#!/usr/bin/env bash
# Makes sure this machine can build Aeon: a Swift 6.1+ toolchain, the system liblz4 (the engine)
# and SQLite (the ingest benchmark's peer). Installs them when missing (apt-get on Debian/Ubuntu,
# Homebrew on macOS) and says exactly what to install when it cannot.
set -euo pipefail

if ! command -v swift >/dev/null 2>&1; then
    echo "bootstrap: no Swift toolchain on PATH. Install Swift 6.1 or later from swift.org" >&2
    echo "           (on macOS: Xcode 16.3 or later), then run this again." >&2
    exit 2
fi

# liblz4 for the engine; SQLite only for the ingest benchmark's side-by-side peer.
have_libraries() {
    if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists liblz4 sqlite3; then return 0; fi
    [ "$(uname -s)" = Darwin ] && command -v brew >/dev/null 2>&1 && brew list lz4 >/dev/null 2>&1 && brew list sqlite >/dev/null 2>&1
}

if ! have_libraries; then
    case "$(uname -s)" in
    Linux)
        if command -v apt-get >/dev/null 2>&1; then
            sudo=""
            [ "$(id -u)" = 0 ] || sudo="sudo"
            if [ -n "$sudo" ] && ! command -v sudo >/dev/null 2>&1; then
                echo "bootstrap: libraries are missing; as root run: apt-get update && apt-get install -y liblz4-dev libsqlite3-dev pkg-config" >&2
                exit 2
            fi
            echo "bootstrap: installing liblz4-dev and libsqlite3-dev" >&2
            $sudo apt-get update -qq
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblz4-dev libsqlite3-dev pkg-config >/dev/null
        else
            echo "bootstrap: liblz4 or SQLite is missing; install your distribution's development packages" >&2
            echo "           (e.g. 'dnf install lz4-devel sqlite-devel pkgconf') and run this again." >&2
            exit 2
        fi
        ;;
    Darwin)
        if command -v brew >/dev/null 2>&1; then
            echo "bootstrap: installing lz4 and sqlite with Homebrew" >&2
            brew install lz4 sqlite pkg-config
        else
            echo "bootstrap: libraries are missing; install Homebrew (brew.sh), then: brew install lz4 sqlite pkg-config" >&2
            exit 2
        fi
        ;;
    *)
        echo "bootstrap: install liblz4, SQLite and pkg-config for this system." >&2
        exit 2
        ;;
    esac
fi
