#!/usr/bin/env bash
# Remakes the PNG previews in this folder from the quickstart study:
#   bash examples/figures/make.sh            (builds lart in release mode first)
#   LART=.build/debug/lart bash examples/figures/make.sh
# The figures are what `plot` writes: 85 x 70 mm curves, forest plots as wide as their
# text, PNG at 300 dpi through librsvg. (flow-tree.png is the study's flow tree.)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
if [ -z "${LART:-}" ]; then
  (cd "$root" && swift build -c release --product lart >/dev/null)
  LART="$root/.build/release/lart"
fi
case "$LART" in /*) ;; *) LART="$root/$LART" ;; esac
cd "$root/examples"
{
  sed '/^flow omd/,$d' quickstart.lart
  cat <<'LART'
cohort omd + opd | km pfs by cohort | plot "figures/km-pfs.png" xmax 60mo percent pvalue
cohort omd | km os by tki | plot "figures/km-os-tki.png" xmax 60mo ci median
cohort omd + opd | cuminc lf by cohort | plot "figures/cuminc-lf.png" xmax 60mo pvalue
cohort omd | cox pfs ~ tki + all_sites_rt + factor(mets_at_dx) | plot "figures/forest-pfs.png"
cohort omd | cox pfs ~ each(sex, age >= 60, egfr, mets_at_dx, tki) | plot "figures/forest-screen.png"
LART
} | "$LART" --plain | grep "figure written"
