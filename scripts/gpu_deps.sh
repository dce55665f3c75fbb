#!/usr/bin/env bash
# Downloads, here (where Debian's registry is reachable), the Debian packages that a GPU build
# needs and a GPU machine may lack, into .gpu_deps/ (git-ignored). scripts/gpu_check.sh unpacks
# them there with dpkg -x when the machine has no libzmq, OpenBLAS, GoogleTest or nlohmann-json
# of its own. Carry .gpu_deps with the working tree to that machine.
#
#   scripts/gpu_deps.sh        (then: device run ... carry [".gpu_deps"])
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(
  # ZeroMQ and what libzmq.so.5 links
  libzmq3-dev libzmq5 libsodium23 libpgm-5.3-0 libnorm1 libbsd0 libmd0
  libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libkeyutils1 libcom-err2
  # OpenBLAS (the OpenMP build, as on the CPU machines) and its Fortran runtime
  libopenblas-openmp-dev libopenblas0-openmp libopenblas-dev libgfortran5 libquadmath0
  # headers-only and static test libraries
  nlohmann-json3-dev libgtest-dev
  # what the whole r1 binary (prebuilt here, for `r1 bench rl` there) links besides the above
  libre2-9 libseccomp2
)
mkdir -p .gpu_deps
rm -f .gpu_deps/*.deb
(cd .gpu_deps && apt-get download "${pkgs[@]}")
echo "downloaded $(ls .gpu_deps/*.deb | wc -l) packages, $(du -sh .gpu_deps | cut -f1), into .gpu_deps/"
