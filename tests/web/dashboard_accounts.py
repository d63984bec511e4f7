"""The dashboard tests' accounts: an authority, a verifier granted personal data (password and TOTP second
factor) and a viewer, and the TOTP codes a phone app would make for the verifier."""

from __future__ import annotations

import time
from pathlib import Path

PASSWORD = "SIMULATED horse battery staple"


class Accounts:
    """The test users' names and the verifier's TOTP secret (to make codes the way an app would)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.report = ""  # the operator's report waiting for approval, once submitted
        self.used = int(time.time() // 30)  # the enrolment used the current step

    def code(self) -> str:
        """A TOTP code of a step no sign-in has used yet (the server accepts each step once): the next step,
        waiting for the clock when that one is taken already."""
        import pyotp

        while (step := int(time.time() // 30) + 1) <= self.used:
            time.sleep(1)
        self.used = step
        return str(pyotp.TOTP(self.secret).at(step * 30))


def add_dashboard_accounts(store_path: Path) -> Accounts:
    import pyotp

    from mineaction.access import add_organisation, add_user, begin_totp, confirm_totp, grant
    from mineaction.store import open_store

    with open_store(store_path) as store:
        add_organisation(store, "ANAMA", kind="authority", name="National mine action agency")
        add_user(store, "vera", role="verifier", organisation="ANAMA", password=PASSWORD)
        enrolment = begin_totp(store, "vera")
        confirm_totp(store, "vera", pyotp.TOTP(enrolment.secret).now())
        grant(store, "vera", "read_personal")
        add_user(store, "ana", role="viewer", organisation="ANAMA", password=PASSWORD)
    return Accounts(enrolment.secret)


def submit_operator_report(store_path: Path) -> str:
    """An operator's report of one anti-personnel find in the middle of the districts, submitted (not yet
    approved): the id of the report, for a verifier to approve in the dashboard."""
    from datetime import date

    import geopandas as gpd
    import shapely

    from mineaction.access import Principal, add_organisation, add_user
    from mineaction.store import open_store
    from mineaction.workflows import submit_report

    with open_store(store_path) as store:
        add_organisation(store, "OPA", kind="operator", name="SIMULATED operator A")
        add_user(store, "olga", role="operator", organisation="OPA", password=PASSWORD)
        west, south, east, north = store.read("admin_areas").total_bounds
        find = gpd.GeoDataFrame(
            {"category": ["AP"], "found_on": [date(2025, 6, 1)], "depth_cm": [5.0]},
            geometry=[shapely.Point((west + east) / 2 + 0.0123, (south + north) / 2 + 0.0071)],
            crs=4326,
        )
        olga = Principal("olga", "operator", "OPA", via="session")
        sent = submit_report(
            store, olga, "finds", find, source_ref="SIMULATED field report 1", reason="weekly"
        )
    return sent.report_id
