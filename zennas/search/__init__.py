"""Evolutionary search engine, split the way NNI separates space, strategy and evaluator.

==================  ======================================================================
module              concern
==================  ======================================================================
``config``          :class:`SearchConfig` (one dataclass: types, help, choices, bounds), presets, YAML
``resolve``         config -> device, search space (the space declares its mutation), initial structure
``candidate``       :class:`Candidate` and the typed :class:`CandidateRecord` / :class:`Status`
``budgets``         named budgets, cheapest first, with typed :class:`Rejection` outcomes
``evaluator``       cache -> budgets -> scorer (:func:`score_structure` is a pure, picklable call)
``executor``        where jobs are scored: in the search process, local worker processes (``worker``)
``ray_executor``    ... or Ray actors (optional extra ``ray``)
``strategy``        :class:`EvolutionStrategy`: population, child generation (generations of K), RNG
``population``      the population (heap + index list)
``evolution``       :class:`EvolutionSearch`: composes the parts, applies each record
``runner``          save dir, signals, checkpoints, resume, stop criteria, outputs
``reporters``       callbacks: log line, TensorBoard, progress bar, plots
``outputs``         files of a save dir (candidates log, best, population, config, plots)
``checkpoint``      atomic checkpoint files and the RNG state
==================  ======================================================================
"""

from zennas.search.budgets import (
    Budget,
    BudgetSet,
    FlopsBudget,
    LatencyBudget,
    LatencyEstimator,
    LatencyPredictor,
    LayersBudget,
    MacBudget,
    MeasuredLatency,
    ParamsBudget,
    PeakBudget,
    Rejection,
    budgets_from_config,
)
from zennas.search.candidate import Candidate, CandidateRecord, Status
from zennas.search.config import ConfigError, SearchConfig, SearchError, build_config, load_yaml
from zennas.search.evaluator import Evaluator, Score, Scorer, ScoringSpec, derive_seed, score_structure
from zennas.search.evolution import EvolutionSearch
from zennas.search.population import Member, Population
from zennas.search.reporters import Reporter
from zennas.search.runner import Runner, SearchResult
from zennas.search.strategy import EvolutionStrategy


def run_search(config: SearchConfig | dict, **kw) -> SearchResult:
    """Run a search from a SearchConfig or a plain dict of config keys."""
    cfg = config if isinstance(config, SearchConfig) else build_config(("run_search", dict(config)))
    return EvolutionSearch(cfg, **kw).run()


__all__ = [
    "Budget", "BudgetSet", "Candidate", "CandidateRecord", "ConfigError", "Evaluator", "EvolutionSearch",
    "EvolutionStrategy", "FlopsBudget", "LatencyBudget", "LatencyEstimator", "LatencyPredictor", "LayersBudget",
    "MacBudget", "MeasuredLatency", "Member", "ParamsBudget", "PeakBudget", "Population", "Rejection", "Reporter",
    "Runner", "Score", "Scorer", "ScoringSpec", "SearchConfig", "SearchError", "SearchResult", "Status",
    "budgets_from_config", "build_config", "derive_seed", "load_yaml", "run_search", "score_structure",
]
