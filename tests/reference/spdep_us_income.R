# Reference numbers from R's spdep (Debian package r-cran-spdep) for the US state income panel
# (BEA per-capita income, libpysal's us_income example: us48.shp and usjoin.csv).
#
#   Rscript tests/reference/spdep_us_income.R <us48.shp> <usjoin.csv> tests/reference/spdep_us_income.csv
#
# Queen contiguity (poly2nb), row-standardised ("W"); for 1929, 1969 and 2009: global Moran's I
# with its expectation and variance under randomisation (moran.test), and local Moran's I with
# the folded conditional-permutation p ("Pr(folded) Sim", localmoran_perm, 9999 draws).
suppressMessages({library(sf); library(spdep)})
args <- commandArgs(trailingOnly = TRUE)
shp <- st_read(args[1], quiet = TRUE)
inc <- read.csv(args[2], check.names = FALSE)
shp$STATE_FIPS <- as.integer(as.character(shp$STATE_FIPS))
inc$STATE_FIPS <- as.integer(inc$STATE_FIPS)
stopifnot(nrow(shp) == 48)
shp <- merge(shp, inc[, c("STATE_FIPS", "1929", "1969", "2009")], by = "STATE_FIPS", sort = FALSE)
stopifnot(nrow(shp) == 48)
nb <- poly2nb(shp, queen = TRUE)
lw <- nb2listw(nb, style = "W")
rows <- list()
for (year in c("1929", "1969", "2009")) {
  y <- shp[[year]]
  g <- moran.test(y, lw, randomisation = TRUE, alternative = "two.sided")
  set.seed(20261201)
  loc <- localmoran_perm(y, lw, nsim = 9999, alternative = "two.sided")
  rows[[year]] <- data.frame(
    region = shp$STATE_NAME, period = as.integer(year),
    I_global = unname(g$estimate["Moran I statistic"]),
    EI_global = unname(g$estimate["Expectation"]),
    VI_rand = unname(g$estimate["Variance"]),
    Ii = loc[, "Ii"], p_folded_sim = loc[, "Pr(folded) Sim"]
  )
}
write.csv(do.call(rbind, rows), args[3], row.names = FALSE)
