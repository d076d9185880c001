# Regenerates timevarying.ref.json: R's results for restricted mean survival time, landmark
# analyses, counting-process (start, stop] data and weighted / robust Cox models.
#
#   Rscript make_ref.R            # writes timevarying.ref.json next to this script
#   Rscript make_ref.R OUTDIR     # writes it into OUTDIR instead (to compare with the committed one)
#
# Needs R with survival and cmprsk (the committed file: R 4.2.2, survival 3.5-3, cmprsk 2.2-11).
# Data: heart.csv beside this script (written by make_heart_csv.R from survival::heart) and
# ../public/{lung,veteran,mgus2}.csv, each read back with read.csv, so the CSVs are the exact
# input. The JSON writer and the km / survdiff / coxph / cuminc builders are ../ref_common.R.
#
# RMST. `rmean` and `se(rmean)` are R's own: summary(survfit(...), rmean = tau)$table (survival's
# survmean: the area under the Kaplan-Meier curve from 0 to tau, and the square root of
#   sum_{event times t_j <= tau} A_j^2 d_j / (n_j (n_j - d_j)),  A_j = area under S from t_j to tau,
# with no n/(n-1) factor; a term with n_j = d_j is 0). The interval is rmean -+ z se, and for two
# groups (arm 1 = the second group, arm 0 = the first) the contrasts of survRM2::rmst2 (Uno et al.
# 2014; Royston & Parmar 2013):
#   difference  D = RMST1 - RMST0,  se(D) = sqrt(se1^2 + se0^2),  D -+ z se(D),  p = 2 Phi(-|D| / se(D))
#   ratio       R = RMST1 / RMST0,  se(log R) = sqrt(se1^2 / RMST1^2 + se0^2 / RMST0^2),
#               exp(log R -+ z se(log R)),  p = 2 Phi(-|log R| / se(log R))
# (survRM2 is not packaged for Debian; the formulas are written out below, and were checked
# against survRM2 1.0-4's rmst2 run from its CRAN source: equal within 4e-16 relative.)
script_dir <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1) dirname(normalizePath(f)) else getwd()
})
source(file.path(script_dir, "..", "ref_common.R"))
args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args) >= 1) args[1] else script_dir
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

read_csv <- function(path) read.csv(file.path(script_dir, path), na.strings = "", check.names = FALSE,
                                    stringsAsFactors = FALSE)
heart <- read_csv("heart.csv")
lung <- read_csv("../public/lung.csv")
veteran <- read_csv("../public/veteran.csv")
mgus2 <- read_csv("../public/mgus2.csv")
mgus2$etime <- ifelse(mgus2$pstat == 1, mgus2$ptime, mgus2$futime)
mgus2$event <- ifelse(mgus2$pstat == 1, 1, ifelse(mgus2$death == 1, 2, 0))

surv_model <- function(fstr, event) list(formula = fstr, event = event, rows = "all rows of the CSV",
                                          na_handling = "na.omit on the variables used by this case")

cases <- list()
add <- function(x) cases[[length(cases) + 1]] <<- x
Z <- qnorm(0.975)

## ---------------------------------------------------------------- rmst

rmst_case <- function(id, description, fstr, data, tau, data_name) {
  f <- as.formula(fstr)
  fit <- survfit(f, data = data)
  tab <- summary(fit, rmean = tau)$table
  if (is.null(dim(tab))) tab <- matrix(tab, nrow = 1, dimnames = list("(all)", names(tab)))
  labels <- if (is.null(fit$strata)) "(all)" else names(fit$strata)
  groups <- lapply(seq_along(labels), function(i) {
    m <- tab[i, "rmean"]; s <- tab[i, "se(rmean)"]
    list(group = labels[i], n = tab[i, "records"], events = tab[i, "events"], rmean = m, se_rmean = s,
         lower_95 = m - Z * s, upper_95 = m + Z * s)
  })
  res <- list(tau = tau, groups = groups)
  if (length(labels) == 2) {
    m0 <- tab[1, "rmean"]; s0 <- tab[1, "se(rmean)"]; m1 <- tab[2, "rmean"]; s1 <- tab[2, "se(rmean)"]
    d <- m1 - m0; sd <- sqrt(s1^2 + s0^2)
    lr <- log(m1) - log(m0); slr <- sqrt(s1^2 / m1^2 + s0^2 / m0^2)
    res$difference <- list(estimate = d, se = sd, lower_95 = d - Z * sd, upper_95 = d + Z * sd,
                           p = 2 * pnorm(-abs(d) / sd))
    res$ratio <- list(estimate = exp(lr), se_log = slr, lower_95 = exp(lr - Z * slr),
                      upper_95 = exp(lr + Z * slr), p = 2 * pnorm(-abs(lr) / slr))
  }
  list(id = id, type = "rmst", description = description, data = data_name,
       model = list(formula = fstr, tau = tau),
       r_call = sprintf("summary(survfit(%s, data = %s), rmean = %s)$table; contrasts as survRM2::rmst2 (arm 1 = second group)",
                        fstr, data_name, format(tau, digits = 15)),
       results = res)
}

add(rmst_case("lung.rmst.all.365", "RMST to 365 days, all patients", "Surv(time, status == 2) ~ 1", lung, 365, "lung"))
add(rmst_case("lung.rmst.sex.365", "RMST to 365 days by sex, difference and ratio", "Surv(time, status == 2) ~ sex", lung, 365, "lung"))
tau_event <- sort(unique(lung$time[lung$status == 2]))[60]
add(rmst_case("lung.rmst.sex.tau_at_event", "RMST by sex with tau equal to an event time", "Surv(time, status == 2) ~ sex", lung, tau_event, "lung"))
add(rmst_case("veteran.rmst.trt.200", "RMST to 200 days by treatment", "Surv(time, status) ~ trt", veteran, 200, "veteran"))
add(rmst_case("mgus2.rmst.sex.120", "RMST to 120 months by sex (heavily tied times)", "Surv(futime, death) ~ sex", mgus2, 120, "mgus2"))

## ---------------------------------------------------------------- landmark

landmark <- function(data, time, at) {
  d <- data[!is.na(data[[time]]) & data[[time]] > at, ]
  d[[time]] <- d[[time]] - at
  d
}
landmark_block <- function(data, time, at) list(
  at = at, time_column = time, n_before = nrow(data),
  n_not_at_risk = sum(!is.na(data[[time]]) & data[[time]] <= at),
  rule = "rows with time > at are kept (at risk at the landmark); time is measured from it (time - at)")

lung180 <- landmark(lung, "time", 180)
add(list(id = "lung.landmark180.km.sex", type = "km", description = "Kaplan-Meier by sex from a landmark at 180 days",
         landmark = landmark_block(lung, "time", 180),
         model = surv_model("Surv(time, status == 2) ~ sex", "status == 2"), options = km_options,
         r_call = "survfit(Surv(time, status == 2) ~ sex, data = subset(lung, time > 180) with time - 180)",
         results = km_results(Surv(time, status == 2) ~ sex, lung180, c(90, 180, 365))))
add(list(id = "lung.landmark180.survdiff.sex", type = "survdiff", description = "log-rank by sex from a landmark at 180 days",
         landmark = landmark_block(lung, "time", 180),
         model = surv_model("Surv(time, status == 2) ~ sex", "status == 2"), options = survdiff_options(0),
         r_call = "survdiff(Surv(time, status == 2) ~ sex, data = landmark data)",
         results = survdiff_results(Surv(time, status == 2) ~ sex, lung180, 0)))
add(list(id = "lung.landmark180.cox", type = "coxph", description = "Cox model from a landmark at 180 days",
         landmark = landmark_block(lung, "time", 180),
         model = surv_model("Surv(time, status == 2) ~ age + sex + ph.ecog", "status == 2"), options = cox_options("efron"),
         r_call = "coxph(Surv(time, status == 2) ~ age + sex + ph.ecog, data = landmark data)",
         results = cox_results(fit_cox(Surv(time, status == 2) ~ age + sex + ph.ecog, lung180, "efron"))))
mg60 <- landmark(mgus2, "etime", 60)
add(list(id = "mgus2.landmark60.cuminc.sex", type = "cuminc", description = "cumulative incidence of PCM (death competing) by sex from a landmark at 60 months",
         landmark = landmark_block(mgus2, "etime", 60),
         model = list(time_column = "etime", event = "1 = PCM, 2 = death without PCM, 0 = censored", group = "sex"),
         options = cuminc_options,
         r_call = "cmprsk::cuminc(etime - 60, event, sex, cencode = 0) on rows with etime > 60",
         results = cuminc_results(mg60$etime, mg60$event, mg60$sex, c(12, 60, 120))))

## ---------------------------------------------------------------- counting process

heart_model <- function(fstr) list(formula = fstr, start_column = "start", stop_column = "stop", event = "event == 1",
                                   rows = "all rows of heart.csv (one per (start, stop] interval)",
                                   at_risk = "a row is at risk at t when start < t <= stop")
add(list(id = "heart.km.counting", type = "km", description = "Kaplan-Meier from (start, stop] data",
         model = heart_model("Surv(start, stop, event) ~ 1"), options = km_options,
         r_call = "survfit(Surv(start, stop, event) ~ 1, data = heart)",
         results = km_results(Surv(start, stop, event) ~ 1, heart, c(0.5, 10, 10.5, 36.5, 50, 100, 365, 1000, 2000),
                              step_table = TRUE)))
add(list(id = "heart.km.counting.surgery", type = "km", description = "Kaplan-Meier from (start, stop] data by prior surgery",
         model = heart_model("Surv(start, stop, event) ~ surgery"), options = km_options,
         r_call = "survfit(Surv(start, stop, event) ~ surgery, data = heart)",
         results = km_results(Surv(start, stop, event) ~ surgery, heart, c(10, 36.5, 100, 365), step_table = TRUE)))

# coxph with optional weights, robust and id, keeping R's warnings; robust fits also report the
# model-based (naive) variance and R's robust score test.
fit_cox_w <- function(formula, data, ties, weights = NULL, robust = NULL, id = NULL) {
  data$.w <- if (is.null(weights)) 1 else weights
  data$.id <- if (is.null(id)) seq_len(nrow(data)) else id
  warns <- character(0)
  call <- list(formula, data = data, ties = ties)
  if (!is.null(weights)) call$weights <- quote(.w)
  if (!is.null(robust)) call$robust <- robust
  if (!is.null(id)) call$id <- quote(.id)
  fit <- withCallingHandlers(do.call(coxph, call),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  fit$fixture_warnings <- warns
  # survival 3.5-3 returns the (start, stop] exact-ties fit (agexact.fit) without its class; every
  # field is there, so the class is put back for summary().
  if (!inherits(fit, "coxph")) class(fit) <- "coxph"
  fit
}
cox_results_w <- function(fit) {
  res <- cox_results(fit)
  robust <- !is.null(fit$naive.var)
  res$robust <- robust
  if (robust) {
    co <- summary(fit)$coefficients
    for (j in seq_along(res$coefficients)) res$coefficients[[j]]$robust_se <- co[j, "robust se"]
    res$naive_variance_matrix <- unname(fit$naive.var)
    df <- sum(!is.na(coef(fit)))
    res$tests$robust_score <- list(statistic = fit$rscore, df = df, p = pchisq(fit$rscore, df, lower.tail = FALSE))
  }
  res
}
cox_case <- function(id, description, model, ties, r_call, fit, extra = list()) {
  c(list(id = id, type = "coxph", description = description, model = model,
         options = modifyList(cox_options(ties), list(robust = !is.null(fit$naive.var))), r_call = r_call),
    extra, list(results = cox_results_w(fit)))
}

hf <- "Surv(start, stop, event) ~ age + year + surgery + transplant"
for (ties in c("efron", "breslow", "exact")) {
  add(cox_case(paste0("heart.cox.counting.", ties), paste("Cox model on (start, stop] data,", ties, "ties"),
               heart_model(hf), ties, sprintf("coxph(%s, data = heart, ties = \"%s\")", hf, ties),
               fit_cox_w(as.formula(hf), heart, ties)))
}
hs <- "Surv(start, stop, event) ~ age + year + transplant + strata(surgery)"
add(cox_case("heart.cox.counting.strata", "Cox model on (start, stop] data stratified by prior surgery",
             heart_model(hs), "efron", sprintf("coxph(%s, data = heart)", hs), fit_cox_w(as.formula(hs), heart, "efron")))
add(cox_case("heart.cox.counting.robust", "Cox model on (start, stop] data, robust variance clustered by patient",
             heart_model(hf), "efron", sprintf("coxph(%s, data = heart, id = id, robust = TRUE)", hf),
             fit_cox_w(as.formula(hf), heart, "efron", robust = TRUE, id = heart$id),
             list(cluster = "id")))
heart_w <- 1 + (heart$id %% 3) / 2
add(cox_case("heart.cox.counting.weights", "weighted Cox model on (start, stop] data (non-integer weights: robust variance, clustered by patient)",
             heart_model(hf), "efron", sprintf("coxph(%s, data = heart, weights = 1 + (id %%%% 3) / 2, id = id)", hf),
             fit_cox_w(as.formula(hf), heart, "efron", weights = heart_w, id = heart$id),
             list(cluster = "id", weights = list(expression = "1 + (id % 3) / 2", values = A(heart_w)))))

## ---------------------------------------------------------------- weights and robust (right-censored)

lf <- "Surv(time, status == 2) ~ age + sex"
lung_w <- ifelse(lung$sex == 1, 1.2, 0.8) * (1 + lung$age / 100)
lung_model <- surv_model(lf, "status == 2")
for (ties in c("efron", "breslow")) {
  add(cox_case(paste0("lung.cox.weights.", ties), paste("weighted Cox model (non-integer weights: R's robust variance by default),", ties, "ties"),
               lung_model, ties, sprintf("coxph(%s, data = lung, weights = ifelse(sex == 1, 1.2, 0.8) * (1 + age / 100), ties = \"%s\")", lf, ties),
               fit_cox_w(as.formula(lf), lung, ties, weights = lung_w),
               list(weights = list(expression = "ifelse(sex == 1, 1.2, 0.8) * (1 + age / 100)", values = A(lung_w)))))
}
lung_iw <- rep(c(1, 2, 3), length.out = nrow(lung))
add(cox_case("lung.cox.intweights.efron", "Cox model with integer case weights (model-based variance, as R without robust)",
             lung_model, "efron", sprintf("coxph(%s, data = lung, weights = rep(1:3, length.out = 228))", lf),
             fit_cox_w(as.formula(lf), lung, "efron", weights = lung_iw),
             list(weights = list(expression = "rep(c(1, 2, 3), length.out = 228)", values = A(lung_iw)))))
add(cox_case("lung.cox.robust.efron", "Cox model with the robust (sandwich) variance, one cluster per row",
             lung_model, "efron", sprintf("coxph(%s, data = lung, robust = TRUE)", lf),
             fit_cox_w(as.formula(lf), lung, "efron", robust = TRUE)))

ref <- list(
  schema_version = "1.0",
  generator = generator_block(),
  conventions = c(conventions_common, list(
    rmst = "rmean and se(rmean) as summary(survfit, rmean = tau)$table (survival's survmean); CI rmean -+ qnorm(0.975) se; two groups: survRM2::rmst2 contrasts, arm 1 = the second group",
    landmark = "rows at risk at the landmark (time > at) with time - at",
    counting = "Surv(start, stop, event): at risk at t when start < t <= stop",
    robust = "robust variance: R's fit$var (dfbeta residuals, collapsed by cluster); naive_variance_matrix is fit$naive.var; coefficient 'se' is se(coef) (model-based), 'robust_se' the robust one; z and p use the robust se")),
  datasets = list(heart = list(csv = "heart.csv", n_rows = nrow(heart), source = "survival::heart (jasa1), written by make_heart_csv.R"),
                  lung = list(csv = "../public/lung.csv"), veteran = list(csv = "../public/veteran.csv"),
                  mgus2 = list(csv = "../public/mgus2.csv", derived = "etime = ptime if pstat == 1 else futime; event = 1 if pstat == 1, 2 if death == 1, else 0")),
  n_cases = length(cases),
  cases = cases)
write_ref(ref, file.path(out_dir, "timevarying.ref.json"))
