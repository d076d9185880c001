# Compares two reference JSON files (e.g. the committed one and a fresh regeneration):
#
#   Rscript compare_ref.R OLD.ref.json NEW.ref.json [--all]
#
# For every case (matched by id, in order) it prints the number of numeric values compared, the
# largest absolute difference, the largest relative difference |a - b| / max(|a|, |b|), and the
# path of the worst value; any structural difference (missing or extra keys, key order, array
# lengths, differing strings, number vs null vs "NaN") is listed. Cases with no difference at all
# are only listed with --all. The header blocks (generator, conventions, dataset, ...) are
# compared the same way. Exit status 1 if there is a structural difference.
#
# Needs R and jsonlite (reading JSON with jsonlite is exact: numbers are parsed with strtod).

suppressPackageStartupMessages(library(jsonlite))

args <- commandArgs(trailingOnly = TRUE)
show_all <- "--all" %in% args
files <- args[args != "--all"]
if (length(files) != 2) stop("usage: Rscript compare_ref.R OLD.ref.json NEW.ref.json [--all]")
old <- fromJSON(files[1], simplifyVector = FALSE)
new <- fromJSON(files[2], simplifyVector = FALSE)

new_acc <- function() {
  e <- new.env()
  e$n <- 0L; e$abs <- 0; e$rel <- 0; e$where_abs <- ""; e$where_rel <- ""; e$issues <- character(0)
  e
}

kind <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) return(if (is.null(names(x))) "array" else "object")
  if (is.numeric(x)) return("number")
  if (is.character(x)) return("string")
  if (is.logical(x)) return("bool")
  class(x)[1]
}

walk <- function(a, b, path, acc) {
  ka <- kind(a); kb <- kind(b)
  if (ka != kb) {
    acc$issues <- c(acc$issues, sprintf("%s: %s vs %s (%s vs %s)", path, ka, kb,
                                        substr(toJSON(a, auto_unbox = TRUE, null = "null", digits = NA), 1, 40),
                                        substr(toJSON(b, auto_unbox = TRUE, null = "null", digits = NA), 1, 40)))
    return(invisible())
  }
  if (ka == "object") {
    if (!identical(names(a), names(b))) {
      miss <- setdiff(names(a), names(b)); extra <- setdiff(names(b), names(a))
      msg <- if (length(miss) || length(extra))
        sprintf("%s: keys missing [%s], extra [%s]", path, paste(miss, collapse = ", "), paste(extra, collapse = ", "))
      else sprintf("%s: key order differs", path)
      acc$issues <- c(acc$issues, msg)
    }
    for (k in intersect(names(a), names(b))) walk(a[[k]], b[[k]], paste0(path, ".", k), acc)
  } else if (ka == "array") {
    if (length(a) != length(b))
      acc$issues <- c(acc$issues, sprintf("%s: length %d vs %d", path, length(a), length(b)))
    for (i in seq_len(min(length(a), length(b)))) walk(a[[i]], b[[i]], sprintf("%s[%d]", path, i - 1), acc)
  } else if (ka == "number") {
    acc$n <- acc$n + 1L
    d <- abs(a - b)
    r <- if (d == 0) 0 else d / max(abs(a), abs(b))
    if (d > acc$abs) { acc$abs <- d; acc$where_abs <- path }
    if (r > acc$rel) { acc$rel <- r; acc$where_rel <- path }
  } else if (!identical(a, b)) {
    acc$issues <- c(acc$issues, sprintf("%s: %s vs %s", path,
                                        substr(toJSON(a, auto_unbox = TRUE), 1, 60), substr(toJSON(b, auto_unbox = TRUE), 1, 60)))
  }
  invisible()
}

report <- function(label, acc) {
  if (!show_all && acc$abs == 0 && length(acc$issues) == 0) return(invisible())
  cat(sprintf("%-45s n=%5d  max_abs=%.3g  max_rel=%.3g%s\n", label, acc$n, acc$abs, acc$rel,
              if (acc$abs > 0) paste0("  (abs at ", acc$where_abs, "; rel at ", acc$where_rel, ")") else ""))
  for (m in acc$issues) cat("    ", m, "\n")
}

total <- new_acc(); structural <- FALSE
fold <- function(acc) {
  total$n <- total$n + acc$n
  if (acc$abs > total$abs) { total$abs <- acc$abs; total$where_abs <- acc$where_abs }
  if (acc$rel > total$rel) { total$rel <- acc$rel; total$where_rel <- acc$where_rel }
  if (length(acc$issues)) structural <<- TRUE
}

cat(sprintf("old: %s\nnew: %s\n", files[1], files[2]))
top <- new_acc()
if (!identical(names(old), names(new)))
  top$issues <- c(top$issues, sprintf("top-level keys: [%s] vs [%s]", paste(names(old), collapse = ", "),
                                      paste(names(new), collapse = ", ")))
for (k in setdiff(intersect(names(old), names(new)), "cases")) walk(old[[k]], new[[k]], k, top)
report("(header blocks)", top); fold(top)

ids_old <- vapply(old$cases, function(c) c$id, ""); ids_new <- vapply(new$cases, function(c) c$id, "")
if (!identical(ids_old, ids_new)) {
  structural <- TRUE
  cat("case ids differ: missing [", paste(setdiff(ids_old, ids_new), collapse = ", "), "], extra [",
      paste(setdiff(ids_new, ids_old), collapse = ", "), "]",
      if (setequal(ids_old, ids_new)) " (same ids, different order)" else "", "\n", sep = "")
}
for (id in intersect(ids_old, ids_new)) {
  acc <- new_acc()
  walk(old$cases[[match(id, ids_old)]], new$cases[[match(id, ids_new)]], id, acc)
  report(id, acc); fold(acc)
}
cat(sprintf("TOTAL: %d cases, %d numbers compared, max_abs=%.3g (%s), max_rel=%.3g (%s), structural differences: %s\n",
            length(intersect(ids_old, ids_new)), total$n, total$abs, total$where_abs, total$rel, total$where_rel,
            if (structural) "YES" else "none"))
quit(status = if (structural) 1 else 0)
