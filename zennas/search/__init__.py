"""Evolutionary search engine: config, budgets, population, loop, checkpoints, outputs (README: Evolutionary search)."""

from zennas.search.budgets import (
    Budget,
    BudgetSet,
    Candidate,
    FlopsBudget,
    LatencyBudget,
    LatencyEstimator,
    LatencyPredictor,
    LayersBudget,
    MacBudget,
    MeasuredLatency,
    ParamsBudget,
    PeakBudget,
    budgets_from_config,
)
from zennas.search.config import ConfigError, SearchConfig, SearchError, build_config, load_yaml
from zennas.search.evolution import EvolutionSearch, SearchResult
from zennas.search.population import Member, Population
from zennas.search.scoring import Score, Scorer, derive_seed


def run_search(config: SearchConfig | dict, **kw) -> SearchResult:
    """Run a search from a SearchConfig or a plain dict of config keys."""
    cfg = config if isinstance(config, SearchConfig) else build_config(("run_search", dict(config)))
    return EvolutionSearch(cfg, **kw).run()


__all__ = [
    "Budget", "BudgetSet", "Candidate", "ConfigError", "EvolutionSearch", "FlopsBudget", "LatencyBudget",
    "LatencyEstimator", "LatencyPredictor", "LayersBudget", "MacBudget", "MeasuredLatency", "Member", "ParamsBudget",
    "PeakBudget", "Population", "Score", "Scorer", "SearchConfig", "SearchError", "SearchResult", "budgets_from_config",
    "build_config", "derive_seed", "load_yaml", "run_search",
]
