"""The server's routers, one per resource family, in the order the app includes them."""

from __future__ import annotations

from fastapi import APIRouter

from mineaction.api.routers import (
    collections,
    dashboard,
    field,
    items,
    landing,
    layers,
    maps,
    openrosa,
    reports,
    transactions,
    workflows,
)

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    landing.router,
    collections.router,
    items.router,
    transactions.router,
    workflows.router,
    maps.router,
    layers.router,
    dashboard.router,
    reports.router,
    openrosa.router,
    field.router,
)
