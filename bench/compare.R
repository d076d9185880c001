#!/usr/bin/env Rscript
# The R side of the lart benchmark: the same steps on the same CSV files (written by
# lart-bench into bench/out), reported in the same Markdown layout as bench/results.md.
#
#   Rscript bench/compare.R [--rows 100000,1000000] [--dir bench/out] [--out bench/results-R.md] [--repeats 3]
#
# Each size is measured in a fresh R process (this script with --measure), so that the peak
# resident set (VmHWM from /proc/self/status) belongs to that size alone.

suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})

args <- commandArgs(trailingOnly = TRUE)
opt <- list(rows = "100000,1000000", dir = "bench/out", out = "bench/results-R.md",
            repeats = "3", measure = NA, result = NA, `load-repeats` = "2")
i <- 1
while (i <= length(args)) {
  key <- sub("^--", "", args[i])
  if (!key %in% names(opt)) stop("unknown argument ", args[i])
  opt[[key]] <- args[i + 1]
  i <- i + 2
}
repeats <- as.integer(opt$repeats)
landmarks <- c(2, 5)
have_fread <- requireNamespace("data.table", quietly = TRUE)
reader <- if (have_fread) {
  sprintf("data.table::fread (data.table %s, %d threads)", packageVersion("data.table"),
          data.table::getDTthreads())
} else "utils::read.csv"

vmhwm <- function() {
  s <- readLines("/proc/self/status")
  line <- grep("^VmHWM:", s, value = TRUE)
  as.numeric(gsub("[^0-9]", "", line)) * 1024
}
reset_peak <- function() {
  ok <- tryCatch({ cat("5", file = "/proc/self/clear_refs"); TRUE }, error = function(e) FALSE)
  ok
}
elapsed <- function() proc.time()[["elapsed"]]
best_of <- function(n, expr_fn) {
  best <- Inf
  out <- NULL
  for (k in seq_len(n)) {
    t0 <- elapsed()
    out <- expr_fn()
    best <- min(best, elapsed() - t0)
  }
  list(seconds = best, value = out)
}

steps <- c(load = "CSV load", km = "KM by group + 2 times", logrank = "log-rank",
           cox = "Cox Efron, 5 cov", cuminc = "cuminc by group")

measure <- function(path, load_repeats) {
  out <- list(fileBytes = file.size(path))
  secs <- c(); step_peak <- c(); checks <- list()
  load <- best_of(load_repeats, function() {
    if (have_fread) data.table::fread(path, data.table = FALSE, showProgress = FALSE)
    else read.csv(path, stringsAsFactors = FALSE)
  })
  d <- load$value
  secs["load"] <- load$seconds
  out$rows <- nrow(d)
  out$peakAfterLoad <- vmhwm()

  timed <- function(step, fn) {
    gc()
    can_reset <- reset_peak()
    r <- best_of(repeats, fn)
    secs[step] <<- r$seconds
    if (can_reset) step_peak[step] <<- vmhwm()
    r$value
  }

  km <- timed("km", function() {
    fit <- survfit(Surv(time, event) ~ group, data = d)
    summary(fit, times = landmarks, extend = TRUE)
  })
  for (g in c("A", "B")) {
    rows <- km$strata == paste0("group=", g)
    for (k in seq_along(landmarks)) {
      checks[[sprintf("km.%s.S(%g)", g, landmarks[k])]] <- km$surv[rows][k]
    }
  }
  lr <- timed("logrank", function() survdiff(Surv(time, event) ~ group, data = d))
  checks[["logrank.chisq"]] <- lr$chisq
  cox <- timed("cox", function() {
    coxph(Surv(time, event) ~ x1 + x2 + x3 + x4 + factor(x5), data = d, ties = "efron")
  })
  for (nm in names(coef(cox))) checks[[paste0("cox.coef.", nm)]] <- unname(coef(cox)[nm])
  checks[["cox.loglik"]] <- cox$loglik[2]
  checks[["cox.iterations"]] <- cox$iter
  checks[["cox.concordance"]] <- unname(cox$concordance["concordance"])
  ci <- timed("cuminc", function() {
    fit <- cuminc(d$time, d$cause, d$group, cencode = 0)
    list(fit = fit, points = timepoints(fit, landmarks))
  })
  for (g in c("A", "B")) {
    checks[[sprintf("cuminc.%s.cause1.F(5)", g)]] <- unname(ci$points$est[paste(g, 1), "5"])
  }
  checks[["gray.cause1.stat"]] <- unname(ci$fit$Tests["1", "stat"])

  out$peak <- max(c(out$peakAfterLoad, step_peak, vmhwm()))
  out$seconds <- secs
  out$stepPeak <- step_peak
  out$checks <- checks
  out
}

serialize <- function(m) {
  lines <- c(sprintf("rows %d", m$rows), sprintf("fileBytes %.0f", m$fileBytes),
             sprintf("peak %.0f", m$peak), sprintf("peakAfterLoad %.0f", m$peakAfterLoad))
  for (s in names(m$seconds)) lines <- c(lines, sprintf("seconds.%s %.17g", s, m$seconds[[s]]))
  for (s in names(m$stepPeak)) lines <- c(lines, sprintf("stepPeak.%s %.0f", s, m$stepPeak[[s]]))
  for (s in names(m$checks)) lines <- c(lines, sprintf("check.%s %.17g", s, m$checks[[s]]))
  lines
}

parse_result <- function(lines) {
  m <- list(seconds = c(), stepPeak = c(), checks = list())
  for (line in lines) {
    key <- sub(" .*$", "", line); value <- sub("^[^ ]* ", "", line)
    if (startsWith(key, "seconds.")) m$seconds[sub("^seconds\\.", "", key)] <- as.numeric(value)
    else if (startsWith(key, "stepPeak.")) m$stepPeak[sub("^stepPeak\\.", "", key)] <- as.numeric(value)
    else if (startsWith(key, "check.")) m$checks[[sub("^check\\.", "", key)]] <- as.numeric(value)
    else m[[key]] <- as.numeric(value)
  }
  m
}

if (!is.na(opt$measure)) {
  m <- measure(opt$measure, as.integer(opt$`load-repeats`))
  writeLines(serialize(m), opt$result)
  quit(status = 0)
}

# Parent: one child process per size.
script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
rows <- as.numeric(strsplit(opt$rows, ",")[[1]])
results <- list()
for (n in rows) {
  csv <- sprintf("%s/cohort-%d.csv", opt$dir, as.integer(n))
  if (!file.exists(csv)) stop(csv, " not found: run lart-bench with --rows ", as.integer(n), " first")
  res <- sprintf("%s/R-%d.txt", opt$dir, as.integer(n))
  status <- system2(file.path(R.home("bin"), "Rscript"),
                    c(script, "--measure", csv, "--result", res, "--repeats", repeats,
                      "--load-repeats", if (n >= 1e7) 1 else as.integer(opt$`load-repeats`)))
  if (status != 0) stop("measuring ", csv, " failed")
  m <- parse_result(readLines(res))
  cat(sprintf("%d rows: %s, peak %.1f MB\n", as.integer(n),
              paste(names(steps), sprintf("%.4f", m$seconds[names(steps)]), collapse = ", "), m$peak / 1e6))
  results[[length(results) + 1]] <- m
}

mb <- function(b) sprintf("%.1f", b / 1e6)
cpu <- sub("^model name\\s*:\\s*", "", grep("^model name", readLines("/proc/cpuinfo"), value = TRUE)[1])
memtotal <- as.numeric(gsub("[^0-9]", "", grep("^MemTotal:", readLines("/proc/meminfo"), value = TRUE)))
nproc <- parallel::detectCores()
md <- c(
  sprintf("# Benchmark results: R %s.%s, survival %s, cmprsk %s", R.version$major, R.version$minor,
          packageVersion("survival"), packageVersion("cmprsk")),
  "",
  sprintf("- Machine: %s, %d processors (nproc), %.1f GiB RAM", cpu, nproc, memtotal / 1024 / 1024),
  sprintf("- Date: %s", format(Sys.time(), "%Y-%m-%d %H:%M UTC", tz = "UTC")),
  sprintf("- CSV reader: %s", reader),
  sprintf("- Seconds from proc.time() (elapsed); best of %d for each analysis, best of 2 for the CSV load (one load at 10^7 rows and more).", repeats),
  "- Each analysis includes R's model frame (formula interface), as the lart side includes taking its inputs out of the table.",
  "- Each size runs in a fresh R process; peak RSS is VmHWM from /proc/self/status (R's own baseline included); raw columns = rows x 9 columns x 8 bytes.",
  "",
  "## Times (seconds)",
  "",
  paste0("| rows | ", paste(steps, collapse = " | "), " |"),
  paste0("|---:|", strrep("---:|", length(steps))))
for (m in results) {
  md <- c(md, paste0("| ", as.integer(m$rows), " | ",
                     paste(sprintf("%.4f", m$seconds[names(steps)]), collapse = " | "), " |"))
}
md <- c(md, "", "## Memory (MB = 10^6 bytes)", "",
        "| rows | CSV file | raw columns | peak RSS after load | peak RSS | peak / raw |",
        "|---:|---:|---:|---:|---:|---:|")
for (m in results) {
  raw <- m$rows * 9 * 8
  md <- c(md, sprintf("| %d | %s | %s | %s | %s | %.2f |", as.integer(m$rows), mb(m$fileBytes), mb(raw),
                      mb(m$peakAfterLoad), mb(m$peak), m$peak / raw))
}
if (any(vapply(results, function(m) length(m$stepPeak) > 0, TRUE))) {
  an <- setdiff(names(steps), "load")
  md <- c(md, "", "Peak RSS during each analysis step (the loaded data included; the peak is reset before each step):", "",
          paste0("| rows | ", paste(steps[an], collapse = " | "), " |"),
          paste0("|---:|", strrep("---:|", length(an))))
  for (m in results) {
    md <- c(md, paste0("| ", as.integer(m$rows), " | ", paste(mb(m$stepPeak[an]), collapse = " | "), " |"))
  }
}
md <- c(md, "", "## Check values", "", "| rows | quantity | value |", "|---:|---|---:|")
for (m in results) {
  for (nm in names(m$checks)) {
    md <- c(md, sprintf("| %d | %s | %.17g |", as.integer(m$rows), nm, m$checks[[nm]]))
  }
}
writeLines(md, opt$out)
cat("\n", paste(md, collapse = "\n"), "\n", sep = "")
