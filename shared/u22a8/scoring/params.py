"""The parameters a model is trained with, as its artifact records them.

Defined here rather than in ``u22a8.training.search`` (which re-exports them) so that reading an
artifact's header, which validates them, does not import numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from .features import FeatureConfig

Weighting = Literal["uniform", "graded"]
WEIGHTINGS: tuple[Weighting, ...] = get_args(Weighting)
Prototypes = Literal["mean", "learned"]
PROTOTYPES: tuple[Prototypes, ...] = get_args(Prototypes)

#: Ridge penalty on the calibration slope. Calibration is monotonic, so it cannot change the rank
#: metrics that choose a candidate; it is therefore fixed rather than searched.
DEFAULT_CALIBRATION_L2 = 1.0
#: Inverse regularisation strength of learned prototypes when a caller gives none.
DEFAULT_C = 1.0
#: NBSVM's interpolation when a caller gives none: the fitted weights alone (Wang & Manning's
#: beta = 1), which is also what params written before the interpolation existed mean.
DEFAULT_NB_INTERPOLATION = 1.0


@dataclass(frozen=True, slots=True)
class TrainingParams:
    """Everything that decides what ``fit`` learns from a given set of samples.

    ``prototypes`` "mean": each class prototype is the class-balanced mean of its samples, and
    ``shrinkage`` soft-thresholds the high-minus-low difference by that multiple of its RMS
    (0 keeps every n-gram), ``centered`` measures cosines around the class-balanced mean, and
    ``weighting`` "graded" lets samples far from the threshold count more.
    ``prototypes`` "learned": the prototypes are +w and -w for weights w fitted to separate the
    classes (class-balanced logistic loss, graded labels as soft targets, L2 penalty with inverse
    strength ``c``); ``nb_weighted`` first scales every n-gram by its naive-Bayes log-count
    ratio (NBSVM), so the penalty favours n-grams that already separate the classes, and
    ``nb_interpolation`` (beta, in (0, 1]) mixes the fitted weights with the naive-Bayes ones as
    ``(1 - beta) * mean(|w|) + beta * w`` (Wang & Manning's interpolated NBSVM): on short, noisy
    texts mostly naive Bayes generalises better than the fit alone. The fields of the other kind
    must keep their defaults, so two params that are the same model are equal.
    """

    features: FeatureConfig = field(default_factory=FeatureConfig)
    shrinkage: float = 0.0
    centered: bool = True
    weighting: Weighting = "uniform"
    calibration_l2: float = DEFAULT_CALIBRATION_L2
    prototypes: Prototypes = "mean"
    c: float = DEFAULT_C
    nb_weighted: bool = False
    nb_interpolation: float = DEFAULT_NB_INTERPOLATION

    def __post_init__(self) -> None:
        if not self.shrinkage >= 0.0:
            raise ValueError("shrinkage must be >= 0")
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {WEIGHTINGS}")
        if not self.calibration_l2 > 0.0:
            raise ValueError("calibration_l2 must be > 0")
        if self.prototypes not in PROTOTYPES:
            raise ValueError(f"prototypes must be one of {PROTOTYPES}")
        if not 0.0 < self.c < float("inf"):
            raise ValueError("c must be a positive number")
        if self.learned:
            if self.shrinkage or self.centered or self.weighting != "uniform":
                raise ValueError(
                    "learned prototypes take no shrinkage, centring or weighting "
                    "(they are fitted to the labels themselves)"
                )
        elif self.c != DEFAULT_C or self.nb_weighted:
            raise ValueError("c and nb_weighted apply to learned prototypes only")
        if not 0.0 < self.nb_interpolation <= 1.0:
            raise ValueError("nb_interpolation must be in (0, 1]")
        if self.nb_interpolation != DEFAULT_NB_INTERPOLATION and not self.nb_weighted:
            raise ValueError("nb_interpolation applies to naive-Bayes-weighted learned prototypes")

    @property
    def learned(self) -> bool:
        """Whether the prototypes are fitted discriminatively rather than class means."""
        return self.prototypes == "learned"

    def describe(self) -> str:
        """What was chosen, in words a user can read (stored with the version as ``summary``)."""
        if self.learned:
            how = f"learned prototypes (class-balanced logistic fit, regularisation C = {self.c:g}"
            if self.nb_weighted:
                how += ", naive-Bayes-weighted n-grams"
            if self.nb_interpolation != DEFAULT_NB_INTERPOLATION:
                fitted = round(100 * self.nb_interpolation)
                how += f", interpolated: {fitted} % fitted + {100 - fitted} % naive-Bayes weights"
            how += ")"
        else:
            how = "class-mean prototypes"
            how += ", centred" if self.centered else ", not centred"
            if self.shrinkage:
                how += f", differences shrunk by {self.shrinkage:g} RMS"
            if self.weighting == "graded":
                how += ", samples far from the threshold weigh more"
        return f"{how}; features: {self.features.describe()}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, e.g. for the Step Functions Map state's items."""
        return {
            "features": self.features.to_dict(),
            "shrinkage": self.shrinkage,
            "centered": self.centered,
            "weighting": self.weighting,
            "calibration_l2": self.calibration_l2,
            "prototypes": self.prototypes,
            "c": self.c,
            "nb_weighted": self.nb_weighted,
            "nb_interpolation": self.nb_interpolation,
            "summary": self.describe(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingParams:
        """Inverse of :meth:`to_dict` (``summary`` is derived, so ignored); params written before
        learned prototypes existed read as class means. Bad values raise ValueError."""
        weighting = str(data["weighting"])
        if weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {WEIGHTINGS}")
        prototypes = str(data.get("prototypes", "mean"))
        if prototypes not in PROTOTYPES:
            raise ValueError(f"prototypes must be one of {PROTOTYPES}")
        return cls(
            features=FeatureConfig.from_dict(dict(data["features"])),
            shrinkage=float(data["shrinkage"]),
            centered=bool(data["centered"]),
            weighting="graded" if weighting == "graded" else "uniform",
            calibration_l2=float(data.get("calibration_l2", DEFAULT_CALIBRATION_L2)),
            prototypes="learned" if prototypes == "learned" else "mean",
            c=float(data.get("c", DEFAULT_C)),
            nb_weighted=bool(data.get("nb_weighted", False)),
            nb_interpolation=float(data.get("nb_interpolation", DEFAULT_NB_INTERPOLATION)),
        )
