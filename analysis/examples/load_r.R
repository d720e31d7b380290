#!/usr/bin/env Rscript
# Worked example: read a cssim output file in R with hdf5r (Debian: r-cran-hdf5r).
# Usage: Rscript analysis/examples/load_r.R OUT.h5
# hdf5r reverses the dimension order: the file's [replication, time, grade] reads as an R
# array [grade, time, replication]. HDF5 enum types read as factors (labels, not codes).
suppressPackageStartupMessages(library(hdf5r))

args <- commandArgs(trailingOnly = TRUE)
path <- if (length(args) >= 1) args[1] else "out.h5"
f <- H5File$new(path, mode = "r")

# provenance: root attributes
cat("cssim", h5attr(f, "software_version"), "commit", h5attr(f, "git_commit"),
    "seed", format(h5attr(f, "seed")), "\n")
scenarios <- h5attr(f, "scenarios")
s <- scenarios[1]
g <- f[[paste0("scenarios/", s)]]

# national series -> tidy data.frame: one row per replication, date and grade
dates  <- as.Date(g[["date"]]$read())
grades <- g[["national/grade"]]$read()
counts <- g[["national/grade_counts"]]$read()            # [grade, time, replication]
tidy <- data.frame(
  replication = rep(seq_len(dim(counts)[3]) - 1L, each = dim(counts)[1] * dim(counts)[2]),
  date        = rep(rep(dates, each = dim(counts)[1]), times = dim(counts)[3]),
  grade       = factor(rep(grades, times = dim(counts)[2] * dim(counts)[3]), levels = grades),
  count       = as.vector(counts))
tidy$share <- tidy$count / ave(tidy$count, tidy$replication, tidy$date, FUN = sum)

# the inadequate share at the last date: median and 90% band over replications
last <- subset(tidy, grade == "inadequate" & date == max(dates))
q <- quantile(last$share, c(0.05, 0.5, 0.95))
cat(sprintf("%s: inadequate share on %s: median %.3f [%.3f, %.3f]\n",
            s, format(max(dates)), q[2], q[1], q[3]))

# per-replication summaries: mean and t interval
x <- g[["summary/undetected_failure_years"]]$read()
ci <- t.test(x)$conf.int
cat(sprintf("undetected-failure authority-years: mean %.2f, 95%% CI [%.2f, %.2f] (n = %d)\n",
            mean(x), ci[1], ci[2], length(x)))

# panel: grade of every authority, enum read as a factor
codes <- f[["authorities/authority"]]$read()
if (g$exists("panel") && g[["panel"]]$exists("grade")) {
  p <- g[["panel/grade"]]$read()                          # [authority, time, replication]
  first <- factor(as.character(p[, 1, 1]), levels = grades)
  cat("replication 0, first date:", paste(names(table(first)), table(first), sep = "=",
      collapse = " "), "\n")
}

# the events table: a compound dataset -> data.frame, type as labels
if (g$exists("events")) {
  ev <- g[["events"]]$read()
  ev$type <- as.character(ev$type)
  ev$authority_code <- ifelse(ev$authority >= 0, codes[ev$authority + 1], NA)
  n <- table(ev$type)
  cat("events:", nrow(ev), "; judgements published:", n[["judgement_published"]], "\n")
}

# a paired comparison of two scenarios (common random numbers) when the file has two
if (length(scenarios) >= 2) {
  a <- f[[paste0("scenarios/", scenarios[1], "/summary/inspector_days_used")]]$read()
  b <- f[[paste0("scenarios/", scenarios[2], "/summary/inspector_days_used")]]$read()
  pt <- t.test(b, a, paired = TRUE)$conf.int
  ut <- t.test(b, a)$conf.int
  cat(sprintf("inspector-days %s - %s: %.1f, paired CI [%.1f, %.1f], unpaired [%.1f, %.1f]\n",
              scenarios[2], scenarios[1], mean(b - a), pt[1], pt[2], ut[1], ut[2]))
}
f$close_all()
