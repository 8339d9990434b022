"""Dated instruments laid out on a year axis, for a timeline drawn in HTML and CSS."""

import datetime
from dataclasses import dataclass


@dataclass
class Bar:
    instrument: object
    left: float  # percent of the axis
    width: float  # percent of the axis
    open_ended: bool
    planned: bool = False  # its end is announced ("concluirá…"), not a fact


class Timeline:
    """Each instrument spans its period; one with no end runs to the edge of the axis,
    drawn as open-ended. The axis covers whole years, from the earliest start to the
    latest date known."""

    MIN_WIDTH = 0.8  # percent, so a one-day instrument stays visible

    def __init__(self, instruments, first=None, last=None):
        """`first` and `last`, the earliest and latest dates of the axis, default to those
        of `instruments`; a page of a longer list passes the whole list's."""
        instruments = [item for item in instruments if item.start_date]
        self.bars = []
        self.years = []
        if not instruments:
            return
        first_year = (first or min(item.start_date for item in instruments)).year
        last_year = (last or max(item.end_date or item.start_date for item in instruments)).year
        self.years = list(range(first_year, last_year + 1))
        origin = datetime.date(first_year, 1, 1)
        span = (datetime.date(last_year + 1, 1, 1) - origin).days
        for item in instruments:
            start = (item.start_date - origin).days / span * 100
            end = (((item.end_date - origin).days + 1) / span * 100) if item.end_date else 100.0
            width = max(end - start, self.MIN_WIDTH)
            self.bars.append(
                Bar(
                    item,
                    round(start, 3),
                    round(min(width, 100 - start), 3),
                    open_ended=not item.end_date,
                    planned=bool(item.end_date) and item.planned_end,
                )
            )

    @property
    def ticks(self):
        """Year labels with their position; every year when few, else every few years."""
        step = 1 if len(self.years) <= 12 else 2 if len(self.years) <= 24 else 5
        count = len(self.years)
        return [
            (year, round(index / count * 100, 3))
            for index, year in enumerate(self.years)
            if index % step == 0
        ]
