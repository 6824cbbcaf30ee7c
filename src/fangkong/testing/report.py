"""Testing's columns of the daily report: tubes collected and results reported that day, the
positive results among them, and the persons newly on the positive list (daily counters)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fangkong.i18n import N_
from fangkong.reports.sections import Column, Figures, Section
from fangkong.settings import Settings
from fangkong.testing.figures import testing_figures

RESULTS = ("results_negative", "results_positive", "results_invalid")


def report_figures(
    session: Session, settings: Settings, prefix: str, digits: int, day: date
) -> Figures:
    return {code: {"samples_taken": row.get("samples_taken", 0),
                   "results": sum(row.get(key, 0) for key in RESULTS),
                   "results_positive": row.get("results_positive", 0),
                   "positives_new": row.get("positives_new", 0)}
            for code, row in testing_figures(session, settings, prefix, digits, day).items()}


SECTION = Section(
    key="testing",
    label=N_("Nucleic acid testing"),
    columns=(
        Column("samples_taken", N_("Samples taken")),
        Column("results", N_("Results added")),
        Column("results_positive", N_("Positive results"), higher_is_worse=True),
        Column("positives_new", N_("New positives"), headline=True, higher_is_worse=True),
    ),
    figures=report_figures,
    activity_metrics=("samples.taken",),
)
