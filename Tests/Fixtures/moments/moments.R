# R's mean() and var() on vectors where a plain double sum differs in the last bits
# (Tests/RuntimeTests/MomentsTests.swift). Run from this folder: Rscript moments.R
# Writes moments.csv: one vector per line, then its mean and variance, each value as
# sprintf("%a") (exact, hexadecimal), separated by spaces; fields by ';'.
set.seed(20261130)
naive_mean <- function(x) { s <- 0; for (v in x) s <- s + v; s / length(x) }
hex <- function(v) paste(sprintf("%a", v), collapse = " ")
lines <- character()
k <- 0
while (length(lines) < 60 && k < 100000) {
  k <- k + 1
  n <- sample(2:60, 1)
  x <- switch(sample(1:3, 1),
              round(rnorm(n, 50, 20), sample(0:3, 1)),       # ages, doses
              round(rexp(n, 1 / 30), 2),                       # months
              1e8 + round(runif(n, 0, 1), 3))                  # large values, small spread
  if (naive_mean(x) == mean(x) && length(lines) %% 2 == 0) next
  lines <- c(lines, paste(hex(x), hex(mean(x)), hex(var(x)), sep = ";"))
}
writeLines(lines, "moments.csv")
