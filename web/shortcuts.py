"""Addresses people type that have no page of their own: `/analytics` is the analytics overview (at `/`)."""
from flask import Blueprint, redirect

bp = Blueprint("shortcuts", __name__)


@bp.get("/analytics")
@bp.get("/analytics/")
def analytics():
    return redirect("/", code=302)
