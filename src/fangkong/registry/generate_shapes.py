"""The shapes of family households (single, couple, with children, three generations …).

Each shape draws its members' ages, sexes and surnames and returns them as specs, the head of
household first; `generate.py` turns specs into persons with names, ID numbers and phones.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any, TypeVar

from fangkong.registry import generate_data as data
from fangkong.registry.codes import Relation

HEAD, SPOUSE, CHILD = Relation.HEAD.value, Relation.SPOUSE.value, Relation.CHILD.value
PARENT, OTHER = Relation.PARENT.value, Relation.OTHER.value
Spec = tuple[str, int, bool, str, bool]  # relation, age, male, surname, shares the head's code
T = TypeVar("T")


class Draw:
    """Draws from one random stream: weighted (by bisection of cumulative weights), ages, names."""

    def __init__(self, rng: random.Random) -> None:
        self.random = rng.random
        self.cumulative: dict[object, tuple[list[float], float, Sequence[Any]]] = {}
        self.surnames = [(char, float(weight)) for chunk, weight in data.SURNAMES
                         for char in chunk]

    def weighted(self, key: object, pairs: Callable[[], Sequence[tuple[T, float]]]) -> T:
        """One item of `pairs` (item, weight), whose table is built once under `key`."""
        table = self.cumulative.get(key)
        if table is None:
            items = pairs()
            weights = list(accumulate(weight for _, weight in items))
            table = self.cumulative[key] = (weights, weights[-1], [item for item, _ in items])
        item: T = table[2][bisect(table[0], self.random() * table[1])]
        return item

    def pick(self, items: Sequence[str]) -> str:
        return items[int(self.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def age(self, low: int, high: int) -> int:
        """An age in [low, high] drawn from the city's age pyramid."""
        high = min(high, data.MAX_AGE)
        return self.weighted((low, high), lambda: [
            (age, data.AGE_BANDS[age // 5]) for age in range(low, high + 1)])

    def surname(self) -> str:
        if self.random() < data.COMPOUND_SHARE:
            return self.pick(data.COMPOUND_SURNAMES)
        return self.weighted("surname", lambda: self.surnames)


def _gap(p: Draw) -> int:
    """How much older a husband is than his wife."""
    return p.between(-2, 6)


def _couple(p: Draw, husband: int, wife: int) -> tuple[list[Spec], str]:
    """A married couple (the husband heads three households of four) and his surname."""
    surname, same_code = p.surname(), p.random() < 0.5
    husband, wife = min(husband, data.MAX_AGE), min(wife, data.MAX_AGE)
    if p.random() < 0.75:
        return [(HEAD, husband, True, surname, True),
                (SPOUSE, wife, False, p.surname(), same_code)], surname
    return [(HEAD, wife, False, p.surname(), True),
            (SPOUSE, husband, True, surname, same_code)], surname


def _child(p: Draw, age: int, surname: str, relation: str = CHILD) -> Spec:
    return (relation, age, p.random() < data.MALE_CHILD_SHARE, surname, True)


def _single_elderly(p: Draw) -> list[Spec]:
    return [(HEAD, p.age(60, data.MAX_AGE), p.random() < 0.35, p.surname(), True)]


def _single_adult(p: Draw) -> list[Spec]:
    return [(HEAD, p.age(18, 59), p.random() < 0.57, p.surname(), True)]


def _couple_elderly(p: Draw) -> list[Spec]:
    husband = p.age(60, 100)
    return _couple(p, husband, max(husband - _gap(p), 55))[0]


def _couple_alone(p: Draw) -> list[Spec]:
    husband = p.age(22, 59)
    return _couple(p, husband, max(husband - _gap(p), 20))[0]


def _couple_child(p: Draw) -> list[Spec]:
    child = p.age(0, 26)
    mother = child + p.between(22, 35)
    specs, surname = _couple(p, mother + _gap(p), mother)
    return [*specs, _child(p, child, surname)]


def _couple_children(p: Draw) -> list[Spec]:
    first = p.age(1, 26)
    mother = first + p.between(22, 33)
    specs, surname = _couple(p, mother + _gap(p), mother)
    second = max(first - p.between(1, 8), 0)
    return [*specs, _child(p, first, surname), _child(p, second, surname)]


def _single_parent(p: Draw) -> list[Spec]:
    child, surname = p.age(0, 25), p.surname()
    parent = (HEAD, child + p.between(22, 38), p.random() < 0.25, surname, True)
    return [parent, _child(p, child, surname)]


def _elders(p: Draw, oldest: int, surname: str, relation: str) -> list[Spec]:
    """One or two old people, the man carrying `surname`."""
    if p.random() < 0.55:
        return [(relation, oldest, True, surname, True),
                (relation, min(max(oldest - _gap(p), 50), data.MAX_AGE), False, p.surname(),
                 True)]
    male = p.random() < 0.3
    return [(relation, oldest, male, surname if male else p.surname(), True)]


def _three_generations(p: Draw) -> list[Spec]:
    """Grandparents, parents and children; the father heads it, or a grandparent does."""
    child = p.age(0, 14)
    mother = child + p.between(22, 33)
    father = min(mother + _gap(p), data.MAX_AGE)
    surname = p.surname()
    grandparents = _elders(p, min(father + p.between(22, 32), data.MAX_AGE), surname,
                           PARENT)
    children = [child] + ([max(child - p.between(1, 6), 0)] if p.random() < 0.25 else [])
    if p.random() < 0.7:
        return [(HEAD, father, True, surname, True),
                (SPOUSE, mother, False, p.surname(), p.random() < 0.5), *grandparents,
                *(_child(p, age, surname) for age in children)]
    head, *spouse = grandparents
    return [(HEAD, *head[1:]), *((SPOUSE, *item[1:]) for item in spouse),
            (CHILD, father, True, surname, True), (OTHER, mother, False, p.surname(), False),
            *(_child(p, age, surname, OTHER) for age in children)]


def _elder_with_child(p: Draw) -> list[Spec]:
    """Old parents living with a grown-up child (and the child's spouse)."""
    surname, oldest = p.surname(), p.age(70, data.MAX_AGE)
    child_age, child_male = max(oldest - p.between(22, 35), 25), p.random() < 0.5
    elders = _elders(p, oldest, surname, PARENT)
    adult = [(HEAD, child_age, child_male, surname, True)]
    if p.random() < 0.5:
        adult.append((SPOUSE, max(child_age - _gap(p), 22), not child_male, p.surname(), False))
    if p.random() < 0.6:
        return adult + elders
    head, *spouse = elders
    return [(HEAD, *head[1:]), *((SPOUSE, *item[1:]) for item in spouse),
            (CHILD, *adult[0][1:]), *((OTHER, *item[1:]) for item in adult[1:])]


FAMILY_SHAPES: dict[str, Callable[[Draw], list[Spec]]] = {
    "single_elderly": _single_elderly, "single_adult": _single_adult,
    "couple_elderly": _couple_elderly, "couple": _couple_alone, "couple_child": _couple_child,
    "couple_children": _couple_children, "single_parent": _single_parent,
    "three_generations": _three_generations, "elder_with_child": _elder_with_child,
}
