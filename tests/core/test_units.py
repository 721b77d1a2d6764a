import pytest

from eakte.core.records import Confidentiality
from eakte.core.units import descendants, validate_unit_code, would_create_cycle
from eakte.errors import ValidationError


def test_descendants_include_the_unit_and_everything_below() -> None:
    parents = {1: None, 2: 1, 3: 2, 4: 1, 5: None}
    assert descendants([2], parents) == {2, 3}
    assert descendants([1], parents) == {1, 2, 3, 4}
    assert descendants([], parents) == set()


def test_cycle_detection() -> None:
    parents = {1: None, 2: 1, 3: 2}
    assert would_create_cycle(1, 3, parents)
    assert not would_create_cycle(3, 1, parents)


def test_unit_codes() -> None:
    assert validate_unit_code(" BAU-1 ") == "BAU-1"
    with pytest.raises(ValidationError):
        validate_unit_code("Bau amt")


def test_confidentiality_levels() -> None:
    assert Confidentiality.parse("3") is Confidentiality.CONFIDENTIAL
    assert Confidentiality.parse("vertraulich") is Confidentiality.CONFIDENTIAL
    assert Confidentiality.parse(None) is Confidentiality.OPEN
    with pytest.raises(ValidationError):
        Confidentiality.parse("006")
