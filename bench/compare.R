#!/usr/bin/env Rscript
# The R side of the lart benchmark: the same steps on the same CSV files (written by
# lart-bench into bench/out), reported in the same Markdown layout as bench/results.md.
#
#   Rscript bench/compare.R [--rows 100000,1000000] [--dir bench/out] [--out bench/results-R.md] [--repeats 3]
#   Rscript bench/compare.R --registry 1000000,10000000 [--run-rows 1000000] [--out bench/results-registry-R.md]
#
# The second form reads the registry file of `lart-bench --registry` (fread with all
# threads: all 14 columns, and `select =` the 7 a script uses) and times a whole run on it
# (fread of the 7 columns, survfit + summary, survdiff, coxph, cuminc + timepoints).
#
# Each size is measured in a fresh R process (this script with --measure), so that the peak
# resident set (VmHWM from /proc/self/status) belongs to that size alone.

suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})

args <- commandArgs(trailingOnly = TRUE)
opt <- list(rows = "100000,1000000", dir = "bench/out", out = NA,
            repeats = "3", measure = NA, result = NA, `load-repeats` = "2",
            registry = NA, `run-rows` = "1000000", `measure-use` = NA, `measure-run` = NA, columns = NA)
i <- 1
while (i <= length(args)) {
  key <- sub("^--", "", args[i])
  if (!key %in% names(opt)) stop("unknown argument ", args[i])
  opt[[key]] <- args[i + 1]
  i <- i + 2
}
repeats <- as.integer(opt$repeats)
if (is.na(opt$out)) opt$out <- if (is.na(opt$registry)) "bench/results-R.md" else "bench/results-registry-R.md"
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

# ---- The registry file (lart-bench --registry) --------------------------------------

script_columns <- c("age", "sex", "histology", "bmi", "time", "status", "cause")
registry_read <- function(path, cols) {
  data.table::fread(path, select = cols, na.strings = c("", "NA"), data.table = FALSE, showProgress = FALSE)
}

if (!is.na(opt$`measure-use`)) {
  data.table::setDTthreads(0)
  cols <- if (is.na(opt$columns)) NULL else strsplit(opt$columns, ",")[[1]]
  r <- best_of(repeats, function() registry_read(opt$`measure-use`, cols))
  d <- r$value
  writeLines(c(sprintf("rows %d", nrow(d)), sprintf("columns %d", ncol(d)), sprintf("seconds %.17g", r$seconds),
               sprintf("peak %.0f", vmhwm()), sprintf("threads %d", data.table::getDTthreads()),
               paste0("kinds ", paste(names(d), vapply(d, function(x) class(x)[1], ""), sep = "=", collapse = ","))),
             opt$result)
  quit(status = 0)
}

if (!is.na(opt$`measure-run`)) {
  data.table::setDTthreads(0)
  best <- Inf; best_steps <- NULL; checks <- list()
  for (k in seq_len(repeats)) {
    t <- elapsed(); steps <- c()
    lap <- function(name) { now <- elapsed(); steps[name] <<- now - t; t <<- now }
    d <- registry_read(opt$`measure-run`, script_columns); lap("load")
    km <- summary(survfit(Surv(time, status) ~ sex, data = d), times = landmarks, extend = TRUE); lap("km")
    lr <- survdiff(Surv(time, status) ~ sex, data = d); lap("logrank")
    cox <- coxph(Surv(time, status) ~ age + bmi + factor(histology), data = d, ties = "efron"); lap("cox")
    ci <- cuminc(d$time, d$cause, d$sex, cencode = 0); cit <- timepoints(ci, landmarks); lap("cuminc")
    if (sum(steps) < best) { best <- sum(steps); best_steps <- steps }
  }
  for (g in c("F", "M")) {
    rows <- km$strata == paste0("sex=", g)
    for (k in seq_along(landmarks)) checks[[sprintf("km.%s.S(%g)", g, landmarks[k])]] <- km$surv[rows][k]
    checks[[sprintf("cuminc.%s.cause1.F(5)", g)]] <- unname(cit$est[paste(g, 1), "5"])
  }
  checks[["logrank.chisq"]] <- lr$chisq
  for (nm in names(coef(cox))) checks[[paste0("cox.coef.", nm)]] <- unname(coef(cox)[nm])
  checks[["cox.loglik"]] <- cox$loglik[2]
  checks[["cox.iterations"]] <- cox$iter
  checks[["cox.concordance"]] <- unname(cox$concordance["concordance"])
  checks[["gray.cause1.stat"]] <- unname(ci$Tests["1", "stat"])
  writeLines(c(sprintf("total %.17g", best), sprintf("seconds.%s %.17g", names(best_steps), best_steps),
               sprintf("peak %.0f", vmhwm()), sprintf("check.%s %.17g", names(checks), unlist(checks))), opt$result)
  quit(status = 0)
}

if (!is.na(opt$registry)) {
  script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  rscript <- file.path(R.home("bin"), "Rscript")
  read_kv <- function(f) {
    l <- readLines(f); k <- sub(" [^ ]*$", "", l); v <- sub("^.* ", "", l); setNames(as.list(v), k)
  }
  use_lines <- c(); run_lines <- c(); check_lines <- c(); kinds <- ""; threads <- "?"
  for (n in as.numeric(strsplit(opt$registry, ",")[[1]])) {
    csv <- sprintf("%s/registry-%d.csv", opt$dir, as.integer(n))
    if (!file.exists(csv)) stop(csv, " not found: run lart-bench --registry ", as.integer(n), " first")
    reps <- repeats  # the same at every size, as lart-bench and polars.py
    for (cols in list(NA, paste(script_columns, collapse = ","))) {
      res <- sprintf("%s/R-registry-%d.txt", opt$dir, as.integer(n))
      args <- c(script, "--measure-use", csv, "--result", res, "--repeats", reps)
      if (!is.na(cols)) args <- c(args, "--columns", cols)
      if (system2(rscript, args) != 0) stop("measuring ", csv, " failed")
      m <- read_kv(res); kinds <- m$kinds; threads <- m$threads
      cat(sprintf("%d rows, %s columns: fread %.4f s, peak %.1f MB\n", as.integer(n), m$columns,
                  as.numeric(m$seconds), as.numeric(m$peak) / 1e6))
      use_lines <- c(use_lines, sprintf("| %d | %s | %.1f | %.4f | %.1f |", as.integer(n), m$columns, file.size(csv) / 1e6,
                                        as.numeric(m$seconds), as.numeric(m$peak) / 1e6))
    }
    if (n %in% as.numeric(strsplit(opt$`run-rows`, ",")[[1]])) {
      res <- sprintf("%s/R-registry-run-%d.txt", opt$dir, as.integer(n))
      if (system2(rscript, c(script, "--measure-run", csv, "--result", res, "--repeats", repeats)) != 0) stop("run failed")
      m <- read_kv(res)
      cat(sprintf("%d rows: whole run %.4f s\n", as.integer(n), as.numeric(m$total)))
      run_lines <- c(run_lines, paste0("| ", as.integer(n), " | ", paste(sprintf("%.4f", as.numeric(unlist(
        m[paste0("seconds.", names(steps))]))), collapse = " | "), sprintf(" | %.4f |", as.numeric(m$total))))
      for (k in sort(grep("^check\\.", names(m), value = TRUE))) {
        check_lines <- c(check_lines, sprintf("| %d | %s | %s |", as.integer(n), sub("^check\\.", "", k), m[[k]]))
      }
    }
  }
  cpu <- sub("^model name\\s*:\\s*", "", grep("^model name", readLines("/proc/cpuinfo"), value = TRUE)[1])
  md <- c(sprintf("# Benchmark results: R %s.%s, data.table %s, survival %s, cmprsk %s, the registry file",
                  R.version$major, R.version$minor, packageVersion("data.table"), packageVersion("survival"),
                  packageVersion("cmprsk")), "",
          sprintf("- Machine: %s, %d processors (nproc); data.table threads: %s", cpu, parallel::detectCores(), threads),
          sprintf("- Date: %s", format(Sys.time(), "%Y-%m-%d %H:%M UTC", tz = "UTC")),
          sprintf("- Reader: `data.table::fread(path, select = ..., na.strings = c(\"\", \"NA\"), data.table = FALSE)`; best of %d at every size, each in a fresh R process; peak RSS is VmHWM (R's baseline included)", repeats),
          sprintf("- Column kinds read: %s", kinds), "", "## Use", "",
          "| rows | columns | CSV file (MB) | use (s) | peak RSS (MB) |", "|---:|---:|---:|---:|---:|", use_lines)
  if (length(run_lines) > 0) {
    md <- c(md, "", "## Whole run", "",
            "fread of the script columns, survfit + summary(times = c(2, 5)) by sex, survdiff by sex, coxph(Surv(time, status) ~ age + bmi + factor(histology), ties = \"efron\"), cuminc(time, cause, sex) + timepoints; the best total.", "",
            "| rows | use (7 columns) | KM by group + 2 times | log-rank | Cox Efron, age + bmi + histology | cuminc by group | total |",
            "|---:|---:|---:|---:|---:|---:|---:|", run_lines,
            "", "## Check values", "", "| rows | quantity | value |", "|---:|---|---:|", check_lines)
  }
  writeLines(md, opt$out)
  cat("wrote", opt$out, "\n")
  quit(status = 0)
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
