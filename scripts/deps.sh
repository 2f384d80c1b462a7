#!/usr/bin/env bash
# Installs the system packages rtagent needs to build, run and test, on Debian/Ubuntu.
# Idempotent and quiet when everything is already there.
#   build: gcc, pkg-config, PortAudio (portaudio19-dev), speexdsp (libspeexdsp-dev, echo cancellation)
#   run:   WebRTC audio processing (libwebrtc-audio-processing1, the local voice detector: loaded
#          with dlopen on first use, so building needs neither it nor its -dev package)
#   tests: python3 (protocol validators), tmux (TUI tests), espeak-ng and sox (speech fixtures)
set -euo pipefail

need=()
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
have_lib() { { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -qF "$1 "; }
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
have_pc portaudio-2.0 || need+=(portaudio19-dev)
have_pc speexdsp || need+=(libspeexdsp-dev)
have_lib libwebrtc_audio_processing.so.1 || need+=(libwebrtc-audio-processing1)
if [ "${1:-}" = "--test" ]; then
  command -v python3 >/dev/null 2>&1 || need+=(python3)
  command -v tmux >/dev/null 2>&1 || need+=(tmux)
  command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
  command -v sox >/dev/null 2>&1 || need+=(sox)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "rtagent: missing system packages: ${need[*]} (install them with your package manager)" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "rtagent: installing ${need[*]}" >&2
$sudo apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
