# Shared helpers of the fixture generators (public/make_ref.R, lart/make_ref.R).
#
# Not part of lart or its tests: R is only needed to regenerate the committed *.ref.json files.
# Sourced by the make_ref.R scripts; defines
#   - a JSON writer that keeps R's doubles exact (shortest decimal that reads back to the same
#     double, at most 17 significant digits; NA -> null; "Inf", "-Inf", "NaN" as strings);
#   - one result builder per case type (km, survdiff, coxph, cox_zph, coxph_survfit, cuminc,
#     crr, reverse_km_followup), each calling the R function named in the case's r_call.
#
# jsonlite is not used for writing: jsonlite 1.8 (toJSON, digits = NA or I(17)) writes at most
# 15 significant digits, which does not round-trip every double.

suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})

## ---------------------------------------------------------------- JSON writer

# Mark a vector as a JSON array even when it has length 1 (plain length-1 vectors are scalars).
A <- function(x) structure(x, json_array = TRUE)

json_num <- function(x) {
  if (is.nan(x)) return("\"NaN\"")
  if (is.na(x)) return("null")
  if (is.infinite(x)) return(if (x > 0) "\"Inf\"" else "\"-Inf\"")
  if (x == 0) return("0")
  if (x == round(x) && abs(x) < 1e15) return(sprintf("%.0f", x))
  for (d in 15:17) {
    s <- sprintf(paste0("%.", d, "g"), x)
    if (as.numeric(s) == x) break
  }
  s
}

json_str <- function(s) {
  if (is.na(s)) return("null")
  s <- gsub("\\", "\\\\", s, fixed = TRUE)
  s <- gsub("\"", "\\\"", s, fixed = TRUE)
  s <- gsub("\n", "\\n", s, fixed = TRUE)
  s <- gsub("\t", "\\t", s, fixed = TRUE)
  paste0("\"", s, "\"")
}

json_scalar <- function(x) {
  if (is.factor(x)) x <- as.character(x)
  if (is.logical(x)) return(if (is.na(x)) "null" else if (x) "true" else "false")
  if (is.character(x)) return(json_str(x))
  if (is.numeric(x)) return(json_num(as.numeric(x)))
  stop("cannot write a value of class ", class(x)[1])
}

is_scalar <- function(x) is.atomic(x) && length(x) == 1 && is.null(attr(x, "json_array")) && is.null(dim(x))

# Layout of the committed files: two-space indent; objects always one member per line; an array
# whose elements are all scalars on one line; other arrays one element per line.
to_json <- function(x, indent = 0) {
  pad <- strrep("  ", indent + 1)
  end <- strrep("  ", indent)
  if (is.matrix(x)) x <- lapply(seq_len(nrow(x)), function(i) A(unname(x[i, ])))
  if (is.atomic(x) && !is.null(x)) {
    if (is_scalar(x)) return(json_scalar(x))
    if (length(x) == 0) return("[]")
    return(paste0("[", paste(vapply(seq_along(x), function(i) json_scalar(x[[i]]), ""), collapse = ", "), "]"))
  }
  if (is.list(x)) {
    if (!is.null(names(x))) {
      if (length(x) == 0) return("{}")
      items <- vapply(seq_along(x), function(i)
        paste0(pad, json_str(names(x)[i]), ": ", to_json(x[[i]], indent + 1)), "")
      return(paste0("{\n", paste(items, collapse = ",\n"), "\n", end, "}"))
    }
    if (length(x) == 0) return("[]")
    if (all(vapply(x, is_scalar, TRUE)))
      return(paste0("[", paste(vapply(x, json_scalar, ""), collapse = ", "), "]"))
    items <- vapply(x, function(e) paste0(pad, to_json(e, indent + 1)), "")
    return(paste0("[\n", paste(items, collapse = ",\n"), "\n", end, "]"))
  }
  if (is.null(x)) return("null")
  stop("cannot write a value of class ", class(x)[1])
}

write_ref <- function(x, path) {
  writeLines(to_json(x), path, useBytes = TRUE)
  message("wrote ", path)
}

named_list <- function(values, names) { v <- as.list(values); names(v) <- names; v }

## ---------------------------------------------------------------- shared text

conventions_common <- list(
  numbers = "Full double precision: shortest decimal that round-trips to R's double (up to 17 significant digits). null = NA in R (e.g. an upper confidence limit that does not exist). The strings \"Inf\", \"-Inf\", \"NaN\" encode non-finite values.",
  event_definition = "Each case states the event indicator as an R expression on the CSV columns (e.g. status == 2). Rows are right-censored when the expression is FALSE.",
  missing_values = "Unless stated otherwise, R's default na.action = na.omit is applied to the variables used by that case only (time, status, covariates, strata, grouping variable): a row with NA in any of them is dropped; NA in other columns does not matter.",
  factors = "Factor covariates use treatment contrasts: one 0/1 column per non-reference level; the reference level is stated in each case. Coefficient names follow R (variable name pasted with level).",
  std_err = "For Kaplan-Meier, 'std_err' is the standard error of S(t) (what summary.survfit prints: S(t)*sqrt(Greenwood sum)); 'std_err_log_surv' is the standard error of log S(t), sqrt(sum d/(n(n-d))), which is what survfit stores internally and what the confidence intervals are built from.",
  times = "'at_times' values are the right-continuous step functions evaluated at the listed times (summary(fit, times=, extend=TRUE)); n_risk at a time t is the number with follow-up >= t (at risk just before t)."
)

generator_block <- function(extra = list()) {
  c(list(R = R.version.string,
         survival = as.character(packageVersion("survival")),
         cmprsk = as.character(packageVersion("cmprsk"))), extra)
}

CONF_TYPES <- c("log", "log-log", "plain")

km_options <- list(conf_int = 0.95, conf_types = CONF_TYPES, se_method = "Greenwood",
                   stype = 1, ctype = 1, quantile_probs = c(0.25, 0.5, 0.75))

survdiff_options <- function(rho) {
  if (rho == 0) list(rho = 0, weight = "log-rank (weight 1)")
  else list(rho = rho, weight = "Fleming-Harrington G(rho=1): weight S(t-)^rho, S = Kaplan-Meier of pooled data (within stratum when stratified); rho=1 is Peto & Peto's modification of the Gehan-Wilcoxon test")
}

cox_options <- function(ties) list(ties = ties, conf_int = 0.95, eps = 1e-09, iter_max = 20,
                                   toler_inf = 2e-05, robust = FALSE)

zph_options <- list(
  transform = "km", terms = TRUE, global = TRUE,
  method = "survival >= 3.0 cox.zph: score test, at (beta_hat, theta=0), for adding x*g(t) terms (beta(t)=beta+theta*g(t)), using the full 2p x 2p information matrix (not the older diagonal approximation); per term: u' I^-1 u over that term's theta columns plus all beta columns; GLOBAL: all theta columns. g(t) for transform 'km' is 1 - S(t-) where S is the KM of all rows pooled (strata ignored), evaluated at each row's time, then centered by subtracting its mean over the event rows. Efron-weighted when ties='efron'.")

cuminc_options <- list(
  cencode = 0, rho_gray = 0, curve_names = "'<group> <cause>' (cmprsk convention)",
  timepoints = "cmprsk::timepoints: value of the right-continuous step function at each time (last jump at or before t)")

means_note <- "fit$means: column means of the model matrix over the rows used, except 0 for columns whose values all lie in {-1,0,1} (nocenter default); also the 'Wald/LR/score' results do not depend on centering"

coxsurv_covariate_values <- "fit$means, the centering vector of coxph: the mean of each model-matrix column over the rows used, EXCEPT columns whose values all lie in {-1, 0, 1} (coxph's default nocenter = c(-1,0,1)), which are not centered and get 0. So a 0/1 dummy (e.g. a factor column) is evaluated at 0, not at its mean."

coxsurv_options <- list(stype = 2, ctype = 2,
                        se = "Tsiatis/Link variance incl. the term for estimated beta",
                        conf_type = "log (R default); log-log also given")

formula_rhs <- function(f) paste(deparse(f[[3]], width.cutoff = 500L), collapse = "")

## ---------------------------------------------------------------- km

km_results <- function(formula, data, times, step_table = FALSE) {
  fits <- lapply(CONF_TYPES, function(ct) survfit(formula, data = data, conf.type = ct))
  names(fits) <- CONF_TYPES
  base <- fits[["log"]]
  strata <- if (is.null(base$strata)) "(all)" else names(base$strata)
  sub <- function(f, i) if (is.null(f$strata)) f else f[i]
  groups <- list(); steps <- list()
  for (i in seq_along(strata)) {
    fi <- lapply(fits, sub, i = i)
    b <- fi[["log"]]
    sm <- lapply(fi, function(f) summary(f, times = times, extend = TRUE))
    s <- sm[["log"]]
    ci <- lapply(CONF_TYPES, function(ct) list(lower = A(sm[[ct]]$lower), upper = A(sm[[ct]]$upper)))
    names(ci) <- CONF_TYPES
    at <- list(
      time = A(s$time),
      n_risk = A(s$n.risk),
      n_event_cumulative = A(cumsum(s$n.event)),
      n_event_since_previous_time = A(s$n.event),
      n_censor_cumulative = A(cumsum(s$n.censor)),
      surv = A(s$surv),
      std_err = A(s$std.err),
      std_err_log_surv = A(s$std.err / s$surv),   # back from the SE of S(t); NaN where S(t) = 0
      cumhaz_nelson_aalen = A(s$cumhaz),
      ci = ci)
    qs <- lapply(CONF_TYPES, function(ct) {
      q <- quantile(fi[[ct]], probs = km_options$quantile_probs)
      list(probs = A(km_options$quantile_probs), quantile = A(unname(q$quantile)),
           lower = A(unname(q$lower)), upper = A(unname(q$upper)))
    })
    names(qs) <- CONF_TYPES
    tab <- summary(b)$table
    groups[[i]] <- list(
      group = strata[i], n = b$n, n_events_total = sum(b$n.event), at_times = at, quantiles = qs,
      rmean_table = list(records = tab[["records"]], events = tab[["events"]], median = tab[["median"]],
                         `lcl_0.95` = tab[["0.95LCL"]], `ucl_0.95` = tab[["0.95UCL"]]))
    if (step_table) {
      st <- list(group = strata[i], time = A(b$time), n_risk = A(b$n.risk), n_event = A(b$n.event),
                 n_censor = A(b$n.censor), surv = A(b$surv), std_err_log_surv = A(b$std.err),
                 cumhaz_nelson_aalen = A(b$cumhaz), std_err_cumhaz = A(b$std.chaz))
      for (ct in CONF_TYPES) {
        st[[paste0("lower_", ct)]] <- A(fi[[ct]]$lower)
        st[[paste0("upper_", ct)]] <- A(fi[[ct]]$upper)
      }
      steps[[i]] <- st
    }
  }
  res <- list(n_used = sum(base$n), groups = groups)
  if (step_table) res$step_table <- steps
  res
}

## ---------------------------------------------------------------- survdiff

survdiff_results <- function(formula, data, rho) {
  sd <- survdiff(formula, data = data, rho = rho)
  stratified <- is.matrix(sd$obs)
  obs <- if (stratified) rowSums(sd$obs) else sd$obs
  exp <- if (stratified) rowSums(sd$exp) else sd$exp
  res <- list(groups = A(names(sd$n)), n = A(as.vector(sd$n)), observed = A(obs), expected = A(exp),
              var_matrix = sd$var, chisq = sd$chisq, df = sum(exp > 0) - 1, p = sd$pvalue)
  if (stratified) {
    res$observed_by_stratum <- sd$obs
    res$expected_by_stratum <- sd$exp
    res$strata_columns <- A(paste0("stratum", seq_len(ncol(sd$obs))))
  }
  res
}

## ---------------------------------------------------------------- coxph

# Fit and keep R's warnings (verbatim) with the fit.
fit_cox <- function(formula, data, ties) {
  # cox.zph and survfit rebuild the model frame from the call, evaluating `data` in the formula's
  # environment: give the formula one that holds the data.
  environment(formula) <- list2env(list(data = data), parent = environment(formula))
  warns <- character(0)
  fit <- withCallingHandlers(
    coxph(formula, data = data, ties = ties),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  fit$fixture_warnings <- warns
  fit
}

cox_results <- function(fit) {
  sm <- summary(fit)
  co <- sm$coefficients
  ci <- sm$conf.int
  terms <- rownames(co)
  coefs <- lapply(seq_along(terms), function(j) list(
    term = terms[j], coef = co[j, "coef"], se = co[j, "se(coef)"], hr = co[j, "exp(coef)"],
    hr_lower_95 = ci[j, "lower .95"], hr_upper_95 = ci[j, "upper .95"],
    z = co[j, "z"], p = co[j, "Pr(>|z|)"]))
  df <- sum(!is.na(coef(fit)))
  lr <- -2 * (fit$loglik[1] - fit$loglik[2])
  cc <- fit$concordance
  res <- list(
    n = fit$n, n_events = fit$nevent, iterations = fit$iter, coefficients = coefs,
    variance_matrix = unname(fit$var),
    means = named_list(fit$means, names(fit$means)),
    means_note = means_note,
    loglik_null = fit$loglik[1], loglik_final = fit$loglik[2],
    tests = list(
      likelihood_ratio = list(statistic = lr, df = df, p = pchisq(lr, df, lower.tail = FALSE)),
      wald = list(statistic = fit$wald.test, df = df, p = pchisq(fit$wald.test, df, lower.tail = FALSE)),
      score_logrank = list(statistic = fit$score, df = df, p = pchisq(fit$score, df, lower.tail = FALSE))),
    concordance = list(concordance = cc[["concordance"]], std_err = cc[["std"]],
                       concordant = cc[["concordant"]], discordant = cc[["discordant"]],
                       tied_x = cc[["tied.x"]], tied_y = cc[["tied.y"]], tied_xy = cc[["tied.xy"]]),
    n_dropped_na = length(fit$na.action))
  if (length(fit$fixture_warnings)) res$warnings <- A(fit$fixture_warnings)
  res
}

# Treatment-contrast description of a factor covariate of a fitted model.
factor_covariate <- function(fit, name, term, levels, note = NULL) {
  cols <- names(coef(fit))[fit$assign[[term]]]
  x <- list(name = name, coding = "factor, treatment contrasts", levels = A(levels),
            reference_level = levels[1], design_columns = A(cols))
  if (!is.null(note)) x$note <- note
  x
}

## ---------------------------------------------------------------- cox.zph, survfit(coxph)

zph_results <- function(fit) {
  z <- cox.zph(fit, transform = "km")
  tab <- z$table
  list(rows = lapply(seq_len(nrow(tab)), function(i) list(
    term = rownames(tab)[i], chisq = tab[i, "chisq"], df = tab[i, "df"], p = tab[i, "p"])))
}

coxsurv_results <- function(fit, times) {
  s <- summary(survfit(fit), times = times)
  s2 <- summary(survfit(fit, conf.type = "log-log"), times = times)
  list(time = A(s$time), n_risk = A(s$n.risk), n_event_since_previous_time = A(s$n.event),
       surv = A(s$surv), std_err = A(s$std.err), cumhaz = A(s$cumhaz),
       lower_log = A(s$lower), upper_log = A(s$upper),
       lower_loglog = A(s2$lower), upper_loglog = A(s2$upper))
}

## ---------------------------------------------------------------- cmprsk

cuminc_results <- function(ftime, fstatus, group = NULL, times) {
  ci <- if (is.null(group)) cuminc(ftime, fstatus, cencode = 0) else cuminc(ftime, fstatus, group, cencode = 0)
  tests <- ci$Tests
  curves <- ci[names(ci) != "Tests"]
  tp <- timepoints(curves, times)
  res <- list(curves = lapply(names(curves), function(nm) list(
    curve = nm, time = A(as.numeric(colnames(tp$est))),
    est = A(unname(tp$est[nm, ])), var = A(unname(tp$var[nm, ])))))
  if (!is.null(tests)) {
    res$gray_test <- lapply(seq_len(nrow(tests)), function(i) list(
      cause = rownames(tests)[i], statistic = tests[i, "stat"], p = tests[i, "pv"], df = tests[i, "df"]))
  }
  res$step_functions <- lapply(names(curves), function(nm) list(
    curve = nm, time = A(curves[[nm]]$time), est = A(curves[[nm]]$est), var = A(curves[[nm]]$var)))
  res
}

crr_results <- function(ftime, fstatus, cov1, failcode) {
  f <- crr(ftime, fstatus, cov1, failcode = failcode, cencode = 0)
  se <- sqrt(diag(f$var))
  z <- f$coef / se
  q <- qnorm(0.975)
  lr <- -2 * (f$loglik.null - f$loglik)
  df <- length(f$coef)
  list(
    n = f$n, n_missing = f$n.missing, converged = f$converged,
    coefficients = lapply(seq_along(f$coef), function(j) list(
      term = names(f$coef)[j], coef = f$coef[[j]], se = se[[j]], shr = exp(f$coef[[j]]),
      shr_lower_95 = exp(f$coef[[j]] - q * se[[j]]), shr_upper_95 = exp(f$coef[[j]] + q * se[[j]]),
      z = z[[j]], p = 2 * pnorm(-abs(z[[j]])))),
    pseudo_loglik = f$loglik, pseudo_loglik_null = f$loglik.null,
    pseudo_lr_test = list(statistic = lr, df = df, p = pchisq(lr, df, lower.tail = FALSE)),
    variance_matrix_sandwich = unname(f$var))
}

## ---------------------------------------------------------------- reverse KM follow-up

reverse_km_results <- function(formula, data) {
  q <- quantile(survfit(formula, data = data), 0.5)
  list(groups = A("(all)"), median_followup = A(unname(q$quantile)),
       lower = A(unname(q$lower)), upper = A(unname(q$upper)))
}
