# Writes heart.csv: R's survival::heart (jasa1, Stanford heart transplant data in counting-
# process form), one row per (start, stop] interval. `transplant` is written as 0/1 (R holds it
# as a factor with levels "0", "1"; as a number it gives the same model column, transplant1).
#
#   Rscript make_heart_csv.R        # writes heart.csv next to this script
suppressPackageStartupMessages(library(survival))
script_dir <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1) dirname(normalizePath(f)) else getwd()
})
h <- survival::heart
h$transplant <- as.integer(as.character(h$transplant))
h <- h[, c("id", "start", "stop", "event", "age", "year", "surgery", "transplant")]
# Numbers with up to 15 significant digits; the reference results are computed from this CSV as
# read back by make_ref.R, so the CSV is the exact input.
for (nm in names(h)) h[[nm]] <- sprintf("%.15g", h[[nm]])
write.csv(h, file.path(script_dir, "heart.csv"), row.names = FALSE, quote = FALSE)
