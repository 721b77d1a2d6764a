import pytest

from eakte.core.fileplan import Disposition, parent_code, parse_plan_csv, parse_plan_json
from eakte.errors import ValidationError


def test_csv_with_english_header_is_sorted_parents_first() -> None:
    rows = parse_plan_csv(
        "code,title,retention_years,disposition,lead_unit\n"
        "63.1.2,Baugenehmigungsverfahren,30,B,BAU\n63,Bauordnung,,,\n63.1,Genehmigungen,,,\n"
    )
    assert [r.code for r in rows] == ["63", "63.1", "63.1.2"]
    assert rows[2].retention_years == 30
    assert rows[2].disposition is Disposition.APPRAISE
    assert rows[2].lead_unit == "BAU"


def test_german_header_semicolons_and_bom() -> None:
    rows = parse_plan_csv(
        "\ufeffKennzeichen;Titel;Aufbewahrungsfrist;Aussonderungsart;Federführung\n"
        "10;Verwaltung;10;vernichten;HA\n"
    )
    assert rows[0].disposition is Disposition.DESTROY


def test_json_list_and_object() -> None:
    items = '[{"code": "1", "title": "Eins", "retention_years": 5, "disposition": "A"}]'
    assert parse_plan_json(items)[0].retention_years == 5
    assert parse_plan_json('{"items": ' + items + "}")[0].code == "1"


@pytest.mark.parametrize(
    ("content", "part"),
    [
        ("a,b,c,d,e\n", "Kopfzeile"),
        ("code,title,retention_years,disposition,lead_unit\n", "keine Positionen"),
        ("code,title,retention_years,disposition,lead_unit\n1,,5,A,\n", "Titel"),
        ("code,title,retention_years,disposition,lead_unit\n1,X,fünf,A,\n", "ganze Zahl"),
        ("code,title,retention_years,disposition,lead_unit\n1,X,999,A,\n", "zwischen"),
        ("code,title,retention_years,disposition,lead_unit\n1,X,5,Q,\n", "Aussonderungsart"),
        ("code,title,retention_years,disposition,lead_unit\n1..2,X,5,A,\n", "ungültig"),
        ("code,title,retention_years,disposition,lead_unit\n1,X,,,\n1,Y,,,\n", "Zeile 2"),
    ],
)
def test_bad_rows_name_the_line(content: str, part: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_plan_csv(content)
    assert part in info.value.message


def test_bad_json() -> None:
    with pytest.raises(ValidationError):
        parse_plan_json("{not json")
    with pytest.raises(ValidationError):
        parse_plan_json('{"items": 3}')


def test_parent_code() -> None:
    assert parent_code("63.1.2") == "63.1"
    assert parent_code("63") is None
