# The whole run of bench/registry.lart in R, as a script a user runs: start R, load the
# packages, read the 7 columns with fread (all threads), KM by sex at 2 and 5 months,
# log-rank by sex, Cox (age + bmi + factor(histology), Efron, with its concordance) and
# cumulative incidence by sex with Gray's test, each printed.
#
#   Rscript bench/registry.R bench/out/registry-1000000.csv
#
# bench/registry.sh times this process beside `lart run bench/registry.lart --param data=...`
# (the same file), taking turns, best of 5 each: the whole process on both sides.
suppressPackageStartupMessages({ library(data.table); library(survival); library(cmprsk) })
args <- commandArgs(trailingOnly = TRUE)
path <- if (length(args) >= 1) args[1] else "bench/out/registry-1000000.csv"
setDTthreads(0)
d <- fread(path, select = c("age", "sex", "histology", "bmi", "time", "status", "cause"),
           na.strings = c("", "NA"), data.table = FALSE, showProgress = FALSE)
print(summary(survfit(Surv(time, status) ~ sex, data = d), times = c(2, 5), extend = TRUE))
print(survdiff(Surv(time, status) ~ sex, data = d))
print(summary(coxph(Surv(time, status) ~ age + bmi + factor(histology), data = d, ties = "efron")))
ci <- cuminc(d$time, d$cause, d$sex, cencode = 0)
print(ci$Tests)
print(timepoints(ci, 5))
