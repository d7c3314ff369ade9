#!/usr/bin/env bash
# The README's two Quick start commands:
#   bash .ci/quickstart.sh run    install what is missing, build (Release), run the main job
#   bash .ci/quickstart.sh test   install what is missing, build (Release), run every test
# Works on a fresh Debian 12 machine; installs only the Debian packages that are missing
# and says which.  PMS_WERROR=ON turns compiler warnings into errors (CI sets it).
set -euo pipefail
mode=${1:-run}
case "$mode" in run|test) ;; *) echo "usage: $0 run|test" >&2; exit 1 ;; esac
cd "$(dirname "$0")/.."

# Build and run: compiler, CMake, GSL, libxlsxwriter (its pkg-config file links -lz, but
# the package does not pull in zlib1g-dev: found on a fresh Debian 12), inih, libdeflate (the
# workbook's parts, io/xlsx_zip.c); gnuplot draws the charts; help2man writes the man page from
# --help at build time.
pkgs=(build-essential cmake pkg-config libgsl-dev libxlsxwriter-dev zlib1g-dev libinih-dev
      libdeflate-dev gnuplot-nox help2man)
# Tests: cmocka, openpyxl and SciPy to read the workbook back independently;
# LibreOffice (Calc, no GUI) and poppler-utils for the PDF conversion test.
if [ "$mode" = test ]; then
  pkgs+=(libcmocka-dev python3 python3-openpyxl python3-scipy python3-pandas unzip libreoffice-calc-nogui
         poppler-utils)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "quickstart: installing missing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "quickstart: all required Debian packages are installed"
fi

tests=OFF
[ "$mode" = test ] && tests=ON
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPMS_BUILD_TESTS=$tests -DPMS_WERROR="${PMS_WERROR:-OFF}"
cmake --build build -j"$(nproc)"

if [ "$mode" = run ]; then
  # The main job: the board report (board-report/pmsreview-report.xlsx, board-report/charts/,
  # board-report/summary.txt, printed as well).
  ./build/pmsreview report
else
  ctest --test-dir build --output-on-failure -j"$(nproc)"
fi
