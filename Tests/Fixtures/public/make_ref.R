# Regenerates lung.ref.json, veteran.ref.json and mgus2.ref.json from the CSVs beside this script.
#
#   Rscript make_ref.R            # writes the three files next to this script
#   Rscript make_ref.R OUTDIR     # writes them into OUTDIR instead (to compare with the committed ones)
#
# Needs R with survival and cmprsk (the committed files: R 4.2.2, survival 3.5-3, cmprsk 2.2-11).
# Every number comes from R's own functions on the CSV as written (read back with read.csv);
# only the case list (ids, formulas, time points, descriptions) is written out here.

script_dir <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 1) dirname(normalizePath(f)) else getwd()
})
source(file.path(script_dir, "..", "ref_common.R"))
args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args) >= 1) args[1] else script_dir
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

read_data <- function(csv, factor_levels = list()) {
  d <- read.csv(file.path(script_dir, csv), na.strings = "", check.names = FALSE,
                stringsAsFactors = FALSE)
  for (nm in names(factor_levels)) d[[nm]] <- factor(d[[nm]], levels = factor_levels[[nm]])
  d
}

dataset_block <- function(name, csv, data, source, factor_levels = list()) {
  cols <- lapply(names(data), function(nm) {
    x <- data[[nm]]
    if (nm %in% names(factor_levels))
      return(list(name = nm, type = "factor (text labels in CSV)", n_missing = sum(is.na(x)),
                  levels_in_R_order = A(factor_levels[[nm]])))
    type <- if (all(x == round(x), na.rm = TRUE)) "numeric (integer valued)" else "numeric"
    list(name = nm, type = type, n_missing = sum(is.na(x)))
  })
  list(name = name, csv = csv, n_rows = nrow(data), n_columns = ncol(data), source = source,
       columns = cols)
}

## ------------------------------------------------------------ case builders

NA_USED <- "na.omit on the variables used by this case"
CONT <- function(name, note = NULL) {
  x <- list(name = name, coding = "continuous (used as numeric, per unit)")
  if (!is.null(note)) x$note <- note
  x
}
ASIS <- function(name, coding) list(name = name, coding = coding)

time_column <- function(f) all.vars(f[[2]])[1]

surv_model <- function(fstr, event, na_handling = NA_USED, ...) {
  f <- as.formula(fstr)
  c(list(formula = fstr, time_column = time_column(f), event = event,
         rows = "all rows of the CSV", na_handling = na_handling), list(...))
}

km_case <- function(id, description, fstr, event, data, times, group = NULL, step_table = FALSE) {
  model <- surv_model(fstr, event)
  if (!is.null(group)) model$group <- group
  list(id = id, type = "km", description = description, model = model, options = km_options,
       r_call = sprintf("survfit(%s, data, conf.type=<each>)", fstr),
       results = km_results(as.formula(fstr), data, times, step_table))
}

survdiff_case <- function(id, description, fstr, event, data, rho, group, strata = NULL) {
  model <- surv_model(fstr, event, group = group)
  if (!is.null(strata)) model$strata <- strata
  list(id = id, type = "survdiff", description = description, model = model,
       options = survdiff_options(rho),
       r_call = sprintf("survdiff(%s, data, rho=%d)", fstr, rho),
       results = survdiff_results(as.formula(fstr), data, rho))
}

# `covariates` is a function of the fit (factor covariates name R's design columns).
fits <- list()
cox_case <- function(id, description, fstr, event, data, ties, covariates,
                     na_handling = NA_USED, strata = NULL) {
  fit <- fit_cox(as.formula(fstr), data, ties)
  fits[[id]] <<- fit
  model <- surv_model(fstr, event, na_handling = na_handling, covariates = covariates(fit))
  if (!is.null(strata)) model$strata <- strata
  list(id = id, type = "coxph", description = description, model = model,
       options = cox_options(ties),
       r_call = sprintf("coxph(%s, data, ties='%s')", fstr, ties),
       results = cox_results(fit))
}

zph_case <- function(id, description, cox_id) {
  list(id = id, type = "cox_zph", description = description,
       model = list(cox_case_id = cox_id, note = "test applied to the fitted model of the referenced case"),
       options = zph_options, r_call = "cox.zph(fit, transform='km')",
       results = zph_results(fits[[cox_id]]))
}

coxsurv_case <- function(id, description, cox_id, times) {
  fit <- fits[[cox_id]]
  list(id = id, type = "coxph_survfit", description = description,
       model = list(cox_case_id = cox_id, covariate_values = coxsurv_covariate_values,
                    means = named_list(fit$means, names(fit$means))),
       options = coxsurv_options, r_call = "summary(survfit(fit), times=...)",
       results = coxsurv_results(fit, times))
}

reverse_km_case <- function(id, description, fstr, event, data) {
  list(id = id, type = "reverse_km_followup", description = description,
       model = surv_model(fstr, event), options = list(conf_type = "log", conf_int = 0.95),
       r_call = sprintf("quantile(survfit(%s, data), 0.5)", fstr),
       results = reverse_km_results(as.formula(fstr), data))
}

ref_file <- function(name, dataset, cases) {
  list(schema_version = "1.0", generator = generator_block(), conventions = conventions_common,
       dataset = dataset, n_cases = length(cases), cases = cases)
}

## ------------------------------------------------------------ lung

lung <- read_data("lung.csv")
EV_LUNG <- "status == 2 (status: 1 = censored, 2 = dead)"
T_LUNG <- c(90, 180, 365, 540, 730)
SEX_LUNG <- function(fit) factor_covariate(fit, "sex", "factor(sex)", c("1", "2"), "1 = male, 2 = female")
MULTI_LUNG <- "Surv(time, status) ~ age + factor(sex) + ph.ecog + ph.karno + wt.loss"
NA_MULTI_LUNG <- "na.omit on time, status, age, sex, ph.ecog, ph.karno, wt.loss (rows with NA in any are dropped)"
multi_lung_covs <- function(fit) list(
  CONT("age"), SEX_LUNG(fit), ASIS("ph.ecog", "numeric, used as is: ECOG 0-3 as a number"),
  CONT("ph.karno"), CONT("wt.loss"))

fits <- list()
lung_cases <- list(
  km_case("lung.km.overall", "Kaplan-Meier of overall survival, all patients",
          "Surv(time, status) ~ 1", EV_LUNG, lung, T_LUNG),
  km_case("lung.km.by_sex", "Kaplan-Meier of overall survival by sex (1 = male, 2 = female)",
          "Surv(time, status) ~ sex", EV_LUNG, lung, T_LUNG,
          group = "sex (separate curve per value: sex=1, sex=2)"),
  km_case("lung.km.by_ph.ecog",
          "Kaplan-Meier by ECOG score (0,1,2,3); one row with NA ph.ecog is dropped; ph.ecog=3 has a single patient",
          "Surv(time, status) ~ ph.ecog", EV_LUNG, lung, c(90, 180, 365),
          group = "ph.ecog (curve per value)"),
  survdiff_case("lung.logrank.sex", "Log-rank test, sex",
                "Surv(time, status) ~ sex", EV_LUNG, lung, 0, "sex"),
  survdiff_case("lung.petopeto.sex", "Peto-Peto (rho=1) test, sex",
                "Surv(time, status) ~ sex", EV_LUNG, lung, 1, "sex"),
  survdiff_case("lung.logrank.sex.strata_ph.ecog",
                "Log-rank test of sex stratified by ph.ecog (1 NA row dropped)",
                "Surv(time, status) ~ sex + strata(ph.ecog)", EV_LUNG, lung, 0, "sex", "ph.ecog"),
  survdiff_case("lung.petopeto.sex.strata_ph.ecog",
                "Peto-Peto (rho=1) test of sex stratified by ph.ecog; the weight S(t-) is the pooled KM within each stratum",
                "Surv(time, status) ~ sex + strata(ph.ecog)", EV_LUNG, lung, 1, "sex", "ph.ecog"),
  cox_case("lung.cox.sex",
           "Univariate Cox model, sex used as a number (1/2), so the coefficient is female vs male",
           "Surv(time, status) ~ sex", EV_LUNG, lung, "efron",
           function(fit) list(ASIS("sex", "numeric, used as is: 1 = male, 2 = female; one coefficient per unit"))),
  cox_case("lung.cox.age.breslow", "Univariate Cox, age continuous, Breslow ties",
           "Surv(time, status) ~ age", EV_LUNG, lung, "breslow",
           function(fit) list(CONT("age", "years"))),
  cox_case("lung.cox.multi.efron", "Multivariable Cox model, ties = efron",
           MULTI_LUNG, EV_LUNG, lung, "efron", multi_lung_covs, NA_MULTI_LUNG),
  cox_case("lung.cox.multi.breslow", "Multivariable Cox model, ties = breslow",
           MULTI_LUNG, EV_LUNG, lung, "breslow", multi_lung_covs, NA_MULTI_LUNG),
  cox_case("lung.cox.multi.exact", "Multivariable Cox model, ties = exact",
           MULTI_LUNG, EV_LUNG, lung, "exact", multi_lung_covs, NA_MULTI_LUNG),
  cox_case("lung.cox.strata_ph.ecog", "Stratified Cox model: separate baseline hazard per ph.ecog value",
           "Surv(time, status) ~ age + factor(sex) + strata(ph.ecog)", EV_LUNG, lung, "efron",
           function(fit) list(CONT("age"), SEX_LUNG(fit)),
           strata = "ph.ecog (risk sets formed within each stratum)"),
  cox_case("lung.cox.interaction_age_sex",
           "Cox model with age by sex interaction (terms age, factor(sex)2, age:factor(sex)2)",
           "Surv(time, status) ~ age * factor(sex)", EV_LUNG, lung, "efron",
           function(fit) list(CONT("age"), SEX_LUNG(fit),
                              ASIS("age:factor(sex)2", "product of age and the 0/1 column for sex == 2"))),
  zph_case("lung.zph.multi.efron",
           "Proportional hazards test (cox.zph, km transform) for lung.cox.multi.efron",
           "lung.cox.multi.efron"),
  coxsurv_case("lung.coxsurv.multi.efron",
               "Survival curve from lung.cox.multi.efron at the covariate means (fit$means)",
               "lung.cox.multi.efron", T_LUNG),
  reverse_km_case("lung.reverse_km",
                  "Reverse Kaplan-Meier median follow-up: censoring treated as the event (status == 1)",
                  "Surv(time, status == 1) ~ 1",
                  "status == 1 (censored becomes the 'event'; deaths are censored)", lung)
)
write_ref(ref_file("lung",
                   dataset_block("lung", "lung.csv", lung,
                                 "R package survival, data set 'lung' (NCCTG Lung Cancer Data)"),
                   lung_cases),
          file.path(out_dir, "lung.ref.json"))

## ------------------------------------------------------------ veteran

VET_LEVELS <- list(celltype = c("squamous", "smallcell", "adeno", "large"))
veteran <- read_data("veteran.csv", VET_LEVELS)
veteran$cens_flag <- as.numeric(veteran$status == 0)   # derived, for the monotone-likelihood case
EV_VET <- "status == 1 (status: 0 = censored, 1 = dead)"
T_VET <- c(30, 60, 90, 180, 365)
TRT_VET <- function(fit) factor_covariate(fit, "trt", "factor(trt)", c("1", "2"), "1 = standard, 2 = test")
CELL_VET <- function(fit) factor_covariate(fit, "celltype", "celltype", VET_LEVELS$celltype)
MULTI_VET <- "Surv(time, status) ~ factor(trt) + celltype + karno + diagtime + age + prior"
multi_vet_covs <- function(fit) list(
  TRT_VET(fit), CELL_VET(fit), CONT("karno"), CONT("diagtime", "months"), CONT("age"),
  ASIS("prior", "numeric, used as is: 0 = no prior therapy, 10 = prior therapy (coefficient per unit, i.e. 1/10 of the prior-therapy effect)"))

fits <- list()
veteran_cases <- list(
  km_case("veteran.km.overall", "Kaplan-Meier overall, with the full step table",
          "Surv(time, status) ~ 1", EV_VET, veteran, T_VET, step_table = TRUE),
  km_case("veteran.km.by_trt",
          "Kaplan-Meier by treatment (1 = standard, 2 = test), with the full step table",
          "Surv(time, status) ~ trt", EV_VET, veteran, T_VET, group = "trt", step_table = TRUE),
  km_case("veteran.km.by_celltype",
          "Kaplan-Meier by cell type (factor levels squamous, smallcell, adeno, large)",
          "Surv(time, status) ~ celltype", EV_VET, veteran, c(30, 60, 90, 180), group = "celltype"),
  survdiff_case("veteran.logrank.trt", "Log-rank test, treatment",
                "Surv(time, status) ~ trt", EV_VET, veteran, 0, "trt"),
  survdiff_case("veteran.petopeto.trt", "Peto-Peto test, treatment",
                "Surv(time, status) ~ trt", EV_VET, veteran, 1, "trt"),
  survdiff_case("veteran.logrank.celltype", "Log-rank test, 4 cell types (df 3)",
                "Surv(time, status) ~ celltype", EV_VET, veteran, 0, "celltype"),
  survdiff_case("veteran.petopeto.celltype", "Peto-Peto test, 4 cell types (df 3)",
                "Surv(time, status) ~ celltype", EV_VET, veteran, 1, "celltype"),
  survdiff_case("veteran.logrank.trt.strata_celltype", "Log-rank of treatment stratified by cell type",
                "Surv(time, status) ~ trt + strata(celltype)", EV_VET, veteran, 0, "trt", "celltype"),
  survdiff_case("veteran.petopeto.trt.strata_celltype", "Peto-Peto of treatment stratified by cell type",
                "Surv(time, status) ~ trt + strata(celltype)", EV_VET, veteran, 1, "trt", "celltype"),
  cox_case("veteran.cox.multi.efron", "Multivariable Cox model, ties = efron",
           MULTI_VET, EV_VET, veteran, "efron", multi_vet_covs),
  cox_case("veteran.cox.multi.breslow", "Multivariable Cox model, ties = breslow",
           MULTI_VET, EV_VET, veteran, "breslow", multi_vet_covs),
  cox_case("veteran.cox.multi.exact", "Multivariable Cox model, ties = exact",
           MULTI_VET, EV_VET, veteran, "exact", multi_vet_covs),
  cox_case("veteran.cox.celltype", "Univariate Cox with a 4-level factor (reference squamous)",
           "Surv(time, status) ~ celltype", EV_VET, veteran, "efron",
           function(fit) list(CELL_VET(fit))),
  cox_case("veteran.cox.strata_celltype", "Stratified Cox model, strata = celltype",
           "Surv(time, status) ~ factor(trt) + karno + strata(celltype)", EV_VET, veteran, "efron",
           function(fit) list(TRT_VET(fit), CONT("karno")), strata = "celltype"),
  cox_case("veteran.cox.interaction_trt_karno", "Cox model with treatment by karno interaction",
           "Surv(time, status) ~ factor(trt) * karno", EV_VET, veteran, "efron",
           function(fit) list(TRT_VET(fit), CONT("karno"),
                              ASIS("factor(trt)2:karno", "product of karno and the 0/1 column for trt == 2"))),
  zph_case("veteran.zph.multi.efron",
           "cox.zph (km transform) for veteran.cox.multi.efron (karno is the classic non-PH term)",
           "veteran.cox.multi.efron"),
  local({
    case <- cox_case("veteran.cox.monotone_likelihood",
                     "Monotone likelihood / infinite coefficient: covariate cens_flag = 1 if status == 0 else 0 (derived, not in the CSV). Every death has cens_flag = 0, the minimum of its risk set, so the partial likelihood increases monotonically as beta -> -Inf. R stops when the log-likelihood converges, reports a large negative coefficient with a huge standard error and warns.",
                     "Surv(time, status) ~ cens_flag", EV_VET, veteran, "efron",
                     function(fit) list(ASIS("cens_flag", "derived: 1 if status == 0 else 0")))
    case$results$note <- "Expected behaviour: R warns (exact text in 'warnings', note the two spaces before the variable number and the trailing space); the finite coef/se/iterations reported depend on the iteration path and stopping rule (eps=1e-9 relative change in loglik); a reimplementation should reproduce the warning and a large negative coefficient, loglik_final close to the supremum, not necessarily the digits of coef/se."
    case
  }),
  reverse_km_case("veteran.reverse_km", "Reverse KM median follow-up (status == 0 is the event)",
                  "Surv(time, status == 0) ~ 1", "status == 0", veteran)
)
veteran_csv_cols <- setdiff(names(veteran), "cens_flag")
write_ref(ref_file("veteran",
                   dataset_block("veteran", "veteran.csv", veteran[veteran_csv_cols],
                                 "R package survival, data set 'veteran' (Veterans' Administration Lung Cancer study)",
                                 VET_LEVELS),
                   veteran_cases),
          file.path(out_dir, "veteran.ref.json"))

## ------------------------------------------------------------ mgus2

MGUS_LEVELS <- list(sex = c("F", "M"))
mgus2 <- read_data("mgus2.csv", MGUS_LEVELS)
EV_MGUS <- "death == 1 (death: 0 = alive at last contact, 1 = dead)"
T_MGUS <- c(12, 60, 120, 240, 360)
TIED_MGUS <- "Surv(futime, death) ~ age + sex + hgb + creat + mspike"
NA_TIED_MGUS <- "na.omit on futime, death, age, sex, hgb, creat, mspike"
tied_mgus_covs <- function(fit) list(
  CONT("age"), factor_covariate(fit, "sex", "sex", MGUS_LEVELS$sex), CONT("hgb"), CONT("creat"),
  CONT("mspike"))

# Competing risks as in the survival package's "compete" vignette.
etime <- with(mgus2, ifelse(pstat == 1, ptime, futime))
event <- with(mgus2, ifelse(pstat == 1, 1, ifelse(death == 1, 2, 0)))
CR_MODEL <- list(
  time = "etime = ptime if pstat == 1 else futime",
  status = "event = 1 if pstat == 1 (progression to plasma cell malignancy, PCM); else 2 if death == 1 (death without PCM); else 0 (censored)",
  rows = sprintf("all %d rows (no NA in ptime, pstat, futime, death, sex)", nrow(mgus2)))
cov1 <- cbind(age = mgus2$age, sexM = as.numeric(mgus2$sex == "M"))
CRR_COVS <- list(CONT("age"), ASIS("sexM", "1 if sex == 'M' else 0"))

cuminc_case <- function(id, description, group) {
  model <- CR_MODEL
  if (!is.null(group)) model$group <- "sex (F, M)"
  list(id = id, type = "cuminc", description = description, model = model, options = cuminc_options,
       r_call = "cmprsk::cuminc(ftime, fstatus, group, cencode=0); timepoints(..., times)",
       results = cuminc_results(etime, event, group, T_MGUS))
}

crr_case <- function(id, description, failcode) {
  list(id = id, type = "crr", description = description, model = c(CR_MODEL, list(covariates = CRR_COVS)),
       options = list(failcode = failcode, cencode = 0, gtol = 1e-06, maxiter = 10,
                      variance = "robust sandwich variance of Fine & Gray (f$var)",
                      censoring_weights = "KM of the censoring distribution estimated on all subjects (no cengroup)"),
       r_call = sprintf("cmprsk::crr(ftime, fstatus, cov1, failcode=%d, cencode=0)", failcode),
       results = crr_results(etime, event, cov1, failcode))
}

fits <- list()
mgus2_cases <- list(
  km_case("mgus2.km.overall", "Kaplan-Meier of overall survival (time in months; heavily tied)",
          "Surv(futime, death) ~ 1", EV_MGUS, mgus2, T_MGUS),
  km_case("mgus2.km.by_sex", "Kaplan-Meier of overall survival by sex",
          "Surv(futime, death) ~ sex", EV_MGUS, mgus2, T_MGUS, group = "sex (F, M)"),
  survdiff_case("mgus2.logrank.sex", "Log-rank, sex", "Surv(futime, death) ~ sex", EV_MGUS, mgus2, 0, "sex"),
  survdiff_case("mgus2.petopeto.sex", "Peto-Peto, sex", "Surv(futime, death) ~ sex", EV_MGUS, mgus2, 1, "sex"),
  cox_case("mgus2.cox.tied.efron", "Tied-heavy data (follow-up in whole months), ties = efron",
           TIED_MGUS, EV_MGUS, mgus2, "efron", tied_mgus_covs, NA_TIED_MGUS),
  cox_case("mgus2.cox.tied.breslow", "Tied-heavy data (follow-up in whole months), ties = breslow",
           TIED_MGUS, EV_MGUS, mgus2, "breslow", tied_mgus_covs, NA_TIED_MGUS),
  cox_case("mgus2.cox.tied.exact", "Tied-heavy data (follow-up in whole months), ties = exact",
           TIED_MGUS, EV_MGUS, mgus2, "exact", tied_mgus_covs, NA_TIED_MGUS),
  zph_case("mgus2.zph.tied.efron", "cox.zph (km transform) for mgus2.cox.tied.efron", "mgus2.cox.tied.efron"),
  coxsurv_case("mgus2.coxsurv.tied.efron",
               "Survival at covariate means from mgus2.cox.tied.efron (Efron hazard increments)",
               "mgus2.cox.tied.efron", c(12, 60, 120, 240)),
  cuminc_case("mgus2.cuminc.overall", "Cumulative incidence of PCM and of death without PCM, no grouping", NULL),
  cuminc_case("mgus2.cuminc.sex",
              "Cumulative incidence of PCM (cause 1) and death without PCM (cause 2) by sex, with Gray's test",
              mgus2$sex),
  crr_case("mgus2.crr.pcm", "Fine-Gray model for PCM (failcode 1), covariates age and sexM (1 = male)", 1),
  crr_case("mgus2.crr.death", "Fine-Gray model for death without PCM (failcode 2), covariates age and sexM", 2),
  reverse_km_case("mgus2.reverse_km", "Reverse KM median follow-up for death (death == 0 is the event)",
                  "Surv(futime, death == 0) ~ 1", "death == 0", mgus2)
)
write_ref(ref_file("mgus2",
                   dataset_block("mgus2", "mgus2.csv", mgus2,
                                 "R package survival, data set 'mgus2' (Monoclonal gammopathy data)",
                                 MGUS_LEVELS),
                   mgus2_cases),
          file.path(out_dir, "mgus2.ref.json"))
