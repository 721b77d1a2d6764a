"""Grants on dossiers (Freigaben) and county-wide access rules from the command line."""

from __future__ import annotations

import click

from eakte.cli.context import App, pass_app
from eakte.records import grants as grant_service
from eakte.records.dossiers import get_dossier


def _as_dict(grant: grant_service.Grant) -> dict[str, object]:
    return {
        "id": grant.id,
        "unit": grant.unit_code,
        "user": grant.user_login,
        "access": grant.access,
        "granted_at": grant.granted_at,
        "granted_by": grant.granted_by,
        "note": grant.note,
    }


@click.group()
def grant() -> None:
    """Freigaben: Akten für weitere Einheiten oder Personen öffnen."""


@grant.command("add")
@click.argument("dossier_ref")
@click.option("--unit", default=None, help="Kürzel der Einheit, die lesen darf.")
@click.option("--user", "login", default=None, help="Anmeldename der Person, die lesen darf.")
@click.option("--write", is_flag=True, help="Auch ablegen und Vorgänge anlegen dürfen.")
@click.option("--note", default="", help="Vermerk, z. B. der Anlass.")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def grant_add(
    app: App,
    dossier_ref: str,
    unit: str | None,
    login: str | None,
    write: bool,
    note: str,
    as_json: bool,
) -> None:
    """Akte DOSSIER_REF für eine Einheit (--unit) oder eine Person (--user) freigeben."""
    with app.require_schema().write() as connection:
        created = grant_service.add_grant(
            connection, dossier_ref, app.actor, unit, login, "write" if write else "read", note
        )
    if as_json:
        app.emit_json(_as_dict(created))
    else:
        click.echo(f"Freigabe {created.id} für {created.grantee} erteilt.")


@grant.command("list")
@click.argument("dossier_ref")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def grant_list(app: App, dossier_ref: str, as_json: bool) -> None:
    """Freigaben einer Akte."""
    with app.require_schema().read() as connection:
        found = grant_service.list_grants(connection, get_dossier(connection, dossier_ref).id)
    if as_json:
        app.emit_json([_as_dict(g) for g in found])
        return
    for g in found:
        access = grant_service.ACCESS_LEVELS[g.access]
        click.echo(f"{g.id}\t{g.grantee}\t{access}\t{g.granted_by}\t{g.note}")


@grant.command("revoke")
@click.argument("dossier_ref")
@click.argument("grant_id", type=int)
@pass_app
def grant_revoke(app: App, dossier_ref: str, grant_id: int) -> None:
    """Freigabe GRANT_ID (siehe »eakte grant list«) einer Akte entziehen."""
    with app.require_schema().write() as connection:
        revoked = grant_service.revoke_grant(connection, dossier_ref, grant_id, app.actor)
    click.echo(f"Freigabe für {revoked.grantee} entzogen.")


@click.group()
def policy() -> None:
    """Landkreisweite Regeln für Leserechte."""


@policy.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def policy_list(app: App, as_json: bool) -> None:
    """Regeln und ihre Werte (superior_units_read: übergeordnete Einheiten lesen mit)."""
    with app.require_schema().read() as connection:
        values = grant_service.policy_values(connection)
    if as_json:
        app.emit_json(values)
        return
    for key, value in values.items():
        click.echo(f"{key}\t{value}")


@policy.command("set")
@click.argument("key")
@click.argument("value", type=click.Choice(["on", "off"]))
@pass_app
def policy_set(app: App, key: str, value: str) -> None:
    """Regel KEY ein- oder ausschalten (wird im Protokoll festgehalten)."""
    with app.require_schema().write() as connection:
        grant_service.set_policy(connection, key, value, app.actor)
    click.echo(f"{key} = {value}")


COMMANDS = (grant, policy)
